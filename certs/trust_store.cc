#include "certs/trust_store.h"

#include <cctype>

#include <algorithm>
#include <cstdio>

#include <openssl/x509_vfy.h>

#include "crypto/encoding.h"
#include "crypto/ossl_error.h"
#include "crypto/ossl_string.h"

namespace adtgw {
namespace {

bool IsSelfSigned(X509* cert) { return X509_check_issued(cert, cert) == X509_V_OK; }

Error TrustError(std::string code, std::string message, std::string hint) {
  return MakeError(ErrorKind::kTrust, std::move(code), std::move(message), std::move(hint));
}

std::string Serial(X509* cert) {
  BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  OsslString hex(bn ? BN_bn2hex(bn.get()) : nullptr);
  return hex ? hex.get() : "?";
}

Error VerifyFailure(int err, X509* failed, X509* leaf, std::time_t at) {
  std::string who = failed == leaf || failed == nullptr
                        ? "certificate " + SubjectText(leaf)
                        : "issuing certificate " + SubjectText(failed) + " (in the chain of " +
                              SubjectText(leaf) + ")";
  std::string when = " (checked at " + FormatTime(at) + ")";
  switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED: {
      auto na = AsnTimeToTime(X509_get0_notAfter(failed != nullptr ? failed : leaf));
      return TrustError("cert.expired", who + " expired on " + (na ? FormatTime(*na) : "?") + when,
                        "renew the certificate, or verify a past event with --at TIME");
    }
    case X509_V_ERR_CERT_NOT_YET_VALID: {
      auto nb = AsnTimeToTime(X509_get0_notBefore(failed != nullptr ? failed : leaf));
      return TrustError("cert.not_yet_valid",
                        who + " is not valid before " + (nb ? FormatTime(*nb) : "?") + when,
                        "check the machine's clock and --at");
    }
    case X509_V_ERR_CERT_REVOKED:
      return TrustError("cert.revoked",
                        who + " (serial " + Serial(failed != nullptr ? failed : leaf) +
                            ") is revoked by its issuer's CRL" + when,
                        "a revoked certificate is never accepted; the party needs a new one");
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      return TrustError("cert.untrusted", who + " does not chain to a configured trust anchor",
                        "add the SMKI root and issuing OCA certificates with --trust, or pin "
                        "the certificate itself with --pin");
    case X509_V_ERR_UNABLE_TO_GET_CRL:
      return TrustError("cert.crl_missing",
                        "no CRL from the issuer of " + who.substr(who.find(' ') + 1) +
                            " was given, so its revocation cannot be checked",
                        "give the issuing OCA's CRL and the root's ARL with --crl");
    case X509_V_ERR_CRL_HAS_EXPIRED:
      return TrustError("cert.crl_expired", "the CRL covering " + who + " is out of date" + when,
                        "fetch the current CRL/ARL");
    case X509_V_ERR_CRL_NOT_YET_VALID:
      return TrustError("cert.crl_not_yet_valid",
                        "the CRL covering " + who + " is not yet valid" + when,
                        "check the machine's clock and --at");
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
      return TrustError("cert.bad_signature", who + " carries a signature that does not verify",
                        "the certificate or CRL was altered or issued by another CA");
    default:
      return TrustError("cert.invalid",
                        who + " is not valid: " + X509_verify_cert_error_string(err) + when,
                        "inspect it with adtgw certs inspect");
  }
}

}  // namespace

Result<TrustedSmkiCertificate> VerifySmkiCertificateFor(X509* cert, const TrustConfig& config,
                                                        SmkiKeyUsage usage, const std::string& as) {
  auto checked = VerifySmkiCertificate(cert, config);
  if (!checked.ok()) return std::move(checked).error().With(as);
  ADTGW_TRY(RequireUsage(checked->identity, usage, as));
  return checked;
}

Sha256Digest CertificateSha256(X509* cert) {
  Sha256Digest d{};
  unsigned int len = 0;
  // A parsed certificate keeps its DER; hashing it fails only without memory, and a
  // made-up fingerprint would be worse than stopping (as Sha256 does, crypto/sha256.h).
  if (X509_digest(cert, EVP_sha256(), d.data(), &len) != 1 || len != d.size()) std::abort();
  return d;
}

