// Spool: the folder adtgw push sends from (docs/push.md): its layout, the lock, which
// files are ready, the moves between its folders (never replacing a file), the records
// it writes (receipts, .error.json) and the prepared state a later run resumes from.
#include "gateway/client/spool.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_files.h"

namespace adtgw {
namespace {

using std::chrono::seconds;

constexpr const char* kTransferId = "0123abcd4567ef890123abcd4567ef89";

using testing::Exists;
using testing::Read;
using testing::Write;

// Sets the file's access and modification times to `sec`.`nsec`.
void SetMtime(const std::string& path, std::time_t sec, long nsec = 0) {
  struct timespec times[2] = {{sec, nsec}, {sec, nsec}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
}

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto spool = Spool::Open(dir_.path());
    ASSERT_THAT(spool, IsOk());
    spool_.emplace(std::move(spool).value());
  }

  std::string P(const std::string& rel) const { return dir_.path() + "/" + rel; }

  // A file in outgoing/ last changed long ago.
  void Drop(const std::string& name, const std::string& content = "content") {
    Write(P("outgoing/" + name), content);
    SetMtime(P("outgoing/" + name), std::time(nullptr) - 3600);
  }

  // A file claimed into sending/, with a prepared directory holding something.
  void ClaimWithPrepared(const std::string& name) {
    Drop(name);
    ASSERT_THAT(spool_->Claim(name), IsOk());
    auto prepared = spool_->NewPreparedDir(name);
    ASSERT_THAT(prepared, IsOk());
    Write(*prepared + "/envelope.cms", "sealed");
  }

  testing::TempDir dir_{"adtgw-spool"};
  std::optional<Spool> spool_;
};

TEST_F(SpoolTest, OpenCreatesPrivateSubfolders) {
  for (const char* sub : {"outgoing", "sending", "sent", "failed", ".adtgw", ".adtgw/prepared"}) {
    struct stat st;
    ASSERT_EQ(lstat(P(sub).c_str(), &st), 0) << sub;
    EXPECT_TRUE(S_ISDIR(st.st_mode)) << sub;
    EXPECT_EQ(st.st_mode & 07777, 0700u) << sub;
  }
  EXPECT_EQ(spool_->dir(), dir_.path());
  EXPECT_EQ(spool_->SendingPath("ADT_1.csv"), dir_.path() + "/sending/ADT_1.csv");
}

TEST_F(SpoolTest, OpenAgainKeepsWhatIsThereAndDropsTrailingSlashes) {
  Drop("ADT_1.csv", "kept");
  auto again = Spool::Open(dir_.path() + "//");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->dir(), dir_.path());
  EXPECT_EQ(Read(P("outgoing/ADT_1.csv")), "kept");
}

TEST(SpoolOpenTest, RefusesMissingFolder) {
  testing::TempDir dir{"adtgw-spool"};
  auto spool = Spool::Open(dir.path() + "/missing");
  ASSERT_THAT(spool, StatusIs("input.not_found"));
  EXPECT_EQ(spool.error().kind, ErrorKind::kNotFound);
  EXPECT_FALSE(Exists(dir.path() + "/missing"));
}

TEST(SpoolOpenTest, RefusesAFileAsTheSpool) {
  testing::TempDir dir{"adtgw-spool"};
  Write(dir.path() + "/file", "x");
  auto spool = Spool::Open(dir.path() + "/file");
  ASSERT_THAT(spool, StatusIs("input.not_found"));
}

TEST(SpoolOpenTest, RefusesSubfolderThatIsALink) {
  testing::TempDir dir{"adtgw-spool"};
  testing::TempDir elsewhere{"adtgw-spool-elsewhere"};
  ASSERT_EQ(symlink(elsewhere.path().c_str(), (dir.path() + "/sent").c_str()), 0);
  auto spool = Spool::Open(dir.path());
  ASSERT_THAT(spool, StatusIs("spool.not_a_folder"));
  EXPECT_EQ(spool.error().kind, ErrorKind::kPermission);
  EXPECT_NE(spool.error().message.find("/sent"), std::string::npos) << spool.error().message;
}

