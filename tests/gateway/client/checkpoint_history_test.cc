#include "gateway/client/checkpoint_history.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "certs/cert_issuer.h"
#include "crypto/byte_stream.h"
#include "gateway/audit/audit_entry.h"
#include "gateway/audit/merkle_tree.h"
#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

constexpr char kOrigin[] = "adtgw.test.example/log";

LogSigner NewSigner() {
  auto key = GenerateKey(KeyType::kP256);
  return LogSigner::FromKey(key->get(), kOrigin).value();
}

// A log of n entries (their content does not matter here), its checkpoints signed.
struct Log {
  explicit Log(size_t n) : signer(NewSigner()) {
    for (size_t i = 0; i < n; ++i) {
      AuditEntry e;
      e.at = 1795000000 + static_cast<std::time_t>(i);
      e.event = audit_event::kGatewayStarted;
      entries.push_back(AuditEntryToJson(e));
      leaves.push_back(merkle::LeafHash(AsBytes(entries.back())));
    }
  }
  Checkpoint At(uint64_t size) const {
    return Checkpoint{kOrigin, size, merkle::RootOf(std::span(leaves).first(size))};
  }
  std::string Note(uint64_t size) const { return signer.Sign(At(size)).value(); }
  std::string Line(size_t i) const {
    return std::to_string(i) + " " + ToHex(leaves[i]) + " " + entries[i];
  }
  LogSigner signer;
  std::vector<std::string> entries;
  std::vector<Sha256Digest> leaves;
};

// Serves `notes` a page of `page` at a time, from the first of size >= from, as the
// gateway does, and counts the calls.
struct PagedList {
  std::vector<std::pair<uint64_t, std::string>> notes;  // (size, note), ascending
  size_t page = 3;
  std::vector<uint64_t> asked;
  CheckpointHistory::PageSource Source() {
    return [this](uint64_t from) -> Result<std::vector<std::string>> {
      asked.push_back(from);
      std::vector<std::string> out;
      for (const auto& [size, note] : notes) {
        if (size >= from && out.size() < page) out.push_back(note);
      }
      return out;
    };
  }
};

std::vector<std::string> Codes(const LogAuditor& a) {
  std::vector<std::string> out;
  for (const auto& p : a.problems()) out.push_back(p.code);
  return out;
}

// Feeds the rows as audit_commands does: the listed checkpoints a row reaches first.
void Feed(const Log& log, uint64_t rows, LogAuditor& auditor, CheckpointHistory& history) {
  for (uint64_t i = 0; i < rows; ++i) {
    ASSERT_THAT(history.ReadUpTo(i + 1), IsOk());
    auditor.AddLine(log.Line(i));
  }
  ASSERT_THAT(history.ReadAll(), IsOk());
  auditor.Finish();
}

TEST(CheckpointHistory, EveryListedRootIsRecomputedReadingAPageAtATime) {
  Log log(40);
  PagedList list;
  for (uint64_t size : {0, 1, 2, 5, 8, 13, 21, 34, 40})
    list.notes.emplace_back(size, log.Note(size));
  LogAuditor auditor(log.At(40));
  CheckpointHistory history(log.signer.verifier(), auditor, list.Source(), nullptr);
  Feed(log, 40, auditor, history);
  EXPECT_TRUE(auditor.ok()) << (auditor.ok() ? "" : auditor.problems()[0].message);
  EXPECT_EQ(history.count(), 9u);
  EXPECT_EQ(auditor.roots_matched(), 9u);  // the head is listed too
  // Lazily: each page is asked for from just past the last size read, once.
  EXPECT_EQ(list.asked, (std::vector<uint64_t>{0, 3, 14, 41}));
}

TEST(CheckpointHistory, HoldsOnlyOnePage) {
  Log log(300);
  PagedList list;
  list.page = 10;
  for (uint64_t size = 1; size <= 300; ++size) list.notes.emplace_back(size, log.Note(size));
  LogAuditor auditor(log.At(300));
  CheckpointHistory history(log.signer.verifier(), auditor, list.Source(), nullptr);
  for (uint64_t i = 0; i < 300; ++i) {
    ASSERT_THAT(history.ReadUpTo(i + 1), IsOk());
    // Never more than a page ahead of the rows.
    EXPECT_LE(list.asked.back(), i + 1 + list.page) << i;
    auditor.AddLine(log.Line(i));
  }
  ASSERT_THAT(history.ReadAll(), IsOk());
  auditor.Finish();
  EXPECT_TRUE(auditor.ok());
  EXPECT_EQ(auditor.roots_matched(), 300u);
}