std::string SubjectText(X509* cert) { return "'" + NameText(X509_get_subject_name(cert)) + "'"; }

CertificateId CertificateIdOf(X509* cert) {
  CertificateId id;
  id.issuer = NameText(X509_get_issuer_name(cert));
  BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  if (serial) {
    OsslString hex(BN_bn2hex(serial.get()));
    if (hex) {
      id.serial = hex.get();
      for (char& c : id.serial) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return id;
}

std::optional<std::time_t> AsnTimeToTime(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return timegm(&tm);
}

Result<TrustDecision> VerifyTrust(X509* cert, const TrustConfig& config) {
  TrustDecision decision;
  decision.checked_at = config.at.value_or(std::time(nullptr));

  for (const auto& pin : config.pinned) {
    if (X509_cmp(pin.get(), cert) != 0) continue;
    auto nb = AsnTimeToTime(X509_get0_notBefore(cert));
    auto na = AsnTimeToTime(X509_get0_notAfter(cert));
    if (!nb || !na) return VerifyFailure(X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD, cert, cert, 0);
    if (decision.checked_at < *nb) {
      return VerifyFailure(X509_V_ERR_CERT_NOT_YET_VALID, cert, cert, decision.checked_at);
    }
    if (decision.checked_at > *na) {
      return VerifyFailure(X509_V_ERR_CERT_HAS_EXPIRED, cert, cert, decision.checked_at);
    }
    decision.mode = TrustDecision::Mode::kPinned;
    return decision;
  }
  if (config.anchors.empty()) {
    return TrustError("cert.untrusted",
                      "certificate " + SubjectText(cert) +
                          (config.pinned.empty() ? " cannot be checked: no trust anchor or "
                                                   "pinned certificate is configured"
                                                 : " is not one of the pinned certificates"),
                      "give the SMKI CA certificates with --trust, or pin the party's "
                      "certificate with --pin");
  }

  X509StorePtr store(X509_STORE_new());
  BorrowedX509StackPtr untrusted(sk_X509_new_null());
  if (!store || !untrusted) return InternalOpenSslError("trust store");
  bool any_self_signed = std::any_of(config.anchors.begin(), config.anchors.end(),
                                     [](const X509Ptr& a) { return IsSelfSigned(a.get()); });
  for (const auto& a : config.anchors) {
    if (!any_self_signed || IsSelfSigned(a.get())) {
      X509_STORE_add_cert(store.get(), a.get());
    } else {
      sk_X509_push(untrusted.get(), a.get());
    }
  }
  for (const auto& crl : config.crls) X509_STORE_add_crl(store.get(), crl.get());
  unsigned long flags = 0;
  if (!any_self_signed) flags |= X509_V_FLAG_PARTIAL_CHAIN;
  if (!config.crls.empty()) flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
  X509_STORE_set_flags(store.get(), flags);

  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), cert, untrusted.get()) != 1) {
    return InternalOpenSslError("trust store context");
  }
  X509_STORE_CTX_set_time(ctx.get(), 0, decision.checked_at);
  int rc = X509_verify_cert(ctx.get());
  if (rc != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    X509* failed = X509_STORE_CTX_get_current_cert(ctx.get());
    DrainOpenSslErrors();
    return VerifyFailure(err, failed, cert, decision.checked_at);
  }
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
  for (int i = 0; i < sk_X509_num(chain); ++i)
    decision.chain.push_back(UpRef(sk_X509_value(chain, i)));
  decision.mode = TrustDecision::Mode::kChain;
  decision.revocation_checked = !config.crls.empty();
  return decision;
}

Result<TrustedSmkiCertificate> VerifySmkiCertificate(X509* cert, const TrustConfig& config) {
  ADTGW_ASSIGN(SmkiIdentity identity, CheckSmkiProfile(cert, config.profile));
  ADTGW_ASSIGN(TrustDecision decision, VerifyTrust(cert, config));
  return TrustedSmkiCertificate{identity, std::move(decision)};
}

}  // namespace adtgw
