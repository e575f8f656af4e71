// The cpprestsdk client (gateway/client/gateway_client.cc, gateway_api.h) against a real
// gateway in the test process: an offer, an upload and its receipt; an upload resumed
// from the gateway's offset; the gateway's error answers mapped to their Error code and
// kind; the recipient's inbox and download; a TLS refusal when the client trusts
// another CA.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "crypto/byte_stream.h"
#include "gateway/client/gateway_api.h"
#include "gateway/client/receipt_verifier.h"
#include "gateway/client/transfer_sender.h"
#include "tests/support/adt_transfer.h"
#include "tests/support/in_process_gateway.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_pki.h"

namespace adtgw {
namespace {

using ::adtgw::testing::InProcessGatewayTest;
using ::testing::Contains;
using ::testing::Field;
using ::testing::Not;

constexpr char kSupplierA[] = "AD-7C-00-00-00-00-02-01";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class GatewayClientTest : public InProcessGatewayTest {
 protected:
  void SetUp() override {
    ADTGW_REQUIRE_FIXTURES();  // the SRV catalogue ADT files are checked against
    InProcessGatewayTest::SetUp();
    if (HasFatalFailure()) return;
    auto config = SenderConfig("supplier-a");
    ASSERT_THAT(config, IsOk());
    sender_config_ = *config;
    auto client = NewGatewayClient(sender_config_);
    ASSERT_THAT(client, IsOk());
    client_ = std::move(client).value();
  }

  // A sealed, signed ADT file of at least `bytes` bytes from supplier A to the DCC.
  PreparedTransfer Prepare(size_t bytes, const std::string& name) {
    const std::string dir = gateway_->scratch_dir();
    EXPECT_THAT(::adtgw::testing::WriteTextFile(dir + "/" + name,
                                                ::adtgw::testing::AdtFileText(kSupplierA, bytes)),
                IsOk());
    auto sender = TransferSender::New(sender_config_);
    EXPECT_THAT(sender, IsOk());
    if (!sender.ok()) return {};
    auto prepared = ::adtgw::testing::PrepareAdtFile(*sender, *client_, dir + "/" + name,
                                                     dir + "/" + name + ".envelope");
    EXPECT_THAT(prepared, IsOk());
    return prepared.ok() ? *prepared : PreparedTransfer{};
  }

  ClientConfig sender_config_;
  std::unique_ptr<GatewayApi> client_;
};

TEST_F(GatewayClientTest, OfferUploadAndReceipt) {
  PreparedTransfer prepared = Prepare(0, "small.csv");
  ASSERT_GT(prepared.envelope_size, 0u);

  auto offered = client_->Offer(SignedDocument{prepared.manifest, prepared.signature});
  ASSERT_THAT(offered, IsOk());
  EXPECT_EQ(offered->state, "receiving");
  EXPECT_EQ(offered->upload_offset, 0u);
  EXPECT_EQ(offered->envelope_size, prepared.envelope_size);

  auto uploaded = client_->Upload(offered->id, prepared.envelope_path, 0, prepared.envelope_size,
                                  ProgressCallback());
  ASSERT_THAT(uploaded, IsOk());
  EXPECT_EQ(uploaded->offset, prepared.envelope_size);
  ASSERT_TRUE(uploaded->receipt.has_value());
  auto receipt = VerifyReceipt(AsBytes(*uploaded->receipt), *sender_config_.log_verifier);
  ASSERT_THAT(receipt, IsOk());
  EXPECT_EQ(receipt->receipt.transfer_id, offered->id);
  EXPECT_EQ(receipt->receipt.envelope_sha256, prepared.envelope_sha256);

  auto status = client_->Status(offered->id);
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->state, "received");
  EXPECT_EQ(status->receipt, *uploaded->receipt);
}

TEST_F(GatewayClientTest, UploadResumesFromTheGatewaysOffset) {
  PreparedTransfer prepared = Prepare(64 * 1024, "resumed.csv");
  ASSERT_GT(prepared.envelope_size, 2u);
  auto offered = client_->Offer(SignedDocument{prepared.manifest, prepared.signature});
  ASSERT_THAT(offered, IsOk());

  const uint64_t half = prepared.envelope_size / 2;
  auto first = client_->Upload(offered->id, prepared.envelope_path, 0, half, ProgressCallback());
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->offset, half);
  EXPECT_FALSE(first->receipt.has_value());

  auto offset = client_->UploadOffset(offered->id);
  ASSERT_THAT(offset, IsOk());
  EXPECT_EQ(*offset, half);
  // Offering the same manifest again names the same transfer and where it stands.
  auto again = client_->Offer(SignedDocument{prepared.manifest, prepared.signature});
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->id, offered->id);
  EXPECT_EQ(again->upload_offset, half);

  auto rest = client_->Upload(offered->id, prepared.envelope_path, *offset, prepared.envelope_size,
                              ProgressCallback());
  ASSERT_THAT(rest, IsOk());
  EXPECT_EQ(rest->offset, prepared.envelope_size);
  ASSERT_TRUE(rest->receipt.has_value());
  auto receipt = VerifyReceipt(AsBytes(*rest->receipt), *sender_config_.log_verifier);
  ASSERT_THAT(receipt, IsOk());
  EXPECT_EQ(receipt->receipt.envelope_sha256, prepared.envelope_sha256);
}

