#include "gateway/audit/audit_log.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <thread>

#include "certs/cert_issuer.h"
#include "crypto/byte_stream.h"
#include "gateway/audit/merkle_tree.h"
#include "tests/support/sqlite_exec.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace adtgw {
namespace {

constexpr char kOrigin[] = "adtgw.test.example/log";

EvpPkeyPtr NewKey() { return GenerateKey(KeyType::kP256).value(); }
LogSigner SignerOf(const EvpPkeyPtr& key) { return LogSigner::FromKey(key.get(), kOrigin).value(); }

AuditEntry Entry(int i, const char* party = "AD-7C-00-00-00-00-02-01") {
  AuditEntry e;
  e.at = 1767225600 + i * 3600;  // 2026-01-01, one entry an hour
  e.event = audit_event::kTransferOffered;
  e.outcome = "accepted";
  e.actor = Eui64::Parse(party).value();
  e.sender = e.actor;
  e.recipients = {Eui64::Parse("AD-7C-00-00-00-00-04-01").value()};
  e.transfer_id = "t" + std::to_string(i);
  e.file_type = i % 2 == 0 ? "adt" : "exit-quarantine";
  return e;
}

class AuditLogTest : public ::testing::Test {
 protected:
  std::string Path() const { return dir_.path() + "/audit.db"; }
  // A fresh signer over the test's log key (one process's view of it).
  LogSigner Signer() const { return SignerOf(key_); }
  testing::TempDir dir_;
  EvpPkeyPtr key_ = NewKey();
  LogSigner signer_ = Signer();
};

TEST_F(AuditLogTest, ANewLogSignsTheEmptyTree) {
  auto log = AuditLog::Open(Path(), Signer());
  ASSERT_THAT(log, IsOk());
  SignedCheckpoint head = (*log)->Latest();
  EXPECT_EQ(head.checkpoint.size, 0u);
  EXPECT_EQ(head.checkpoint.root, merkle::EmptyRoot());
  auto verified = signer_.verifier().Verify(head.note);
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(*verified, head.checkpoint);
}

TEST_F(AuditLogTest, AppendsAreNumberedSignedAndProvable) {
  auto log = AuditLog::Open(Path(), Signer()).value();
  std::vector<Sha256Digest> leaves;
  for (int i = 0; i < 40; ++i) {
    auto pos = log->Append(Entry(i));
    ASSERT_THAT(pos, IsOk());
    EXPECT_EQ(pos->index, static_cast<uint64_t>(i));
    leaves.push_back(merkle::LeafHash(AsBytes(AuditEntryToJson(Entry(i)))));
    // The checkpoint covers the entry, verifies, and its root is the tree's.
    EXPECT_EQ(pos->head.checkpoint.size, leaves.size());
    EXPECT_EQ(pos->head.checkpoint.root, merkle::RootOf(leaves));
    ASSERT_THAT(signer_.verifier().Verify(pos->head.note), IsOk());
    auto proof = log->InclusionProof(pos->index, pos->head.checkpoint.size);
    ASSERT_THAT(proof, IsOk());
    EXPECT_THAT(merkle::VerifyInclusion(pos->index, leaves.size(), leaves.back(), *proof,
                                        pos->head.checkpoint.root),
                IsOk());
  }
  for (uint64_t m = 1; m <= 40; ++m) {
    auto proof = log->ConsistencyProof(m, 40);
    ASSERT_THAT(proof, IsOk());
    EXPECT_THAT(merkle::VerifyConsistency(m, 40, merkle::RootOf(std::span(leaves).first(m)),
                                          merkle::RootOf(leaves), *proof),
                IsOk())
        << m;
  }
  EXPECT_THAT(log->InclusionProof(3, 41), StatusIs("audit.beyond_head"));
  auto checkpoints = log->Checkpoints(0, 1000);
  ASSERT_THAT(checkpoints, IsOk());
  EXPECT_EQ(checkpoints->size(), 41u);  // the empty tree, then one per append here
}

TEST_F(AuditLogTest, ConcurrentAppendersShareBatchesAndGetDistinctIndices) {
  auto log = AuditLog::Open(Path(), Signer()).value();
  constexpr int kThreads = 16, kEach = 25;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto pos = log->Append(Entry(t * kEach + i));
        if (pos.ok()) got[t].push_back(pos->index);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<uint64_t> all;
  for (auto& g : got) all.insert(all.end(), g.begin(), g.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i);
  // Fewer checkpoints than entries: batches were shared.
  EXPECT_EQ(log->Latest().checkpoint.size, all.size());
  EXPECT_LT(log->Checkpoints(0, 1000)->size(), all.size() + 1);
}

// AppendProved's proofs come from the writer's own nodes (the frontier before the batch
// and the batch's new subtrees): they must be the stored tree's proofs exactly, for
// entries alone in a batch and entries sharing one, at every tree shape on the way.
TEST_F(AuditLogTest, AppendProvedGivesTheStoredTreesProofInSharedBatches) {
  auto log = AuditLog::Open(Path(), Signer()).value();
  // A start that is not a power of two, so batches begin mid-subtree.
  ASSERT_THAT(log->AppendAll({Entry(1000), Entry(1001), Entry(1002)}), IsOk());
  constexpr int kThreads = 8, kEach = 30;
  std::vector<std::vector<LogPosition>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        // Every third append asks for no proof, so proved and unproved entries mix.
        auto pos = i % 3 == 2 ? log->Append(Entry(t * kEach + i))
                              : log->AppendProved(Entry(t * kEach + i));
        if (pos.ok()) got[t].push_back(*pos);
      }
    });
  }
  for (auto& th : threads) th.join();
  size_t proved = 0;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(got[t].size(), static_cast<size_t>(kEach));
    for (int i = 0; i < kEach; ++i) {
      const LogPosition& pos = got[t][i];
      const uint64_t size = pos.head.checkpoint.size;
      if (i % 3 == 2) {
        EXPECT_TRUE(pos.inclusion.empty());
        continue;
      }
      ++proved;
      auto stored = log->InclusionProof(pos.index, size);
      ASSERT_THAT(stored, IsOk());
      EXPECT_EQ(pos.inclusion, *stored) << "index " << pos.index << " in " << size;
      Sha256Digest leaf = merkle::LeafHash(AsBytes(AuditEntryToJson(Entry(t * kEach + i))));
      EXPECT_THAT(
          merkle::VerifyInclusion(pos.index, size, leaf, pos.inclusion, pos.head.checkpoint.root),
          IsOk())
          << "index " << pos.index << " in " << size;
    }
  }
  EXPECT_EQ(proved, static_cast<size_t>(kThreads * 20));
}

