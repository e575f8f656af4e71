#include "gateway/audit/audit_entry.h"

#include <gtest/gtest.h>

#include <map>

#include "crypto/byte_stream.h"
#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

using ::testing::Not;

Eui64 E(const char* text) { return Eui64::Parse(text).value(); }

AuditEntry Example() {
  AuditEntry e;
  e.at = 1764417600;  // 2025-11-29T12:00:00Z
  e.event = audit_event::kEnvelopeStored;
  e.actor = E("AD-7C-00-00-00-00-02-01");
  e.sender = E("AD-7C-00-00-00-00-02-01");
  e.recipients = {E("AD-7C-00-00-00-00-04-01")};
  e.transfer_id = "0123456789abcdef0123456789abcdef";
  e.file_type = "adt";
  e.envelope_sha256 = std::string(64, 'a');
  e.envelope_size = 1874;
  e.signer_issuer = "CN=adtgw demo SMKI issuing OCA,OU=07";
  e.signer_serial = "1a2b";
  e.policy_sha256 = std::string(64, 'c');
  e.rule = "users-send-adt-to-dcc";
  return e;
}

// docs/audit-log.md, "Entries": the example entry, byte for byte.
const char kExampleJson[] =
    "{\"actor\":\"AD-7C-00-00-00-00-02-01\",\"at\":\"2025-11-29T12:00:00Z\","
    "\"envelope_sha256\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
    "\"envelope_size\":1874,\"event\":\"envelope.stored\",\"file_type\":\"adt\","
    "\"policy_sha256\":\"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\","
    "\"recipients\":[\"AD-7C-00-00-00-00-04-01\"],\"rule\":\"users-send-adt-to-dcc\","
    "\"sender\":\"AD-7C-00-00-00-00-02-01\",\"signer_issuer\":\"CN=adtgw demo SMKI issuing "
    "OCA,OU=07\",\"signer_serial\":\"1a2b\",\"transfer_id\":\"0123456789abcdef0123456789abcdef\","
    "\"version\":1}";

TEST(AuditEntry, CanonicalFormMatchesTheVectorAndRoundTrips) {
  EXPECT_EQ(AuditEntryToJson(Example()), kExampleJson);
  auto parsed = ParseAuditEntry(AsBytes(kExampleJson));
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(*parsed, Example());
}

// The entry as cjson::Object encodes its members: the reference AuditEntryToJson's
// hand-ordered writer must match.
std::string ReferenceEncoding(const AuditEntry& e) {
  std::map<std::string, cjson::Text> m;
  m["at"] = cjson::String(FormatTime(e.at));
  m["event"] = cjson::String(e.event);
  m["version"] = cjson::Integer(1);
  const std::pair<const char*, const std::string*> texts[] = {
      {"address", &e.address},
      {"envelope_sha256", &e.envelope_sha256},
      {"file_type", &e.file_type},
      {"outcome", &e.outcome},
      {"peer", &e.peer},
      {"policy_sha256", &e.policy_sha256},
      {"reason", &e.reason},
      {"request", &e.request},
      {"rule", &e.rule},
      {"signer_issuer", &e.signer_issuer},
      {"signer_serial", &e.signer_serial},
      {"transfer_id", &e.transfer_id}};
  for (const auto& [key, value] : texts) {
    if (!value->empty()) m[key] = cjson::String(*value);
  }
  if (e.actor) m["actor"] = cjson::String(e.actor->ToString());
  if (e.sender) m["sender"] = cjson::String(e.sender->ToString());
  if (!e.recipients.empty()) {
    std::vector<cjson::Text> items;
    for (const Eui64& r : e.recipients) items.push_back(cjson::String(r.ToString()));
    m["recipients"] = cjson::Array(items, /*sort=*/true);
  }
  if (e.envelope_size) m["envelope_size"] = cjson::Integer(*e.envelope_size);
  if (e.count) m["count"] = cjson::Integer(*e.count);
  return cjson::Object(m);
}

