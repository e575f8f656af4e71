#include "gateway/server/audit_api.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <functional>
#include <sstream>

#include "crypto/byte_stream.h"
#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "gateway/audit/merkle_tree.h"
// Before cpprest (strict_json.h), whose U() macro breaks Boost headers included after it.
#include "gateway/server/api_router.h"
//
#include "gateway/common/strict_json.h"  // ParseHexDigest; cpprest JSON
#include "tests/policies/policy_fixture.h"
#include "tests/support/sqlite_exec.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace adtgw {
namespace {

using ::testing::Not;

// Parties of PolicyFixture::StandardYaml().
constexpr char kSupplierOne[] = "00-00-00-00-00-00-00-01";
constexpr char kSupplierTwo[] = "00-00-00-00-00-00-00-02";
constexpr char kDcc[] = "00-00-00-00-00-00-00-04";
constexpr char kAuditor[] = "00-00-00-00-00-00-00-7F";

constexpr std::time_t kT = 1704067200;  // 2024-01-01T00:00:00Z
constexpr std::time_t kHour = 3600;

Eui64 E(const char* text) { return Eui64::Parse(text).value(); }

AuditEntry Entry(std::time_t at, const char* event, const char* actor, const char* sender,
                 const char* type, const char* transfer) {
  AuditEntry e;
  e.at = at;
  e.event = event;
  if (actor != nullptr) e.actor = E(actor);
  if (sender != nullptr) {
    e.sender = E(sender);
    e.recipients = {E(kDcc)};
  }
  if (type != nullptr) e.file_type = type;
  if (transfer != nullptr) e.transfer_id = transfer;
  return e;
}

// The log holds six entries, in two batches (checkpoints of size 3 and 6):
// (t1, t2: transfer ids a1a1..., b2b2...)
//   0  T     transfer.offered        supplier one -> DCC  adt              t1
//   1  T+1h  envelope.stored         supplier one -> DCC  adt              t1
//   2  T+2h  transfer.offered        supplier two -> DCC  exit-quarantine  t2
//   3  T+3h  envelope.downloaded     by the DCC           adt              t1
//   4  T+4h  gateway.started
//   5  T+5h  transfer.acknowledged   by the DCC           adt              t1
class AuditApiTest : public ::testing::Test {
 protected:
  AuditApiTest() {
    policy_ = fixture_.Parse(testing::PolicyFixture::StandardYaml()).value();
    log_ = AuditLog::Open(Path(), LogSigner::FromKey(key_.get(), "adtgw.test/log").value()).value();
    entries_ = {
        Entry(kT, audit_event::kTransferOffered, kSupplierOne, kSupplierOne, "adt",
              "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"),
        Entry(kT + kHour, audit_event::kEnvelopeStored, kSupplierOne, kSupplierOne, "adt",
              "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"),
        Entry(kT + 2 * kHour, audit_event::kTransferOffered, kSupplierTwo, kSupplierTwo,
              "exit-quarantine", "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"),
        Entry(kT + 3 * kHour, audit_event::kEnvelopeDownloaded, kDcc, kSupplierOne, "adt",
              "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"),
        Entry(kT + 4 * kHour, audit_event::kGatewayStarted, nullptr, nullptr, nullptr, nullptr),
        Entry(kT + 5 * kHour, audit_event::kTransferAcknowledged, kDcc, kSupplierOne, "adt",
              "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"),
    };
    entries_[0].outcome = entries_[2].outcome = entries_[5].outcome = "accepted";
    EXPECT_THAT(log_->AppendAll({entries_.begin(), entries_.begin() + 3}), IsOk());
    at_three_ = log_->Latest();
    EXPECT_EQ(at_three_.checkpoint.size, 3u);
    EXPECT_THAT(log_->AppendAll({entries_.begin() + 3, entries_.end()}), IsOk());
    EXPECT_EQ(log_->Latest().checkpoint.size, 6u);
    api_ = std::make_unique<AuditApi>(*log_);
  }

  std::string Path() const { return dir_.path() + "/audit.db"; }

  Caller As(const char* eui) {
    Caller c;
    c.policy = policy_;
    c.eui64 = E(eui);
    c.party = policy_->party_by_eui.at(c.eui64);
    c.peer.subject = "CN=test";
    return c;
  }
  Caller Auditor() { return As(kAuditor); }

