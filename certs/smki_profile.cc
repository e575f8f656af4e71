#include "certs/smki_profile.h"

#include <algorithm>

#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "crypto/key_agreement.h"
#include "crypto/ossl_error.h"
#include "crypto/ossl_ptr.h"
#include "crypto/ossl_string.h"

namespace adtgw {
namespace {

Error Problem(const std::string& what, const std::string& message, const std::string& hint = {}) {
  return MakeError(ErrorKind::kTrust, "cert.profile." + what, message,
                   hint.empty() ? "issue an SMKI Organisation Certificate (see "
                                  "docs/certificates.md), e.g. with adtgw demo-pki"
                                : hint);
}

std::string Text(const ASN1_STRING* s) {
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, s);
  OsslBytes owned(utf8);
  if (n < 0) {
    DrainOpenSslErrors();
    return {};
  }
  return std::string(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
}

int CountEntries(X509_NAME* name, int nid) {
  int count = 0;
  for (int i = -1; (i = X509_NAME_get_index_by_NID(name, nid, i)) >= 0;) ++count;
  return count;
}

}  // namespace

std::string KeyUsageName(SmkiKeyUsage usage) {
  return usage == SmkiKeyUsage::kDigitalSignature ? "digitalSignature (DS)" : "keyAgreement (KA)";
}

std::optional<std::string> SubjectOu(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  int i = X509_NAME_get_index_by_NID(name, NID_organizationalUnitName, -1);
  if (i < 0) return std::nullopt;
  return Text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
}

std::optional<Eui64> SubjectEui64(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  int i = X509_NAME_get_index_by_NID(name, NID_x500UniqueIdentifier, -1);
  if (i < 0) return std::nullopt;
  const ASN1_STRING* v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  // A BIT STRING of exactly 64 bits: 8 content bytes and no unused bits.
  if (ASN1_STRING_type(v) != V_ASN1_BIT_STRING || ASN1_STRING_length(v) != 8) return std::nullopt;
  if ((v->flags & ASN1_STRING_FLAG_BITS_LEFT) != 0 && (v->flags & 0x07) != 0) return std::nullopt;
  return Eui64::FromBytes(std::span<const uint8_t, 8>(ASN1_STRING_get0_data(v), 8));
}

std::vector<std::string> PolicyOids(X509* cert) {
  std::vector<std::string> out;
  CertificatePoliciesPtr policies(static_cast<CERTIFICATEPOLICIES*>(
      X509_get_ext_d2i(cert, NID_certificate_policies, nullptr, nullptr)));
  if (!policies) return out;
  for (int i = 0; i < sk_POLICYINFO_num(policies.get()); ++i) {
    out.push_back(DottedOid(sk_POLICYINFO_value(policies.get(), i)->policyid));
  }
  return out;
}

std::string DescribeKey(EVP_PKEY* key) {
  if (key == nullptr) return "unreadable key";
  int id = EVP_PKEY_get_base_id(key);
  if (id == EVP_PKEY_RSA) return "RSA " + std::to_string(EVP_PKEY_get_bits(key));
  if (id == EVP_PKEY_EC) {
    char group[64] = {0};
    size_t len = 0;
    EVP_PKEY_get_group_name(key, group, sizeof group, &len);
    std::string g(group, len);
    if (g == "prime256v1") return "EC P-256";
    if (g == "secp384r1") return "EC P-384";
    if (g == "secp521r1") return "EC P-521";
    return "EC " + g;
  }
  const char* name = OBJ_nid2sn(id);
  return name != nullptr ? name : "unknown key type";
}

std::vector<Error> SmkiProfileProblems(X509* cert, const SmkiProfileOptions& options) {
  std::vector<Error> problems;
  if (X509_get_version(cert) != X509_VERSION_3) {
    problems.push_back(Problem("version", "not an X.509 v3 certificate"));
  }
  if (X509_get_signature_nid(cert) != NID_ecdsa_with_SHA256) {
    problems.push_back(Problem("signature_algorithm", std::string("signed with ") +
                                                          OBJ_nid2ln(X509_get_signature_nid(cert)) +
                                                          "; SMKI requires ecdsa-with-SHA256"));
  }
  EVP_PKEY* key = X509_get0_pubkey(cert);
  if (key != nullptr && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
    problems.push_back(Problem("rsa_key", "holds an " + DescribeKey(key) +
                                              " key; SMKI requires ECDSA P-256 (RSA is only "
                                              "for DCCKI TLS certificates)"));
  } else if (!IsP256Key(key)) {
    problems.push_back(
        Problem("key_not_p256", "holds an " + DescribeKey(key) + " key; SMKI requires P-256"));
  }

  int ku_index = X509_get_ext_by_NID(cert, NID_key_usage, -1);
  uint32_t ku = X509_get_key_usage(cert);
  if (ku_index < 0) {
    problems.push_back(Problem("key_usage_missing", "has no keyUsage extension"));
  } else {
    if (!X509_EXTENSION_get_critical(X509_get_ext(cert, ku_index))) {
      problems.push_back(Problem("key_usage_not_critical", "keyUsage is not marked critical"));
    }
    if (ku != KU_DIGITAL_SIGNATURE && ku != KU_KEY_AGREEMENT) {
      problems.push_back(Problem(
          "key_usage_bits",
          "keyUsage must have exactly one bit set, digitalSignature or "
          "keyAgreement (found 0x" +
              [&] {
                char b[8];
                std::snprintf(b, sizeof b, "%x", ku);
                return std::string(b);
              }() +
              ")"));
    }
  }

  int cp_index = X509_get_ext_by_NID(cert, NID_certificate_policies, -1);
  if (cp_index < 0) {
    problems.push_back(Problem("policies_missing", "has no certificatePolicies extension"));
  } else {
    if (!X509_EXTENSION_get_critical(X509_get_ext(cert, cp_index))) {
      problems.push_back(
          Problem("policies_not_critical", "certificatePolicies is not marked critical"));
    }
    std::vector<std::string> oids = PolicyOids(cert);
    if (options.check_policy_oids) {
      bool accepted = std::any_of(oids.begin(), oids.end(), [&](const std::string& o) {
        return std::find(options.accepted_policy_oids.begin(), options.accepted_policy_oids.end(),
                         o) != options.accepted_policy_oids.end();
      });
      if (options.accepted_policy_oids.empty()) {
        problems.push_back(Problem("policy_not_configured",
                                   "no accepted SMKI policy OID is configured",
                                   "give --policy-oid OID (the OIDs your SMKI issues under)"));
      } else if (!accepted) {
        std::string list;
        for (const auto& o : oids) list += (list.empty() ? "" : ", ") + o;
        problems.push_back(
            Problem("policy_not_accepted",
                    "certificate policies [" + list + "] include none of the accepted OIDs",
                    "check --policy-oid, or that this certificate is from the "
                    "SMKI you expect"));
      }
    }
  }

  X509_NAME* subject = X509_get_subject_name(cert);
  int ou_count = CountEntries(subject, NID_organizationalUnitName);
  std::optional<std::string> ou = SubjectOu(cert);
  if (ou_count == 0) {
    problems.push_back(Problem("role_missing", "subject has no OU (Remote Party Role)"));
  } else if (ou_count > 1) {
    problems.push_back(Problem("role_malformed", "subject has more than one OU"));
  } else if (auto role = ParseRemotePartyRole(*ou); !role) {
    problems.push_back(Problem("role_malformed", "subject OU '" + ou->substr(0, 20) +
                                                     "' is not a Remote Party Role (two hex "
                                                     "digits)"));
  } else if (!IsOrganisationRole(*role)) {
    problems.push_back(
        Problem("role_not_organisation", "subject OU " + RoleCode(*role) + " (" + RoleName(*role) +
                                             ") is not an organisation role (02, 03, 04 or 7F)"));
  }
  int uid_count = CountEntries(subject, NID_x500UniqueIdentifier);
  if (uid_count == 0) {
    problems.push_back(Problem("eui64_missing", "subject has no x500UniqueIdentifier (EUI-64)"));
  } else if (uid_count > 1 || !SubjectEui64(cert)) {
    problems.push_back(Problem("eui64_malformed",
                               "subject x500UniqueIdentifier is not one BIT STRING of 8 bytes"));
  }

  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert);
  if (ski == nullptr || ASN1_STRING_length(ski) != 8) {
    problems.push_back(Problem("ski_length", "subject key identifier is missing or not 8 bytes"));
  }
  const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(cert);
  if (aki == nullptr || ASN1_STRING_length(aki) != 8) {
    problems.push_back(Problem("aki_length", "authority key identifier is missing or not 8 bytes"));
  }
  // basicConstraints cA=TRUE, whatever the key usage says.
  if ((X509_get_extension_flags(cert) & EXFLAG_CA) != 0) {
    problems.push_back(Problem("is_ca", "is a CA certificate, not an Organisation Certificate"));
  }
  return problems;
}