TEST(AuditEntry, EncodingIsTheCanonicalObjectOfItsMembers) {
  std::vector<AuditEntry> cases;
  cases.push_back(Example());
  cases.push_back(AuditEntry{});  // nothing but at, event and version
  AuditEntry all = Example();
  all.outcome = "refused";
  all.reason = "policy.\"quoted\"\n";
  all.peer = "CN=\x01odd, O=x";
  all.request = "GET envelope";
  all.recipients = {E("AD-7C-00-00-00-00-04-02"), E("AD-7C-00-00-00-00-04-01"),
                    E("AD-7C-00-00-00-00-04-02")};
  all.envelope_size = 0;
  cases.push_back(all);
  AuditEntry some;
  some.at = 4102444799;  // 2099-12-31T23:59:59Z
  some.event = audit_event::kTlsClientRefused;
  some.peer = "CN=somebody";
  some.reason = "tls.unknown_ca";
  cases.push_back(some);
  AuditEntry only_parties;
  only_parties.event = audit_event::kRequestRefused;
  only_parties.sender = E("AD-7C-00-00-00-00-02-02");
  only_parties.actor = E("AD-7C-00-00-00-00-02-01");
  cases.push_back(only_parties);
  AuditEntry summary;
  summary.event = audit_event::kTlsHandshakesRefused;
  summary.address = "2001:db8::/64";
  summary.count = 1000;
  cases.push_back(summary);
  AuditEntry everything = all;
  everything.address = "other";
  everything.count = 0;
  cases.push_back(everything);
  for (const AuditEntry& e : cases) {
    EXPECT_EQ(AuditEntryToJson(e), ReferenceEncoding(e));
  }
}

TEST(AuditEntry, AHandshakeSummaryParsesBackToItself) {
  AuditEntry summary;
  summary.at = 1764417600;
  summary.event = audit_event::kTlsHandshakesRefused;
  summary.address = "192.0.2.7";
  summary.count = 1000;
  const std::string json = AuditEntryToJson(summary);
  EXPECT_EQ(json,
            "{\"address\":\"192.0.2.7\",\"at\":\"2025-11-29T12:00:00Z\",\"count\":1000,"
            "\"event\":\"tls.handshakes_refused\",\"version\":1}");
  auto parsed = ParseAuditEntry(AsBytes(json));
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(*parsed, summary);
}

TEST(AuditEntry, EmptyFieldsAreLeftOutAndPartiesAreNamedOnce) {
  AuditEntry e;
  e.at = 0;
  e.event = audit_event::kGatewayStarted;
  EXPECT_EQ(AuditEntryToJson(e),
            "{\"at\":\"1970-01-01T00:00:00Z\",\"event\":\"gateway.started\","
            "\"version\":1}");
  std::vector<Eui64> parties = Example().Parties();
  EXPECT_EQ(parties,
            (std::vector<Eui64>{E("AD-7C-00-00-00-00-02-01"), E("AD-7C-00-00-00-00-04-01")}));
}

TEST(AuditEntry, OnlyCanonicalKnownEntriesParse) {
  const std::string good = kExampleJson;
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? s : s.replace(at, from.size(), to);
  };
  const struct {
    const char* what;
    std::string text;
    const char* code;
  } cases[] = {
      {"unknown event", replaced("envelope.stored", "envelope.eaten"), "audit_entry.event"},
      {"unknown key", replaced("{", "{\"secret\":\"x\","), "audit_entry.unknown_key"},
      {"white space", replaced(",\"version\"", ", \"version\""), "audit_entry.not_canonical"},
      {"keys out of order",
       replaced("{\"actor\":\"AD-7C-00-00-00-00-02-01\",\"at\":\"2025-11-29T12:00:00Z\"",
                "{\"at\":\"2025-11-29T12:00:00Z\",\"actor\":\"AD-7C-00-00-00-00-02-01\""),
       "audit_entry.not_canonical"},
      {"an empty field written out", replaced("\"rule\"", "\"reason\":\"\",\"rule\""),
       "audit_entry.not_canonical"},
      {"version 2", replaced("\"version\":1", "\"version\":2"), "audit_entry.version"},
      {"bad EUI-64", replaced("\"sender\":\"AD-7C-00-00-00-00-02-01\"", "\"sender\":\"me\""),
       "input.bad_eui64"},
  };
  for (const auto& c : cases) {
    auto parsed = ParseAuditEntry(AsBytes(c.text));
    ASSERT_THAT(parsed, StatusIs(c.code)) << c.what;
  }
  EXPECT_THAT(ParseAuditEntry(AsBytes(std::string(kMaxAuditEntrySize + 1, ' '))), Not(IsOk()));
  EXPECT_THAT(ParseAuditEntry(AsBytes("")), Not(IsOk()));
}

TEST(AuditEntry, EveryEventNameIsKnown) {
  for (const char* name :
       {audit_event::kGatewayStarted, audit_event::kGatewayStopped, audit_event::kPolicyLoaded,
        audit_event::kTlsClientRefused, audit_event::kTransferOffered, audit_event::kEnvelopeStored,
        audit_event::kUploadAbandoned, audit_event::kEnvelopeDownloaded,
        audit_event::kTransferAcknowledged, audit_event::kEnvelopeExpired,
        audit_event::kRequestRefused, audit_event::kTlsHandshakesRefused}) {
    EXPECT_TRUE(IsAuditEvent(name)) << name;
  }
  EXPECT_FALSE(IsAuditEvent("transfer"));
}

}  // namespace
}  // namespace adtgw
