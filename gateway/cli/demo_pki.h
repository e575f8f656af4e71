// `adtgw demo-pki DIR`: a complete, self-consistent trial PKI written to an empty (or
// new) folder: an SMKI root OCA and issuing OCA, DS and KA Organisation Certificates
// for two suppliers, a network operator, the DCC and an auditor, a DCCKI TLS CA with
// a gateway server certificate and a client certificate per party, a CRL revoking an
// extra certificate and an empty ARL, an expired certificate, and the client and
// gateway configuration files. The layout is documented in docs/demo-pki.md.
//
// It never overwrites anything: a folder that already holds files is refused.
// Private keys are written 0600, everything through AtomicFile-style temp+rename.
//
// Thread safety: not reentrant for the same folder.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "certs/eui64.h"
#include "certs/remote_party_role.h"
#include "crypto/result.h"

namespace adtgw {

// The demo's certificate policy OID (a UUID-based OID under 2.25, RFC 9562 / X.667),
// written into every demo certificate and into the demo configuration.
inline constexpr char kDemoPolicyOid[] = "2.25.161723384018474328562402419043254938120";

struct DemoParty {
  std::string name;  // folder name, e.g. "supplier-a"
  std::string display_name;
  Eui64 eui64;
  RemotePartyRole role;
};

std::vector<DemoParty> DemoParties();

struct DemoPkiSummary {
  std::vector<std::string> files;  // relative paths written
};

Result<DemoPkiSummary> WriteDemoPki(const std::string& dir, std::time_t now);

}  // namespace adtgw
