#include "crypto/tls_context.h"

#include "crypto/ossl_error.h"

namespace adtgw {
namespace {

// A fixed session id context: resumed sessions stay bound to this service, and OpenSSL
// refuses resumption with client certificates without one.
constexpr unsigned char kSessionIdContext[] = "adtgw-dccki-mtls";

Status Configure(SSL_CTX* c, const TlsEndpoint& e, bool server) {
  if (e.certificate == nullptr || e.key == nullptr || e.anchors.empty()) {
    return MakeError(ErrorKind::kUsage, "tls.config",
                     "a TLS endpoint needs its certificate, its key and at least one anchor");
  }
  if (SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(c, kTls12Ciphers) != 1) {
    return InternalOpenSslError("TLS protocol settings");
  }
  SSL_CTX_set_options(
      c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate(c, e.certificate) != 1 || SSL_CTX_use_PrivateKey(c, e.key) != 1 ||
      SSL_CTX_check_private_key(c) != 1) {
    return OpenSslError(ErrorKind::kUsage, "tls.key_mismatch",
                        "the TLS key does not belong to the TLS certificate",
                        "give the key that was issued with the DCCKI certificate");
  }
  for (X509* extra : e.chain) {
    if (SSL_CTX_add1_chain_cert(c, extra) != 1) return InternalOpenSslError("TLS chain");
  }
  X509_STORE* store = X509_STORE_new();  // owned by the context once set below
  if (store == nullptr) return InternalOpenSslError("TLS trust store");
  SSL_CTX_set_cert_store(c, store);
  for (X509* anchor : e.anchors) {
    if (X509_STORE_add_cert(store, anchor) != 1) return InternalOpenSslError("TLS anchor");
  }
  int mode = SSL_VERIFY_PEER;
  if (server) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT | SSL_VERIFY_CLIENT_ONCE;
  SSL_CTX_set_verify(c, mode, nullptr);
  if (server &&
      SSL_CTX_set_session_id_context(c, kSessionIdContext, sizeof kSessionIdContext - 1) != 1) {
    return InternalOpenSslError("TLS session id context");
  }
  return OkStatus();
}

Result<SslCtxPtr> NewContext(const TlsEndpoint& e, bool server) {
  SslCtxPtr ctx(SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()));
  if (!ctx) return InternalOpenSslError("TLS context");
  ADTGW_TRY(Configure(ctx.get(), e, server));
  return ctx;
}

}  // namespace

Result<SslCtxPtr> NewTlsServerContext(const TlsEndpoint& endpoint) {
  return NewContext(endpoint, true);
}

Result<SslCtxPtr> NewTlsClientContext(const TlsEndpoint& endpoint) {
  return NewContext(endpoint, false);
}

Status ConfigureTlsClientContext(SSL_CTX* ctx, const TlsEndpoint& endpoint) {
  return Configure(ctx, endpoint, false);
}

}  // namespace adtgw
