#include "gateway/store/sqlite_metadata_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "gateway/store/document_store.h"
#include "tests/support/sqlite_exec.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace adtgw {
namespace {

// A daily limit no test of the transfer record itself reaches.
constexpr uint32_t kNoLimit = 1000000;

constexpr std::time_t kDay = 86400;
constexpr std::time_t kMidnight = 1764374400;  // 2025-11-29T00:00:00Z

Eui64 E(const char* text) { return Eui64::Parse(text).value(); }

TransferRecord Record(const std::string& key, std::time_t created) {
  TransferRecord r;
  r.id = StorageKey::Generate().str();
  r.sender = E("90-B3-D5-1F-30-01-00-00");
  r.recipients = {E("90-B3-D5-1F-30-00-00-02"), E("90-B3-D5-1F-30-02-00-00")};
  r.idempotency_key = key;
  r.file_type = "adt";
  r.file_name = "adt.csv";
  r.envelope_sha256 = std::string(64, 'a');
  r.envelope_size = 1310;
  r.storage_key = StorageKey::Generate().str();
  r.created = r.updated = created;
  r.manifest = "{\"version\":1}";
  r.signature = std::string("\x30\x80\x00\x00", 4);  // bytes, NULs included
  return r;
}

class SqliteMetadataStoreTest : public ::testing::Test {
 protected:
  testing::TempDir tmp_{"adtgw-meta"};
  std::string dir_ = tmp_.path();
  std::unique_ptr<SqliteMetadataStore> store_ =
      SqliteMetadataStore::Create(dir_ + "/meta.db").value();
};

TEST_F(SqliteMetadataStoreTest, StoresAndReadsBackEveryField) {
  TransferRecord r = Record("key-0000000000000001", kMidnight + 60);
  auto created = store_->CreateOrGet(r, kNoLimit);
  ASSERT_THAT(created, IsOk());
  EXPECT_TRUE(created->is_new);
  TransferRecord got = store_->Get(r.id).value();
  EXPECT_EQ(got.sender, r.sender);
  EXPECT_EQ(got.recipients, r.recipients);
  EXPECT_EQ(got.signature, r.signature);
  EXPECT_EQ(got.manifest, r.manifest);
  EXPECT_EQ(got.envelope_size, 1310u);
  EXPECT_EQ(got.state, TransferState::kReceiving);
  EXPECT_THAT(store_->Get("0123456789abcdef0123456789abcdef"), StatusIs("store.not_found"));
}

TEST_F(SqliteMetadataStoreTest, ARepeatedIdempotencyKeyReturnsTheOriginal) {
  TransferRecord first = Record("retry-key-000000001", kMidnight + 60);
  ASSERT_THAT(store_->CreateOrGet(first, kNoLimit), IsOk());
  TransferRecord retry = Record("retry-key-000000001", kMidnight + 120);
  auto again = store_->CreateOrGet(retry, kNoLimit);
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->is_new);
  EXPECT_EQ(again->record.id, first.id);
  EXPECT_EQ(store_->SentOnDay(first.sender, kMidnight).value(), 1u);
  // The same key from another sender is another transfer.
  TransferRecord other = Record("retry-key-000000001", kMidnight + 180);
  other.sender = E("90-B3-D5-1F-30-03-00-00");
  EXPECT_TRUE(store_->CreateOrGet(other, kNoLimit)->is_new);
}

TEST_F(SqliteMetadataStoreTest, StateChangesAreCompareAndSet) {
  TransferRecord r = Record("state-key-00000000001", kMidnight);
  ASSERT_THAT(store_->CreateOrGet(r, kNoLimit), IsOk());
  ASSERT_THAT(store_->Transition(r.id, TransferState::kReceiving, TransferState::kReceived, "",
                                 kMidnight + 1),
              IsOk());
  Status stale = store_->Transition(r.id, TransferState::kReceiving, TransferState::kReceived, "",
                                    kMidnight + 2);
  ASSERT_THAT(stale, StatusIs("store.state_conflict"));
  EXPECT_EQ(stale.error().kind, ErrorKind::kConflict);
  ASSERT_THAT(store_->Transition(r.id, TransferState::kReceived, TransferState::kRejected,
                                 "format.bad_trailer", kMidnight + 3),
              IsOk());
  TransferRecord got = store_->Get(r.id).value();
  EXPECT_EQ(got.state, TransferState::kRejected);
  EXPECT_EQ(got.reason, "format.bad_trailer");
  EXPECT_EQ(got.updated, kMidnight + 3);
  EXPECT_THAT(store_->Transition("0123456789abcdef0123456789abcdef", TransferState::kReceived,
                                 TransferState::kDownloaded, "", 0),
              StatusIs("store.not_found"));
}

