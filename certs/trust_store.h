// Deciding whether a certificate is trusted at a given time: chain validation to
// configured trust anchors with CRL/ARL revocation, or pinned-leaf trust for parties
// without a CA chain (trust exactly these certificates).
//
// Anchors and chain material: self-signed certificates among `anchors` are the trust
// anchors (SMKI root OCAs); the others (issuing OCAs) are chain material. If no
// anchor is self-signed, the given certificates themselves are trusted (partial
// chain), which is what a party that only configures its issuing CA means.
//
// Revocation: with any CRL given, every certificate below the anchor must be covered
// by a current CRL from its issuer (the issuing OCA's CRL for organisation
// certificates, the root's ARL for issuing OCAs); without CRLs revocation is not
// checked and the result says so. Pinned certificates have no issuer to ask.
//
// Every refusal is an Error with a precise code: cert.expired, cert.not_yet_valid,
// cert.revoked, cert.untrusted, cert.crl_missing, cert.crl_expired,
// cert.bad_signature, cert.invalid, or a cert.profile.* code from smki_profile.h.
//
// Thread safety: a TrustConfig is immutable after construction and may be shared.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "certs/smki_profile.h"
#include "crypto/ossl_ptr.h"
#include "crypto/result.h"
#include "crypto/sha256.h"

namespace adtgw {

struct TrustConfig {
  std::vector<X509Ptr> anchors;
  std::vector<X509Ptr> pinned;
  std::vector<X509CrlPtr> crls;
  SmkiProfileOptions profile;
  std::optional<std::time_t> at;  // verification time; now when unset
};

struct TrustDecision {
  enum class Mode { kChain, kPinned };
  Mode mode;
  bool revocation_checked = false;
  std::time_t checked_at = 0;
  std::vector<X509Ptr> chain;  // leaf first (chain mode)
};

// Validates time, chain and revocation only (no profile): for any certificate.
Result<TrustDecision> VerifyTrust(X509* cert, const TrustConfig& config);

struct TrustedSmkiCertificate {
  SmkiIdentity identity;
  TrustDecision decision;
};

// The SMKI profile, then VerifyTrust.
Result<TrustedSmkiCertificate> VerifySmkiCertificate(X509* cert, const TrustConfig& config);

// VerifySmkiCertificate, then the key usage `usage`; `as` names the certificate's role
// in messages ("the signer", "recipient KA certificate").
Result<TrustedSmkiCertificate> VerifySmkiCertificateFor(X509* cert, const TrustConfig& config,
                                                        SmkiKeyUsage usage, const std::string& as);

std::string SubjectText(X509* cert);
// A certificate's identity as the audit log records it: issuer DN (RFC 2253, unquoted)
// and serial number (lower-case hex).
struct CertificateId {
  std::string issuer;
  std::string serial;
};
CertificateId CertificateIdOf(X509* cert);   // RFC 2253-style one-line subject
Sha256Digest CertificateSha256(X509* cert);  // SHA-256 of the DER: the TLS fingerprint
std::optional<std::time_t> AsnTimeToTime(const ASN1_TIME* t);

}  // namespace adtgw
