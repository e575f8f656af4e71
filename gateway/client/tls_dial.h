// DialTls: one TLS connection to the gateway, every step bounded by the client's
// timeouts (client_timeouts.h), each failure named for what failed: the address does
// not resolve or the connection is refused (net.unreachable, at once: a refused
// connection is an answer, never retried), no TCP connection within the connect
// timeout (net.connect_timeout), a peer that accepts but does not complete the TLS
// handshake within the handshake timeout (tls.handshake_timeout), and a handshake that
// fails (tls.handshake_failed, with OpenSSL's reason).
//
// The HTTP library bounds a request with one timer that it restarts whenever a piece
// of it completes, which cannot tell a silent TCP peer from a silent TLS peer; so the
// client dials once with this before its first request (gateway_client.cc), and the
// TLS probe (tls_probe.h) uses it too.
//
// Ownership: a TlsConnection owns its socket and its SSL object (which only borrows
// the descriptor). Thread safety: DialTls keeps no state; the SSL_CTX is only read.
#pragma once

#include <openssl/ssl.h>
#include <signal.h>

#include <string>

#include "crypto/ossl_ptr.h"
#include "crypto/posix_file.h"
#include "crypto/result.h"
#include "gateway/client/client_timeouts.h"

namespace adtgw {

struct TlsConnection {
  UniqueFd socket;  // non-blocking
  SslPtr ssl;       // declared after the socket: freed before it is closed
};

// While it lives, a write to a connection the peer has closed fails with EPIPE on this
// thread instead of killing the process with SIGPIPE (OpenSSL writes to the socket
// with write(2), not send(2) with MSG_NOSIGNAL); a SIGPIPE raised meanwhile is
// consumed. Other threads and the process's handlers are untouched. Every use of a
// TlsConnection's SSL object belongs inside one.
class SigpipeSuppressed {
 public:
  SigpipeSuppressed();
  ~SigpipeSuppressed();
  SigpipeSuppressed(const SigpipeSuppressed&) = delete;
  SigpipeSuppressed& operator=(const SigpipeSuppressed&) = delete;

 private:
  sigset_t old_mask_;
  bool was_pending_ = false;
};

// Connects to host:port (`url` names the gateway in messages) and completes a TLS
// handshake with a client made from `ctx`.
Result<TlsConnection> DialTls(SSL_CTX* ctx, const std::string& host, int port,
                              const ClientTimeouts& timeouts, const std::string& url);

}  // namespace adtgw
