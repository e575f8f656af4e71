// The DCCKI TLS certificate profile adtgw accepts for mutual TLS: RSA (2048 bits or
// more) or ECDSA (P-256 or P-384) keys, SHA-256 or stronger signatures, an
// extendedKeyUsage naming the TLS role, not a CA. The mapping from a DCCKI client
// certificate to a party is the policy's job (issue 3), not this file's.
//
// Thread safety: pure functions; certificates are borrowed.
#pragma once

#include <vector>

#include <openssl/x509.h>

#include "crypto/result.h"

namespace adtgw {

enum class TlsRole { kServer, kClient };

// Every way in which `cert` departs from the DCCKI TLS profile for `role`.
std::vector<Error> DcckiProfileProblems(X509* cert, TlsRole role);

// True when the certificate looks like an SMKI Organisation Certificate (it carries an
// x500UniqueIdentifier), used by `certs inspect` to pick the profile to report.
bool LooksLikeSmki(X509* cert);

}  // namespace adtgw
