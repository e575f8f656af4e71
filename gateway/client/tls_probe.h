// ProbeTlsRefusal: after an HTTP request failed at the transport level, find out whether
// the gateway refused us at the TLS layer, and why, so that the user reads "the gateway
// refused your certificate (unknown ca)" rather than "connection reset". With TLS 1.3
// the server's verdict on a client certificate arrives only after the client has
// finished its handshake and started writing, which is why the HTTP library's own error
// says nothing about TLS. The probe connects once (5 s timeouts), completes a handshake
// with the same context settings, sends one GET /v1/inbox and reads the answer.
//
// Thread safety: pure function of its arguments (the context is only read).
#pragma once

#include <openssl/ssl.h>

#include <optional>
#include <string>

namespace adtgw {

// The TLS failure ("tlsv1 alert unknown ca", "certificate verify failed", ...), or
// nothing when TLS works or the gateway cannot be reached at all.
std::optional<std::string> ProbeTlsRefusal(SSL_CTX* ctx, const std::string& host, int port);

}  // namespace adtgw
