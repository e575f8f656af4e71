#include "tests/support/raw_https_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <vector>

#include "certs/credential_files.h"
#include "crypto/ossl_ptr.h"
#include "crypto/posix_file.h"
#include "crypto/tls_context.h"

namespace adtgw::testing {
namespace {

// Long enough for a loaded CI machine, short enough that a silent gateway fails the test.
constexpr int kSocketTimeoutSeconds = 20;
constexpr size_t kMaxAnswer = 1 << 20;

Error Failed(const std::string& what) { return MakeError(ErrorKind::kIo, "test.raw_https", what); }

// The value of header `name` (lower-case) in `head`, or "" when absent.
std::string HeaderValue(const std::string& head, const std::string& name) {
  std::string lower;
  for (char c : head) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const size_t at = lower.find("\r\n" + name + ":");
  if (at == std::string::npos) return {};
  size_t begin = at + 3 + name.size();
  const size_t end = head.find("\r\n", begin);
  while (begin < end && head[begin] == ' ') ++begin;
  return head.substr(begin, end - begin);
}

}  // namespace

Result<RawHttpAnswer> RawHttpsExchange(uint16_t port, const RawTlsIdentity& identity,
                                       const std::string& request) {
  ADTGW_ASSIGN(X509Ptr cert, LoadCertificate(identity.certificate));
  ADTGW_ASSIGN(EvpPkeyPtr key, LoadPrivateKey(identity.key));
  ADTGW_ASSIGN(std::vector<X509Ptr> anchors, LoadCertificates(identity.ca));
  TlsEndpoint endpoint;
  endpoint.certificate = cert.get();
  endpoint.key = key.get();
  for (auto& a : anchors) endpoint.anchors.push_back(a.get());
  ADTGW_ASSIGN(SslCtxPtr ctx, NewTlsClientContext(endpoint));

  UniqueFd fd(socket(AF_INET, SOCK_STREAM, 0));
  if (!fd.valid()) return ErrnoError(ErrorKind::kIo, "test.raw_https", "socket", errno);
  timeval timeout{kSocketTimeoutSeconds, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return ErrnoError(ErrorKind::kIo, "test.raw_https", "connect", errno);
  }
  SslPtr ssl(SSL_new(ctx.get()));
  if (!ssl || SSL_set_fd(ssl.get(), fd.get()) != 1) return Failed("SSL_new");
  if (SSL_connect(ssl.get()) != 1) return Failed("TLS handshake failed");
  size_t written = 0;
  while (written < request.size()) {
    size_t n = 0;
    if (SSL_write_ex(ssl.get(), request.data() + written, request.size() - written, &n) != 1) {
      // The gateway may answer and close before it has read everything (a refused
      // header): what it answered is still worth reading.
      break;
    }
    written += n;
  }

  std::string in;
  RawHttpAnswer answer;
  size_t head_end = std::string::npos;
  size_t want = kMaxAnswer;
  std::vector<char> buf(16 * 1024);
  while (in.size() < kMaxAnswer) {
    if (head_end == std::string::npos) {
      head_end = in.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        answer.head = in.substr(0, head_end);
        const std::string length = HeaderValue(answer.head, "content-length");
        if (!length.empty()) want = head_end + 4 + std::strtoull(length.c_str(), nullptr, 10);
      }
    }
    if (head_end != std::string::npos && in.size() >= want) break;
    size_t n = 0;
    if (SSL_read_ex(ssl.get(), buf.data(), buf.size(), &n) != 1) break;  // closed or timed out
    in.append(buf.data(), n);
  }
  if (head_end == std::string::npos)
    return Failed("no HTTP answer (" + std::to_string(in.size()) + " bytes)");
  if (answer.head.rfind("HTTP/1.1 ", 0) != 0) return Failed("not an HTTP answer: " + answer.head);
  answer.status = std::atoi(answer.head.c_str() + 9);
  answer.body = in.substr(head_end + 4, want - head_end - 4);
  return answer;
}

}  // namespace adtgw::testing
