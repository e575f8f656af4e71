// The route table through the real server over real TLS (gateway/server/api_router.h,
// route_table.h): what a caller is answered (status and error code) and what the audit
// log records for each refusal: exactly one request.refused entry naming the request,
// the caller (its EUI-64, or the TLS subject before a party is known) and the reason.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "certs/credential_files.h"
#include "certs/eui64.h"
#include "certs/trust_store.h"
#include "crypto/byte_stream.h"
#include "crypto/encoding.h"
#include "gateway/audit/audit_entry.h"
#include "gateway/common/http_status.h"
#include "gateway/transfer/api_messages.h"
#include "tests/support/in_process_gateway.h"
#include "tests/support/raw_https_client.h"
#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

using ::adtgw::testing::InProcessGateway;
using ::adtgw::testing::InProcessGatewayTest;
using ::adtgw::testing::RawHttpAnswer;
using ::adtgw::testing::RawHttpsExchange;
using ::adtgw::testing::RawTlsIdentity;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;
using ::testing::SizeIs;

constexpr char kSupplierA[] = "AD-7C-00-00-00-00-02-01";
constexpr char kAuditor[] = "AD-7C-00-00-00-00-7F-01";

Eui64 Party(const char* text) { return Eui64::Parse(text).value(); }

class ApiRouterTest : public InProcessGatewayTest {
 protected:
  void SetUp() override {
    InProcessGatewayTest::SetUp();
    if (HasFatalFailure()) return;
    audit_before_ = gateway_->AuditSize();
  }

  RawTlsIdentity As(const std::string& party) const {
    return {gateway_->tls_certificate(party), gateway_->tls_key(party), gateway_->tls_ca()};
  }

  // Sends `request` as `party` to the parties' (or the auditors') listener.
  RawHttpAnswer Send(const std::string& party, const std::string& request,
                     bool auditors = false) const {
    const uint16_t port = auditors ? gateway_->auditor_port() : gateway_->port();
    auto answer = RawHttpsExchange(port, As(party), request);
    EXPECT_THAT(answer, IsOk());
    return answer.ok() ? *answer : RawHttpAnswer{};
  }

  // The error code of an error answer's JSON body.
  static std::string CodeOf(const RawHttpAnswer& answer) {
    return ParseErrorJson(AsBytes(answer.body), ErrorKindForHttpStatus(answer.status),
                          answer.status)
        .code;
  }

  // The request.refused entries this test caused.
  std::vector<AuditEntry> Refusals() const {
    auto entries = gateway_->EntriesSince(audit_before_);
    EXPECT_THAT(entries, IsOk());
    std::vector<AuditEntry> refused;
    if (!entries.ok()) return refused;
    for (AuditEntry& e : *entries) {
      if (e.event == audit_event::kRequestRefused) refused.push_back(std::move(e));
    }
    return refused;
  }

  // Checks that exactly one refusal was recorded, for `actor`, `request` and `reason`.
  void ExpectOneRefusal(const char* actor, const std::string& request, const std::string& reason) {
    std::vector<AuditEntry> refused = Refusals();
    ASSERT_THAT(refused, SizeIs(1));
    EXPECT_THAT(refused[0].actor, Optional(Eq(Party(actor))));
    EXPECT_THAT(refused[0].peer, IsEmpty());
    EXPECT_EQ(refused[0].request, request);
    EXPECT_EQ(refused[0].reason, reason);
  }

  // Checks that exactly one refusal was recorded for a request whose header was never
  // parsed: no party is named, only the subject of the certificate `party` presented.
  void ExpectOneUnparsedRefusal(const std::string& party, const std::string& reason) {
    auto cert = LoadCertificate(gateway_->tls_certificate(party));
    ASSERT_THAT(cert, IsOk());
    std::vector<AuditEntry> refused = Refusals();
    ASSERT_THAT(refused, SizeIs(1));
    EXPECT_EQ(refused[0].actor, std::nullopt);
    EXPECT_EQ(refused[0].peer, SubjectText(cert->get()));
    EXPECT_EQ(refused[0].request, "HTTP request");
    EXPECT_EQ(refused[0].reason, reason);
  }

  static std::string Get(const std::string& target, const std::string& extra = "") {
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
  }

  uint64_t audit_before_ = 0;
};

TEST_F(ApiRouterTest, UnknownPathIsNoRoute) {
  RawHttpAnswer answer = Send("supplier-a", Get("/v1/no-such-thing"));
  EXPECT_EQ(answer.status, 404);
  EXPECT_EQ(CodeOf(answer), "http.no_route");
  ExpectOneRefusal(kSupplierA, "GET request", "http.no_route");
}

