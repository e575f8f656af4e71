#include "crypto/ossl_error.h"

#include <openssl/err.h>

namespace adtgw {

std::string DrainOpenSslErrors() {
  std::string out;
  const char* file = nullptr;
  const char* func = nullptr;
  int line = 0;
  const char* data = nullptr;
  int flags = 0;
  unsigned long code;
  while ((code = ERR_get_error_all(&file, &line, &func, &data, &flags)) != 0) {
    if (!out.empty()) out += "; ";
    const char* reason = ERR_reason_error_string(code);
    out += reason != nullptr ? reason : "unknown OpenSSL error";
    const char* lib = ERR_lib_error_string(code);
    if (lib != nullptr) out += std::string(" (") + lib + ")";
    if (data != nullptr && (flags & ERR_TXT_STRING) != 0 && *data != '\0') {
      out += std::string(": ") + data;
    }
  }
  return out;
}

Error OpenSslError(ErrorKind kind, std::string code, const std::string& what, std::string hint) {
  std::string detail = DrainOpenSslErrors();
  std::string message = detail.empty() ? what : what + ": " + detail;
  return MakeError(kind, std::move(code), std::move(message), std::move(hint));
}

Error InternalOpenSslError(const std::string& what) {
  return OpenSslError(ErrorKind::kInternal, "internal.openssl", what);
}

}  // namespace adtgw
