#include "gateway/store/sqlite_metadata_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "gateway/store/document_store.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace adtgw {
namespace {

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
  auto created = store_->CreateOrGet(r);
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
  ASSERT_THAT(store_->CreateOrGet(first), IsOk());
  TransferRecord retry = Record("retry-key-000000001", kMidnight + 120);
  auto again = store_->CreateOrGet(retry);
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->is_new);
  EXPECT_EQ(again->record.id, first.id);
  EXPECT_EQ(store_->SentOnDay(first.sender, kMidnight).value(), 1u);
  // The same key from another sender is another transfer.
  TransferRecord other = Record("retry-key-000000001", kMidnight + 180);
  other.sender = E("90-B3-D5-1F-30-03-00-00");
  EXPECT_TRUE(store_->CreateOrGet(other)->is_new);
}

TEST_F(SqliteMetadataStoreTest, StateChangesAreCompareAndSet) {
  TransferRecord r = Record("state-key-00000000001", kMidnight);
  ASSERT_THAT(store_->CreateOrGet(r), IsOk());
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
  ASSERT_THAT(store_->CreateOrGet(r), IsOk());
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
    ASSERT_THAT(store_->CreateOrGet(*r), IsOk());
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
  ASSERT_THAT(store_->CreateOrGet(r), IsOk());
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
  ASSERT_THAT(store_->CreateOrGet(r), IsOk());
  store_.reset();
  store_ = SqliteMetadataStore::Create(dir_ + "/meta.db").value();
  TransferRecord got = store_->Get(r.id).value();
  EXPECT_EQ(got.idempotency_key, r.idempotency_key);
  EXPECT_EQ(got.file_name, r.file_name);
}

}  // namespace
}  // namespace adtgw
