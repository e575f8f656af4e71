// TransferSender (gateway/client/transfer_sender.h) against a real gateway in the test
// process, over the real client: a valid ADT file prepared and delivered with a receipt
// that verifies; the same prepared transfer delivered twice is one transfer; a known
// transfer id is resumed without a new offer; a file whose content fails its check is
// never offered; a gateway that is not there ends in the unavailable error after the
// retry policy's attempts.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "certs/eui64.h"
#include "crypto/posix_file.h"
#include "gateway/audit/audit_entry.h"
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
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kSupplierA[] = "AD-7C-00-00-00-00-02-01";
constexpr char kDcc[] = "AD-7C-00-00-00-00-04-01";

// Retries that never wait long: the tests count attempts, they never time them.
RetryPolicy QuickRetries(int max_attempts) {
  RetryPolicy retry;
  retry.max_attempts = max_attempts;
  retry.first_delay = std::chrono::milliseconds(1);
  retry.max_delay = std::chrono::milliseconds(2);
  return retry;
}

class TransferSenderTest : public InProcessGatewayTest {
 protected:
  void SetUp() override {
    ADTGW_REQUIRE_FIXTURES();  // the SRV catalogue ADT files are checked against
    InProcessGatewayTest::SetUp();
    if (HasFatalFailure()) return;
    auto config = SenderConfig("supplier-a");
    ASSERT_THAT(config, IsOk());
    config_ = *config;
    auto client = NewGatewayClient(config_);
    ASSERT_THAT(client, IsOk());
    client_ = std::move(client).value();
    auto sender = TransferSender::New(config_);
    ASSERT_THAT(sender, IsOk());
    sender_ = std::make_unique<TransferSender>(std::move(sender).value());
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    const std::string path = gateway_->scratch_dir() + "/" + name;
    EXPECT_THAT(::adtgw::testing::WriteTextFile(path, text), IsOk());
    return path;
  }

  PreparedTransfer PrepareValid(const std::string& name) {
    const std::string path = WriteFile(name, ::adtgw::testing::AdtFileText(kSupplierA));
    auto prepared = ::adtgw::testing::PrepareAdtFile(*sender_, *client_, path, path + ".envelope");
    EXPECT_THAT(prepared, IsOk());
    return prepared.ok() ? *prepared : PreparedTransfer{};
  }

  // The entries of `event` recorded since the log had `from` entries.
  std::vector<AuditEntry> EventsSince(uint64_t from, const char* event) {
    auto entries = gateway_->EntriesSince(from);
    EXPECT_THAT(entries, IsOk());
    std::vector<AuditEntry> out;
    if (!entries.ok()) return out;
    for (AuditEntry& e : *entries) {
      if (e.event == event) out.push_back(std::move(e));
    }
    return out;
  }

  ClientConfig config_;
  std::unique_ptr<GatewayApi> client_;
  std::unique_ptr<TransferSender> sender_;
};

TEST_F(TransferSenderTest, DeliversAValidFileWithAReceiptThatVerifies) {
  PreparedTransfer prepared = PrepareValid("valid.csv");
  EXPECT_THAT(prepared.recipients, ElementsAre(Eui64::Parse(kDcc).value()));
  std::vector<std::string> phases;
  auto sent = sender_->Deliver(
      *client_, prepared, DeliveryOptions{QuickRetries(3), {}, {}},
      [&phases](const std::string& phase, uint64_t) { phases.push_back(phase); },
      ProgressCallback());
  ASSERT_THAT(sent, IsOk());
  EXPECT_EQ(sent->attempts, 1);
  EXPECT_THAT(phases, ElementsAre("uploading", "done"));
  EXPECT_EQ(sent->envelope_size, prepared.envelope_size);

  auto verified = VerifyReceipt(AsBytes(sent->receipt_json), *config_.log_verifier);
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(verified->receipt.transfer_id, sent->transfer_id);
  EXPECT_EQ(verified->receipt.envelope_sha256, prepared.envelope_sha256);
  EXPECT_EQ(verified->receipt.sender, Eui64::Parse(kSupplierA).value());
  EXPECT_EQ(verified->entry.event, audit_event::kEnvelopeStored);
}

TEST_F(TransferSenderTest, DeliveringTheSamePreparedTransferTwiceIsOneTransfer) {
  PreparedTransfer prepared = PrepareValid("twice.csv");
  // The first delivery stops once the gateway has named the transfer, as a run that
  // crashed after the offer would.
  std::string first_id;
  DeliveryOptions stop{QuickRetries(3), {}, [&first_id](const std::string& id) -> Status {
                         first_id = id;
                         return MakeError(ErrorKind::kIo, "test.stop", "stopped after the offer");
                       }};
  EXPECT_THAT(sender_->Deliver(*client_, prepared, stop, PhaseCallback(), ProgressCallback()),
              StatusIs("test.stop"));
  ASSERT_THAT(first_id, Not(IsEmpty()));

  // Delivered again, the same manifest is offered again: the gateway answers with the
  // same transfer, and one envelope is stored.
  const uint64_t before = gateway_->AuditSize();
  auto second = sender_->Deliver(*client_, prepared, DeliveryOptions{QuickRetries(3), {}, {}},
                                 PhaseCallback(), ProgressCallback());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->transfer_id, first_id);
  EXPECT_EQ(second->receipt.transfer_id, first_id);
  EXPECT_THAT(EventsSince(before, audit_event::kEnvelopeStored), SizeIs(1));

  // Once received, the manifest is used: a third delivery is refused, not repeated
  // (docs/api.md, Idempotency).
  const uint64_t after = gateway_->AuditSize();
  EXPECT_THAT(sender_->Deliver(*client_, prepared, DeliveryOptions{QuickRetries(3), {}, {}},
                               PhaseCallback(), ProgressCallback()),
              StatusIs("transfer.replayed"));
  EXPECT_THAT(EventsSince(after, audit_event::kEnvelopeStored), IsEmpty());
}

