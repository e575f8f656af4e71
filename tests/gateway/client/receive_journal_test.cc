// ReceiveJournal: the entries adtgw receive keeps in DIR/.adtgw-receive/ between
// publishing a file and acknowledging it (docs/receive.md): the round trip, the ids it
// accepts as file names, pruning, and the clean-up of a killed receiver's leftovers.
#include "gateway/client/receive_journal.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_files.h"

namespace adtgw {
namespace {

using ::testing::Not;
using ::testing::StartsWith;

constexpr const char* kIdA = "0123456789abcdef0123456789abcdef";
constexpr const char* kIdB = "fedcba9876543210fedcba9876543210";

using testing::Exists;
using testing::Read;
using testing::Write;

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Sha256Digest DigestOf(const std::string& s) {
  return Sha256Of(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

class ReceiveJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    out_ = dir_.path() + "/out";
    ASSERT_EQ(mkdir(out_.c_str(), 0700), 0);
    auto journal = ReceiveJournal::Open(out_);
    ASSERT_THAT(journal, IsOk());
    journal_.emplace(std::move(journal).value());
  }

  JournalEntry EntryFor(const std::string& name, const std::string& temp_hex) const {
    JournalEntry e;
    e.final_path = out_ + "/" + name;
    e.temp_path = out_ + "/." + name + ".tmp-" + temp_hex;
    e.sha256 = DigestOf(name);
    return e;
  }

  testing::TempDir dir_{"adtgw-journal"};
  std::string out_;
  std::optional<ReceiveJournal> journal_;
};

TEST_F(ReceiveJournalTest, OpenCreatesAPrivateFolder) {
  EXPECT_EQ(journal_->dir(), out_ + "/.adtgw-receive");
  struct stat st;
  ASSERT_EQ(lstat(journal_->dir().c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0700u);

  ASSERT_THAT(journal_->Record(kIdA, EntryFor("a.csv", "0123456789abcdef")), IsOk());
  auto again = ReceiveJournal::Open(out_);
  ASSERT_THAT(again, IsOk());
  auto found = again->Find(kIdA);
  ASSERT_THAT(found, IsOk());
  EXPECT_TRUE(found->has_value()) << "opening again must keep the entries";
}

TEST_F(ReceiveJournalTest, OpenRefusesAFileInThePlaceOfItsFolder) {
  const std::string other = dir_.path() + "/other";
  ASSERT_EQ(mkdir(other.c_str(), 0700), 0);
  Write(other + "/.adtgw-receive", "x");
  auto journal = ReceiveJournal::Open(other);
  ASSERT_THAT(journal, StatusIs("receive.journal"));
  EXPECT_EQ(journal.error().kind, ErrorKind::kPermission);
}

TEST_F(ReceiveJournalTest, OpenRefusesAMissingOutputFolder) {
  auto journal = ReceiveJournal::Open(dir_.path() + "/missing");
  ASSERT_THAT(journal, StatusIs("receive.journal"));
  EXPECT_EQ(journal.error().kind, ErrorKind::kIo);
}

TEST_F(ReceiveJournalTest, RecordFindForgetRoundTrip) {
  JournalEntry entry = EntryFor("ADT_1.csv", "00112233445566ff");
  ASSERT_THAT(journal_->Record(kIdA, entry), IsOk());
  EXPECT_EQ(Names(journal_->dir()), std::vector<std::string>{std::string(kIdA) + ".json"});
  EXPECT_EQ(Read(journal_->dir() + "/" + kIdA + ".json"),
            R"({"final_path":")" + entry.final_path + R"(","sha256":")" + ToHex(entry.sha256) +
                R"(","temp_path":")" + entry.temp_path + R"("})");

  auto found = journal_->Find(kIdA);
  ASSERT_THAT(found, IsOk());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->final_path, entry.final_path);
  EXPECT_EQ((*found)->temp_path, entry.temp_path);
  EXPECT_EQ((*found)->sha256, entry.sha256);

  auto other = journal_->Find(kIdB);
  ASSERT_THAT(other, IsOk());
  EXPECT_FALSE(other->has_value());

  ASSERT_THAT(journal_->Forget(kIdA), IsOk());
  auto gone = journal_->Find(kIdA);
  ASSERT_THAT(gone, IsOk());
  EXPECT_FALSE(gone->has_value());
  EXPECT_TRUE(Names(journal_->dir()).empty());
  EXPECT_THAT(journal_->Forget(kIdA), IsOk()) << "forgetting an unknown id is fine";
}