  // A GET of `target` routed as the gateway routes it (the route table, then the row's
  // audit resource), without a network. Recording refusals is the router's part
  // (tests/gateway/server/api_router_test.cc).
  Result<ApiResponse> Get(const std::string& target, const Caller& caller, bool auditor_listener,
                          AuditApi* api = nullptr) {
    if (api == nullptr) api = api_.get();
    const Route<RouteHandler>* refused = nullptr;
    RouteRequest request{"GET", target,
                         auditor_listener ? Listener::kAuditors : Listener::kParties};
    ADTGW_ASSIGN(RouteMatch<RouteHandler> match, ApiRouter::Resolve(request, caller, &refused));
    if (match.route->audit == nullptr) {
      return MakeError(ErrorKind::kInternal, "test.not_audit", target + " is not an audit route");
    }
    return (api->*(match.route->audit))(AuditRequest{match.query, match.param});
  }
  Caller Supplier() { return As(kSupplierOne); }

  // A GET that must succeed (and logs nothing).
  ApiResponse Ok(const std::string& target, const Caller& caller, bool auditor_listener) {
    const uint64_t before = Size();
    auto r = Get(target, caller, auditor_listener);
    EXPECT_THAT(r, IsOk()) << target;
    EXPECT_EQ(Size(), before) << target << ": an answer is not an event";
    if (!r.ok()) return ApiResponse{0, "", "", {}};
    EXPECT_EQ(r->status, 200);
    return *r;
  }

  // The chunks of a streamed answer, to its end (failing the test if it breaks).
  static std::vector<std::string> Chunks(const ApiResponse& r) {
    std::vector<std::string> chunks;
    EXPECT_TRUE(r.body.empty()) << "a streamed answer has no body of its own";
    if (!r.next_chunk) {
      ADD_FAILURE() << "not a streamed answer";
      return chunks;
    }
    auto next = r.next_chunk;  // a copy: the answer is const
    for (;;) {
      auto chunk = next();
      if (!chunk.ok()) {
        ADD_FAILURE() << "the stream broke: " << chunk.error().code << ": "
                      << chunk.error().message;
        return chunks;
      }
      if (chunk->empty()) break;
      EXPECT_LE(chunk->size(), AuditApi::kChunkCapacity);
      EXPECT_EQ(chunk->back(), '\n') << "a chunk ends with a whole line";
      chunks.emplace_back(*chunk);
    }
    // The end stays the end.
    auto after = next();
    EXPECT_TRUE(after.ok() && after->empty());
    return chunks;
  }

  // The whole body of a streamed answer.
  static std::string Streamed(const ApiResponse& r) {
    std::string body;
    for (const std::string& chunk : Chunks(r)) body += chunk;
    return body;
  }