TEST(SpoolOpenTest, RefusesSubfolderThatIsAFile) {
  testing::TempDir dir{"adtgw-spool"};
  Write(dir.path() + "/failed", "not a folder");
  auto spool = Spool::Open(dir.path());
  ASSERT_THAT(spool, StatusIs("spool.not_a_folder"));
  EXPECT_EQ(Read(dir.path() + "/failed"), "not a folder");
}

TEST_F(SpoolTest, LockIsHeldUntilReleased) {
  {
    auto first = spool_->Lock();
    ASSERT_THAT(first, IsOk());
    EXPECT_TRUE(Exists(P(".adtgw/lock")));
    // A second open file description conflicts even within this process.
    auto second = spool_->Lock();
    ASSERT_THAT(second, StatusIs("push.locked"));
    EXPECT_EQ(second.error().kind, ErrorKind::kConflict);
    EXPECT_NE(second.error().message.find(dir_.path()), std::string::npos);
  }
  auto third = spool_->Lock();
  EXPECT_THAT(third, IsOk()) << "the lock must be free once its holder is gone";
}

TEST_F(SpoolTest, ReadyListsSettledRegularFilesByName) {
  Drop("b.csv");
  Drop("ADT_2.csv");
  Drop("ADT_1.csv");
  Drop(".hidden");                                    // dot-file
  Drop("ADT_1.csv.adtgw.json", R"({"type":"adt"})");  // sidecar
  ASSERT_EQ(symlink("ADT_1.csv", P("outgoing/ADT_link.csv").c_str()), 0);
  ASSERT_EQ(mkdir(P("outgoing/ADT_folder").c_str(), 0700), 0);
  SetMtime(P("outgoing/ADT_folder"), std::time(nullptr) - 3600);
  Write(P("outgoing/ADT_fresh.csv"), "still being written");  // changed just now

  auto ready = spool_->Ready(seconds(60), std::chrono::system_clock::now());
  ASSERT_THAT(ready, IsOk());
  EXPECT_EQ(*ready, (std::vector<std::string>{"ADT_1.csv", "ADT_2.csv", "b.csv"}));
}

std::chrono::system_clock::time_point At(std::time_t t) {
  return std::chrono::system_clock::from_time_t(t);
}

TEST_F(SpoolTest, ReadyWaitsForTheSettleTime) {
  const std::time_t changed = 1'700'000'000;
  Write(P("outgoing/ADT_1.csv"), "x");
  SetMtime(P("outgoing/ADT_1.csv"), changed);
  const std::vector<std::string> one{"ADT_1.csv"};

  auto early = spool_->Ready(seconds(10), At(changed + 9));
  ASSERT_THAT(early, IsOk());
  EXPECT_TRUE(early->empty());
  auto settled = spool_->Ready(seconds(10), At(changed + 10));
  ASSERT_THAT(settled, IsOk());
  EXPECT_EQ(*settled, one);
  auto no_settle = spool_->Ready(seconds(0), At(changed));
  ASSERT_THAT(no_settle, IsOk());
  EXPECT_EQ(*no_settle, one);
  // To the nanosecond: half a second short of the settle time is not enough.
  auto almost = spool_->Ready(seconds(10), At(changed + 10) - std::chrono::milliseconds(500));
  ASSERT_THAT(almost, IsOk());
  EXPECT_TRUE(almost->empty());
  // A modification time in the future (a clock set back): not ready.
  auto future = spool_->Ready(seconds(0), At(changed - 1));
  ASSERT_THAT(future, IsOk());
  EXPECT_TRUE(future->empty());
}

