#include "gateway/cli/auditor_session.h"

#include "gateway/client/client_config.h"
#include "gateway/client/gateway_api.h"

namespace adtgw {

void AddAuditorFlags(CLI::App* cmd, AuditorFlags& f) {
  cmd->add_option("--config", f.config,
                  "client configuration of an auditor party (default: $ADTGW_CONFIG, then "
                  "~/.config/adtgw/client.yaml)");
  cmd->add_option("--auditor", f.auditor,
                  "the gateway's auditor listener, instead of the configuration's auditor_url")
      ->type_name("URL");
  AddTimeoutFlag(cmd, f.timeouts);
  cmd->add_flag("--json", f.json, "print the result as JSON");
}

Result<AuditorSession> ConnectAuditor(const AuditorFlags& f) {
  AuditorSession a;
  std::string path = ClientConfigPath(f.config);
  ADTGW_ASSIGN(a.config, LoadClientConfig(path));
  std::string url = f.auditor.empty() ? a.config.auditor_url : f.auditor;
  if (url.empty()) {
    return MakeError(ErrorKind::kUsage, "usage", path + " names no auditor_url",
                     "add 'auditor_url: https://HOST:PORT' (the gateway's auditor listener) to "
                     "the configuration, or give --auditor URL");
  }
  if (url.rfind("https://", 0) != 0) {
    return MakeError(ErrorKind::kUsage, "usage", "--auditor must be an https:// URL");
  }
  while (url.back() == '/') url.pop_back();
  a.config.gateway_url = url;  // every call goes to the auditor listener
  ADTGW_TRY(ApplyTimeoutFlags(f.timeouts, a.config.timeouts));
  ADTGW_ASSIGN(a.api, NewGatewayClient(a.config));
  a.witness = CheckpointWitness(a.config.state_dir);
  return a;
}

}  // namespace adtgw