TEST_F(ReceiveJournalTest, RecordReplacesAnEarlierEntry) {
  ASSERT_THAT(journal_->Record(kIdA, EntryFor("first.csv", "0000000000000000")), IsOk());
  JournalEntry second = EntryFor("second.csv", "1111111111111111");
  ASSERT_THAT(journal_->Record(kIdA, second), IsOk());
  auto found = journal_->Find(kIdA);
  ASSERT_THAT(found, IsOk());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->final_path, second.final_path);
  EXPECT_EQ((*found)->sha256, second.sha256);
}

TEST_F(ReceiveJournalTest, IdsThatAreNotTransferIdsAreRefused) {
  const JournalEntry entry = EntryFor("a.csv", "0123456789abcdef");
  for (const std::string id :
       {"../x", "../../out/x", "", "0123456789abcdef0123456789abcde",
        "0123456789abcdef0123456789abcdef0", "0123456789ABCDEF0123456789ABCDEF",
        "0123456789abcdef0123456789abcde/", "0123456789abcdef0123456789abcdeg",
        "../0123456789abcdef0123456789abc"}) {
    Status recorded = journal_->Record(id, entry);
    ASSERT_THAT(recorded, StatusIs("response.malformed")) << "recorded '" << id << "'";
    EXPECT_EQ(recorded.error().kind, ErrorKind::kInvalidInput) << id;

    auto found = journal_->Find(id);
    ASSERT_THAT(found, StatusIs("response.malformed")) << "looked up '" << id << "'";

    Status forgotten = journal_->Forget(id);
    ASSERT_THAT(forgotten, StatusIs("response.malformed")) << "forgot '" << id << "'";
  }
  EXPECT_TRUE(Names(journal_->dir()).empty());
  EXPECT_EQ(Names(out_), std::vector<std::string>{".adtgw-receive"});
  EXPECT_FALSE(Exists(out_ + "/x.json"));
}

TEST_F(ReceiveJournalTest, ForgetDoesNotReachOutsideTheJournal) {
  Write(out_ + "/x.json", "a published file");
  Status s = journal_->Forget("../x");
  ASSERT_THAT(s, Not(IsOk()));
  EXPECT_EQ(Read(out_ + "/x.json"), "a published file");
}

TEST_F(ReceiveJournalTest, ADamagedEntryIsAnError) {
  for (const std::string& text :
       {std::string("not json"), std::string(R"({"final_path":"a","temp_path":"b"})"),
        std::string(R"({"final_path":"a","sha256":"00","temp_path":"b"})"),
        R"({"final_path":"a","sha256":")" + std::string(64, 'A') + R"(","temp_path":"b"})",
        R"({"extra":1,"final_path":"a","sha256":")" + std::string(64, '0') +
            R"(","temp_path":"b"})"}) {
    Write(journal_->dir() + "/" + kIdA + ".json", text);
    auto found = journal_->Find(kIdA);
    ASSERT_THAT(found, StatusIs(StartsWith("receive.journal"))) << "accepted: " << text;
  }
}

TEST_F(ReceiveJournalTest, PruneForgetsTransfersNoLongerWaiting) {
  JournalEntry a = EntryFor("a.csv", "aaaaaaaaaaaaaaaa");
  JournalEntry b = EntryFor("b.csv", "bbbbbbbbbbbbbbbb");
  Write(a.temp_path, "half of a");
  Write(b.temp_path, "half of b");
  Write(out_ + "/published.csv", "a published file");
  ASSERT_THAT(journal_->Record(kIdA, a), IsOk());
  ASSERT_THAT(journal_->Record(kIdB, b), IsOk());

  ASSERT_THAT(journal_->Prune({kIdB, "ffffffffffffffffffffffffffffffff"}), IsOk());
  auto found_a = journal_->Find(kIdA);
  ASSERT_THAT(found_a, IsOk());
  EXPECT_FALSE(found_a->has_value());
  EXPECT_FALSE(Exists(a.temp_path)) << "its temporary file must go with it";
  auto found_b = journal_->Find(kIdB);
  ASSERT_THAT(found_b, IsOk());
  ASSERT_TRUE(found_b->has_value());
  EXPECT_EQ((*found_b)->final_path, b.final_path);
  EXPECT_EQ(Read(b.temp_path), "half of b");
  EXPECT_EQ(Read(out_ + "/published.csv"), "a published file");

  ASSERT_THAT(journal_->Prune({}), IsOk());
  auto found_b_after = journal_->Find(kIdB);
  ASSERT_THAT(found_b_after, IsOk());
  EXPECT_FALSE(found_b_after->has_value());
  EXPECT_FALSE(Exists(b.temp_path));
  EXPECT_TRUE(Names(journal_->dir()).empty());
  EXPECT_EQ(Read(out_ + "/published.csv"), "a published file");
}

