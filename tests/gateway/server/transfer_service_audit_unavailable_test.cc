// TransferService and the audit log: a grant the log cannot take is withdrawn (fail closed).
#include "tests/gateway/server/transfer_service_fixture.h"

namespace adtgw::transfer_service_test {
namespace {

using ::testing::Not;

TEST_F(TransferServiceAuditTest, AnOfferTheLogCannotTakeIsRefusedAndLeavesNoUsableTransfer) {
  Envelope env = Seal();
  SignedManifest sm = Sign(ManifestFor(env));
  const uint64_t before = LogSize();
  const std::string head_before = audit_->Latest().note;
  BreakTheLog();
  // The store really refuses: the log says so itself.
  AuditEntry probe;
  probe.at = now_;
  probe.event = audit_event::kGatewayStarted;
  EXPECT_THAT(audit_->Append(probe), StatusIs("audit.unavailable"));

  auto offered = Offer(SupplierA(), sm);
  ASSERT_THAT(offered, StatusIs("audit.unavailable"));
  // No usable transfer: nothing pending, nothing to upload to, nothing for the DCC.
  EXPECT_EQ(PendingCount(), 0u);
  for (TransferState s : {TransferState::kReceiving, TransferState::kReceived}) {
    EXPECT_TRUE(metadata_->CreatedBefore(now_ + kDay, s)->empty()) << TransferStateName(s);
  }
  for (TransferState s : kAllStates) {
    std::vector<TransferRecord> records = metadata_->CreatedBefore(now_ + kDay, s).value();
    for (const TransferRecord& r : records) {
      EXPECT_EQ(r.state, TransferState::kAbandoned);
      EXPECT_EQ(r.reason, "audit.unavailable");
      EXPECT_THAT(service_->BeginAppend(SupplierA(), r.id, 0, 10), Not(IsOk()));
      EXPECT_THAT(service_->OpenDownload(Dcc(), r.id), Not(IsOk()));
    }
  }
  EXPECT_TRUE(service_->Inbox(Dcc())->empty());
  // A refusal stays the refusal it was.
  Manifest to_supplier = ManifestFor(env, "idempotency-key-0002");
  to_supplier.recipients = {E(kSupplierB)};
  EXPECT_THAT(Offer(SupplierA(), Sign(to_supplier)), StatusIs("policy.recipient_not_allowed"));
  EXPECT_EQ(LogSize(), before);
  EXPECT_EQ(audit_->Latest().note, head_before);

  // Mended, the log goes on from the same head (it reloaded after each failed batch).
  MendTheLog();
  auto next = Offer(SupplierA(), Sign(ManifestFor(env, "idempotency-key-0003")));
  ASSERT_THAT(next, IsOk());
  std::vector<AuditEntry> logged = Logged(before);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0].outcome, "accepted");
  EXPECT_EQ(logged[0].transfer_id, next->progress.record.id);
  EXPECT_EQ(LogSize(), before + 1);
}

TEST_F(TransferServiceAuditTest, AnUploadTheLogCannotRecordIsAbandonedWithoutItsEnvelope) {
  Envelope env = Seal();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  const std::string id = offered->progress.record.id;
  StorageKey key = StorageKey::Parse(offered->progress.record.storage_key).value();
  ASSERT_THAT(Upload(SupplierA(), id, env.bytes, 0, 1000), IsOk());
  const uint64_t before = LogSize();
  BreakTheLog();
  auto done = Upload(SupplierA(), id, env.bytes, 1000, env.bytes.size());
  ASSERT_THAT(done, StatusIs("audit.unavailable"));
  TransferRecord r = metadata_->Get(id).value();
  EXPECT_EQ(r.state, TransferState::kAbandoned);
  EXPECT_EQ(r.reason, "audit.unavailable");
  EXPECT_TRUE(r.receipt.empty());
  EXPECT_THAT(documents_->Size(key), StatusIs("store.not_found")) << "no envelope is kept";
  EXPECT_THAT(documents_->UploadOffset(key), StatusIs("store.not_found"));
  EXPECT_EQ(PendingCount(), 0u);
  EXPECT_THAT(service_->OpenDownload(Dcc(), id), StatusIs("transfer.no_envelope"));
  EXPECT_TRUE(service_->Inbox(Dcc())->empty());
  EXPECT_EQ(LogSize(), before);
  MendTheLog();
  EXPECT_THAT(service_->OpenDownload(Dcc(), id), StatusIs("transfer.no_envelope"));
  EXPECT_THAT(service_->Progress(SupplierA(), id), StatusIs("transfer.abandoned"));
}

// An acknowledgement is recorded only with its log entry: when the log cannot take the
// entry, the recipient is told audit.unavailable and can acknowledge again later, and
// the log then shows it.
TEST_F(TransferServiceAuditTest, AnAcknowledgementTheLogCannotTakeIsNotRecorded) {
  Envelope env = Seal();
  TransferRecord r = SendOne(env);
  ASSERT_THAT(service_->MarkDownloaded(Dcc(), r.id, now_), IsOk());
  BreakTheLog();
  auto ack = Acknowledge(Dcc(), r.id, AckFor(r));
  ASSERT_THAT(ack, StatusIs("audit.unavailable"));
  MendTheLog();
  TransferRecord now = metadata_->Get(r.id).value();
  EXPECT_EQ(now.state, TransferState::kDownloaded);
  EXPECT_TRUE(now.deliveries[0].ack.empty());
  const uint64_t before = LogSize();
  auto again = Acknowledge(Dcc(), r.id, AckFor(r));
  ASSERT_THAT(again, IsOk());
  std::vector<AuditEntry> logged = Logged(before);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0].event, audit_event::kTransferAcknowledged);
}

}  // namespace
}  // namespace adtgw::transfer_service_test
