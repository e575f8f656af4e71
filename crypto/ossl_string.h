// Owners for the buffers OpenSSL allocates for its caller, beside crypto/ossl_ptr.h:
// OsslString holds a char* that must go back through OPENSSL_free (BN_bn2hex,
// ASN1_STRING_to_UTF8 and the like), and I2d runs an i2d_* encoder into an owned
// byte vector, so no caller handles OpenSSL's output buffer by hand.
//
// Thread safety: plain values and unique_ptrs; safe from any thread for distinct objects.
#pragma once

#include <openssl/crypto.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "crypto/ossl_error.h"
#include "crypto/result.h"

namespace adtgw {

struct OsslFreeDeleter {
  void operator()(void* p) const { OPENSSL_free(p); }
};

// A NUL-terminated string OpenSSL allocated; null when the call failed.
using OsslString = std::unique_ptr<char, OsslFreeDeleter>;

// Any other OpenSSL-allocated buffer (e.g. EVP_PKEY_get1_encoded_public_key's).
using OsslBytes = std::unique_ptr<unsigned char, OsslFreeDeleter>;

// The DER encoding of `obj` by `i2d` (i2d_X509, i2d_PUBKEY, ...), which allocates
// the output when handed a null buffer. A failed encoding drains OpenSSL's error
// queue into an internal error: "encoding <what>: ...".
template <typename T, typename I2dFunction>
Result<std::vector<uint8_t>> I2d(T* obj, I2dFunction i2d, const std::string& what) {
  unsigned char* raw = nullptr;
  const int n = i2d(obj, &raw);
  OsslBytes owned(raw);
  if (n <= 0 || raw == nullptr) return InternalOpenSslError("encoding " + what);
  return std::vector<uint8_t>(raw, raw + n);
}

}  // namespace adtgw
