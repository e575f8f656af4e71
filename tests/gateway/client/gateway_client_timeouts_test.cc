// The client's three timeouts (gateway/client/client_timeouts.h) against real loopback
// sockets, each with short timeouts so that the suite stays fast, and asserting only
// which error ended the wait: a refused port fails at once (net.unreachable, never
// retried); a listener whose backlog is full leaves connect hanging (net.connect_timeout);
// a listener that accepts and never answers TLS (tls.handshake_timeout); a TLS server
// that completes the handshake and then says nothing (net.idle_timeout); and a server
// that dribbles a large answer, each piece within the idle timeout but the whole
// longer than it, is read to the end (the idle timer restarts on progress).
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "certs/credential_files.h"
#include "crypto/posix_file.h"
#include "crypto/tls_context.h"
#include "gateway/client/gateway_api.h"
#include "gateway/client/tls_dial.h"
#include "gateway/client/tls_probe.h"
#include "tests/support/in_process_gateway.h"
#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

using ::adtgw::testing::InProcessGatewayTest;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

// A TCP socket on 127.0.0.1 with a port the kernel chose; listening with `backlog`, or
// bound only (connects to it are refused) when backlog < 0.
UniqueFd LoopbackSocket(int backlog, uint16_t* port) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return UniqueFd();
  socklen_t len = sizeof a;
  getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  if (backlog >= 0 && listen(fd.get(), backlog) != 0) return UniqueFd();
  return fd;
}

ClientTimeouts Short() {
  ClientTimeouts t;
  t.connect = milliseconds(1000);
  t.handshake = milliseconds(1000);
  t.idle = milliseconds(1000);
  return t;
}

class GatewayClientTimeoutsTest : public InProcessGatewayTest {
 protected:
  void SetUp() override {
    InProcessGatewayTest::SetUp();
    if (HasFatalFailure()) return;
    auto config = gateway_->ClientConfigFor("supplier-a");
    ASSERT_THAT(config, IsOk());
    config_ = *config;
    config_.timeouts = Short();
    auto cert = LoadCertificate(config_.tls_certificate);
    auto key = LoadPrivateKey(config_.tls_key);
    auto anchors = LoadCertificates(config_.tls_ca);
    ASSERT_THAT(cert, IsOk());
    ASSERT_THAT(key, IsOk());
    ASSERT_THAT(anchors, IsOk());
    cert_ = std::move(cert).value();
    key_ = std::move(key).value();
    anchors_ = std::move(anchors).value();
    TlsEndpoint e{cert_.get(), {}, key_.get(), {}};
    for (auto& a : anchors_) e.anchors.push_back(a.get());
    auto ctx = NewTlsClientContext(e);
    ASSERT_THAT(ctx, IsOk());
    client_ctx_ = std::move(ctx).value();
  }

  void TearDown() override {
    stop_ = true;
    if (server_.joinable()) server_.join();
  }