  static std::vector<std::string> LinesOf(const std::string& body) {
    std::vector<std::string> lines;
    std::istringstream in(body);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

  // How many lines each chunk of an /v1/audit/entries answer holds.
  std::vector<size_t> LinesPerChunk(const std::string& target) {
    std::vector<size_t> out;
    for (const std::string& chunk : Chunks(Ok(target, Auditor(), true))) {
      out.push_back(static_cast<size_t>(std::count(chunk.begin(), chunk.end(), '\n')));
    }
    return out;
  }

  // Appends `n` more entries (in one batch); entries_ holds every entry of the log.
  void Grow(size_t n) {
    std::vector<AuditEntry> more;
    for (size_t i = 0; i < n; ++i) {
      const std::time_t at = kT + static_cast<std::time_t>(entries_.size() + i) * 60;
      more.push_back(Entry(at, audit_event::kEnvelopeDownloaded, kDcc, kSupplierOne, "adt",
                           "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"));
    }
    ASSERT_THAT(log_->AppendAll(more), IsOk());
    entries_.insert(entries_.end(), more.begin(), more.end());
  }

  // The line /v1/audit/entries gives for entry `index` of entries_.
  std::string LineOf(uint64_t index) const {
    const std::string entry = AuditEntryToJson(entries_.at(index));
    return std::to_string(index) + " " + ToHex(merkle::LeafHash(AsBytes(entry))) + " " + entry;
  }

  // The lines of entries_ [from, end).
  std::vector<std::string> LinesFrom(uint64_t from, uint64_t end) const {
    std::vector<std::string> out;
    for (uint64_t i = from; i < end; ++i) out.push_back(LineOf(i));
    return out;
  }

  static web::json::value Json(const ApiResponse& r) {
    EXPECT_EQ(r.content_type, "application/json");
    return web::json::value::parse(r.body);
  }

  // A GET that must be refused with `code` (the router records it, not the resource).
  void ExpectRefused(const std::string& target, const Caller& caller, bool auditor_listener,
                     const std::string& code) {
    SCOPED_TRACE(target + (auditor_listener ? " (auditors' listener)" : " (parties' listener)"));
    const uint64_t before = Size();
    auto r = Get(target, caller, auditor_listener);
    ASSERT_THAT(r, StatusIs(code)) << "answered " << r->body.substr(0, 200);
    EXPECT_FALSE(r.error().message.empty());
    EXPECT_EQ(Size(), before) << "a resource answers; the router records refusals";
  }

  uint64_t Size() { return log_->Latest().checkpoint.size; }

  // The indices of a /v1/audit/query answer, and whether it was truncated.
  std::pair<std::vector<uint64_t>, bool> Query(const std::string& params) {
    ApiResponse r = Ok("/v1/audit/query?" + params, Auditor(), true);
    std::pair<std::vector<uint64_t>, bool> out;
    if (r.status != 200) return out;
    web::json::value v = Json(r);
    std::vector<cjson::Text> items;
    for (const auto& item : v.at("entries").as_array()) {
      uint64_t index = item.at("index").as_number().to_uint64();
      out.first.push_back(index);
      // The entry is the stored one, byte for byte.
      if (index < entries_.size()) {
        EXPECT_EQ(item.at("entry").as_string(), AuditEntryToJson(entries_[index]));
      }
      items.push_back(cjson::Object({{"entry", cjson::String(item.at("entry").as_string())},
                                     {"index", cjson::Integer(index)}}));
    }
    out.second = v.at("truncated").as_bool();
    // The answer is written in place rather than with cjson (audit_api.cc): it is still
    // the canonical encoding of what it says.
    EXPECT_EQ(r.body, cjson::Object({{"entries", cjson::Array(std::move(items))},
                                     {"truncated", cjson::Bool(out.second)}}));
    return out;
  }

  testing::TempDir dir_{"adtgw-audit-api"};
  testing::PolicyFixture fixture_;
  std::shared_ptr<const Policy> policy_;
  EvpPkeyPtr key_ = GenerateKey(KeyType::kP256).value();
  std::unique_ptr<AuditLog> log_;
  std::vector<AuditEntry> entries_;
  SignedCheckpoint at_three_;
  std::unique_ptr<AuditApi> api_;
};

TEST_F(AuditApiTest, EveryPartyReadsTheLatestCheckpointOnEitherListener) {
  for (const char* who : {kSupplierOne, kDcc, kAuditor}) {
    for (bool auditor_listener : {false, true}) {
      SCOPED_TRACE(std::string(who) + (auditor_listener ? " auditors'" : " parties'"));
      ApiResponse r = Ok("/v1/audit/checkpoint", As(who), auditor_listener);
      EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
      EXPECT_EQ(r.body, log_->Latest().note);
      auto checkpoint = log_->verifier().Verify(r.body);
      ASSERT_THAT(checkpoint, IsOk());
      EXPECT_EQ(checkpoint->size, 6u);
    }
  }
}

TEST_F(AuditApiTest, EveryPartyGetsConsistencyProofsThatVerify) {
  const SignedCheckpoint head = log_->Latest();
  for (bool auditor_listener : {false, true}) {
    ApiResponse r = Ok("/v1/audit/consistency?from=3&to=6", Supplier(), auditor_listener);
    web::json::value v = Json(r);
    EXPECT_EQ(v.at("from").as_number().to_uint64(), 3u);
    EXPECT_EQ(v.at("to").as_number().to_uint64(), 6u);
    std::vector<Sha256Digest> proof;
    for (const auto& h : v.at("proof").as_array()) {
      auto d = ParseHexDigest(h.as_string());
      ASSERT_TRUE(d.has_value()) << h.as_string();
      proof.push_back(*d);
    }
    ASSERT_FALSE(proof.empty());
    Status consistent =
        merkle::VerifyConsistency(3, 6, at_three_.checkpoint.root, head.checkpoint.root, proof);
    EXPECT_THAT(consistent, IsOk());
    // ... and proves only that: another old root does not verify.
    Sha256Digest other = at_three_.checkpoint.root;
    other[0] ^= 1;
    EXPECT_THAT(merkle::VerifyConsistency(3, 6, other, head.checkpoint.root, proof), Not(IsOk()));
  }
  // Beyond the head, or without its parameters: refused (and logged).
  ExpectRefused("/v1/audit/consistency?from=3&to=7", Supplier(), false, "audit.beyond_head");
  ExpectRefused("/v1/audit/consistency?from=3", Supplier(), false, "audit.bad_query");
}

TEST_F(AuditApiTest, TheRestIsForAuditorsOnTheAuditorsListenerOnly) {
  const std::string targets[] = {
      "/v1/audit/inclusion?index=4&size=6",
      "/v1/audit/entries",
      "/v1/audit/entries?from=2&limit=2",
      "/v1/audit/checkpoints",
      "/v1/audit/query?party=" + std::string(kDcc),
      "/v1/audit/transfers/a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1",
  };
  for (const std::string& target : targets) {
    SCOPED_TRACE(target);
    ExpectRefused(target, Supplier(), false, "audit.auditor_listener_only");
    ExpectRefused(target, Auditor(), false, "audit.auditor_listener_only");
    ExpectRefused(target, Supplier(), true, "audit.not_auditor");
    ExpectRefused(target, As(kDcc), true, "audit.not_auditor");
    Ok(target, Auditor(), true);
  }
  // An unknown resource is no way around the listener rule.
  ExpectRefused("/v1/audit/nothing", Auditor(), false, "audit.auditor_listener_only");
  ExpectRefused("/v1/audit/nothing", Auditor(), true, "http.no_route");
}

TEST_F(AuditApiTest, InclusionProofsVerify) {
  const SignedCheckpoint head = log_->Latest();
  for (uint64_t index = 0; index < 6; ++index) {
    SCOPED_TRACE(index);
    ApiResponse r =
        Ok("/v1/audit/inclusion?index=" + std::to_string(index) + "&size=6", Auditor(), true);
    web::json::value v = Json(r);
    EXPECT_EQ(v.at("index").as_number().to_uint64(), index);
    EXPECT_EQ(v.at("size").as_number().to_uint64(), 6u);
    std::vector<Sha256Digest> proof;
    for (const auto& h : v.at("proof").as_array()) proof.push_back(*ParseHexDigest(h.as_string()));
    Sha256Digest leaf = merkle::LeafHash(AsBytes(AuditEntryToJson(entries_[index])));
    EXPECT_THAT(merkle::VerifyInclusion(index, 6, leaf, proof, head.checkpoint.root), IsOk());
    Sha256Digest other = merkle::LeafHash(AsBytes(AuditEntryToJson(entries_[(index + 1) % 6])));
    EXPECT_THAT(merkle::VerifyInclusion(index, 6, other, proof, head.checkpoint.root), Not(IsOk()));
  }
}

TEST_F(AuditApiTest, EntriesAreIndexLeafHashAndEntryLines) {
  ApiResponse all = Ok("/v1/audit/entries", Auditor(), true);
  EXPECT_EQ(all.content_type, "text/plain; charset=utf-8");
  const std::string body = Streamed(all);
  ASSERT_FALSE(body.empty());
  EXPECT_EQ(body.back(), '\n');
  std::vector<std::string> lines = LinesOf(body);
  ASSERT_EQ(lines.size(), 6u);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string entry = AuditEntryToJson(entries_[i]);
    EXPECT_EQ(lines[i],
              std::to_string(i) + " " + ToHex(merkle::LeafHash(AsBytes(entry))) + " " + entry);
  }
  std::vector<std::string> page =
      LinesOf(Streamed(Ok("/v1/audit/entries?from=2&limit=3", Auditor(), true)));
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[0], lines[2]);
  EXPECT_EQ(page[2], lines[4]);
  EXPECT_TRUE(Chunks(Ok("/v1/audit/entries?from=6", Auditor(), true)).empty());
  EXPECT_EQ(LinesOf(Streamed(Ok("/v1/audit/entries?limit=10000", Auditor(), true))), lines);
  // No page cap: any positive limit, however large.
  EXPECT_EQ(LinesOf(Streamed(Ok("/v1/audit/entries?limit=10001", Auditor(), true))), lines);
  EXPECT_EQ(
      LinesOf(Streamed(Ok("/v1/audit/entries?from=1&limit=9223372036854775808", Auditor(), true))),
      LinesFrom(1, 6));
  EXPECT_EQ(LinesOf(Streamed(Ok("/v1/audit/entries?limit=18446744073709551615", Auditor(), true))),
            lines);
  // Past the end, and past what SQLite's signed integers hold: nothing (not row 0 on).
  for (const char* from :
       {"7", "9223372036854775807", "9223372036854775808", "18446744073709551615"}) {
    SCOPED_TRACE(from);
    EXPECT_TRUE(Chunks(Ok("/v1/audit/entries?from=" + std::string(from), Auditor(), true)).empty());
  }
}

