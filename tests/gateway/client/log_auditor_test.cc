#include "gateway/client/log_auditor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/byte_stream.h"
#include "gateway/audit/audit_entry.h"
#include "gateway/audit/merkle_tree.h"
#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

using ::testing::Not;

constexpr char kOrigin[] = "adtgw.test.example/log";

Eui64 Eui(const char* text) { return Eui64::Parse(text).value(); }

AuditEntry Entry(uint64_t i) {
  AuditEntry e;
  e.at = 1795000000 + static_cast<std::time_t>(i);
  switch (i % 4) {
    case 0:
      e.event = audit_event::kTransferOffered;
      e.outcome = "accepted";
      e.actor = Eui("AD-7C-00-00-00-00-02-01");
      e.sender = e.actor;
      e.recipients = {Eui("AD-7C-00-00-00-00-04-01"), Eui("AD-7C-00-00-00-00-03-01")};
      e.file_type = "adt";
      e.rule = "users-send-adt-to-dcc";
      e.policy_sha256 = std::string(64, 'b');
      e.transfer_id = "40ec53d1bcb8ea35c733f2d7ea9666" + std::to_string(10 + i % 90);
      break;
    case 1:
      e.event = audit_event::kEnvelopeStored;
      e.actor = Eui("AD-7C-00-00-00-00-02-01");
      e.envelope_sha256 = std::string(64, 'a');
      e.envelope_size = i * 1000;
      e.transfer_id = "40ec53d1bcb8ea35c733f2d7ea966660";
      break;
    case 2:
      e.event = audit_event::kRequestRefused;
      e.outcome = "refused";
      e.reason = "transfer.not_party";
      e.request = "GET envelope";
      e.actor = Eui("AD-7C-00-00-00-00-7F-01");
      break;
    default:
      e.event = audit_event::kTlsClientRefused;
      e.peer = "CN=impostor,O=Example";
      e.reason = "tls.unknown_client";
      break;
  }
  return e;
}

struct Log {
  std::vector<std::string> entries;
  std::vector<Sha256Digest> leaves;
  explicit Log(size_t n) {
    for (size_t i = 0; i < n; ++i) {
      entries.push_back(AuditEntryToJson(Entry(i)));
      leaves.push_back(merkle::LeafHash(AsBytes(entries.back())));
    }
  }
  Checkpoint At(uint64_t size) const {
    return Checkpoint{kOrigin, size, merkle::RootOf(std::span(leaves).first(size))};
  }
  std::string Line(size_t i) const {
    return std::to_string(i) + " " + ToHex(leaves[i]) + " " + entries[i];
  }
};

std::vector<std::string> Codes(const LogAuditor& a) {
  std::vector<std::string> out;
  for (const auto& p : a.problems()) out.push_back(p.code);
  return out;
}

TEST(EntryLine, ParsesTheThreeFields) {
  std::string hex(64, 'c');
  const std::string line = "12 " + hex + " {\"x\":1}";  // the view points into it
  auto row = ParseEntryLine(line);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->index, 12u);
  ASSERT_TRUE(row->leaf.has_value());
  EXPECT_EQ(ToHex(*row->leaf), hex);
  EXPECT_EQ(row->entry, "{\"x\":1}");
  auto none = ParseEntryLine("0 - {}");
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->index, 0u);
  EXPECT_FALSE(none->leaf.has_value());
  EXPECT_EQ(none->entry, "{}");
  EXPECT_EQ(ParseEntryLine("18446744073709551615 - {}")->index, UINT64_MAX);
  const std::vector<std::string> bad_lines = {"",
                                              "12",
                                              "012 - {}",
                                              "-1 - {}",
                                              "a - {}",
                                              "1 " + std::string(63, 'c') + " {}",
                                              "1 " + std::string(64, 'C') + " {}",
                                              "1 " + hex + "{}",
                                              "18446744073709551616 - {}",
                                              " 1 - {}",
                                              "1  - {}"};
  for (const std::string& bad : bad_lines) {
    EXPECT_FALSE(ParseEntryLine(bad).has_value()) << bad;
  }
}

