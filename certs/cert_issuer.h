// Issuing certificates and CRLs: the engine behind `adtgw demo-pki` and the tests'
// throw-away PKIs. It writes SMKI-profile names and extensions itself (DER), since the
// profile's x500UniqueIdentifier must be a full 64-bit BIT STRING that OpenSSL's name
// API would shorten. Deliberately flexible (key type, usage bits, criticality, key
// identifier length...) so that tests can make every kind of non-conforming
// certificate too. Not for production CAs.
//
// Thread safety: pure functions; returned handles are owned by the caller.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "certs/eui64.h"
#include "crypto/ossl_ptr.h"
#include "crypto/result.h"

namespace adtgw {

enum class KeyType { kP256, kP384, kRsa2048 };
Result<EvpPkeyPtr> GenerateKey(KeyType type);

struct CertificateSpec {
  // Subject, in this order when present.
  std::optional<std::string> common_name;
  std::optional<std::string> organisational_unit;  // SMKI role "02"
  std::optional<Eui64> eui64;                      // x500UniqueIdentifier

  uint64_t serial = 1;
  std::time_t not_before = 0;
  std::time_t not_after = 0;

  bool is_ca = false;
  std::optional<uint32_t> key_usage;  // KU_* bits from x509v3.h; nullopt: no extension
  bool key_usage_critical = true;
  std::vector<std::string> policy_oids;  // empty: no extension
  bool policies_critical = true;
  size_t key_id_length = 8;             // SKI and AKI (taken from the issuer's SKI)
  std::vector<int> extended_key_usage;  // NIDs, e.g. NID_server_auth (DCCKI)
  std::vector<std::string> dns_names;   // subjectAltName (DCCKI server)
  std::vector<std::string> ip_addresses;
};

// Issues `spec` for `subject_key`, signed by `issuer_key` (SHA-256) as `issuer`, or
// self-signed when `issuer` is null.
Result<X509Ptr> IssueCertificate(const CertificateSpec& spec, EVP_PKEY* subject_key, X509* issuer,
                                 EVP_PKEY* issuer_key);

// A v2 CRL from `issuer` revoking `serials`.
Result<X509CrlPtr> IssueCrl(X509* issuer, EVP_PKEY* issuer_key,
                            const std::vector<uint64_t>& serials, std::time_t this_update,
                            std::time_t next_update);

}  // namespace adtgw
