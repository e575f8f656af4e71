// TransferService: recipients' acknowledgements.
#include "tests/gateway/server/transfer_service_fixture.h"

namespace adtgw::transfer_service_test {
namespace {

// ---------------------------------------------------------------------------------------
// Acknowledgements

TEST_F(TransferServiceTest, AnAcceptanceFinishesTheTransfer) {
  Envelope env = Seal();
  TransferRecord r = SendOne(env);
  ASSERT_THAT(service_->OpenDownload(Dcc(), r.id), IsOk());
  ASSERT_THAT(service_->MarkDownloaded(Dcc(), r.id, now_ + 1), IsOk());
  Acknowledgement a = AckFor(r);
  auto done = Acknowledge(Dcc(), r.id, a);
  ASSERT_THAT(done, IsOk());
  EXPECT_EQ(done->state, TransferState::kAccepted);
  ASSERT_EQ(done->deliveries.size(), 1u);
  EXPECT_EQ(done->deliveries[0].state, DeliveryState::kAccepted);
  EXPECT_EQ(done->deliveries[0].ack, AcknowledgementToJson(a));
  auto verified = VerifyAcknowledgement(AsBytes(done->deliveries[0].ack),
                                        AsBytes(done->deliveries[0].ack_signature));
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(verified->ack, a);
  EXPECT_TRUE(service_->Inbox(Dcc())->empty());
  EXPECT_EQ(service_->Status(SupplierA(), r.id)->state, TransferState::kAccepted);
  // Once is enough.
  auto twice = Acknowledge(Dcc(), r.id, a);
  ASSERT_THAT(twice, StatusIs("store.delivery_conflict"));
}

TEST_F(TransferServiceTest, ARejectionCarriesItsReason) {
  Envelope env = Seal();
  TransferRecord r = SendOne(env);
  auto done = Acknowledge(Dcc(), r.id, AckFor(r, /*accepted=*/false));
  ASSERT_THAT(done, IsOk());
  EXPECT_EQ(done->state, TransferState::kRejected);
  EXPECT_EQ(done->reason, "format.bad_row");
  EXPECT_EQ(done->deliveries[0].state, DeliveryState::kRejected);
  EXPECT_EQ(done->deliveries[0].reason, "format.bad_row");
}

TEST_F(TransferServiceTest, WrongAcknowledgementsAreRefusedAndChangeNothing) {
  Envelope env = Seal();
  TransferRecord r = SendOne(env);
  TransferRecord other = SendOne(Seal(2000), "idempotency-key-0002");
  ASSERT_THAT(service_->MarkDownloaded(Dcc(), r.id, now_ + 1), IsOk());

  Acknowledgement wrong_envelope = AckFor(r);
  wrong_envelope.envelope_sha256[0] ^= 0xff;
  Acknowledgement wrong_transfer = AckFor(other);
  Acknowledgement in_b_name = AckFor(r);
  in_b_name.recipient = E(kSupplierB);
  struct Case {
    const char* what;
    Caller caller;
    Acknowledgement ack;
    const testing::Credential* by;
    const char* code;
  } cases[] = {
      {"signed by another party's DS key", Dcc(), AckFor(r), &supplier_b_ds_,
       "ack.recipient_not_signer"},
      {"signed by the sender", Dcc(), AckFor(r), &supplier_a_ds_, "ack.recipient_not_signer"},
      {"about another envelope", Dcc(), wrong_envelope, &dcc_ds_, "ack.wrong_transfer"},
      {"about another transfer", Dcc(), wrong_transfer, &dcc_ds_, "ack.wrong_transfer"},
      {"in another party's name", Dcc(), in_b_name, &supplier_b_ds_, "policy.tls_signer_mismatch"},
      {"by the sender", SupplierA(), AckFor(r), &supplier_a_ds_, "transfer.not_recipient"},
      {"by a third party (as if there were none)", SupplierB(), AckFor(r), &supplier_b_ds_,
       "transfer.not_found"},
      {"signed with a key-agreement key", Dcc(), AckFor(r), &dcc_ka_, "cert.wrong_usage"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto result = Acknowledge(c.caller, r.id, c.ack, c.by);
    ASSERT_THAT(result, StatusIs(c.code));
    TransferRecord now = metadata_->Get(r.id).value();
    EXPECT_EQ(now.state, TransferState::kDownloaded);
    EXPECT_EQ(now.deliveries[0].state, DeliveryState::kDownloaded);
    EXPECT_TRUE(now.deliveries[0].ack.empty());
  }
  // A signature over other bytes.
  Acknowledgement a = AckFor(r);
  Acknowledgement b = AckFor(r);
  b.created += 1;
  auto sig = SignAcknowledgement(b, {dcc_ds_.cert.get(), dcc_ds_.key.get()}, now_).value();
  std::string json = AcknowledgementToJson(a);
  auto forged = service_->Acknowledge(Dcc(), r.id, AsBytes(json), sig, now_);
  ASSERT_THAT(forged, StatusIs("signature.digest_mismatch"));
  EXPECT_EQ(metadata_->Get(other.id)->state, TransferState::kReceived);
  // The right one still works afterwards.
  auto good = Acknowledge(Dcc(), r.id, AckFor(r));
  ASSERT_THAT(good, IsOk());
  EXPECT_EQ(good->state, TransferState::kAccepted);
}

TEST_F(TransferServiceTest, NothingIsAcknowledgedBeforeTheUploadEnds) {
  Envelope env = Seal();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  auto ack = Acknowledge(Dcc(), offered->progress.record.id, AckFor(offered->progress.record));
  ASSERT_THAT(ack, StatusIs("store.delivery_conflict"));
  auto download = service_->OpenDownload(Dcc(), offered->progress.record.id);
  ASSERT_THAT(download, StatusIs("transfer.no_envelope"));
  EXPECT_TRUE(service_->Inbox(Dcc())->empty());
}

}  // namespace
}  // namespace adtgw::transfer_service_test