Result<SmkiIdentity> CheckSmkiProfile(X509* cert, const SmkiProfileOptions& options) {
  std::vector<Error> problems = SmkiProfileProblems(cert, options);
  if (!problems.empty()) return std::move(problems.front());
  SmkiIdentity id{*SubjectEui64(cert), *ParseRemotePartyRole(*SubjectOu(cert)),
                  X509_get_key_usage(cert) == KU_DIGITAL_SIGNATURE ? SmkiKeyUsage::kDigitalSignature
                                                                   : SmkiKeyUsage::kKeyAgreement};
  return id;
}

Status RequireUsage(const SmkiIdentity& identity, SmkiKeyUsage wanted, const std::string& as) {
  if (identity.usage == wanted) return OkStatus();
  if (wanted == SmkiKeyUsage::kDigitalSignature) {
    return MakeError(ErrorKind::kTrust, "cert.wrong_usage",
                     as + " is a key-agreement (KA) certificate and cannot sign",
                     "sign with the party's digital-signature (DS) certificate and key");
  }
  return MakeError(ErrorKind::kTrust, "cert.wrong_usage",
                   as + " is a digital-signature (DS) certificate and cannot receive "
                        "encrypted files",
                   "encrypt to the recipient's key-agreement (KA) certificate");
}

}  // namespace adtgw
