// Loading certificates, private keys and CRLs from PEM or DER files.
//
// Private keys are refused when their file is readable or writable by group or
// others (docs/architecture.md, rule 10), before a byte of them is read. Encrypted
// PEM keys are refused (no passphrase prompt exists yet); PKCS#11 comes later.
// Every failure names the file and says why.
//
// Thread safety: pure functions. Returned handles are owned by the caller.
#pragma once

#include <string>
#include <vector>

#include "crypto/ossl_ptr.h"
#include "crypto/result.h"

namespace adtgw {

// Reads a whole file, refusing more than `cap` bytes.
Result<std::vector<uint8_t>> ReadFileCapped(const std::string& path, size_t cap);

// One certificate (the first, for PEM bundles with several use LoadCertificates).
Result<X509Ptr> LoadCertificate(const std::string& path);
// All certificates in a PEM bundle, or the one in a DER file; at least one.
Result<std::vector<X509Ptr>> LoadCertificates(const std::string& path);
Result<EvpPkeyPtr> LoadPrivateKey(const std::string& path);
Result<X509CrlPtr> LoadCrl(const std::string& path);

// PEM text of a certificate / private key (PKCS#8) / CRL, for writing files.
Result<std::string> CertificateToPem(X509* cert);
Result<std::string> PrivateKeyToPem(EVP_PKEY* key);
Result<std::string> CrlToPem(X509_CRL* crl);

}  // namespace adtgw
