#include "gateway/client/tls_probe.h"

#include <openssl/err.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "crypto/ossl_ptr.h"

namespace adtgw {
namespace {

constexpr int kTimeoutSeconds = 5;

std::optional<std::string> LastTlsError() {
  unsigned long e = ERR_peek_last_error();
  if (e == 0) return std::nullopt;
  const char* reason = ERR_reason_error_string(e);
  ERR_clear_error();
  return std::string(reason != nullptr ? reason : "TLS error");
}

}  // namespace

std::optional<std::string> ProbeTlsRefusal(SSL_CTX* ctx, const std::string& host, int port) {
  ERR_clear_error();
  std::string target =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  BioPtr bio(BIO_new_connect(target.c_str()));
  if (!bio) return std::nullopt;
  BIO_set_nbio(bio.get(), 1);
  if (BIO_do_connect_retry(bio.get(), kTimeoutSeconds, 100) != 1) {
    ERR_clear_error();
    return std::nullopt;  // not reachable: not a TLS matter
  }
  BIO_set_nbio(bio.get(), 0);
  int fd = -1;
  BIO_get_fd(bio.get(), &fd);
  timeval tv{kTimeoutSeconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  SslPtr ssl(SSL_new(ctx));
  if (!ssl) return std::nullopt;
  BIO* raw = bio.release();
  SSL_set_bio(ssl.get(), raw, raw);  // the SSL object owns the BIO now
  if (SSL_connect(ssl.get()) != 1) {
    long verify = SSL_get_verify_result(ssl.get());
    if (verify != X509_V_OK) {
      ERR_clear_error();
      return std::string("the gateway's certificate: ") + X509_verify_cert_error_string(verify);
    }
    return LastTlsError().value_or("handshake failed");
  }
  static const char kRequest[] =
      "GET /v1/inbox HTTP/1.1\r\nHost: adtgw\r\nConnection: close\r\n\r\n";
  if (SSL_write(ssl.get(), kRequest, sizeof kRequest - 1) <= 0) return LastTlsError();
  char answer[64];
  if (SSL_read(ssl.get(), answer, sizeof answer) <= 0) return LastTlsError();
  ERR_clear_error();
  return std::nullopt;
}

}  // namespace adtgw