// 2,500 rows: kEntriesBatch (1000) rows a chunk, each batch read on its own.
TEST_F(AuditApiTest, EntriesStreamABatchAChunkAndMakeUpTheRows) {
  ASSERT_EQ(AuditApi::kEntriesBatch, 1000u);
  Grow(2494);
  ASSERT_EQ(Size(), 2500u);
  using Counts = std::vector<size_t>;
  std::vector<std::string> chunks = Chunks(Ok("/v1/audit/entries", Auditor(), true));
  ASSERT_EQ(chunks.size(), 3u);
  std::string body;
  for (const std::string& chunk : chunks) body += chunk;
  EXPECT_EQ(LinesOf(body), LinesFrom(0, 2500));
  EXPECT_EQ(LinesOf(chunks[1]).front(), LineOf(1000));
  EXPECT_EQ(LinesOf(chunks[2]).back(), LineOf(2499));
  EXPECT_EQ(LinesPerChunk("/v1/audit/entries"), (Counts{1000, 1000, 500}));

  // From the middle of a batch; a whole number of batches to the end.
  EXPECT_EQ(LinesPerChunk("/v1/audit/entries?from=1234"), (Counts{1000, 266}));
  EXPECT_EQ(LinesOf(Streamed(Ok("/v1/audit/entries?from=1234", Auditor(), true))),
            LinesFrom(1234, 2500));
  EXPECT_EQ(LinesPerChunk("/v1/audit/entries?from=500"), (Counts{1000, 1000}));
  EXPECT_EQ(LinesPerChunk("/v1/audit/entries?from=2499"), (Counts{1}));
  EXPECT_TRUE(LinesPerChunk("/v1/audit/entries?from=2500").empty());

  // A limit smaller than a batch, equal to one, larger, and larger than the log.
  EXPECT_EQ(LinesPerChunk("/v1/audit/entries?from=10&limit=7"), (Counts{7}));
  EXPECT_EQ(LinesOf(Streamed(Ok("/v1/audit/entries?from=10&limit=7", Auditor(), true))),
            LinesFrom(10, 17));
  EXPECT_EQ(LinesPerChunk("/v1/audit/entries?limit=1000"), (Counts{1000}));
  EXPECT_EQ(LinesPerChunk("/v1/audit/entries?from=1&limit=1000"), (Counts{1000}));
  EXPECT_EQ(LinesOf(Streamed(Ok("/v1/audit/entries?from=1&limit=1000", Auditor(), true))),
            LinesFrom(1, 1001));
  EXPECT_EQ(LinesPerChunk("/v1/audit/entries?from=100&limit=1500"), (Counts{1000, 500}));
  EXPECT_EQ(LinesOf(Streamed(Ok("/v1/audit/entries?from=100&limit=1500", Auditor(), true))),
            LinesFrom(100, 1600));
  EXPECT_EQ(LinesPerChunk("/v1/audit/entries?from=2000&limit=1500"), (Counts{500}));
  EXPECT_EQ(LinesPerChunk("/v1/audit/entries?limit=2500"), (Counts{1000, 1000, 500}));
}

