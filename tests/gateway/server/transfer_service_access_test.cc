// TransferService: who may see a transfer and who may download it.
#include "gateway/server/transfer_rules.h"
#include "tests/gateway/server/transfer_service_fixture.h"

namespace adtgw::transfer_service_test {
namespace {

using ::testing::Not;

// ---------------------------------------------------------------------------------------
// Who may see what

TEST_F(TransferServiceTest, OnlyPartiesSeeATransferAndOnlyRecipientsDownload) {
  Envelope env = Seal();
  TransferRecord r = SendOne(env);
  ASSERT_EQ(r.state, TransferState::kReceived);
  auto by_sender = service_->OpenDownload(SupplierA(), r.id);
  ASSERT_THAT(by_sender, StatusIs("transfer.not_recipient"));
  EXPECT_EQ(by_sender.error().kind, ErrorKind::kDenied);
  for (const auto& [who, caller] :
       {std::pair{"another supplier", SupplierB()}, std::pair{"the auditor", Auditor()}}) {
    SCOPED_TRACE(who);
    // A non-party learns nothing, not even that the transfer exists (issue 17): the
    // answers are those for an unknown id, word for word.
    const Error unknown = transfer_rules::NotFound(r.id);
    for (const Status& answer :
         {StatusOf(service_->Status(caller, r.id)), StatusOf(service_->OpenDownload(caller, r.id)),
          StatusOf(service_->Progress(caller, r.id))}) {
      ASSERT_THAT(answer, StatusIs("transfer.not_found"));
      EXPECT_EQ(answer.error().kind, unknown.kind);
      EXPECT_EQ(answer.error().message, unknown.message);
      EXPECT_EQ(answer.error().hint, unknown.hint);
    }
    EXPECT_TRUE(service_->Inbox(caller)->empty());
  }
  EXPECT_THAT(service_->Status(SupplierA(), r.id), IsOk());
  EXPECT_THAT(service_->Status(Dcc(), r.id), IsOk());
  auto progress = service_->Progress(Dcc(), r.id);
  ASSERT_THAT(progress, StatusIs("transfer.not_sender"));
  auto unknown = service_->Status(Dcc(), StorageKey::Generate().str());
  ASSERT_THAT(unknown, StatusIs("transfer.not_found"));
  EXPECT_EQ(unknown.error().kind, ErrorKind::kNotFound);
}

// docs/api.md section 2: "An id of any other form, and one that does not exist, is
// 404 transfer.not_found". An id never becomes a path, and it is not the storage key.
TEST_F(TransferServiceTest, PathLikeIdsAreNotFoundAndNeverBecomePaths) {
  Envelope env = Seal();
  TransferRecord r = SendOne(env);
  // Plant a file where "../x"-style ids would lead if they became paths.
  ASSERT_THAT(WriteFileAtomically(dir_.path() + "/store/x", std::string("planted"), 0600, false),
              IsOk());
  Acknowledgement a = AckFor(r);
  std::string ack_json = AcknowledgementToJson(a);
  auto ack_sig = SignAcknowledgement(a, {dcc_ds_.cert.get(), dcc_ds_.key.get()}, now_).value();
  const std::vector<std::string> bad_ids = {"../x",
                                            "../../etc/passwd",
                                            "x",
                                            "",
                                            std::string(32, 'A'),
                                            r.id + "/..",
                                            "objects/" + r.storage_key,
                                            std::string("0123456789abcdef0123456789abcde\0", 32),
                                            r.storage_key};
  for (const std::string& bad : bad_ids) {
    SCOPED_TRACE(bad);
    auto status = service_->Status(Dcc(), bad);
    ASSERT_THAT(status, StatusIs("transfer.not_found"));
    EXPECT_EQ(status.error().kind, ErrorKind::kNotFound);
    auto download = service_->OpenDownload(Dcc(), bad);
    ASSERT_THAT(download, StatusIs("transfer.not_found"));
    auto progress = service_->Progress(SupplierA(), bad);
    ASSERT_THAT(progress, StatusIs("transfer.not_found"));
    auto append = service_->BeginAppend(SupplierA(), bad, 0, 1);
    ASSERT_THAT(append, StatusIs("transfer.not_found"));
    auto ack = service_->Acknowledge(Dcc(), bad, AsBytes(ack_json), ack_sig, now_);
    ASSERT_THAT(ack, StatusIs("transfer.not_found"));
    EXPECT_THAT(service_->MarkDownloaded(Dcc(), bad, now_), Not(IsOk()));
  }
  std::error_code ec;
  EXPECT_EQ(std::filesystem::file_size(dir_.path() + "/store/x", ec), 7u);
  TransferRecord after = metadata_->Get(r.id).value();
  EXPECT_EQ(after.state, TransferState::kReceived);
  EXPECT_EQ(after.deliveries[0].state, DeliveryState::kWaiting);
}

}  // namespace
}  // namespace adtgw::transfer_service_test