TEST_F(ReceiveJournalTest, PruneKeepsEveryWaitingEntryAndOtherFiles) {
  ASSERT_THAT(journal_->Record(kIdA, EntryFor("a.csv", "aaaaaaaaaaaaaaaa")), IsOk());
  Write(journal_->dir() + "/lock", "");
  ASSERT_THAT(journal_->Prune({kIdA}), IsOk());
  EXPECT_EQ(Names(journal_->dir()),
            (std::vector<std::string>{std::string(kIdA) + ".json", "lock"}));
}

TEST_F(ReceiveJournalTest, RemoveStaleTemporariesRemovesOnlyUnnamedTemporaries) {
  const std::string stale = ".a.csv.tmp-0123456789abcdef";
  JournalEntry named = EntryFor("b.csv", "fedcba9876543210");
  Write(out_ + "/" + stale, "killed while decrypting");
  Write(named.temp_path, "decrypted, not yet renamed");
  ASSERT_THAT(journal_->Record(kIdA, named), IsOk());
  // Left alone: not AtomicFile temporaries.
  const std::vector<std::string> others = {
      "a.csv",                             // a published file
      ".hidden",                           // another dot-file
      "x.tmp-0123456789abcdef",            // not a dot-file
      ".c.csv.tmp-0123456789abcde",        // 15 digits
      ".c.csv.tmp-0123456789abcdef0",      // 17 digits
      ".c.csv.tmp-0123456789ABCDEF",       // upper case
      ".c.csv.tmp-0123456789abcdeg",       // not hex
      ".c.csv.tmp-0123456789abcdef.part",  // something after
  };
  for (const std::string& name : others) Write(out_ + "/" + name, name);
  // A journal entry whose writing was cut short, beside a whole one.
  const std::string cut_short = std::string(".") + kIdB + ".json.tmp-00aa11bb22cc33dd";
  Write(journal_->dir() + "/" + cut_short, R"({"final_path")");

  auto removed = journal_->RemoveStaleTemporaries();
  ASSERT_THAT(removed, IsOk());
  EXPECT_EQ(*removed, 2u);
  EXPECT_FALSE(Exists(out_ + "/" + stale));
  EXPECT_FALSE(Exists(journal_->dir() + "/" + cut_short));
  EXPECT_EQ(Read(named.temp_path), "decrypted, not yet renamed");
  for (const std::string& name : others) EXPECT_EQ(Read(out_ + "/" + name), name) << name;
  auto entry = journal_->Find(kIdA);
  ASSERT_THAT(entry, IsOk());
  EXPECT_TRUE(entry->has_value());

  auto again = journal_->RemoveStaleTemporaries();
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, 0u);
}

TEST_F(ReceiveJournalTest, AnEntryNamingFilesOutsideTheFolderIsRefused) {
  // The receiver deletes an entry's temporary file: an entry may only name the
  // AtomicFile temporary of a file in this output folder.
  Write(out_ + "/victim", "keep me");
  for (auto edit : std::vector<std::function<void(JournalEntry&)>>{
           [&](JournalEntry& e) { e.temp_path = out_ + "/../victim"; },
           [&](JournalEntry& e) { e.temp_path = out_ + "/victim"; },
           [&](JournalEntry& e) { e.temp_path = out_ + "/.c.csv.tmp-fedcba9876543210"; },
           [&](JournalEntry& e) { e.temp_path = out_ + "/.b.csv.tmp-FEDCBA9876543210"; },
           [&](JournalEntry& e) { e.final_path = out_ + "/../b.csv"; },
           [&](JournalEntry& e) { e.final_path = "/etc/b.csv"; }}) {
    JournalEntry entry = EntryFor("b.csv", "fedcba9876543210");
    edit(entry);
    ASSERT_THAT(journal_->Record(kIdA, entry), IsOk());
    auto found = journal_->Find(kIdA);
    ASSERT_THAT(found, StatusIs("receive.journal.temp_path"))
        << entry.final_path << " " << entry.temp_path;
  }
  ASSERT_THAT(journal_->Prune({kIdA}), IsOk());
  EXPECT_EQ(Read(out_ + "/victim"), "keep me");
}

TEST_F(ReceiveJournalTest, RemoveStaleTemporariesWithNothingToRemove) {
  Write(out_ + "/a.csv", "published");
  auto removed = journal_->RemoveStaleTemporaries();
  ASSERT_THAT(removed, IsOk());
  EXPECT_EQ(*removed, 0u);
  EXPECT_EQ(Names(out_), (std::vector<std::string>{".adtgw-receive", "a.csv"}));
}

}  // namespace
}  // namespace adtgw
