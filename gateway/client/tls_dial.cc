#include "gateway/client/tls_dial.h"

#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>

namespace adtgw {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kReachHint[] =
    "is the gateway running, and is 'gateway' in your configuration right?";

struct AddrInfoFree {
  void operator()(addrinfo* a) const { freeaddrinfo(a); }
};

// Waits for `events` on `fd` until `deadline`: 1 when ready, 0 when the deadline
// passed, -1 with errno on failure.
int WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return 0;
    pollfd p{fd, events, 0};
    int r = poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1 << 30)));
    if (r < 0 && errno == EINTR) continue;
    return r;
  }
}

// One non-blocking connect to `a`: the socket, or the errno that refused it, or
// ETIMEDOUT when `deadline` passed first.
Result<UniqueFd> ConnectOne(const addrinfo* a, Clock::time_point deadline, int* failure) {
  UniqueFd fd(socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
  if (!fd.valid()) {
    *failure = errno;
    return ErrnoError(ErrorKind::kInternal, "net.socket", "socket", errno);
  }
  if (connect(fd.get(), a->ai_addr, a->ai_addrlen) == 0) return fd;
  if (errno != EINPROGRESS) {
    *failure = errno;
    return ErrnoError(ErrorKind::kUnavailable, "net.unreachable", "connect", errno);
  }
  int ready = WaitFor(fd.get(), POLLOUT, deadline);
  if (ready <= 0) {
    *failure = ready == 0 ? ETIMEDOUT : errno;
    return ErrnoError(ErrorKind::kUnavailable, "net.unreachable", "connect", *failure);
  }
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0) {
    *failure = err;
    return ErrnoError(ErrorKind::kUnavailable, "net.unreachable", "connect", err);
  }
  return fd;
}

std::string TlsFailureReason(SSL* ssl) {
  long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    ERR_clear_error();
    return std::string("the gateway's certificate: ") + X509_verify_cert_error_string(verify);
  }
  unsigned long e = ERR_peek_last_error();
  const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
  ERR_clear_error();
  return reason != nullptr ? reason : "the gateway closed the connection during the handshake";
}

}  // namespace

SigpipeSuppressed::SigpipeSuppressed() {
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  sigset_t pending;
  sigpending(&pending);
  was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe, &old_mask_);
}

SigpipeSuppressed::~SigpipeSuppressed() {
  if (!was_pending_) {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) == 1) {
      timespec now{0, 0};
      while (sigtimedwait(&pipe, nullptr, &now) < 0 && errno == EINTR) {
      }
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

Result<TlsConnection> DialTls(SSL_CTX* ctx, const std::string& host, int port,
                              const ClientTimeouts& timeouts, const std::string& url) {
  const std::string target = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int gai = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (gai != 0) {
    return MakeError(ErrorKind::kUnavailable, "net.unreachable",
                     "cannot reach the gateway at " + url + ": " + host + ": " + gai_strerror(gai),
                     kReachHint);
  }
  std::unique_ptr<addrinfo, AddrInfoFree> addresses(found);

  // Every address shares the one connect deadline; a refusal moves on to the next at once.
  const auto connect_deadline = Clock::now() + timeouts.connect;
  TlsConnection c;
  int failure = ECONNREFUSED;
  for (const addrinfo* a = addresses.get(); a != nullptr && !c.socket.valid(); a = a->ai_next) {
    auto fd = ConnectOne(a, connect_deadline, &failure);
    if (fd.ok()) c.socket = std::move(fd).value();
    if (failure == ETIMEDOUT) break;
  }
  if (!c.socket.valid()) {
    if (failure == ETIMEDOUT) {
      return MakeError(
          ErrorKind::kUnavailable, "net.connect_timeout",
          "no connection to the gateway at " + url + " within " + DescribeTimeout(timeouts.connect),
          "is the gateway's address right, and does a firewall let you reach it? "
          "A slow network may need more: --timeout connect=SECONDS, or "
          "timeouts.connect in the client configuration");
    }
    return MakeError(
        ErrorKind::kUnavailable, "net.unreachable",
        "cannot reach the gateway at " + url + ": connect to " + target + ": " + ErrnoText(failure),
        kReachHint);
  }

  SigpipeSuppressed quiet;
  ERR_clear_error();
  c.ssl.reset(SSL_new(ctx));
  if (!c.ssl || SSL_set_fd(c.ssl.get(), c.socket.get()) != 1) {
    ERR_clear_error();
    return MakeError(ErrorKind::kInternal, "tls.internal", "cannot make a TLS client");
  }
  const auto handshake_deadline = Clock::now() + timeouts.handshake;
  for (;;) {
    int r = SSL_connect(c.ssl.get());
    if (r == 1) return c;
    int want = SSL_get_error(c.ssl.get(), r);
    short events = want == SSL_ERROR_WANT_READ    ? POLLIN
                   : want == SSL_ERROR_WANT_WRITE ? POLLOUT
                                                  : 0;
    if (events == 0) {
      return MakeError(ErrorKind::kUnauthenticated, "tls.handshake_failed",
                       "TLS with " + url + " failed: " + TlsFailureReason(c.ssl.get()),
                       "the gateway refused your DCCKI certificate, or its certificate does not "
                       "chain to tls.ca in your client configuration");
    }
    int ready = WaitFor(c.socket.get(), events, handshake_deadline);
    if (ready == 0) {
      return MakeError(ErrorKind::kUnavailable, "tls.handshake_timeout",
                       target +
                           " accepted a connection but did not complete a TLS handshake "
                           "within " +
                           DescribeTimeout(timeouts.handshake),
                       "is 'gateway' in your configuration the gateway's TLS port, not another "
                       "service? A busy gateway may need more: --timeout handshake=SECONDS, or "
                       "timeouts.handshake in the client configuration");
    }
    if (ready < 0) {
      return ErrnoError(ErrorKind::kUnavailable, "net.unreachable",
                        "cannot reach the gateway at " + url, errno, kReachHint);
    }
  }
}

}  // namespace adtgw