TEST_F(SpoolTest, ClaimMovesTheFileAndItsSidecar) {
  Drop("report.csv", "payload");
  Write(P("outgoing/report.csv.adtgw.json"), R"({"type":"adt"})");
  Drop("ADT_other.csv");

  ASSERT_THAT(spool_->Claim("report.csv"), IsOk());
  EXPECT_FALSE(Exists(P("outgoing/report.csv")));
  EXPECT_FALSE(Exists(P("outgoing/report.csv.adtgw.json")));
  EXPECT_EQ(Read(P("sending/report.csv")), "payload");
  EXPECT_EQ(Read(P("sending/report.csv.adtgw.json")), R"({"type":"adt"})");
  EXPECT_EQ(Read(P("outgoing/ADT_other.csv")), "content");

  auto claimed = spool_->Claimed();
  ASSERT_THAT(claimed, IsOk());
  EXPECT_EQ(*claimed, std::vector<std::string>{"report.csv"});
  auto ready = spool_->Ready(seconds(0), std::chrono::system_clock::now());
  ASSERT_THAT(ready, IsOk());
  EXPECT_EQ(*ready, std::vector<std::string>{"ADT_other.csv"});
}

TEST_F(SpoolTest, ClaimedListsOnlyRegularFilesByName) {
  Drop("ADT_b.csv");
  Drop("ADT_a.csv");
  ASSERT_THAT(spool_->Claim("ADT_b.csv"), IsOk());
  ASSERT_THAT(spool_->Claim("ADT_a.csv"), IsOk());
  Write(P("sending/.partial"), "x");
  Write(P("sending/ADT_a.csv.adtgw.json"), R"({"type":"adt"})");
  ASSERT_EQ(symlink("ADT_a.csv", P("sending/ADT_link").c_str()), 0);
  auto claimed = spool_->Claimed();
  ASSERT_THAT(claimed, IsOk());
  EXPECT_EQ(*claimed, (std::vector<std::string>{"ADT_a.csv", "ADT_b.csv"}));
}

TEST_F(SpoolTest, ClaimOfAVanishedFileIsGone) {
  Status s = spool_->Claim("ADT_missing.csv");
  ASSERT_THAT(s, StatusIs("push.gone"));
  EXPECT_EQ(s.error().kind, ErrorKind::kNotFound);
}

