// TLS contexts for mutual TLS with DCCKI certificates (docs/architecture.md, rule 6):
// TLS 1.2 or 1.3 only; on TLS 1.2 only ECDHE key exchange with AEAD ciphers (AES-GCM,
// ChaCha20-Poly1305); no compression, no renegotiation. Peers are verified against
// the configured anchors ONLY (the system trust store is never consulted). A server
// context requires a client certificate and fails the handshake without one.
//
// The peer's identity (which party it is) is decided later, by the policy, from the
// verified peer certificate; these contexts only establish that it chains to a DCCKI
// anchor and holds the key. A client must also name the server it expects on each
// connection (SSL_set1_host), which the HTTP client does.
//
// Thread safety: a returned SSL_CTX is configured once and may then be shared by
// threads creating SSL objects, as OpenSSL allows.
#pragma once

#include <vector>

#include "crypto/ossl_ptr.h"
#include "crypto/result.h"

namespace adtgw {

struct TlsEndpoint {
  X509* certificate = nullptr;  // own DCCKI certificate (borrowed)
  std::vector<X509*> chain;     // intermediates sent with it (borrowed)
  EVP_PKEY* key = nullptr;      // its private key (borrowed)
  std::vector<X509*> anchors;   // DCCKI CA certificates the peer must chain to
};

Result<SslCtxPtr> NewTlsServerContext(const TlsEndpoint& endpoint);
Result<SslCtxPtr> NewTlsClientContext(const TlsEndpoint& endpoint);
// Applies the client settings to a context someone else made (cpprestsdk's), replacing
// its trust store with the endpoint's anchors.
Status ConfigureTlsClientContext(SSL_CTX* ctx, const TlsEndpoint& endpoint);

// The TLS 1.2 cipher list (documented in docs/certificates.md).
inline constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

}  // namespace adtgw