TEST_F(ApiRouterTest, MethodNotInTheTableIsNotAllowed) {
  RawHttpAnswer answer = Send("supplier-a", "DELETE /v1/inbox HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(CodeOf(answer), "http.method_not_allowed");
  ExpectOneRefusal(kSupplierA, "DELETE request", "http.method_not_allowed");
}

TEST_F(ApiRouterTest, AuditorRouteOnThePartiesListenerIsRefused) {
  // Even for the auditor: the entries are served on the auditors' listener only.
  RawHttpAnswer answer = Send("auditor", Get("/v1/audit/entries?from=0&limit=1"));
  EXPECT_EQ(answer.status, 403);
  EXPECT_EQ(CodeOf(answer), "audit.auditor_listener_only");
  ExpectOneRefusal(kAuditor, "GET audit", "audit.auditor_listener_only");
}

TEST_F(ApiRouterTest, NonAuditorOnTheAuditorsListenerIsRefused) {
  RawHttpAnswer answer =
      Send("supplier-a", Get("/v1/audit/entries?from=0&limit=1"), /*auditors=*/true);
  EXPECT_EQ(answer.status, 403);
  EXPECT_EQ(CodeOf(answer), "audit.not_auditor");
  ExpectOneRefusal(kSupplierA, "GET audit", "audit.not_auditor");
}

TEST_F(ApiRouterTest, AuditorReadsAnAuditorRouteOnTheAuditorsListener) {
  // The same request the two tests above refuse, from the one caller on the one
  // listener the table allows.
  RawHttpAnswer answer = Send("auditor", Get("/v1/audit/checkpoints?from=1&limit=1"),
                              /*auditors=*/true);
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_THAT(Refusals(), IsEmpty());
}

TEST_F(ApiRouterTest, PartyRouteOnTheAuditorsListenerIsNoRoute) {
  RawHttpAnswer answer = Send("supplier-a", Get("/v1/inbox"), /*auditors=*/true);
  EXPECT_EQ(answer.status, 404);
  EXPECT_EQ(CodeOf(answer), "http.no_route");
  ExpectOneRefusal(kSupplierA, "GET request", "http.no_route");
}

TEST_F(ApiRouterTest, GetWithABodyOnAnAuditRouteIsNotAllowed) {
  RawHttpAnswer answer =
      Send("supplier-a", Get("/v1/audit/checkpoint", "Content-Length: 5\r\n") + "hello");
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(CodeOf(answer), "http.method_not_allowed");
  ExpectOneRefusal(kSupplierA, "GET audit", "http.method_not_allowed");
}

TEST_F(ApiRouterTest, ChunkedBodyNeedsALength) {
  RawHttpAnswer answer = Send("supplier-a",
                              "POST /v1/transfers HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Content-Type: application/json\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n"
                              "2\r\n{}\r\n0\r\n\r\n");
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(CodeOf(answer), "http.length_required");
  ExpectOneRefusal(kSupplierA, "POST request", "http.length_required");
}

TEST_F(ApiRouterTest, BadAuditQueryIsRefused) {
  RawHttpAnswer answer = Send("supplier-a", Get("/v1/audit/consistency?from=one&to=2"));
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(CodeOf(answer), "audit.bad_query");
  ExpectOneRefusal(kSupplierA, "GET audit", "audit.bad_query");
}

TEST_F(ApiRouterTest, OversizedHeaderIsRefusedForTheTlsSubject) {
  const std::string padding(InProcessGateway::TestLimits().header_limit + 1024, 'x');
  RawHttpAnswer answer = Send("supplier-a", Get("/v1/inbox", "X-Padding: " + padding + "\r\n"));
  EXPECT_EQ(answer.status, 413);
  EXPECT_EQ(CodeOf(answer), "http.header_too_large");

  ExpectOneUnparsedRefusal("supplier-a", "http.header_too_large");
}

TEST_F(ApiRouterTest, MalformedHeaderIsRefusedForTheTlsSubject) {
  RawHttpAnswer answer =
      Send("supplier-a", "GET /v1/inbox HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon here\r\n\r\n");
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(CodeOf(answer), "http.bad_request");

  ExpectOneUnparsedRefusal("supplier-a", "http.bad_request");
}

TEST_F(ApiRouterTest, ServiceRefusalIsRecordedOnceByTheService) {
  // A routed request the service refuses: the router answers without recording it again.
  RawHttpAnswer answer = Send("supplier-a", Get("/v1/transfers/0123456789abcdef0123456789abcdef"));
  EXPECT_EQ(answer.status, 404);
  EXPECT_EQ(CodeOf(answer), "transfer.not_found");
  ExpectOneRefusal(kSupplierA, "GET transfer", "transfer.not_found");
}

// Issue 17: a 404 echoed invalid UTF-8 from the URL, so the error body was not JSON.
TEST_F(ApiRouterTest, AnErrorBodyIsValidJsonWhateverTheUrlHeld) {
  RawHttpAnswer answer = Send("supplier-a", Get("/v1/transfers/ab\xff\xfe\x80\xc3"
                                                "cd"));
  EXPECT_EQ(answer.status, 404);
  EXPECT_TRUE(IsValidUtf8(answer.body)) << answer.body;
  Error error = ParseErrorJson(AsBytes(answer.body), ErrorKind::kNotFound, answer.status);
  EXPECT_EQ(error.code, "transfer.not_found") << answer.body;
  // Each byte that begins no UTF-8 sequence is shown as U+FFFD.
  const std::string kBad = "\xEF\xBF\xBD";
  EXPECT_THAT(error.message, HasSubstr("ab" + kBad + kBad + kBad + kBad + "cd"));
}

TEST_F(ApiRouterTest, CheckpointIsServedAndRecordsNothing) {
  RawHttpAnswer answer = Send("supplier-a", Get("/v1/audit/checkpoint"));
  EXPECT_EQ(answer.status, 200) << answer.body;
  auto checkpoint = gateway_->audit_log().verifier().Verify(answer.body);
  ASSERT_THAT(checkpoint, IsOk());
  EXPECT_EQ(checkpoint->size, audit_before_);
  EXPECT_EQ(gateway_->AuditSize(), audit_before_);
}

}  // namespace
}  // namespace adtgw
