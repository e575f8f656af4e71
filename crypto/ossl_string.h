// Owners for the buffers OpenSSL allocates for its caller, beside crypto/ossl_ptr.h:
// OsslString holds a char* that must go back through OPENSSL_free (BN_bn2hex,
// ASN1_STRING_to_UTF8 and the like), and I2d runs an i2d_* encoder into an owned
// byte vector, so no caller handles OpenSSL's output buffer by hand. The text
// functions below are the one place OpenSSL's lengths for a BIO's contents, an OID or
// a printed name are checked before a string is made of them: a length OpenSSL returns
// is never used as a size unchecked.
//
// Thread safety: plain values and unique_ptrs; safe from any thread for distinct objects.
#pragma once

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include <cstdint>
#include <cstdlib>
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

// I2d for an object that was parsed from DER (which OpenSSL keeps and writes back) or
// built here: its encoding can fail only when memory runs out, and then adtgw stops, as
// Sha256 does, rather than go on with a made-up encoding.
template <typename T, typename I2dFunction>
std::vector<uint8_t> I2dKept(T* obj, I2dFunction i2d, const std::string& what) {
  Result<std::vector<uint8_t>> der = I2d(obj, i2d, what);
  if (!der.ok()) std::abort();
  return std::move(der).value();
}

// What a memory BIO holds; an error when OpenSSL reports no buffer.
Result<std::string> BioContents(BIO* bio);

// An OID in dotted form ("2.5.4.3"); empty when OpenSSL cannot write it (or it would
// not fit the 128 bytes an OID of any certificate adtgw reads needs).
std::string DottedOid(const ASN1_OBJECT* obj);

// A name as RFC 2253 text, UTF-8 left as it is (for messages and the audit log). A name
// OpenSSL cannot print gives "(unprintable name)", never a partial or negative length.
std::string NameText(const X509_NAME* name);

}  // namespace adtgw