TEST_F(SqliteMetadataStoreTest, RacingTransitionsLetExactlyOneWin) {
  TransferRecord r = Record("race-key-000000000001", kMidnight);
  ASSERT_THAT(store_->CreateOrGet(r, kNoLimit), IsOk());
  ASSERT_THAT(store_->Transition(r.id, TransferState::kReceiving, TransferState::kReceived, "", 1),
              IsOk());
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (store_->Transition(r.id, TransferState::kReceived, TransferState::kDownloaded, "", 2)
              .ok()) {
        ++wins;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
}

TEST_F(SqliteMetadataStoreTest, InboxDailyCountsAndRetentionQueries) {
  TransferRecord a = Record("inbox-key-00000000001", kMidnight + 10);
  TransferRecord b = Record("inbox-key-00000000002", kMidnight + 20);
  TransferRecord yesterday = Record("inbox-key-00000000003", kMidnight - 10);
  b.recipients = {E("90-B3-D5-1F-30-02-00-00")};
  for (auto* r : {&a, &b, &yesterday}) {
    ASSERT_THAT(store_->CreateOrGet(*r, kNoLimit), IsOk());
    ASSERT_THAT(store_->Transition(r->id, TransferState::kReceiving, TransferState::kReceived, "",
                                   r->created),
                IsOk());
  }
  auto dcc = store_->Inbox(E("90-B3-D5-1F-30-00-00-02")).value();
  ASSERT_EQ(dcc.size(), 2u);
  EXPECT_EQ(dcc[0].id, yesterday.id);  // oldest first
  EXPECT_EQ(dcc[1].id, a.id);
  EXPECT_EQ(store_->Inbox(E("90-B3-D5-1F-30-02-00-00"))->size(), 3u);
  EXPECT_TRUE(store_->Inbox(E("90-B3-D5-1F-30-01-00-00"))->empty());
  EXPECT_EQ(store_->SentOnDay(a.sender, kMidnight).value(), 2u);
  EXPECT_EQ(store_->SentOnDay(a.sender, kMidnight - kDay).value(), 1u);
  auto old = store_->CreatedBefore(kMidnight, TransferState::kReceived).value();
  ASSERT_EQ(old.size(), 1u);
  EXPECT_EQ(old[0].id, yesterday.id);
}

TEST_F(SqliteMetadataStoreTest, DeliveriesAddUpToTheTransferState) {
  TransferRecord r = Record("delivery-key-0000001", kMidnight);
  Eui64 dcc = E("90-B3-D5-1F-30-00-00-02"), other = E("90-B3-D5-1F-30-02-00-00");
  ASSERT_THAT(store_->CreateOrGet(r, kNoLimit), IsOk());
  // Nothing can be delivered while the upload is still in progress.
  EXPECT_THAT(store_->RecordDelivery(r.id, dcc, DeliveryState::kDownloaded, {}, 1),
              StatusIs("store.delivery_conflict"));
  ASSERT_THAT(store_->Transition(r.id, TransferState::kReceiving, TransferState::kReceived, "", 1),
              IsOk());
  ASSERT_THAT(store_->RecordDelivery(r.id, dcc, DeliveryState::kDownloaded, {}, 2), IsOk());
  ASSERT_THAT(store_->RecordDelivery(r.id, dcc, DeliveryState::kDownloaded, {}, 3), IsOk());
  EXPECT_EQ(store_->Get(r.id)->state, TransferState::kDownloaded);
  Delivery ack;
  ack.ack = "{\"decision\":\"accepted\"}";
  ack.ack_signature = std::string("\x30\x00", 2);
  ASSERT_THAT(store_->RecordDelivery(r.id, dcc, DeliveryState::kAccepted, ack, 4), IsOk());
  EXPECT_THAT(store_->RecordDelivery(r.id, dcc, DeliveryState::kRejected, ack, 5),
              StatusIs("store.delivery_conflict"));
  EXPECT_EQ(store_->Get(r.id)->state, TransferState::kDownloaded);  // one still to answer
  EXPECT_TRUE(store_->Inbox(dcc)->empty());
  EXPECT_EQ(store_->Inbox(other)->size(), 1u);
  ack.reason = "format.bad_row";
  ASSERT_THAT(store_->RecordDelivery(r.id, other, DeliveryState::kRejected, ack, 6), IsOk());
  TransferRecord got = store_->Get(r.id).value();
  EXPECT_EQ(got.state, TransferState::kRejected);
  ASSERT_EQ(got.deliveries.size(), 2u);
  EXPECT_EQ(got.deliveries[0].state, DeliveryState::kAccepted);
  EXPECT_EQ(got.deliveries[0].ack, ack.ack);
  EXPECT_EQ(got.deliveries[0].ack_signature, ack.ack_signature);
  EXPECT_EQ(got.deliveries[1].reason, "format.bad_row");
  EXPECT_THAT(
      store_->RecordDelivery(r.id, E("90-B3-D5-1F-30-09-00-00"), DeliveryState::kAccepted, ack, 7),
      StatusIs("store.delivery_conflict"));  // the transfer is finished
}

TEST_F(SqliteMetadataStoreTest, DataSurvivesReopeningAndHostileTextStaysData) {
  TransferRecord r = Record("x'); DROP TABLE transfers; --", kMidnight);
  r.file_name = "a\"b'c;--";
  ASSERT_THAT(store_->CreateOrGet(r, kNoLimit), IsOk());
  store_.reset();
  store_ = SqliteMetadataStore::Create(dir_ + "/meta.db").value();
  TransferRecord got = store_->Get(r.id).value();
  EXPECT_EQ(got.idempotency_key, r.idempotency_key);
  EXPECT_EQ(got.file_name, r.file_name);
}

}  // namespace
}  // namespace adtgw