TEST_F(GatewayClientTest, UnknownTransferIsNotFound) {
  auto status = client_->Status("0123456789abcdef0123456789abcdef");
  ASSERT_THAT(status, StatusIs("transfer.not_found"));
  EXPECT_EQ(status.error().kind, ErrorKind::kNotFound);

  // A HEAD answer carries no body, so only its status speaks: the kind, and a code
  // that names the status.
  auto offset = client_->UploadOffset("0123456789abcdef0123456789abcdef");
  ASSERT_THAT(offset, StatusIs("http.status_404"));
  EXPECT_EQ(offset.error().kind, ErrorKind::kNotFound);
}

TEST_F(GatewayClientTest, UploadAtTheWrongOffsetIsAConflict) {
  PreparedTransfer prepared = Prepare(0, "wrong-offset.csv");
  auto offered = client_->Offer(SignedDocument{prepared.manifest, prepared.signature});
  ASSERT_THAT(offered, IsOk());
  auto uploaded = client_->Upload(offered->id, prepared.envelope_path, 1, prepared.envelope_size,
                                  ProgressCallback());
  ASSERT_THAT(uploaded, Not(IsOk()));
  EXPECT_EQ(uploaded.error().kind, ErrorKind::kConflict) << uploaded.error().code;
}

TEST_F(GatewayClientTest, RecipientSeesTheTransferAndDownloadsIt) {
  PreparedTransfer prepared = Prepare(0, "for-dcc.csv");
  auto offered = client_->Offer(SignedDocument{prepared.manifest, prepared.signature});
  ASSERT_THAT(offered, IsOk());
  ASSERT_THAT(client_->Upload(offered->id, prepared.envelope_path, 0, prepared.envelope_size,
                              ProgressCallback()),
              IsOk());

  auto dcc_config = gateway_->ClientConfigFor("dcc");
  ASSERT_THAT(dcc_config, IsOk());
  auto dcc = NewGatewayClient(*dcc_config);
  ASSERT_THAT(dcc, IsOk());
  auto inbox = (*dcc)->Inbox();
  ASSERT_THAT(inbox, IsOk());
  EXPECT_THAT(*inbox, Contains(Field(&TransferView::id, offered->id)));

  MemorySink envelope;
  ASSERT_THAT((*dcc)->Download(offered->id, prepared.envelope_size, envelope, ProgressCallback()),
              IsOk());
  const std::string expected = ReadFile(prepared.envelope_path);
  EXPECT_EQ(std::string(envelope.bytes().begin(), envelope.bytes().end()), expected);

  // The sender's inbox does not list what it sent.
  auto own = client_->Inbox();
  ASSERT_THAT(own, IsOk());
  EXPECT_THAT(*own, Not(Contains(Field(&TransferView::id, offered->id))));
}

TEST_F(GatewayClientTest, DownloadOfAnotherPartysTransferIsRefused) {
  PreparedTransfer prepared = Prepare(0, "not-for-b.csv");
  auto offered = client_->Offer(SignedDocument{prepared.manifest, prepared.signature});
  ASSERT_THAT(offered, IsOk());
  ASSERT_THAT(client_->Upload(offered->id, prepared.envelope_path, 0, prepared.envelope_size,
                              ProgressCallback()),
              IsOk());
  auto other_config = gateway_->ClientConfigFor("supplier-b");
  ASSERT_THAT(other_config, IsOk());
  auto other = NewGatewayClient(*other_config);
  ASSERT_THAT(other, IsOk());
  MemorySink envelope;
  EXPECT_THAT((*other)->Download(offered->id, prepared.envelope_size, envelope, ProgressCallback()),
              StatusIs("transfer.not_found"));  // as if there were none
  EXPECT_TRUE(envelope.bytes().empty());
}

TEST_F(GatewayClientTest, ClientThatTrustsAnotherCaRefusesTheGateway) {
  ClientConfig config = sender_config_;
  // The SMKI root is a CA, but not the one the gateway's TLS certificate chains to.
  config.tls_ca = gateway_->pki_dir() + "/smki/root-oca.cert.pem";
  auto client = NewGatewayClient(config);
  ASSERT_THAT(client, IsOk());
  auto inbox = (*client)->Inbox();
  ASSERT_THAT(inbox, StatusIs("tls.handshake_failed"));
  EXPECT_EQ(inbox.error().kind, ErrorKind::kUnauthenticated);
}

TEST_F(GatewayClientTest, CheckpointVerifiesWithTheConfiguredLogKey) {
  auto note = client_->AuditCheckpoint();
  ASSERT_THAT(note, IsOk());
  auto checkpoint = sender_config_.log_verifier->Verify(*note);
  ASSERT_THAT(checkpoint, IsOk());
  EXPECT_EQ(checkpoint->size, gateway_->AuditSize());
}

}  // namespace
}  // namespace adtgw
