// TransferService: retention and recovery after a restart.
#include "tests/gateway/server/transfer_service_fixture.h"

namespace adtgw::transfer_service_test {
namespace {

using ::testing::Not;

// ---------------------------------------------------------------------------------------
// Retention and recovery

TEST_F(TransferServiceTest, RetentionDeletesTheEnvelopeAndKeepsTheMetadata) {
  Envelope env = Seal();
  TransferRecord r = SendOne(env);
  TransferRecord acked = SendOne(Seal(100), "idempotency-key-0002");
  ASSERT_THAT(Acknowledge(Dcc(), acked.id, AckFor(acked)), IsOk());
  StorageKey key = StorageKey::Parse(r.storage_key).value();

  auto early = service_->ExpireEnvelopes(now_ + 30 * kDay);  // not yet older than 30 days
  ASSERT_THAT(early, IsOk());
  EXPECT_EQ(*early, 0u);
  EXPECT_THAT(documents_->Size(key), IsOk());

  auto expired = service_->ExpireEnvelopes(now_ + 30 * kDay + 1);
  ASSERT_THAT(expired, IsOk());
  EXPECT_EQ(*expired, 2u);
  TransferRecord after = metadata_->Get(r.id).value();
  EXPECT_EQ(after.state, TransferState::kExpired);
  EXPECT_EQ(after.reason, "retention");
  EXPECT_EQ(after.manifest, r.manifest);
  EXPECT_EQ(after.receipt, r.receipt);
  EXPECT_EQ(after.envelope_sha256, r.envelope_sha256);
  EXPECT_THAT(documents_->Size(key), StatusIs("store.not_found"));
  EXPECT_THAT(documents_->Open(key), StatusIs("store.not_found"));
  TransferRecord acked_after = metadata_->Get(acked.id).value();
  EXPECT_EQ(acked_after.state, TransferState::kExpired);
  EXPECT_EQ(acked_after.deliveries[0].state, DeliveryState::kAccepted);
  auto download = service_->OpenDownload(Dcc(), r.id);
  ASSERT_THAT(download, StatusIs("transfer.no_envelope"));
  EXPECT_EQ(download.error().kind, ErrorKind::kNotFound);
  EXPECT_THAT(service_->Status(SupplierA(), r.id), IsOk());
  EXPECT_TRUE(service_->Inbox(Dcc())->empty());
  EXPECT_EQ(service_->ExpireEnvelopes(now_ + 60 * kDay).value(), 0u) << "once is enough";
}

// docs/api.md section 10: an upload still receiving after the retention period is
// abandoned (upload.never_completed) and its partial bytes are deleted.
TEST_F(TransferServiceTest, RetentionDropsUploadsThatNeverCompleted) {
  Envelope env = Seal();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  const std::string id = offered->progress.record.id;
  ASSERT_THAT(Upload(SupplierA(), id, env.bytes, 0, 100), IsOk());
  StorageKey key = StorageKey::Parse(offered->progress.record.storage_key).value();
  EXPECT_EQ(service_->ExpireEnvelopes(now_ + 30 * kDay).value(), 0u);
  EXPECT_EQ(documents_->UploadOffset(key).value(), 100u);
  auto swept = service_->ExpireEnvelopes(now_ + 30 * kDay + 1);
  ASSERT_THAT(swept, IsOk());
  EXPECT_EQ(*swept, 1u);
  TransferRecord r = metadata_->Get(id).value();
  EXPECT_EQ(r.state, TransferState::kAbandoned);
  EXPECT_EQ(r.reason, "upload.never_completed");
  EXPECT_THAT(documents_->UploadOffset(key), StatusIs("store.not_found"));
  EXPECT_EQ(PendingCount(), 0u);
  auto late = service_->BeginAppend(SupplierA(), id, 100, 10);
  ASSERT_THAT(late, StatusIs("transfer.abandoned"));
}

TEST_F(TransferServiceTest, RecoveryFinishesCommittedUploadsAndDropsOrphans) {
  // 1. Committed but not recorded (a crash between Commit and MarkReceived).
  Envelope env = Seal();
  auto committed = Offer(SupplierA(), Sign(ManifestFor(env, "idempotency-key-commit")));
  ASSERT_THAT(committed, IsOk());
  StorageKey committed_key = StorageKey::Parse(committed->progress.record.storage_key).value();
  ASSERT_THAT(documents_->Append(committed_key, 0, env.bytes), IsOk());
  ASSERT_THAT(documents_->Commit(committed_key), IsOk());
  // 2. Committed with other bytes than declared.
  Envelope bad = Seal(500);
  auto tampered = Offer(SupplierA(), Sign(ManifestFor(bad, "idempotency-key-tamper")));
  ASSERT_THAT(tampered, IsOk());
  StorageKey tampered_key = StorageKey::Parse(tampered->progress.record.storage_key).value();
  std::vector<uint8_t> altered = bad.bytes;
  altered[0] ^= 0x01;
  ASSERT_THAT(documents_->Append(tampered_key, 0, altered), IsOk());
  ASSERT_THAT(documents_->Commit(tampered_key), IsOk());
  // 3. An upload in progress, which must stay resumable.
  Envelope partial = Seal(700);
  auto live = Offer(SupplierA(), Sign(ManifestFor(partial, "idempotency-key-partial")));
  ASSERT_THAT(live, IsOk());
  ASSERT_THAT(Upload(SupplierA(), live->progress.record.id, partial.bytes, 0, 100), IsOk());
  StorageKey live_key = StorageKey::Parse(live->progress.record.storage_key).value();
  // 4. An upload that no transfer owns (a crash between BeginUpload and CreateOrGet).
  StorageKey orphan = documents_->BeginUpload().value();
  ASSERT_THAT(documents_->Append(orphan, 0, AsBytes("orphan")), IsOk());
  ASSERT_EQ(PendingCount(), 2u);

  OpenStores();
  ASSERT_THAT(service_->Recover(now_ + 60), IsOk());

  TransferRecord finished = metadata_->Get(committed->progress.record.id).value();
  EXPECT_EQ(finished.state, TransferState::kReceived);
  auto receipt = ParseReceipt(AsBytes(finished.receipt));
  ASSERT_THAT(receipt, IsOk()) << finished.receipt;
  EXPECT_EQ(receipt->envelope_sha256, env.sha256);
  EXPECT_EQ(receipt->received_at, now_ + 60);
  EXPECT_EQ(receipt->transfer_id, finished.id);
  EXPECT_EQ(documents_->Size(committed_key).value(), env.bytes.size());

  TransferRecord refused = metadata_->Get(tampered->progress.record.id).value();
  EXPECT_EQ(refused.state, TransferState::kAbandoned);
  EXPECT_EQ(refused.reason, "upload.hash_mismatch");
  EXPECT_THAT(documents_->Open(tampered_key), StatusIs("store.not_found"));

  auto pending = documents_->PendingUploads().value();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0], live_key);
  EXPECT_THAT(documents_->UploadOffset(orphan), StatusIs("store.not_found"));
  EXPECT_EQ(OffsetOf(live->progress.record.id), 100u);
  auto rest =
      Upload(SupplierA(), live->progress.record.id, partial.bytes, 100, partial.bytes.size());
  ASSERT_THAT(rest, IsOk());
  EXPECT_TRUE(rest->receipt.has_value());
  // Recovering again changes nothing.
  ASSERT_THAT(service_->Recover(now_ + 120), IsOk());
  EXPECT_EQ(metadata_->Get(finished.id)->receipt, finished.receipt);
  // The recovered transfer's full view carries a receipt the log proves.
  auto status = service_->Status(SupplierA(), finished.id);
  ASSERT_THAT(status, IsOk());
  ExpectProvedReceipt(status->receipt, finished.id);
}