namespace adtgw {
namespace {

// The daily limit is reserved with the transfer: the limit-th transfer of a day is
// created, the next is not (and nothing of it is stored), a repeated key costs nothing,
// and the next day starts again.
TEST_F(SqliteMetadataStoreTest, TheDailyLimitIsReservedWithTheTransfer) {
  for (int i = 0; i < 3; ++i) {
    auto created = store_->CreateOrGet(Record("quota-" + std::to_string(i), kMidnight + i), 3);
    ASSERT_THAT(created, IsOk());
    EXPECT_TRUE(created->is_new);
  }
  TransferRecord fourth = Record("quota-3", kMidnight + 10);
  auto over = store_->CreateOrGet(fourth, 3);
  ASSERT_THAT(over, IsOk());
  EXPECT_TRUE(over->over_quota);
  EXPECT_FALSE(over->is_new);
  EXPECT_THAT(store_->Get(fourth.id), StatusIs("store.not_found"));
  EXPECT_EQ(store_->SentOnDay(fourth.sender, kMidnight).value(), 3u);
  // A retry of a transfer that exists is answered, whatever the count.
  auto again = store_->CreateOrGet(Record("quota-0", kMidnight + 20), 3);
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->over_quota);
  EXPECT_FALSE(again->is_new);
  EXPECT_TRUE(store_->CreateOrGet(Record("quota-4", kMidnight + kDay), 3)->is_new);
  EXPECT_TRUE(store_->CreateOrGet(Record("quota-5", kMidnight), 0)->over_quota);
}

// 100 racing offers at a limit of 50, from 8 threads on one store and on a second
// connection to the same file (as a second gateway process would have): exactly 50.
TEST_F(SqliteMetadataStoreTest, RacingOffersNeverPassTheLimit) {
  auto second = SqliteMetadataStore::Create(dir_ + "/meta.db");
  ASSERT_THAT(second, IsOk());
  std::atomic<int> created{0}, refused{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      MetadataStore& store = t % 2 == 0 ? static_cast<MetadataStore&>(*store_) : **second;
      for (int i = t; i < 100; i += 8) {
        auto r = store.CreateOrGet(Record("race-" + std::to_string(i), kMidnight + i), 50);
        if (!r.ok()) {
          ++failed;
        } else if (r->over_quota) {
          ++refused;
        } else if (r->is_new) {
          ++created;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(created.load(), 50);
  EXPECT_EQ(refused.load(), 50);
  EXPECT_EQ(store_->SentOnDay(E("90-B3-D5-1F-30-01-00-00"), kMidnight).value(), 50u);
}

// A version 2 database (no counter) is upgraded once, its counts taken from the
// transfers it holds; a database of an unknown version is refused.
TEST(SqliteMetadataStoreUpgrade, AVersionTwoDatabaseGetsItsCounts) {
  testing::TempDir tmp("adtgw-meta-upgrade");
  const std::string path = tmp.path() + "/meta.db";
  {
    auto store = SqliteMetadataStore::Create(path).value();
    ASSERT_THAT(store->CreateOrGet(Record("old-1", kMidnight + 1), kNoLimit), IsOk());
    ASSERT_THAT(store->CreateOrGet(Record("old-2", kMidnight + 2), kNoLimit), IsOk());
    ASSERT_THAT(store->CreateOrGet(Record("old-3", kMidnight - 5), kNoLimit), IsOk());
  }
  // What version 2 was: the same transfers, no counter.
  testing::ExecSql(path, "DROP TABLE daily_sent; PRAGMA user_version=2;");
  auto upgraded = SqliteMetadataStore::Create(path);
  ASSERT_THAT(upgraded, IsOk());
  const Eui64 sender = E("90-B3-D5-1F-30-01-00-00");
  EXPECT_EQ((*upgraded)->SentOnDay(sender, kMidnight).value(), 2u);
  EXPECT_EQ((*upgraded)->SentOnDay(sender, kMidnight - kDay).value(), 1u);
  EXPECT_TRUE((*upgraded)->CreateOrGet(Record("new-1", kMidnight + 3), 3)->is_new);
  EXPECT_TRUE((*upgraded)->CreateOrGet(Record("new-2", kMidnight + 4), 3)->over_quota);
  upgraded->reset();
  testing::ExecSql(path, "PRAGMA user_version=1;");
  EXPECT_THAT(SqliteMetadataStore::Create(path), StatusIs("store.schema"));
}

}  // namespace
}  // namespace adtgw
