#include "gateway/client/tls_probe.h"

#include <openssl/err.h>
#include <poll.h>

#include <chrono>

#include "gateway/client/tls_dial.h"

namespace adtgw {
namespace {

using Clock = std::chrono::steady_clock;

std::optional<std::string> LastTlsError() {
  unsigned long e = ERR_peek_last_error();
  if (e == 0) return std::nullopt;
  const char* reason = ERR_reason_error_string(e);
  ERR_clear_error();
  return std::string(reason != nullptr ? reason : "TLS error");
}

// Runs `step` (an SSL_write or SSL_read) on the non-blocking connection until it moves
// bytes, fails, or `deadline` passes (then: nothing to report).
template <typename Step>
std::optional<std::string> Drive(TlsConnection& c, Clock::time_point deadline, Step step) {
  for (;;) {
    int r = step(c.ssl.get());
    if (r > 0) return std::nullopt;
    int want = SSL_get_error(c.ssl.get(), r);
    short events = want == SSL_ERROR_WANT_READ    ? POLLIN
                   : want == SSL_ERROR_WANT_WRITE ? POLLOUT
                                                  : 0;
    if (events == 0) return LastTlsError();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd p{c.socket.get(), events, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      ERR_clear_error();
      return std::nullopt;
    }
  }
}

}  // namespace

std::optional<std::string> ProbeTlsRefusal(SSL_CTX* ctx, const std::string& host, int port,
                                           const ClientTimeouts& timeouts) {
  SigpipeSuppressed quiet;
  ERR_clear_error();
  auto dialed = DialTls(ctx, host, port, timeouts, host);
  if (!dialed.ok()) {
    const Error& e = dialed.error();
    if (e.code == "tls.handshake_failed") {
      // DialTls words it "TLS with URL failed: REASON"; the caller wants the reason.
      size_t at = e.message.find("failed: ");
      return at == std::string::npos ? e.message : e.message.substr(at + 8);
    }
    return std::nullopt;  // not reachable, or silent: not a refusal
  }
  TlsConnection& c = *dialed;
  const auto deadline = Clock::now() + timeouts.handshake;
  static const char kRequest[] =
      "GET /v1/inbox HTTP/1.1\r\nHost: adtgw\r\nConnection: close\r\n\r\n";
  if (auto refused =
          Drive(c, deadline, [](SSL* s) { return SSL_write(s, kRequest, sizeof kRequest - 1); })) {
    return refused;
  }
  char answer[64];
  auto refused =
      Drive(c, deadline, [&answer](SSL* s) { return SSL_read(s, answer, sizeof answer); });
  ERR_clear_error();
  return refused;
}

}  // namespace adtgw