TEST_F(AuditApiTest, AnEmptyLogStreamsAnEmptyBody) {
  auto empty = AuditLog::Open(dir_.path() + "/empty.db",
                              LogSigner::FromKey(key_.get(), "adtgw.test/log").value())
                   .value();
  AuditApi api(*empty);
  for (const char* target :
       {"/v1/audit/entries", "/v1/audit/entries?from=0&limit=1", "/v1/audit/entries?from=5"}) {
    SCOPED_TRACE(target);
    auto r = Get(target, Auditor(), true, &api);
    ASSERT_THAT(r, IsOk());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->content_type, "text/plain; charset=utf-8");
    EXPECT_TRUE(Chunks(*r).empty());
  }
  EXPECT_EQ(empty->Latest().checkpoint.size, 0u) << "an answer is not an event";
}

// Each batch is read when the stream reaches it, in its own transaction: what was
// appended meanwhile is part of the answer when no limit stops it first.
TEST_F(AuditApiTest, EntriesAppendedWhileStreamingAreIncluded) {
  Grow(1994);  // 2000 rows
  ApiResponse r = Ok("/v1/audit/entries?from=500", Auditor(), true);
  auto first = r.next_chunk();
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(LinesOf(std::string(*first)), LinesFrom(500, 1500));
  Grow(3);
  std::string rest;
  for (;;) {
    auto chunk = r.next_chunk();
    ASSERT_THAT(chunk, IsOk());
    if (chunk->empty()) break;
    rest += *chunk;
  }
  EXPECT_EQ(LinesOf(rest), LinesFrom(1500, 2003));
}