TEST_F(TransferSenderTest, KnownTransferIdIsResumedWithoutAnOffer) {
  PreparedTransfer prepared = PrepareValid("resume.csv");
  std::string offered_id;
  // Stopping at on_offered leaves an offered transfer with nothing uploaded.
  DeliveryOptions stop{QuickRetries(3), {}, [&offered_id](const std::string& id) -> Status {
                         offered_id = id;
                         return MakeError(ErrorKind::kIo, "test.stop", "stopped after the offer");
                       }};
  EXPECT_THAT(sender_->Deliver(*client_, prepared, stop, PhaseCallback(), ProgressCallback()),
              StatusIs("test.stop"));
  ASSERT_THAT(offered_id, Not(IsEmpty()));
  auto offset = client_->UploadOffset(offered_id);
  ASSERT_THAT(offset, IsOk());
  EXPECT_EQ(*offset, 0u);

  const uint64_t before = gateway_->AuditSize();
  auto sent = sender_->Deliver(*client_, prepared, DeliveryOptions{QuickRetries(3), offered_id, {}},
                               PhaseCallback(), ProgressCallback());
  ASSERT_THAT(sent, IsOk());
  EXPECT_EQ(sent->transfer_id, offered_id);
  EXPECT_THAT(EventsSince(before, audit_event::kTransferOffered), IsEmpty());
}

TEST_F(TransferSenderTest, FileThatFailsItsCheckIsNeverOffered) {
  // The trailer's count is one too many.
  std::string text = ::adtgw::testing::AdtFileText(kSupplierA);
  const size_t count_at = text.rfind("\nT,1,") + 3;
  text[count_at] = '2';
  const std::string path = WriteFile("bad-trailer.csv", text);

  const uint64_t before = gateway_->AuditSize();
  SendRequest request;
  request.path = path;
  request.file_type = "adt";
  std::vector<std::string> problems;
  auto sent = sender_->Send(*client_, request, PhaseCallback(), ProgressCallback(), &problems);
  EXPECT_THAT(sent, StatusIs("format.invalid"));
  ASSERT_THAT(problems, Not(IsEmpty()));
  EXPECT_THAT(problems[0], HasSubstr("bad-trailer.csv:"));
  // The gateway never heard of it.
  EXPECT_EQ(gateway_->AuditSize(), before);
}

class AbsentGateway {
 public:
  // A port on 127.0.0.1 that is bound but never listens: connections are refused, and
  // no other process can take the port while this object lives.
  AbsentGateway() : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (!fd_.valid() || bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
  }
  uint16_t port() const { return port_; }

 private:
  UniqueFd fd_;
  uint16_t port_ = 0;
};

TEST_F(TransferSenderTest, AbsentGatewayIsUnavailableAfterTheAttempts) {
  PreparedTransfer prepared = PrepareValid("absent.csv");
  AbsentGateway absent;
  ASSERT_NE(absent.port(), 0);
  ClientConfig config = config_;
  config.gateway_url = "https://127.0.0.1:" + std::to_string(absent.port());
  auto client = NewGatewayClient(config);
  ASSERT_THAT(client, IsOk());

  auto sent = sender_->Deliver(**client, prepared, DeliveryOptions{QuickRetries(2), {}, {}},
                               PhaseCallback(), ProgressCallback());
  ASSERT_THAT(sent, StatusIs("net.unreachable"));
  EXPECT_EQ(sent.error().kind, ErrorKind::kUnavailable);
  EXPECT_TRUE(IsTransientSendError(sent.error()));
  EXPECT_THAT(sent.error().message, HasSubstr("(after 2 attempts)"));
}

TEST_F(TransferSenderTest, DeadlineStopsTheRetriesEarly) {
  PreparedTransfer prepared = PrepareValid("deadline.csv");
  AbsentGateway absent;
  ASSERT_NE(absent.port(), 0);
  ClientConfig config = config_;
  config.gateway_url = "https://127.0.0.1:" + std::to_string(absent.port());
  auto client = NewGatewayClient(config);
  ASSERT_THAT(client, IsOk());

  // Twelve attempts allowed, but the first pause would already end past the deadline.
  RetryPolicy retry = QuickRetries(12);
  retry.first_delay = std::chrono::hours(1);
  retry.max_delay = std::chrono::hours(1);
  retry.deadline = std::chrono::steady_clock::now();
  auto sent = sender_->Deliver(**client, prepared, DeliveryOptions{retry, {}, {}}, PhaseCallback(),
                               ProgressCallback());
  ASSERT_THAT(sent, StatusIs("net.unreachable"));
  EXPECT_THAT(sent.error().message, HasSubstr("(after 1 attempt)"));
}

}  // namespace
}  // namespace adtgw