TEST(QuickCheck, AcceptsWhatTheWriterWrites) {
  for (uint64_t i = 0; i < 40; ++i) {
    std::string e = AuditEntryToJson(Entry(i));
    EXPECT_TRUE(QuickCheckAuditEntry(e)) << e;
  }
  AuditEntry leap = Entry(0);
  leap.at = 1709164800;  // 2024-02-29T00:00:00Z
  EXPECT_TRUE(QuickCheckAuditEntry(AuditEntryToJson(leap)));
  AuditEntry zero = Entry(1);
  zero.envelope_size = 0;
  EXPECT_TRUE(QuickCheckAuditEntry(AuditEntryToJson(zero)));
}

TEST(QuickCheck, LeavesWhatItCannotDecideToTheParser) {
  AuditEntry quoted = Entry(3);
  quoted.peer = "CN=\"quoted\",O=M\xC3\xBCller";  // escapes and UTF-8: valid, not quick
  std::string e = AuditEntryToJson(quoted);
  EXPECT_FALSE(QuickCheckAuditEntry(e));
  EXPECT_THAT(ParseAuditEntry(AsBytes(e)), IsOk());
}

TEST(QuickCheck, RefusesWhatTheParserRefuses) {
  const std::string good = AuditEntryToJson(Entry(0));
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    size_t at = s.find(from);
    if (at == std::string::npos) std::abort();
    return s.replace(at, from.size(), to);
  };
  const std::vector<std::string> bad = {
      with("\"version\":1", "\"version\":2"),
      with("\"version\":1", "\"version\":01"),
      with("transfer.offered", "transfer.unknown"),
      with("2026-", "2026-13-"),
      with("\"accepted\"", "\"\""),
      with("AD-7C-00-00-00-00-02-01\",\"at", "ad-7c-00-00-00-00-02-01\",\"at"),
      with("\"AD-7C-00-00-00-00-03-01\",\"AD-7C-00-00-00-00-04-01\"",
           "\"AD-7C-00-00-00-00-04-01\",\"AD-7C-00-00-00-00-03-01\""),
      with("{\"actor\"", "{ \"actor\""),
      with("\"rule\"", "\"zzz\":\"x\",\"rule\""),
      with("\"at\":", "\"at\" :"),
      good + " ",
      good.substr(0, good.size() - 1),
      "{}",
      "",
  };
  for (const auto& b : bad) {
    EXPECT_FALSE(QuickCheckAuditEntry(b)) << b;
    EXPECT_THAT(ParseAuditEntry(AsBytes(b)), Not(IsOk())) << b;
  }
  // Dates the writer never writes.
  for (const char* at : {"2023-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-01-01T24:00:00Z",
                         "2026-01-01T00:00:60Z", "2026-1-01T00:00:00Z", "2026-01-01 00:00:00Z"}) {
    std::string s = good;
    size_t pos = s.find("\"at\":\"") + 6;
    s.replace(pos, 20, at);
    EXPECT_FALSE(QuickCheckAuditEntry(s)) << at;
  }
}

// Whatever QuickCheck accepts, ParseAuditEntry accepts: every one-byte change of many
// valid entries.
TEST(QuickCheck, NeverAcceptsMoreThanTheParser) {
  const std::string alphabet = "\"{}[],:0129AFaz-_. \\";
  size_t quick = 0;
  for (uint64_t i = 0; i < 4; ++i) {
    const std::string good = AuditEntryToJson(Entry(i));
    for (size_t pos = 0; pos <= good.size(); ++pos) {
      std::vector<std::string> variants;
      if (pos < good.size()) variants.push_back(std::string(good).erase(pos, 1));
      for (char c : alphabet) {
        variants.push_back(std::string(good).insert(pos, 1, c));
        if (pos < good.size()) {
          std::string s = good;
          s[pos] = c;
          variants.push_back(s);
        }
      }
      for (const auto& v : variants) {
        if (!QuickCheckAuditEntry(v)) continue;
        ++quick;
        EXPECT_THAT(ParseAuditEntry(AsBytes(v)), IsOk()) << v;
      }
    }
  }
  EXPECT_GT(quick, 0u) << "some changes (e.g. of hex digits) stay valid";
}