TEST_F(SpoolTest, ClaimNeverReplacesAFileInSending) {
  Write(P("sending/ADT_1.csv"), "claimed earlier");
  Drop("ADT_1.csv", "new version");
  Status s = spool_->Claim("ADT_1.csv");
  ASSERT_THAT(s, StatusIs("push.name_in_use"));
  EXPECT_EQ(s.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(Read(P("sending/ADT_1.csv")), "claimed earlier");
  EXPECT_EQ(Read(P("outgoing/ADT_1.csv")), "new version");
}

TEST_F(SpoolTest, PostponeMovesBackAndKeepsThePreparedState) {
  ClaimWithPrepared("report.csv");
  Write(P("sending/report.csv.adtgw.json"), R"({"type":"adt"})");

  ASSERT_THAT(spool_->Postpone("report.csv"), IsOk());
  EXPECT_FALSE(Exists(P("sending/report.csv")));
  EXPECT_FALSE(Exists(P("sending/report.csv.adtgw.json")));
  EXPECT_EQ(Read(P("outgoing/report.csv")), "content");
  EXPECT_EQ(Read(P("outgoing/report.csv.adtgw.json")), R"({"type":"adt"})");
  EXPECT_EQ(Read(P(".adtgw/prepared/report.csv/envelope.cms")), "sealed");

  Status again = spool_->Postpone("report.csv");
  ASSERT_THAT(again, StatusIs("push.gone"));
}

TEST_F(SpoolTest, MarkSentWritesTheReceiptAndMovesTheFile) {
  ClaimWithPrepared("ADT_1.csv");
  Write(P("sending/ADT_1.csv.adtgw.json"), R"({"type":"adt"})");

  auto sent = spool_->MarkSent("ADT_1.csv", kTransferId, R"({"receipt":1})");
  ASSERT_THAT(sent, IsOk());
  EXPECT_EQ(*sent, P("sent/ADT_1.csv"));
  EXPECT_EQ(Read(P("sent/ADT_1.csv")), "content");
  EXPECT_EQ(Read(P("sent/ADT_1.csv.receipt.json")), "{\"receipt\":1}\n");
  EXPECT_EQ(Read(P("sent/ADT_1.csv.adtgw.json")), R"({"type":"adt"})");
  EXPECT_FALSE(Exists(P("sending/ADT_1.csv")));
  EXPECT_FALSE(Exists(P("sending/ADT_1.csv.adtgw.json")));
  EXPECT_FALSE(Exists(P(".adtgw/prepared/ADT_1.csv"))) << "the prepared state must be dropped";
  struct stat st;
  ASSERT_EQ(stat(P("sent/ADT_1.csv.receipt.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(SpoolTest, MarkSentAppendsTheIdPrefixWhenTheNameIsTaken) {
  Write(P("sent/ADT_1.csv"), "delivered yesterday");
  Write(P("sent/ADT_1.csv.receipt.json"), "yesterday's receipt\n");
  ClaimWithPrepared("ADT_1.csv");
  Write(P("sending/ADT_1.csv.adtgw.json"), R"({"type":"adt"})");

  auto sent = spool_->MarkSent("ADT_1.csv", kTransferId, "{}");
  ASSERT_THAT(sent, IsOk());
  EXPECT_EQ(*sent, P("sent/ADT_1.csv.0123abcd"));
  EXPECT_EQ(Read(P("sent/ADT_1.csv.0123abcd")), "content");
  EXPECT_EQ(Read(P("sent/ADT_1.csv.0123abcd.receipt.json")), "{}\n");
  EXPECT_EQ(Read(P("sent/ADT_1.csv.0123abcd.adtgw.json")), R"({"type":"adt"})");
  EXPECT_EQ(Read(P("sent/ADT_1.csv")), "delivered yesterday");
  EXPECT_EQ(Read(P("sent/ADT_1.csv.receipt.json")), "yesterday's receipt\n");
  EXPECT_FALSE(Exists(P(".adtgw/prepared/ADT_1.csv")));
}

TEST_F(SpoolTest, MarkSentNeverReplacesAnotherTransfersReceipt) {
  // A consumer took yesterday's file away but left its receipt.
  Write(P("sent/ADT_1.csv.receipt.json"), "yesterday's receipt\n");
  ClaimWithPrepared("ADT_1.csv");
  auto sent = spool_->MarkSent("ADT_1.csv", kTransferId, "{}");
  ASSERT_THAT(sent, IsOk());
  EXPECT_EQ(*sent, P("sent/ADT_1.csv.0123abcd"));
  EXPECT_EQ(Read(P("sent/ADT_1.csv.receipt.json")), "yesterday's receipt\n");
  // The same transfer's receipt, left by a run that stopped before the move, is reused.
  Write(P("sent/ADT_2.csv.receipt.json"), "{}\n");
  ClaimWithPrepared("ADT_2.csv");
  auto again = spool_->MarkSent("ADT_2.csv", kTransferId, "{}");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, P("sent/ADT_2.csv"));
}

TEST_F(SpoolTest, ClaimIgnoresASidecarAnEarlierFileLeftInSending) {
  Write(P("sending/ADT_3.csv.adtgw.json"), R"({"type":"exit-quarantine"})");
  Write(P("outgoing/ADT_3.csv"), "new");
  Write(P("outgoing/ADT_3.csv.adtgw.json"), R"({"type":"adt"})");
  ASSERT_THAT(spool_->Claim("ADT_3.csv"), IsOk());
  auto sidecar = spool_->Sidecar("ADT_3.csv");
  ASSERT_THAT(sidecar, IsOk());
  ASSERT_TRUE(sidecar->has_value());
  EXPECT_EQ(**sidecar, R"({"type":"adt"})");
  EXPECT_FALSE(Exists(P("outgoing/ADT_3.csv.adtgw.json")));
}

TEST_F(SpoolTest, MarkSentOfAVanishedFileIsGone) {
  auto sent = spool_->MarkSent("ADT_missing.csv", kTransferId, "{}");
  ASSERT_THAT(sent, StatusIs("push.gone"));
}

TEST_F(SpoolTest, MarkFailedWritesTheErrorRecordAndMovesTheFile) {
  ClaimWithPrepared("ADT_bad.csv");
  Write(P("sending/ADT_bad.csv.adtgw.json"), R"({"type":"adt"})");
  Error error = MakeError(ErrorKind::kInvalidInput, "format.invalid", "not \"valid\"", "fix it");

  const std::time_t before = std::time(nullptr);
  auto failed = spool_->MarkFailed("ADT_bad.csv", error, {"ADT_bad.csv:3:3: x", "second"});
  const std::time_t after = std::time(nullptr);
  ASSERT_THAT(failed, IsOk());
  EXPECT_EQ(*failed, P("failed/ADT_bad.csv"));
  EXPECT_EQ(Read(P("failed/ADT_bad.csv")), "content");
  EXPECT_EQ(Read(P("failed/ADT_bad.csv.adtgw.json")), R"({"type":"adt"})");
  EXPECT_FALSE(Exists(P("sending/ADT_bad.csv")));
  EXPECT_FALSE(Exists(P("sending/ADT_bad.csv.adtgw.json")));
  EXPECT_FALSE(Exists(P(".adtgw/prepared/ADT_bad.csv")));

  const std::string record = Read(P("failed/ADT_bad.csv.error.json"));
  const std::string head =
      R"({"code":"format.invalid","file":"ADT_bad.csv","hint":"fix it",)"
      R"("message":"not \"valid\"","problems":["ADT_bad.csv:3:3: x","second"],"refused_at":)";
  ASSERT_EQ(record.substr(0, head.size()), head) << record;
  ASSERT_GE(record.size(), head.size() + 3);
  EXPECT_EQ(record.substr(record.size() - 2), "}\n");
  const std::string when = record.substr(head.size(), record.size() - head.size() - 2);
  ASSERT_EQ(when.find_first_not_of("0123456789"), std::string::npos) << when;
  const long long refused_at = std::stoll(when);
  EXPECT_GE(refused_at, before);
  EXPECT_LE(refused_at, after);
}

TEST_F(SpoolTest, MarkFailedWithoutProblemsWritesAnEmptyList) {
  ClaimWithPrepared("ADT_bad.csv");
  auto failed =
      spool_->MarkFailed("ADT_bad.csv", MakeError(ErrorKind::kDenied, "policy.denied", "no"), {});
  ASSERT_THAT(failed, IsOk());
  const std::string record = Read(P("failed/ADT_bad.csv.error.json"));
  EXPECT_EQ(record.rfind(R"({"code":"policy.denied","file":"ADT_bad.csv","hint":"",)"
                         R"("message":"no","problems":[],"refused_at":)",
                         0),
            0u)
      << record;
}

TEST_F(SpoolTest, ThreeRefusalsOfOneNameInOneSecondKeepEveryRecord) {
  std::vector<std::string> paths;
  for (const char* code : {"first.code", "second.code", "third.code"}) {
    Write(P("outgoing/ADT_x.csv"), code);
    ASSERT_THAT(spool_->Claim("ADT_x.csv"), IsOk());
    auto failed = spool_->MarkFailed("ADT_x.csv", MakeError(ErrorKind::kDenied, code, "no"), {});
    ASSERT_THAT(failed, IsOk());
    paths.push_back(*failed);
  }
  EXPECT_FALSE(Exists(P("sending/ADT_x.csv")));
  for (size_t i = 0; i < paths.size(); ++i) {
    for (size_t j = i + 1; j < paths.size(); ++j) EXPECT_NE(paths[i], paths[j]);
    EXPECT_EQ(Read(paths[i]), Read(paths[i] + ".error.json").substr(9, Read(paths[i]).size()))
        << "each record stays with its file";
  }
}

TEST_F(SpoolTest, MarkFailedAppendsTheTimeWhenTheNameIsTaken) {
  Write(P("failed/ADT_bad.csv"), "refused yesterday");
  Write(P("failed/ADT_bad.csv.error.json"), "yesterday's error\n");
  ClaimWithPrepared("ADT_bad.csv");
  Write(P("sending/ADT_bad.csv.adtgw.json"), R"({"type":"adt"})");

  const std::time_t before = std::time(nullptr);
  auto failed =
      spool_->MarkFailed("ADT_bad.csv", MakeError(ErrorKind::kDenied, "policy.denied", "no"), {});
  const std::time_t after = std::time(nullptr);
  ASSERT_THAT(failed, IsOk());

  const std::string prefix = P("failed/ADT_bad.csv.");
  ASSERT_EQ(failed->rfind(prefix, 0), 0u) << *failed;
  const std::string suffix = failed->substr(prefix.size());
  ASSERT_FALSE(suffix.empty());
  ASSERT_EQ(suffix.find_first_not_of("0123456789"), std::string::npos) << suffix;
  EXPECT_GE(std::stoll(suffix), before);
  EXPECT_LE(std::stoll(suffix), after);
  EXPECT_EQ(Read(*failed), "content");
  EXPECT_EQ(Read(*failed + ".adtgw.json"), R"({"type":"adt"})");
  EXPECT_EQ(Read(*failed + ".error.json").rfind(R"({"code":"policy.denied",)", 0), 0u);
  EXPECT_EQ(Read(P("failed/ADT_bad.csv")), "refused yesterday");
  EXPECT_EQ(Read(P("failed/ADT_bad.csv.error.json")), "yesterday's error\n");
}

TEST_F(SpoolTest, IdentityIsSizeModificationTimeAndInode) {
  Drop("ADT_1.csv", "12345");
  ASSERT_THAT(spool_->Claim("ADT_1.csv"), IsOk());
  SetMtime(P("sending/ADT_1.csv"), 1'700'000'000, 123'456'789);
  struct stat st;
  ASSERT_EQ(stat(P("sending/ADT_1.csv").c_str(), &st), 0);

  auto id = spool_->Identity("ADT_1.csv");
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(id->size, 5u);
  EXPECT_EQ(id->mtime_ns, 1'700'000'000'123'456'789LL);
  EXPECT_EQ(id->inode, static_cast<uint64_t>(st.st_ino));

  // Rewritten (a new file renamed over it): another identity.
  Write(P("sending/new"), "12345");
  SetMtime(P("sending/new"), 1'700'000'000, 123'456'789);
  ASSERT_EQ(rename(P("sending/new").c_str(), P("sending/ADT_1.csv").c_str()), 0);
  auto rewritten = spool_->Identity("ADT_1.csv");
  ASSERT_THAT(rewritten, IsOk());
  EXPECT_FALSE(*rewritten == *id);
  EXPECT_EQ(rewritten->size, id->size);
  EXPECT_EQ(rewritten->mtime_ns, id->mtime_ns);
}

TEST_F(SpoolTest, IdentityOfAMissingFileFails) {
  auto id = spool_->Identity("ADT_missing.csv");
  ASSERT_THAT(id, StatusIs("spool.io"));
}

TEST_F(SpoolTest, SidecarIsNulloptWithoutOne) {
  Drop("ADT_1.csv");
  auto sidecar = spool_->Sidecar("ADT_1.csv");
  ASSERT_THAT(sidecar, IsOk());
  EXPECT_FALSE(sidecar->has_value());
}

TEST_F(SpoolTest, SidecarIsReadFromSendingOrOutgoing) {
  Write(P("outgoing/a.csv.adtgw.json"), R"({"type":"adt"})");
  auto in_outgoing = spool_->Sidecar("a.csv");
  ASSERT_THAT(in_outgoing, IsOk());
  ASSERT_TRUE(in_outgoing->has_value());
  EXPECT_EQ(**in_outgoing, R"({"type":"adt"})");

  // A crash between moving a file and its sidecar leaves the sidecar in outgoing/;
  // once both are in sending/, that one counts.
  Write(P("sending/b.csv.adtgw.json"), R"({"type":"exit-quarantine"})");
  auto in_sending = spool_->Sidecar("b.csv");
  ASSERT_THAT(in_sending, IsOk());
  ASSERT_TRUE(in_sending->has_value());
  EXPECT_EQ(**in_sending, R"({"type":"exit-quarantine"})");
}

TEST_F(SpoolTest, SidecarOfAtMost4KiB) {
  Write(P("sending/ok.csv.adtgw.json"), std::string(kMaxSidecarSize, ' '));
  auto ok = spool_->Sidecar("ok.csv");
  ASSERT_THAT(ok, IsOk());
  ASSERT_TRUE(ok->has_value());
  EXPECT_EQ((*ok)->size(), kMaxSidecarSize);

  Write(P("sending/big.csv.adtgw.json"), std::string(kMaxSidecarSize + 1, ' '));
  auto big = spool_->Sidecar("big.csv");
  ASSERT_THAT(big, StatusIs("push.bad_sidecar"));
  EXPECT_EQ(big.error().kind, ErrorKind::kInvalidInput);
}

TEST_F(SpoolTest, SidecarThatIsALinkIsRefused) {
  Write(P("elsewhere.json"), R"({"type":"adt"})");
  ASSERT_EQ(symlink(P("elsewhere.json").c_str(), P("sending/a.csv.adtgw.json").c_str()), 0);
  auto sidecar = spool_->Sidecar("a.csv");
  ASSERT_THAT(sidecar, StatusIs("push.bad_sidecar"));
}

TEST_F(SpoolTest, PreparedStateRoundTrips) {
  ClaimWithPrepared("ADT_1.csv");
  struct stat st;
  ASSERT_EQ(lstat(P(".adtgw/prepared/ADT_1.csv").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0700u);

  auto identity = spool_->Identity("ADT_1.csv");
  ASSERT_THAT(identity, IsOk());
  PreparedRecord record;
  record.identity = *identity;
  record.manifest = R"({"manifest":true})";
  record.signature = std::string("\x30\x03\x02\x01\x00", 5);
  ASSERT_THAT(spool_->SavePrepared("ADT_1.csv", record), IsOk());

  auto loaded = spool_->LoadPrepared("ADT_1.csv", *identity);
  ASSERT_THAT(loaded, IsOk());
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->identity, *identity);
  EXPECT_EQ((*loaded)->manifest, record.manifest);
  EXPECT_EQ((*loaded)->signature, record.signature);
  EXPECT_EQ((*loaded)->envelope_path, P(".adtgw/prepared/ADT_1.csv/envelope.cms"));
  EXPECT_EQ((*loaded)->transfer_id, "") << "not offered yet";
  EXPECT_EQ(Read((*loaded)->envelope_path), "sealed");

  ASSERT_THAT(spool_->SaveTransferId("ADT_1.csv", kTransferId), IsOk());
  auto offered = spool_->LoadPrepared("ADT_1.csv", *identity);
  ASSERT_THAT(offered, IsOk());
  ASSERT_TRUE(offered->has_value());
  EXPECT_EQ((*offered)->transfer_id, kTransferId);
  EXPECT_EQ((*offered)->manifest, record.manifest);

  ASSERT_THAT(spool_->ForgetPrepared("ADT_1.csv"), IsOk());
  EXPECT_FALSE(Exists(P(".adtgw/prepared/ADT_1.csv")));
  auto forgotten = spool_->LoadPrepared("ADT_1.csv", *identity);
  ASSERT_THAT(forgotten, IsOk());
  EXPECT_FALSE(forgotten->has_value());
  EXPECT_THAT(spool_->ForgetPrepared("ADT_1.csv"), IsOk()) << "forgetting nothing is fine";
}

TEST_F(SpoolTest, LoadPreparedWithNothingPreparedIsNullopt) {
  auto loaded = spool_->LoadPrepared("ADT_never.csv", FileIdentity{1, 2, 3});
  ASSERT_THAT(loaded, IsOk());
  EXPECT_FALSE(loaded->has_value());
}

TEST_F(SpoolTest, AnUnfinishedPreparationIsForgotten) {
  ClaimWithPrepared("ADT_1.csv");  // envelope written, no record
  Write(P(".adtgw/prepared/ADT_1.csv/manifest.json"), "{}");
  auto identity = spool_->Identity("ADT_1.csv");
  ASSERT_THAT(identity, IsOk());
  auto loaded = spool_->LoadPrepared("ADT_1.csv", *identity);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_FALSE(loaded->has_value());
  EXPECT_FALSE(Exists(P(".adtgw/prepared/ADT_1.csv")));
}

TEST_F(SpoolTest, WhatWasPreparedForAnotherVersionIsForgotten) {
  ClaimWithPrepared("ADT_1.csv");
  auto identity = spool_->Identity("ADT_1.csv");
  ASSERT_THAT(identity, IsOk());
  PreparedRecord record;
  record.identity = *identity;
  record.manifest = "m";
  record.signature = "s";
  ASSERT_THAT(spool_->SavePrepared("ADT_1.csv", record), IsOk());
  ASSERT_THAT(spool_->SaveTransferId("ADT_1.csv", kTransferId), IsOk());

  FileIdentity changed = *identity;
  changed.size += 1;
  auto loaded = spool_->LoadPrepared("ADT_1.csv", changed);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_FALSE(loaded->has_value());
  EXPECT_FALSE(Exists(P(".adtgw/prepared/ADT_1.csv")));
  auto original = spool_->LoadPrepared("ADT_1.csv", *identity);
  ASSERT_THAT(original, IsOk());
  EXPECT_FALSE(original->has_value()) << "the old version's state must be gone for good";
}

TEST_F(SpoolTest, EachPartOfTheIdentityCounts) {
  ClaimWithPrepared("ADT_1.csv");
  auto identity = spool_->Identity("ADT_1.csv");
  ASSERT_THAT(identity, IsOk());
  for (int part = 0; part < 3; ++part) {
    auto dir = spool_->NewPreparedDir("ADT_1.csv");
    ASSERT_THAT(dir, IsOk());
    PreparedRecord record;
    record.identity = *identity;
    ASSERT_THAT(spool_->SavePrepared("ADT_1.csv", record), IsOk());
    FileIdentity other = *identity;
    if (part == 0) other.size += 1;
    if (part == 1) other.mtime_ns += 1;
    if (part == 2) other.inode += 1;
    auto loaded = spool_->LoadPrepared("ADT_1.csv", other);
    ASSERT_THAT(loaded, IsOk());
    EXPECT_FALSE(loaded->has_value()) << "part " << part;
  }
}

TEST_F(SpoolTest, ATransferIdThatIsNotOneIsRefused) {
  for (const std::string bad : {"../../etc/passwd", "0123ABCD4567EF890123ABCD4567EF89",
                                "0123abcd4567ef890123abcd4567ef8", ""}) {
    ClaimWithPrepared("ADT_" + std::to_string(bad.size()) + ".csv");
    const std::string name = "ADT_" + std::to_string(bad.size()) + ".csv";
    auto identity = spool_->Identity(name);
    ASSERT_THAT(identity, IsOk());
    PreparedRecord record;
    record.identity = *identity;
    ASSERT_THAT(spool_->SavePrepared(name, record), IsOk());
    ASSERT_THAT(spool_->SaveTransferId(name, bad), IsOk());
    auto loaded = spool_->LoadPrepared(name, *identity);
    ASSERT_THAT(loaded, StatusIs("spool.bad_record"))
        << "'" << bad << "' was taken as a transfer id";
    EXPECT_EQ(loaded.error().kind, ErrorKind::kInvalidInput);
  }
}

TEST_F(SpoolTest, NewPreparedDirStartsEmpty) {
  ClaimWithPrepared("ADT_1.csv");
  Write(P(".adtgw/prepared/ADT_1.csv/record"), "stale");
  auto dir = spool_->NewPreparedDir("ADT_1.csv");
  ASSERT_THAT(dir, IsOk());
  EXPECT_EQ(*dir, P(".adtgw/prepared/ADT_1.csv"));
  EXPECT_FALSE(Exists(*dir + "/envelope.cms"));
  EXPECT_FALSE(Exists(*dir + "/record"));
  struct stat st;
  ASSERT_EQ(lstat(dir->c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
}

}  // namespace
}  // namespace adtgw
