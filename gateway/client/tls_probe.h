// ProbeTlsRefusal: after an HTTP request failed at the transport level, find out whether
// the gateway refused us at the TLS layer, and why, so that the user reads "the gateway
// refused your certificate (unknown ca)" rather than "connection reset". With TLS 1.3
// the server's verdict on a client certificate arrives only after the client has
// finished its handshake and started writing, which is why the HTTP library's own error
// says nothing about TLS. The probe dials once (tls_dial.h: a refused connection fails
// at once, connect and handshake within the client's timeouts) with the same context
// settings, sends one GET /v1/inbox and reads the answer, waiting at most the handshake
// timeout for it.
//
// Thread safety: pure function of its arguments (the context is only read).
#pragma once

#include <openssl/ssl.h>

#include <optional>
#include <string>

#include "gateway/client/client_timeouts.h"

namespace adtgw {

// The TLS failure ("tlsv1 alert unknown ca", "certificate verify failed", ...), or
// nothing when TLS works or the gateway cannot be reached at all.
std::optional<std::string> ProbeTlsRefusal(SSL_CTX* ctx, const std::string& host, int port,
                                           const ClientTimeouts& timeouts);

}  // namespace adtgw
