#include "certs/dccki_profile.h"

#include <string>

#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "certs/smki_profile.h"

namespace adtgw {
namespace {

Error Problem(const std::string& what, const std::string& message) {
  return MakeError(ErrorKind::kTrust, "cert.dccki." + what, message,
                   "issue a DCCKI TLS certificate (see docs/certificates.md)");
}

}  // namespace

bool LooksLikeSmki(X509* cert) {
  return X509_NAME_get_index_by_NID(X509_get_subject_name(cert), NID_x500UniqueIdentifier, -1) >= 0;
}

std::vector<Error> DcckiProfileProblems(X509* cert, TlsRole role) {
  std::vector<Error> problems;
  EVP_PKEY* key = X509_get0_pubkey(cert);
  std::string desc = DescribeKey(key);
  bool rsa_ok =
      key != nullptr && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA && EVP_PKEY_get_bits(key) >= 2048;
  bool ec_ok = desc == "EC P-256" || desc == "EC P-384";
  if (!rsa_ok && !ec_ok) {
    problems.push_back(Problem("key", "holds an " + desc +
                                          " key; DCCKI TLS needs RSA of 2048 bits or more, or "
                                          "EC P-256/P-384"));
  }
  int md_nid = 0, pk_nid = 0;
  if (X509_get_signature_info(cert, &md_nid, &pk_nid, nullptr, nullptr) != 1 ||
      (md_nid != NID_sha256 && md_nid != NID_sha384 && md_nid != NID_sha512)) {
    problems.push_back(Problem("signature_algorithm", "is not signed with SHA-256 or stronger"));
  }
  uint32_t xku = X509_get_extended_key_usage(cert);
  uint32_t wanted = role == TlsRole::kServer ? XKU_SSL_SERVER : XKU_SSL_CLIENT;
  if ((X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) == 0 || (xku & wanted) == 0) {
    problems.push_back(Problem("extended_key_usage",
                               std::string("extendedKeyUsage does not include ") +
                                   (role == TlsRole::kServer ? "serverAuth" : "clientAuth")));
  }
  if (X509_check_ca(cert) != 0) problems.push_back(Problem("is_ca", "is a CA certificate"));
  return problems;
}

}  // namespace adtgw
