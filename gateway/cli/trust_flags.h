// The command-line flags that say whom to trust (--trust, --pin, --crl,
// --policy-oid, --at), shared by every command that checks a certificate, and their
// conversion into a certs::TrustConfig.
//
// Thread safety: used on the main thread while parsing.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "certs/trust_store.h"

namespace adtgw {

struct TrustFlags {
  std::vector<std::string> trust;
  std::vector<std::string> pin;
  std::vector<std::string> crl;
  std::vector<std::string> policy_oids;
  std::string at;
};

void AddTrustFlags(CLI::App* cmd, TrustFlags& flags);
Result<TrustConfig> BuildTrustConfig(const TrustFlags& flags);

}  // namespace adtgw
