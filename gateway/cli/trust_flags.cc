#include "gateway/cli/trust_flags.h"

#include "certs/credential_files.h"
#include "crypto/encoding.h"

namespace adtgw {

void AddTrustFlags(CLI::App* cmd, TrustFlags& flags) {
  cmd->add_option("--trust", flags.trust,
                  "SMKI CA certificates (PEM bundle): root OCAs anchor, issuing OCAs chain")
      ->type_name("FILE");
  cmd->add_option("--pin", flags.pin, "trust exactly this certificate (pinned-leaf mode)")
      ->type_name("FILE");
  cmd->add_option("--crl", flags.crl, "CRL or ARL; with any, revocation is checked for all")
      ->type_name("FILE");
  cmd->add_option("--policy-oid", flags.policy_oids, "accepted SMKI certificate policy OID")
      ->type_name("OID");
  cmd->add_option("--at", flags.at, "verify as of this UTC time (default: now)")->type_name("TIME");
}

Result<TrustConfig> BuildTrustConfig(const TrustFlags& flags) {
  TrustConfig config;
  for (const auto& path : flags.trust) {
    ADTGW_ASSIGN(auto certs, LoadCertificates(path));
    for (auto& c : certs) config.anchors.push_back(std::move(c));
  }
  for (const auto& path : flags.pin) {
    ADTGW_ASSIGN(auto certs, LoadCertificates(path));
    for (auto& c : certs) config.pinned.push_back(std::move(c));
  }
  for (const auto& path : flags.crl) {
    ADTGW_ASSIGN(X509CrlPtr crl, LoadCrl(path));
    config.crls.push_back(std::move(crl));
  }
  config.profile.accepted_policy_oids = flags.policy_oids;
  if (!flags.at.empty()) {
    ADTGW_ASSIGN(std::time_t at, ParseTime(flags.at));
    config.at = at;
  }
  return config;
}

}  // namespace adtgw