// Regression: a committed object whose size is not the manifest's used to be left in
// objects/ for ever once its transfer was abandoned (store.lost_upload).
TEST_F(TransferServiceTest, RecoveryRemovesACommittedObjectOfTheWrongSize) {
  Envelope env = Seal();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  StorageKey key = StorageKey::Parse(offered->progress.record.storage_key).value();
  ASSERT_THAT(
      documents_->Append(key, 0, std::span<const uint8_t>(env.bytes).first(env.bytes.size() - 1)),
      IsOk());
  ASSERT_THAT(documents_->Commit(key), IsOk());
  ASSERT_THAT(service_->Recover(now_), IsOk());
  TransferRecord r = metadata_->Get(offered->progress.record.id).value();
  EXPECT_EQ(r.state, TransferState::kAbandoned);
  EXPECT_EQ(r.reason, "store.lost_upload");
  auto size = documents_->Size(key);
  EXPECT_THAT(size, Not(IsOk())) << "an object of " << *size
                                 << " bytes is left for an abandoned transfer";
}

TEST_F(TransferServiceTest, RecoveryAbandonsATransferWhoseUploadIsGone) {
  Envelope env = Seal();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  ASSERT_THAT(
      documents_->AbandonUpload(StorageKey::Parse(offered->progress.record.storage_key).value()),
      IsOk());
  ASSERT_THAT(service_->Recover(now_), IsOk());
  TransferRecord r = metadata_->Get(offered->progress.record.id).value();
  EXPECT_EQ(r.state, TransferState::kAbandoned);
  EXPECT_EQ(r.reason, "store.lost_upload");
}

}  // namespace
}  // namespace adtgw::transfer_service_test