TEST(LogAuditor, TheCompactRangeGivesTheTreeHeadForEverySize) {
  Log log(130);
  for (uint64_t size = 0; size <= 130; ++size) {
    LogAuditor a(log.At(size));
    for (uint64_t i = 0; i < size; ++i) a.AddLine(log.Line(i));
    a.Finish();
    EXPECT_TRUE(a.ok()) << size << ": " << (a.ok() ? "" : a.problems()[0].message);
    EXPECT_EQ(a.leaves(), size);
    EXPECT_EQ(a.roots_matched(), 1u) << size;
  }
}

TEST(LogAuditor, OlderCheckpointsAreCheckedAtTheirSize) {
  Log log(50);
  LogAuditor a(log.At(50));
  a.AlsoCheck(log.At(0), "checkpoint 1");
  a.AlsoCheck(log.At(17), "checkpoint 2");
  a.AlsoCheck(log.At(32), "checkpoint 3");
  Checkpoint forked = log.At(40);
  forked.root[0] ^= 1;
  a.AlsoCheck(forked, "checkpoint 4");
  for (uint64_t i = 0; i < 50; ++i) a.AddLine(log.Line(i));
  a.Finish();
  EXPECT_EQ(a.roots_matched(), 4u);
  EXPECT_EQ(Codes(a), std::vector<std::string>{"audit.root_mismatch"});
  EXPECT_NE(a.problems()[0].message.find("checkpoint 4"), std::string::npos);
  EXPECT_NE(a.problems()[0].message.find("size 40"), std::string::npos);
}

TEST(LogAuditor, ANewerHeadSignsTheRowsThatArrivedSince) {
  Log log(30);
  LogAuditor a(log.At(20));
  for (uint64_t i = 0; i < 20; ++i) a.AddLine(log.Line(i));
  a.Advance(log.At(30));
  for (uint64_t i = 20; i < 30; ++i) a.AddLine(log.Line(i));
  a.Finish();
  EXPECT_TRUE(a.ok());
  EXPECT_EQ(a.roots_matched(), 2u);
  EXPECT_EQ(a.head().size, 30u);
}

TEST(LogAuditor, AMissingEntryIsNamedWithItsNeighbours) {
  Log log(10);
  LogAuditor a(log.At(10));
  for (uint64_t i = 0; i < 10; ++i) {
    if (i != 4) a.AddLine(log.Line(i));
  }
  a.Finish();
  EXPECT_EQ(Codes(a), std::vector<std::string>{"audit.entry_missing"});
  EXPECT_EQ(a.problems()[0].message, "entry 4 is missing: the log jumps from 3 to 5");
  EXPECT_EQ(a.Failure().code, "audit.entry_missing");
  EXPECT_EQ(a.Failure().kind, ErrorKind::kIntegrity);

  LogAuditor b(log.At(10));
  for (uint64_t i = 3; i < 10; ++i) b.AddLine(log.Line(i));
  b.Finish();
  EXPECT_EQ(b.problems()[0].message,
            "entries 0 to 2 are missing: the log jumps from its start to 3");
}

TEST(LogAuditor, AChangedEntryIsNamed) {
  Log log(10);
  LogAuditor a(log.At(10));
  for (uint64_t i = 0; i < 10; ++i) {
    std::string line = log.Line(i);
    if (i == 5) line.replace(line.find("\"at\":\"2026") + 6, 4, "2027");  // still canonical
    a.AddLine(line);
  }
  a.Finish();
  EXPECT_EQ(Codes(a), (std::vector<std::string>{"audit.entry_changed", "audit.root_mismatch"}));
  EXPECT_EQ(a.problems()[0].message.rfind("entry 5 was changed after it was logged", 0), 0u);
}