TEST_F(AuditLogTest, ReopeningContinuesTheSameTree) {
  SignedCheckpoint before;
  {
    auto log = AuditLog::Open(Path(), Signer()).value();
    ASSERT_THAT(log->AppendAll({Entry(0), Entry(1), Entry(2)}), IsOk());
    before = log->Latest();
  }
  auto log = AuditLog::Open(Path(), Signer()).value();
  EXPECT_EQ(log->Latest().checkpoint, before.checkpoint);
  auto pos = log->Append(Entry(3));
  ASSERT_THAT(pos, IsOk());
  EXPECT_EQ(pos->index, 3u);
  auto proof = log->ConsistencyProof(3, 4).value();
  EXPECT_THAT(
      merkle::VerifyConsistency(3, 4, before.checkpoint.root, pos->head.checkpoint.root, proof),
      IsOk());
}

// Two gateway processes sharing one state directory: each log sees the head move under
// it and commits again on top, so both append, the indices interleave without a gap and
// a third reader verifies one consistent tree.
TEST_F(AuditLogTest, TwoWritersOnOneDatabaseBothAppendToOneTree) {
  auto first = AuditLog::Open(Path(), Signer()).value();
  auto second = AuditLog::Open(Path(), Signer()).value();
  std::vector<uint64_t> indices;
  for (int i = 0; i < 10; ++i) {
    auto& log = i % 2 == 0 ? first : second;
    auto pos = log->Append(Entry(i));
    ASSERT_THAT(pos, IsOk()) << i;
    indices.push_back(pos->index);
  }
  for (uint64_t i = 0; i < indices.size(); ++i) EXPECT_EQ(indices[i], i);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      auto& log = t == 0 ? first : second;
      for (int i = 0; i < 20; ++i) EXPECT_THAT(log->Append(Entry(100 + 20 * t + i)), IsOk());
    });
  }
  for (auto& thread : threads) thread.join();
  auto reader = AuditLog::Open(Path(), Signer()).value();
  EXPECT_EQ(reader->Latest().checkpoint.size, 50u);
  auto entries = reader->Entries(0, 100);
  ASSERT_THAT(entries, IsOk());
  EXPECT_EQ(entries->size(), 50u);
}