// A read that fails before the answer begins is refused; one that fails midway breaks
// the stream (an error, never a quiet end).
TEST_F(AuditApiTest, AFailedReadIsAnErrorNeverAShortAnswer) {
  Grow(2994);  // 3000 rows
  ApiResponse r = Ok("/v1/audit/entries", Auditor(), true);
  auto first = r.next_chunk();
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(LinesOf(std::string(*first)).size(), 1000u);
  testing::ExecSql(Path(), "ALTER TABLE audit_entries RENAME TO audit_entries_away");
  // The second batch is read only now, and finds no table.
  auto second = r.next_chunk();
  EXPECT_THAT(second, Not(IsOk()))
      << "the stream ended quietly after " << second->size() << " bytes";
  auto refused = Get("/v1/audit/entries?from=10", Auditor(), true);
  EXPECT_THAT(refused, Not(IsOk())) << "an unreadable log answered 200";
  testing::ExecSql(Path(), "ALTER TABLE audit_entries_away RENAME TO audit_entries");
  // The log is whole again, and so are answers.
  EXPECT_EQ(LinesOf(Streamed(Ok("/v1/audit/entries?from=2990", Auditor(), true))),
            LinesFrom(2990, 3000));
}

TEST_F(AuditApiTest, ARowAddedBehindTheLogsBackHasNoLeafHash) {
  constexpr char kForgedRow[] = R"sql(
INSERT INTO audit_entries (idx, at, event, transfer_id, file_type, entry)
  VALUES (6, 0, 'gateway.started', '', '', 'forged')
)sql";
  testing::ExecSql(Path(), kForgedRow);
  auto r = Get("/v1/audit/entries?from=5", Auditor(), true);
  ASSERT_THAT(r, IsOk());
  const std::string entry5 = AuditEntryToJson(entries_[5]);
  EXPECT_EQ(Streamed(*r),
            "5 " + ToHex(merkle::LeafHash(AsBytes(entry5))) + " " + entry5 + "\n6 - forged\n");
}

// A missing row is a gap in the answer, not its end, even where a batch begins.
TEST_F(AuditApiTest, AGapInTheRowsIsSkippedNotTheEnd) {
  Grow(2494);  // 2500 rows
  testing::ExecSql(Path(), "DELETE FROM audit_entries WHERE idx BETWEEN 990 AND 1010");
  std::vector<std::string> want = LinesFrom(0, 990);
  for (const std::string& line : LinesFrom(1011, 2500)) want.push_back(line);
  EXPECT_EQ(LinesOf(Streamed(Ok("/v1/audit/entries", Auditor(), true))), want);
  EXPECT_EQ(LinesPerChunk("/v1/audit/entries"), (std::vector<size_t>{1000, 1000, 479}));
  EXPECT_EQ(LinesOf(Streamed(Ok("/v1/audit/entries?from=995&limit=3", Auditor(), true))),
            LinesFrom(1011, 1014));
}

TEST_F(AuditApiTest, EveryCheckpointTheLogSigned) {
  web::json::value v = Json(Ok("/v1/audit/checkpoints", Auditor(), true));
  std::vector<uint64_t> sizes;
  std::string last;
  for (const auto& note : v.at("checkpoints").as_array()) {
    auto checkpoint = log_->verifier().Verify(note.as_string());
    ASSERT_THAT(checkpoint, IsOk());
    sizes.push_back(checkpoint->size);
    last = note.as_string();
  }
  EXPECT_EQ(sizes, (std::vector<uint64_t>{0, 3, 6}));
  EXPECT_EQ(last, log_->Latest().note);
  EXPECT_FALSE(v.at("truncated").as_bool());
  EXPECT_EQ(v.size(), 2u);
}

TEST_F(AuditApiTest, CheckpointsArePagedBySize) {
  // Checkpoints of sizes 0, 3, 6, then 7 to 10 one at a time.
  for (int i = 0; i < 4; ++i) Grow(1);
  auto page = [&](const std::string& params) {
    web::json::value v = Json(Ok("/v1/audit/checkpoints" + params, Auditor(), true));
    std::pair<std::vector<uint64_t>, bool> out;
    for (const auto& note : v.at("checkpoints").as_array()) {
      out.first.push_back(log_->verifier().Verify(note.as_string()).value().size);
    }
    out.second = v.at("truncated").as_bool();
    return out;
  };
  using Sizes = std::vector<uint64_t>;
  using Page = std::pair<Sizes, bool>;
  EXPECT_EQ(page(""), (Page{{0, 3, 6, 7, 8, 9, 10}, false}));
  EXPECT_EQ(page("?from=0"), (Page{{0, 3, 6, 7, 8, 9, 10}, false}));
  EXPECT_EQ(page("?limit=2"), (Page{{0, 3}, true}));
  EXPECT_EQ(page("?from=3&limit=2"), (Page{{3, 6}, true}));       // from is inclusive
  EXPECT_EQ(page("?from=4&limit=2"), (Page{{6, 7}, true}));       // ... and need not be a size
  EXPECT_EQ(page("?from=8&limit=3"), (Page{{8, 9, 10}, false}));  // exactly what is left
  EXPECT_EQ(page("?from=8&limit=2"), (Page{{8, 9}, true}));
  EXPECT_EQ(page("?from=10"), (Page{{10}, false}));
  EXPECT_EQ(page("?from=11"), (Page{{}, false}));
  EXPECT_EQ(page("?from=18446744073709551615"), (Page{{}, false}));
  EXPECT_EQ(page("?limit=10000"), (Page{{0, 3, 6, 7, 8, 9, 10}, false}));
  // Paging with from = the last size + 1 lists each checkpoint once.
  Sizes all;
  for (uint64_t from = 0;;) {
    Page p = page("?from=" + std::to_string(from) + "&limit=3");
    all.insert(all.end(), p.first.begin(), p.first.end());
    if (!p.second) break;
    from = p.first.back() + 1;
  }
  EXPECT_EQ(all, (Sizes{0, 3, 6, 7, 8, 9, 10}));
  for (const char* bad : {"?limit=0", "?limit=10001", "?limit=18446744073709551616", "?from=-1",
                          "?from=x", "?limit=", "?from=1&from=2", "?size=3"}) {
    ExpectRefused("/v1/audit/checkpoints" + std::string(bad), Auditor(), true, "audit.bad_query");
  }
}

