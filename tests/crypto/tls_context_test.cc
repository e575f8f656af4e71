#include "crypto/tls_context.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tests/support/status_matchers.h"
#include "tests/support/test_pki.h"

namespace adtgw {
namespace {

using testing::Credential;
using testing::TestPki;

CertificateSpec TlsSpec(const char* cn, int eku, std::time_t now) {
  CertificateSpec spec;
  spec.common_name = cn;
  spec.serial = static_cast<uint64_t>(now) ^ reinterpret_cast<uintptr_t>(cn);
  spec.not_before = now - 60;
  spec.not_after = now + 86400;
  spec.key_usage = KU_DIGITAL_SIGNATURE;
  spec.key_id_length = 20;
  spec.extended_key_usage = {eku};
  return spec;
}

struct Outcome {
  bool server_ok = false;
  bool client_ok = false;
  X509Ptr client_seen_by_server;
  std::string cipher;
  int version = 0;
};

// Runs a TLS handshake between the two contexts over an in-memory BIO pair.
Outcome Handshake(SSL_CTX* server_ctx, SSL_CTX* client_ctx, int client_max_version = 0,
                  const char* client_ciphers = nullptr) {
  SslPtr server(SSL_new(server_ctx)), client(SSL_new(client_ctx));
  BIO *s_bio = nullptr, *c_bio = nullptr;
  BIO_new_bio_pair(&s_bio, 0, &c_bio, 0);
  SSL_set_bio(server.get(), s_bio, s_bio);
  SSL_set_bio(client.get(), c_bio, c_bio);
  SSL_set_accept_state(server.get());
  SSL_set_connect_state(client.get());
  if (client_max_version != 0) SSL_set_max_proto_version(client.get(), client_max_version);
  if (client_ciphers != nullptr) SSL_set_cipher_list(client.get(), client_ciphers);
  Outcome o;
  bool s_done = false, c_done = false, failed = false;
  auto step = [&failed](SSL* ssl, bool& done) {
    if (done) return;
    int rc = SSL_do_handshake(ssl);
    int err = SSL_get_error(ssl, rc);
    if (rc == 1)
      done = true;
    else if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
      failed = true;
  };
  for (int i = 0; i < 64 && !(s_done && c_done) && !failed; ++i) {
    step(client.get(), c_done);
    step(server.get(), s_done);
  }
  ERR_clear_error();
  o.server_ok = s_done;
  o.client_ok = c_done;
  if (s_done) {
    o.client_seen_by_server.reset(SSL_get1_peer_certificate(server.get()));
    o.cipher = SSL_get_cipher_name(server.get());
    o.version = SSL_version(server.get());
  }
  return o;
}

class TlsContextTest : public ::testing::Test {
 protected:
  TestPki ca_;
  std::time_t now_ = std::time(nullptr);
  Credential server_ = ca_.Issue(TlsSpec("gateway", NID_server_auth, now_));
  Credential client_ = ca_.Issue(TlsSpec("supplier", NID_client_auth, now_), KeyType::kRsa2048);

  SslCtxPtr Server() {
    return NewTlsServerContext(
               {server_.cert.get(), {ca_.oca.cert.get()}, server_.key.get(), {ca_.root.cert.get()}})
        .value();
  }
  SslCtxPtr Client(const Credential& who, X509* anchor) {
    return NewTlsClientContext({who.cert.get(), {ca_.oca.cert.get()}, who.key.get(), {anchor}})
        .value();
  }
};

TEST_F(TlsContextTest, MutualTlsSucceedsAndTheServerSeesTheClient) {
  auto server = Server();
  auto client = Client(client_, ca_.root.cert.get());
  Outcome o = Handshake(server.get(), client.get());
  ASSERT_TRUE(o.server_ok && o.client_ok);
  ASSERT_TRUE(o.client_seen_by_server);
  EXPECT_EQ(X509_cmp(o.client_seen_by_server.get(), client_.cert.get()), 0);
  EXPECT_EQ(o.version, TLS1_3_VERSION);
}

TEST_F(TlsContextTest, TlsTwelveNegotiatesOnlyAeadWithForwardSecrecy) {
  auto server = Server();
  auto client = Client(client_, ca_.root.cert.get());
  Outcome o = Handshake(server.get(), client.get(), TLS1_2_VERSION);
  ASSERT_TRUE(o.server_ok);
  EXPECT_EQ(o.version, TLS1_2_VERSION);
  EXPECT_NE(o.cipher.find("ECDHE"), std::string::npos) << o.cipher;
  EXPECT_TRUE(o.cipher.find("GCM") != std::string::npos ||
              o.cipher.find("CHACHA20") != std::string::npos)
      << o.cipher;
  // A client that offers only CBC suites gets nothing.
  Outcome cbc = Handshake(server.get(), client.get(), TLS1_2_VERSION, "ECDHE-RSA-AES256-SHA");
  EXPECT_FALSE(cbc.server_ok);
}

TEST_F(TlsContextTest, OldProtocolsAreRefused) {
  auto server = Server();
  // A well-configured client (certificate and anchor) that only speaks TLS 1.1 or older.
  SslCtxPtr old = Client(client_, ca_.root.cert.get());
  SSL_CTX_set_security_level(old.get(), 0);
  SSL_CTX_set_min_proto_version(old.get(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(old.get(), TLS1_1_VERSION);
  SSL_CTX_set_cipher_list(old.get(), "DEFAULT:@SECLEVEL=0");
  EXPECT_FALSE(Handshake(server.get(), old.get()).server_ok);
  // The same client allowed TLS 1.2 succeeds, so the version is what was refused.
  SslCtxPtr modern = Client(client_, ca_.root.cert.get());
  EXPECT_TRUE(Handshake(server.get(), modern.get(), TLS1_2_VERSION).server_ok);
}

TEST_F(TlsContextTest, AClientWithoutACertificateIsRefused) {
  auto server = Server();
  SslCtxPtr anonymous(SSL_CTX_new(TLS_client_method()));
  EXPECT_FALSE(Handshake(server.get(), anonymous.get()).server_ok);
}

TEST_F(TlsContextTest, AClientFromAnotherCaIsRefused) {
  TestPki other;
  Credential stranger = other.Issue(TlsSpec("stranger", NID_client_auth, now_));
  auto server = Server();
  SslCtxPtr client =
      NewTlsClientContext(
          {stranger.cert.get(), {other.oca.cert.get()}, stranger.key.get(), {ca_.root.cert.get()}})
          .value();
  EXPECT_FALSE(Handshake(server.get(), client.get()).server_ok);
}

TEST_F(TlsContextTest, TheClientTrustsOnlyItsAnchors) {
  TestPki other;
  auto server = Server();
  auto client = Client(client_, other.root.cert.get());  // the wrong anchor
  EXPECT_FALSE(Handshake(server.get(), client.get()).client_ok);
}

TEST_F(TlsContextTest, AKeyThatIsNotTheCertificatesIsRefused) {
  auto r = NewTlsServerContext({server_.cert.get(), {}, client_.key.get(), {ca_.root.cert.get()}});
  ASSERT_THAT(r, StatusIs("tls.key_mismatch"));
}

}  // namespace
}  // namespace adtgw