// Checkpoints of sizes 0, 1, 3, 6 and 10 (the empty tree, then batches of 1 to 4).
TEST_F(AuditLogTest, CheckpointsArePagedBySize) {
  auto log = AuditLog::Open(Path(), Signer()).value();
  int next = 0;
  for (int batch = 1; batch <= 4; ++batch) {
    std::vector<AuditEntry> entries;
    for (int i = 0; i < batch; ++i) entries.push_back(Entry(next++));
    ASSERT_THAT(log->AppendAll(entries), IsOk());
  }
  auto sizes = [&](uint64_t from, size_t limit) {
    std::vector<uint64_t> out;
    const std::vector<std::string> notes = log->Checkpoints(from, limit).value();
    for (const std::string& note : notes) {
      out.push_back(signer_.verifier().Verify(note).value().size);
    }
    return out;
  };
  using Sizes = std::vector<uint64_t>;
  EXPECT_EQ(sizes(0, 100), (Sizes{0, 1, 3, 6, 10}));
  EXPECT_EQ(sizes(0, 2), (Sizes{0, 1}));
  EXPECT_EQ(sizes(1, 2), (Sizes{1, 3}));  // from is inclusive
  EXPECT_EQ(sizes(2, 2), (Sizes{3, 6}));  // ... and need not be a checkpoint's size
  EXPECT_EQ(sizes(7, 100), (Sizes{10}));
  EXPECT_EQ(sizes(10, 1), (Sizes{10}));
  EXPECT_EQ(log->Checkpoints(10, 1)->front(), log->Latest().note);
  EXPECT_TRUE(sizes(11, 100).empty());
  EXPECT_TRUE(sizes(0, 0).empty());
  // Past what SQLite's signed integers hold: no checkpoint is that large, and no page
  // is cut short by a limit that large.
  EXPECT_TRUE(sizes(uint64_t{1} << 63, 100).empty());
  EXPECT_TRUE(sizes(~uint64_t{0}, 100).empty());
  EXPECT_EQ(sizes(3, ~size_t{0}), (Sizes{3, 6, 10}));
}

TEST_F(AuditLogTest, EntriesArePagedByIndex) {
  auto log = AuditLog::Open(Path(), Signer()).value();
  std::vector<AuditEntry> entries;
  for (int i = 0; i < 25; ++i) entries.push_back(Entry(i));
  ASSERT_THAT(log->AppendAll(entries), IsOk());
  auto indices = [&](uint64_t from, size_t limit) {
    std::vector<uint64_t> out;
    const std::vector<StoredEntry> rows = log->Entries(from, limit).value();
    for (const StoredEntry& row : rows) {
      EXPECT_EQ(row.entry, AuditEntryToJson(entries.at(row.index)));
      EXPECT_EQ(row.leaf, merkle::LeafHash(AsBytes(row.entry)));
      out.push_back(row.index);
    }
    return out;
  };
  using Indices = std::vector<uint64_t>;
  EXPECT_EQ(indices(0, 3), (Indices{0, 1, 2}));
  EXPECT_EQ(indices(22, 100), (Indices{22, 23, 24}));
  EXPECT_EQ(indices(0, 1000).size(), 25u);
  EXPECT_TRUE(indices(25, 10).empty());
  EXPECT_TRUE(indices(0, 0).empty());
  EXPECT_TRUE(indices(uint64_t{1} << 63, 10).empty());
  EXPECT_TRUE(indices(~uint64_t{0}, 10).empty());
  EXPECT_EQ(indices(20, ~size_t{0}), (Indices{20, 21, 22, 23, 24}));
}