  // Serves `listener` on a thread of the test: each connection accepted completes a TLS
  // handshake as the gateway would (the demo gateway's certificate), then `session`
  // runs on it. Bounded: the thread stops at stop_, polling every 50 ms.
  void ServeTls(UniqueFd listener, std::function<void(SSL*, int)> session) {
    auto cert = LoadCertificate(gateway_->pki_dir() + "/dccki/gateway.cert.pem");
    auto key = LoadPrivateKey(gateway_->pki_dir() + "/dccki/gateway.key.pem");
    ASSERT_THAT(cert, IsOk());
    ASSERT_THAT(key, IsOk());
    server_cert_ = std::move(cert).value();
    server_key_ = std::move(key).value();
    TlsEndpoint e{server_cert_.get(), {}, server_key_.get(), {}};
    for (auto& a : anchors_) e.anchors.push_back(a.get());
    auto ctx = NewTlsServerContext(e);
    ASSERT_THAT(ctx, IsOk());
    server_ = std::thread([this, ctx = std::shared_ptr<SSL_CTX>(std::move(ctx).value()),
                           listener = std::make_shared<UniqueFd>(std::move(listener)), session] {
      SigpipeSuppressed quiet;  // the client closes its first connection at once
      while (!stop_) {
        pollfd p{listener->get(), POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        UniqueFd conn(accept4(listener->get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!conn.valid()) continue;
        timeval tv{0, 100 * 1000};  // blocking reads wake up to look at stop_
        setsockopt(conn.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        SslPtr ssl(SSL_new(ctx.get()));
        SSL_set_fd(ssl.get(), conn.get());
        int r = -1;
        for (int i = 0; i < 50 && !stop_ && (r = SSL_accept(ssl.get())) != 1; ++i) {
          int want = SSL_get_error(ssl.get(), r);
          if (want != SSL_ERROR_WANT_READ && want != SSL_ERROR_WANT_WRITE) break;
        }
        ERR_clear_error();
        if (r == 1) session(ssl.get(), conn.get());
      }
    });
  }

  // Reads (and drops) what the client sends until it closes or stop_.
  void DrainUntilClosed(SSL* ssl) {
    char buf[4096];
    while (!stop_) {
      int n = SSL_read(ssl, buf, sizeof buf);
      if (n > 0) continue;
      int e = SSL_get_error(ssl, n);
      if (e != SSL_ERROR_WANT_READ) break;
    }
    ERR_clear_error();
  }

  std::string Url(uint16_t port) { return "https://127.0.0.1:" + std::to_string(port); }

  ClientConfig config_;
  X509Ptr cert_;
  EvpPkeyPtr key_;
  std::vector<X509Ptr> anchors_;
  SslCtxPtr client_ctx_;
  X509Ptr server_cert_;
  EvpPkeyPtr server_key_;
  std::atomic<bool> stop_{false};
  std::thread server_;
};

TEST_F(GatewayClientTimeoutsTest, ARefusedPortFailsAtOnceAsUnreachable) {
  uint16_t port = 0;
  UniqueFd bound = LoopbackSocket(-1, &port);
  ASSERT_TRUE(bound.valid());
  ClientTimeouts t = Short();
  t.connect = milliseconds(30000);  // a retry loop would show as a hang, not pass
  auto dialed = DialTls(client_ctx_.get(), "127.0.0.1", port, t, Url(port));
  ASSERT_THAT(dialed, StatusIs("net.unreachable"));
  EXPECT_THAT(dialed.error().message, HasSubstr("refused"));
  EXPECT_EQ(ProbeTlsRefusal(client_ctx_.get(), "127.0.0.1", port, t), std::nullopt);

  config_.gateway_url = Url(port);
  config_.timeouts = t;
  auto api = NewGatewayClient(config_);
  ASSERT_THAT(api, IsOk());
  EXPECT_THAT((*api)->Inbox(), StatusIs("net.unreachable"));
}

TEST_F(GatewayClientTimeoutsTest, AFullBacklogIsAConnectTimeout) {
  uint16_t port = 0;
  UniqueFd listener = LoopbackSocket(0, &port);
  ASSERT_TRUE(listener.valid());
  // Never accepted: once the accept queue is full, the kernel drops further SYNs and
  // a connect waits for an answer that does not come.
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  std::vector<UniqueFd> fillers;
  for (int i = 0; i < 4; ++i) {
    fillers.emplace_back(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    (void)connect(fillers.back().get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  usleep(100 * 1000);
  auto dialed = DialTls(client_ctx_.get(), "127.0.0.1", port, Short(), Url(port));
  ASSERT_THAT(dialed, StatusIs("net.connect_timeout"));
  EXPECT_EQ(dialed.error().kind, ErrorKind::kUnavailable);
  EXPECT_THAT(dialed.error().hint, HasSubstr("--timeout connect="));
}

TEST_F(GatewayClientTimeoutsTest, AListenerThatNeverAnswersTlsIsAHandshakeTimeout) {
  uint16_t port = 0;
  UniqueFd listener = LoopbackSocket(16, &port);  // the kernel accepts; nobody answers
  ASSERT_TRUE(listener.valid());
  auto dialed = DialTls(client_ctx_.get(), "127.0.0.1", port, Short(), Url(port));
  ASSERT_THAT(dialed, StatusIs("tls.handshake_timeout"));
  EXPECT_EQ(dialed.error().kind, ErrorKind::kUnavailable);
  EXPECT_THAT(dialed.error().hint, HasSubstr("--timeout handshake="));

  config_.gateway_url = Url(port);
  auto api = NewGatewayClient(config_);
  ASSERT_THAT(api, IsOk());
  EXPECT_THAT((*api)->Inbox(), StatusIs("tls.handshake_timeout"));
}

TEST_F(GatewayClientTimeoutsTest, AServerSilentAfterTheHandshakeIsAnIdleTimeout) {
  uint16_t port = 0;
  UniqueFd listener = LoopbackSocket(16, &port);
  ASSERT_TRUE(listener.valid());
  ServeTls(std::move(listener), [this](SSL* ssl, int) { DrainUntilClosed(ssl); });
  if (HasFatalFailure()) return;
  config_.gateway_url = Url(port);
  auto api = NewGatewayClient(config_);
  ASSERT_THAT(api, IsOk());
  auto inbox = (*api)->Inbox();
  ASSERT_THAT(inbox, StatusIs("net.idle_timeout"));
  EXPECT_EQ(inbox.error().kind, ErrorKind::kUnavailable);
  EXPECT_THAT(inbox.error().hint, HasSubstr("--timeout idle="));
}

TEST_F(GatewayClientTimeoutsTest, AnAnswerThatKeepsMovingIsNotCutOff) {
  // Six pieces, one every 500 ms: three times the idle timeout in all, but never more
  // than a quarter of it without progress.
  constexpr size_t kPiece = 64 * 1024;
  constexpr int kPieces = 6;
  uint16_t port = 0;
  UniqueFd listener = LoopbackSocket(16, &port);
  ASSERT_TRUE(listener.valid());
  ServeTls(std::move(listener), [this](SSL* ssl, int) {
    std::string request;
    char buf[4096];
    while (!stop_ && request.find("\r\n\r\n") == std::string::npos) {
      int n = SSL_read(ssl, buf, sizeof buf);
      if (n > 0) request.append(buf, static_cast<size_t>(n));
      if (n <= 0 && SSL_get_error(ssl, n) != SSL_ERROR_WANT_READ) return;
    }
    std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(kPiece * kPieces) + "\r\n\r\n";
    SSL_write(ssl, head.data(), static_cast<int>(head.size()));
    std::string piece(kPiece, 'x');
    for (int i = 0; i < kPieces && !stop_; ++i) {
      usleep(500 * 1000);
      SSL_write(ssl, piece.data(), static_cast<int>(piece.size()));
    }
    DrainUntilClosed(ssl);
  });
  if (HasFatalFailure()) return;
  config_.gateway_url = Url(port);
  config_.timeouts.idle = milliseconds(2000);
  auto api = NewGatewayClient(config_);
  ASSERT_THAT(api, IsOk());
  auto answer = (*api)->AuditGet("/v1/audit/entries");
  ASSERT_THAT(answer, IsOk());
  EXPECT_EQ(answer->size(), kPiece * kPieces);
}

}  // namespace
}  // namespace adtgw