TEST(LogAuditor, AnEntryChangedWithItsLeafHashBreaksTheRoot) {
  Log log(10);
  std::string changed = AuditEntryToJson(Entry(5));
  changed.replace(changed.find("\"at\":\"2026") + 6, 4, "2027");
  LogAuditor a(log.At(10));
  for (uint64_t i = 0; i < 10; ++i) {
    a.AddLine(i == 5 ? "5 " + ToHex(merkle::LeafHash(AsBytes(changed))) + " " + changed
                     : log.Line(i));
  }
  a.Finish();
  EXPECT_EQ(Codes(a), std::vector<std::string>{"audit.root_mismatch"});
}

TEST(LogAuditor, RowsPastTheCheckpointAreUnsigned) {
  Log log(12);
  LogAuditor a(log.At(10));
  for (uint64_t i = 0; i < 12; ++i) a.AddLine(log.Line(i));
  a.Finish();
  EXPECT_EQ(Codes(a), (std::vector<std::string>{"audit.entry_unsigned", "audit.entry_unsigned"}));
  EXPECT_EQ(a.problems()[0].message,
            "entry 10 is not covered by the signed checkpoint of size 10: it was added behind "
            "the log's back");
  EXPECT_EQ(a.roots_matched(), 1u) << "the signed part still adds up";
}

TEST(LogAuditor, FewerRowsThanSignedIsATruncation) {
  Log log(10);
  LogAuditor a(log.At(10));
  for (uint64_t i = 0; i < 7; ++i) a.AddLine(log.Line(i));
  a.Finish();
  EXPECT_EQ(Codes(a), std::vector<std::string>{"audit.log_truncated"});
  EXPECT_NE(a.problems()[0].message.find("entries 7 to 9 are missing"), std::string::npos);
  LogAuditor empty(log.At(10));
  empty.Finish();
  EXPECT_NE(empty.problems()[0].message.find("has no entries"), std::string::npos);
}

TEST(LogAuditor, RowsWithoutLeafHashOrWithBadEntriesOrShapes) {
  Log log(6);
  LogAuditor a(log.At(6));
  a.AddLine(log.Line(0));
  a.AddLine("1 - " + log.entries[1]);
  a.AddLine("2 " + ToHex(merkle::LeafHash(AsBytes("{}"))) + " {}");
  a.AddLine("garbage");
  a.AddLine(log.Line(3));
  a.AddLine(log.Line(2));  // out of order
  a.AddLine(log.Line(4));
  a.AddLine(log.Line(5));
  a.Finish();
  EXPECT_EQ(Codes(a), (std::vector<std::string>{"audit.entry_changed", "audit.entry_malformed",
                                                "audit.entry_malformed", "audit.entry_malformed",
                                                "audit.root_mismatch"}));
  EXPECT_NE(a.problems()[0].message.find("no stored leaf hash"), std::string::npos);
  EXPECT_NE(a.problems()[1].message.find("entry 2 is not a canonical audit entry"),
            std::string::npos);
  EXPECT_NE(a.problems()[3].message.find("not in index order"), std::string::npos);
}

TEST(LogAuditor, EveryProblemIsCountedButAHundredAreKept) {
  Log log(300);
  LogAuditor a(log.At(300));
  for (uint64_t i = 0; i < 300; ++i) a.AddLine(std::to_string(i) + " - " + log.entries[i]);
  a.Finish();
  EXPECT_EQ(a.problem_count(), 300u);
  EXPECT_EQ(a.problems().size(), LogAuditor::kMaxReported);
  EXPECT_NE(a.Failure().message.find("300 problem(s)"), std::string::npos);
  EXPECT_EQ(a.roots_matched(), 1u) << "the entries' own hashes still add up";
}

}  // namespace
}  // namespace adtgw