TEST_F(AuditLogTest, QueriesFindByPartyTimeEventTypeAndTransfer) {
  auto log = AuditLog::Open(Path(), Signer()).value();
  std::vector<AuditEntry> entries;
  for (int i = 0; i < 48; ++i) {
    entries.push_back(Entry(i, i % 3 == 0 ? "AD-7C-00-00-00-00-02-02" : "AD-7C-00-00-00-00-02-01"));
  }
  ASSERT_THAT(log->AppendAll(entries), IsOk());
  AuditQuery q;
  q.party = Eui64::Parse("AD-7C-00-00-00-00-02-02").value();
  auto found = log->Find(q).value();
  EXPECT_EQ(found.size(), 16u);
  q.since = 1767225600 + 24 * 3600;  // the second day
  found = log->Find(q).value();
  EXPECT_EQ(found.size(), 8u);
  q.file_type = "adt";
  found = log->Find(q).value();
  for (const StoredEntry& e : found) {
    AuditEntry parsed = ParseAuditEntry(AsBytes(e.entry)).value();
    EXPECT_EQ(parsed.file_type, "adt");
    EXPECT_GE(parsed.at, *q.since);
    ASSERT_TRUE(e.leaf.has_value());
    EXPECT_EQ(*e.leaf, merkle::LeafHash(AsBytes(e.entry)));
  }
  EXPECT_EQ(found.size(), 4u);
  AuditQuery by_time;
  by_time.until = 1767225600 + 10 * 3600;
  by_time.event = audit_event::kTransferOffered;
  EXPECT_EQ(log->Find(by_time)->size(), 10u);
  by_time.event = audit_event::kEnvelopeStored;
  EXPECT_EQ(log->Find(by_time)->size(), 0u);
  auto life = log->ForTransfer("t7").value();
  ASSERT_EQ(life.size(), 1u);
  EXPECT_EQ(life[0].index, 7u);
}

TEST_F(AuditLogTest, TamperingWithTheStoredTreeStopsTheLogFromOpening) {
  {
    auto log = AuditLog::Open(Path(), Signer()).value();
    ASSERT_THAT(log->AppendAll({Entry(0), Entry(1), Entry(2), Entry(3)}), IsOk());
  }
  // The subtree over all four entries (level 2, index 0: id 2 << 48) rewritten: the stored nodes no
  // longer reproduce the signed root. (A changed leaf inside the tree is found by
  // `adtgw audit verify --full`, which rehashes every entry.)
  testing::ExecSql(Path(), "UPDATE audit_nodes SET hash = zeroblob(32) WHERE id = 562949953421312");
  auto opened = AuditLog::Open(Path(), Signer());
  ASSERT_THAT(opened, StatusIs("audit.log_corrupt"));
}

TEST_F(AuditLogTest, AnEntryRowAddedBehindTheLogsBackStopsItFromOpening) {
  {
    auto log = AuditLog::Open(Path(), Signer()).value();
    ASSERT_THAT(log->AppendAll({Entry(0), Entry(1)}), IsOk());
  }
  constexpr char kForgedRow[] = R"sql(
INSERT INTO audit_entries VALUES (2, 0, 'gateway.started', '', '', x'7b7d')
)sql";
  testing::ExecSql(Path(), kForgedRow);
  auto opened = AuditLog::Open(Path(), Signer());
  ASSERT_THAT(opened, StatusIs("audit.log_corrupt"));
  EXPECT_NE(opened.error().message.find("ends at index 2"), std::string::npos);
}

TEST_F(AuditLogTest, AnotherKeysHeadIsRefused) {
  { ASSERT_THAT(AuditLog::Open(Path(), Signer()), IsOk()); }
  auto opened = AuditLog::Open(Path(), SignerOf(NewKey()));
  ASSERT_THAT(opened, StatusIs("audit.log_corrupt"));
}

TEST_F(AuditLogTest, TheHeadAdvancesOnlyByCompareAndSwap) {
  auto first = AuditLog::Open(Path(), Signer()).value();
  auto second = AuditLog::Open(Path(), Signer()).value();  // a second process, in effect
  ASSERT_THAT(first->Append(Entry(0)), IsOk());
  // The second log's view (size 0) is stale: it must not sign a head over the first's
  // (index 0 again, a fork). It reloads and continues from the stored head, consistently.
  auto next = second->Append(Entry(1));
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->index, 1u);
  EXPECT_EQ(next->head.checkpoint.size, 2u);
  auto proof = second->ConsistencyProof(1, 2).value();
  auto one = signer_.verifier().Verify(second->Checkpoints(1, 1)->at(0)).value();
  EXPECT_THAT(merkle::VerifyConsistency(1, 2, one.root, next->head.checkpoint.root, proof), IsOk());
}

}  // namespace
}  // namespace adtgw