TEST_F(AuditApiTest, QueriesFilterByPartyEventTypeAndTime) {
  using Indices = std::vector<uint64_t>;
  EXPECT_EQ(Query("party=" + std::string(kSupplierTwo)).first, (Indices{2}));
  EXPECT_EQ(Query("party=" + std::string(kDcc)).first, (Indices{0, 1, 2, 3, 5}));
  EXPECT_EQ(Query("party=" + std::string(kDcc) + "&event=transfer.offered").first, (Indices{0, 2}));
  EXPECT_EQ(Query("party=" + std::string(kDcc) + "&event=transfer.offered&type=adt").first,
            (Indices{0}));
  EXPECT_EQ(Query("event=transfer.offered").first, (Indices{0, 2}));
  EXPECT_EQ(Query("event=gateway.started").first, (Indices{4}));
  EXPECT_EQ(Query("type=exit-quarantine").first, (Indices{2}));
  EXPECT_EQ(Query("type=adt&event=envelope.stored").first, (Indices{1}));
  // since is inclusive, until exclusive.
  EXPECT_EQ(
      Query("since=" + FormatTime(kT + 2 * kHour) + "&until=" + FormatTime(kT + 5 * kHour)).first,
      (Indices{2, 3, 4}));
  EXPECT_EQ(Query("until=" + FormatTime(kT + kHour)).first, (Indices{0}));
  EXPECT_EQ(Query("party=" + std::string(kSupplierOne) + "&since=" + FormatTime(kT + kHour) +
                  "&until=" + FormatTime(kT + 4 * kHour))
                .first,
            (Indices{1, 3}));
  EXPECT_TRUE(Query("party=" + std::string(kAuditor)).first.empty());
  EXPECT_TRUE(Query("type=quarantine-report").first.empty());
  // %-escapes are decoded.
  EXPECT_EQ(Query("event=transfer%2Eoffered").first, (Indices{0, 2}));
  // limit, and whether more matched.
  auto two = Query("event=transfer.offered&limit=2");
  EXPECT_EQ(two.first, (Indices{0, 2}));
  EXPECT_FALSE(two.second);
  auto one = Query("event=transfer.offered&limit=1");
  EXPECT_EQ(one.first, (Indices{0}));
  EXPECT_TRUE(one.second);
  auto all = Query("until=" + FormatTime(kT + 6 * kHour));
  EXPECT_EQ(all.first, (Indices{0, 1, 2, 3, 4, 5}));
  EXPECT_FALSE(all.second);
  auto cut = Query("until=" + FormatTime(kT + 6 * kHour) + "&limit=5");
  EXPECT_EQ(cut.first, (Indices{0, 1, 2, 3, 4}));
  EXPECT_TRUE(cut.second);
}

