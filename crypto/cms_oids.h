// The object identifiers of the CMS profile adtgw reads and writes (docs/envelope.md).
// Dotted text; der::Oid / der::OidContent encode them.
#pragma once

namespace adtgw::oid {

inline constexpr char kData[] = "1.2.840.113549.1.7.1";
inline constexpr char kSignedData[] = "1.2.840.113549.1.7.2";
inline constexpr char kEnvelopedData[] = "1.2.840.113549.1.7.3";
inline constexpr char kAuthEnvelopedData[] = "1.2.840.113549.1.9.16.1.23";
inline constexpr char kContentTypeAttr[] = "1.2.840.113549.1.9.3";
inline constexpr char kMessageDigestAttr[] = "1.2.840.113549.1.9.4";
inline constexpr char kSigningTimeAttr[] = "1.2.840.113549.1.9.5";
inline constexpr char kSha256[] = "2.16.840.1.101.3.4.2.1";
inline constexpr char kEcdsaWithSha256[] = "1.2.840.10045.4.3.2";
inline constexpr char kEcPublicKey[] = "1.2.840.10045.2.1";
inline constexpr char kPrime256v1[] = "1.2.840.10045.3.1.7";
inline constexpr char kAes256Gcm[] = "2.16.840.1.101.3.4.1.46";
inline constexpr char kAes256Wrap[] = "2.16.840.1.101.3.4.1.45";
// RFC 5753 / SEC 1 ephemeral-static ECDH with the X9.63 KDF.
inline constexpr char kEcdhSha256Kdf[] = "1.3.132.1.11.1";  // dhSinglePass-stdDH-sha256kdf-scheme
inline constexpr char kEcdhSha1Kdf[] =
    "1.3.133.16.840.63.0.2";  // dhSinglePass-stdDH-sha1kdf-scheme

}  // namespace adtgw::oid