TEST(CheckpointHistory, AForkedOrBadlySignedOrBackwardsListIsNamed) {
  Log log(20);
  Checkpoint forked = log.At(10);
  forked.root[3] ^= 1;
  LogSigner other = NewSigner();
  PagedList list;
  list.notes = {{4, log.Note(4)},
                {10, log.signer.Sign(forked).value()},
                {12, other.Sign(log.At(12)).value()},
                {15, log.Note(15)}};
  LogAuditor auditor(log.At(20));
  CheckpointHistory history(log.signer.verifier(), auditor, list.Source(), nullptr);
  Feed(log, 20, auditor, history);
  EXPECT_EQ(Codes(auditor),
            (std::vector<std::string>{"audit.root_mismatch", "checkpoint.unknown_key"}));
  EXPECT_NE(auditor.problems()[0].message.find("#2"), std::string::npos);
  EXPECT_NE(auditor.problems()[1].message.find("#3"), std::string::npos);

  // An export's list is read in file order: a smaller size after a larger one, and two
  // roots for one size.
  std::vector<std::string> file = {log.Note(8), log.Note(6), log.signer.Sign(forked).value(),
                                   log.Note(10)};
  bool served = false;
  LogAuditor offline(log.At(20));
  CheckpointHistory from_file(
      log.signer.verifier(), offline,
      [&](uint64_t) -> Result<std::vector<std::string>> {
        if (served) return std::vector<std::string>{};
        served = true;
        return file;
      },
      nullptr);
  ASSERT_THAT(from_file.ReadAll(), IsOk());
  EXPECT_EQ(Codes(offline), (std::vector<std::string>{"audit.log_truncated", "audit.log_forked"}));
}

TEST(CheckpointHistory, AListedCheckpointPastTheHeadNeedsANewerHead) {
  Log log(30);
  PagedList list;
  list.notes = {{10, log.Note(10)}, {25, log.Note(25)}};
  // Online: the log grew while it was read, and a newer head covers it.
  {
    LogAuditor auditor(log.At(20));
    std::vector<uint64_t> asked;
    CheckpointHistory history(log.signer.verifier(), auditor, list.Source(),
                              [&](uint64_t size) -> Result<std::optional<Checkpoint>> {
                                asked.push_back(size);
                                return std::optional<Checkpoint>(log.At(30));
                              });
    // The list read before the rows past 20 arrive (audit_commands asks for a newer
    // head on the rows themselves).
    ASSERT_THAT(history.ReadAll(), IsOk());
    Feed(log, 30, auditor, history);
    EXPECT_TRUE(auditor.ok()) << (auditor.ok() ? "" : auditor.problems()[0].message);
    EXPECT_EQ(asked, std::vector<uint64_t>{25});
    EXPECT_EQ(auditor.head().size, 30u);
  }
  // Offline, or no newer head: the list outgrew the head, the log went back.
  {
    LogAuditor auditor(log.At(20));
    CheckpointHistory history(log.signer.verifier(), auditor, list.Source(), nullptr);
    Feed(log, 20, auditor, history);
    EXPECT_EQ(Codes(auditor), std::vector<std::string>{"audit.log_truncated"});
    EXPECT_NE(auditor.problems()[0].message.find("more than the latest"), std::string::npos);
  }
}

TEST(CheckpointHistory, APageWithNoReadableSizeEndsTheList) {
  Log log(5);
  int calls = 0;
  LogAuditor auditor(log.At(5));
  CheckpointHistory history(
      log.signer.verifier(), auditor,
      [&](uint64_t) -> Result<std::vector<std::string>> {
        ++calls;
        return std::vector<std::string>{"not a note"};
      },
      nullptr);
  Feed(log, 5, auditor, history);
  EXPECT_EQ(calls, 1);  // not asked again for the same page, forever
  EXPECT_EQ(Codes(auditor), std::vector<std::string>{"checkpoint.malformed"});
}

TEST(CheckpointHistory, AFailedReadIsAnError) {
  Log log(5);
  LogAuditor auditor(log.At(5));
  CheckpointHistory history(
      log.signer.verifier(), auditor,
      [](uint64_t) -> Result<std::vector<std::string>> {
        return MakeError(ErrorKind::kUnavailable, "net.broken", "cut");
      },
      nullptr);
  auto s = history.ReadUpTo(1);
  ASSERT_THAT(s, StatusIs("net.broken"));
}

}  // namespace
}  // namespace adtgw