TEST_F(AuditApiTest, ATransfersLifeComesWithProofsAgainstOneCheckpoint) {
  web::json::value v =
      Json(Ok("/v1/audit/transfers/a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", Auditor(), true));
  auto checkpoint = log_->verifier().Verify(v.at("checkpoint").as_string());
  ASSERT_THAT(checkpoint, IsOk());
  EXPECT_EQ(checkpoint->size, 6u);
  std::vector<uint64_t> indices;
  for (const auto& item : v.at("entries").as_array()) {
    uint64_t index = item.at("index").as_number().to_uint64();
    indices.push_back(index);
    const std::string entry = item.at("entry").as_string();
    ASSERT_LT(index, entries_.size());
    EXPECT_EQ(entry, AuditEntryToJson(entries_[index]));
    EXPECT_EQ(ParseAuditEntry(AsBytes(entry)).value().transfer_id,
              "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1");
    std::vector<Sha256Digest> proof;
    for (const auto& h : item.at("proof").as_array()) {
      proof.push_back(*ParseHexDigest(h.as_string()));
    }
    Status included = merkle::VerifyInclusion(
        index, checkpoint->size, merkle::LeafHash(AsBytes(entry)), proof, checkpoint->root);
    EXPECT_THAT(included, IsOk()) << index;
  }
  EXPECT_EQ(indices, (std::vector<uint64_t>{0, 1, 3, 5}));
  EXPECT_EQ(Json(Ok("/v1/audit/transfers/b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2", Auditor(), true))
                .at("entries")
                .size(),
            1u);
  ExpectRefused("/v1/audit/transfers/c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3", Auditor(), true,
                "audit.no_entries");
}

// Entries that belong to no transfer (gateway.started, refusals of malformed ids) are
// stored with an empty transfer id; asking for the transfer "" must not list them.
// A route's {id} segment is never empty, so an empty id finds no route (404 as before,
// with the route table's code); one of the wrong form reaches the resource.
TEST_F(AuditApiTest, AnEmptyTransferIdIsNoTransfer) {
  ExpectRefused("/v1/audit/transfers/", Auditor(), true, "http.no_route");
  ExpectRefused("/v1/audit/transfers/x", Auditor(), true, "audit.no_entries");
}

TEST_F(AuditApiTest, BadQueriesAreRefusedAndLogged) {
  const std::string bad[] = {
      "/v1/audit/query?color=red",                                    // unknown parameter
      "/v1/audit/query?event=gateway.started&event=gateway.started",  // twice
      "/v1/audit/query?limit=ten",                                    // not a number
      "/v1/audit/query?limit=-1",
      "/v1/audit/query?limit=1e3",
      "/v1/audit/query?limit=",
      "/v1/audit/query?limit=0",
      "/v1/audit/query?limit=10001",
      "/v1/audit/query?limit=99999999999999999999999",  // past uint64
      "/v1/audit/query?event=%zz",                      // bad %-escapes
      "/v1/audit/query?event=transfer.offered%2",
      "/v1/audit/query?event=%",
      "/v1/audit/query?type=adt%00",  // a NUL
      "/v1/audit/query?ty%00pe=adt",
      "/v1/audit/query?event=transfer.exploded",  // not an event
      "/v1/audit/query?event=",
      "/v1/audit/query?party",  // not key=value
      "/v1/audit/entries?from=abc",
      "/v1/audit/entries?from=0x10",
      "/v1/audit/entries?limit=0",
      "/v1/audit/entries?limit=-1",
      "/v1/audit/entries?limit=",
      "/v1/audit/entries?limit=18446744073709551616",  // past uint64
      "/v1/audit/entries?from=18446744073709551616",
      "/v1/audit/entries?offset=1",
      "/v1/audit/entries?from=1&from=2",
      "/v1/audit/inclusion?index=1",
      "/v1/audit/inclusion?index=1&size=6&x=1",
      "/v1/audit/checkpoints?all=1",
      "/v1/audit/checkpoints?limit=0",
      "/v1/audit/checkpoints?limit=10001",
      "/v1/audit/transfers/a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1?x=1",
      "/v1/audit/consistency?from=1&to=six",
      "/v1/audit/checkpoint?x=1",
  };
  for (const std::string& target : bad) {
    ExpectRefused(target, Auditor(), true, "audit.bad_query");
  }
  // On the parties' listener too, for what it serves there.
  ExpectRefused("/v1/audit/checkpoint?x=1", Supplier(), false, "audit.bad_query");
  ExpectRefused("/v1/audit/consistency?from=1&to=2&to=3", Supplier(), false, "audit.bad_query");
}

// Values of the right parameters that do not parse are refused as well (their codes
// are those of the parsers: input.bad_eui64, usage.bad_time).
TEST_F(AuditApiTest, UnreadablePartiesAndTimesAreRefused) {
  for (const char* target : {"/v1/audit/query?party=somebody", "/v1/audit/query?since=yesterday",
                             "/v1/audit/query?until=2024-13-45T99:00:00Z"}) {
    SCOPED_TRACE(target);
    const uint64_t before = Size();
    auto r = Get(target, Auditor(), true);
    ASSERT_THAT(r, Not(IsOk()));
    EXPECT_TRUE(r.error().kind == ErrorKind::kUsage || r.error().kind == ErrorKind::kInvalidInput)
        << r.error().code;
    EXPECT_EQ(Size(), before) << "a resource answers; the router records refusals";
  }
}

}  // namespace
}  // namespace adtgw
