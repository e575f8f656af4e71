// AuditorSession: what every `adtgw audit` command does before it asks the gateway
// anything (docs/cli.md; docs/audit-log.md, "Auditing"): read the client configuration
// of a party with the auditor role (--config, $ADTGW_CONFIG, ~/.config/adtgw/client.yaml)
// and connect to the gateway's auditor listener (the configuration's auditor_url, or
// --auditor URL) instead of its transfer listener. It is a ClientSession whose calls all
// go to that listener. Connecting witnesses nothing: each command then witnesses the log
// (checkpoint_witness.h) the way it needs: verify keeps the witness's report, show
// witnesses the checkpoint its answer is proven against.
//
// Ownership: a session owns its configuration, its API client and its witness.
// Thread safety: one thread at a time.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "gateway/cli/client_session.h"

namespace adtgw {

struct AuditorFlags {
  std::string config;
  std::string auditor;
  std::vector<std::string> timeouts;  // --timeout, as for the client commands
  bool json = false;
};

// --config, --auditor, --timeout and --json.
void AddAuditorFlags(CLI::App* cmd, AuditorFlags& flags);

struct AuditorSession : ClientSession {
  // The audit log's key, from the configuration's audit_log.
  const LogVerifier& key() const { return *config.log_verifier; }
};

// Loads the configuration and connects to the auditor listener (no witnessing).
Result<AuditorSession> ConnectAuditor(const AuditorFlags& flags);

}  // namespace adtgw
