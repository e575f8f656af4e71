// The key-agreement half of the envelope (RFC 5753): ephemeral-static ECDH on P-256,
// the ANSI X9.63 KDF with SHA-256 over ECC-CMS-SharedInfo, and AES-256 key wrap
// (RFC 3394) of the content-encryption key. The algorithms are fixed, not options.
//
// Who owns what: callers keep ownership of keys and certificates passed in;
// returned key material is held in wiped SecretBytes.
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <span>

#include <openssl/x509.h>

#include "crypto/der_writer.h"
#include "crypto/result.h"
#include "crypto/secret_bytes.h"

namespace adtgw {

inline constexpr size_t kCekSize = 32;  // AES-256

// Encodes one KeyAgreeRecipientInfo ([1]-tagged RecipientInfo) that wraps `cek` for
// `recipient` (its public key must be EC P-256) with a fresh ephemeral key.
Result<der::Bytes> BuildKeyAgreeRecipientInfo(X509* recipient, std::span<const uint8_t> cek);

// Examines one encoded KeyAgreeRecipientInfo (the whole [1] element). Returns nullopt
// when none of its recipient identifiers names `own_cert`; the unwrapped key when one
// does and `own_key` unwraps it; an Error when it names us but cannot be used (a
// SHA-1 KDF, an unsupported algorithm, a key that does not unwrap).
Result<std::optional<SecretBytes>> UnwrapFromKeyAgreeRecipientInfo(std::span<const uint8_t> kari,
                                                                   X509* own_cert,
                                                                   EVP_PKEY* own_key);

// The DER IssuerAndSerialNumber of a certificate (used as a recipient and signer id).
der::Bytes IssuerAndSerialNumber(X509* cert);

// True when `key` is an EC key on P-256.
bool IsP256Key(EVP_PKEY* key);

}  // namespace adtgw
