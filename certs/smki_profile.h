// The SMKI Organisation Certificate profile (docs/architecture.md, section 1;
// docs/certificates.md): v3, ECDSA P-256 key, ecdsa-with-SHA256 signature, exactly one critical
// keyUsage bit (digitalSignature for "DS" certificates, keyAgreement for "KA"), critical
// certificatePolicies naming an accepted policy OID, subject OU = Remote Party Role,
// subject x500UniqueIdentifier = BIT STRING of the 8-byte EUI-64, 8-byte subject and
// authority key identifiers, not a CA.
//
// Each deviation has its own stable code ("cert.profile.<what>") and message, so a
// refusal says exactly what is wrong. The check is structural: chain, time and
// revocation are trust_store.h's business.
//
// Thread safety: pure functions; certificates are borrowed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <openssl/x509.h>

#include "certs/eui64.h"
#include "certs/remote_party_role.h"
#include "crypto/result.h"

namespace adtgw {

enum class SmkiKeyUsage { kDigitalSignature, kKeyAgreement };
std::string KeyUsageName(SmkiKeyUsage usage);  // "digitalSignature (DS)"

struct SmkiIdentity {
  Eui64 eui64;
  RemotePartyRole role;
  SmkiKeyUsage usage;
};

struct SmkiProfileOptions {
  // Accepted certificatePolicies OIDs (dotted). Empty: the policies extension must be
  // present and critical, but its OIDs are not matched (used only by `certs inspect`).
  std::vector<std::string> accepted_policy_oids;
  bool check_policy_oids = true;
};

// Every way in which `cert` departs from the profile (empty when it conforms).
std::vector<Error> SmkiProfileProblems(X509* cert, const SmkiProfileOptions& options);

// The identity of a conforming certificate, or the first problem.
Result<SmkiIdentity> CheckSmkiProfile(X509* cert, const SmkiProfileOptions& options);

// Refuses a certificate used for the other purpose: a KA certificate given to sign,
// or a DS certificate given as a recipient. `as` names the use in the message.
Status RequireUsage(const SmkiIdentity& identity, SmkiKeyUsage wanted, const std::string& as);

// Extractors, also used by `certs inspect` on non-conforming certificates.
std::optional<Eui64> SubjectEui64(X509* cert);
std::optional<std::string> SubjectOu(X509* cert);
std::vector<std::string> PolicyOids(X509* cert);
std::string DescribeKey(EVP_PKEY* key);  // "EC P-256", "RSA 2048", "EC P-384"

}  // namespace adtgw
