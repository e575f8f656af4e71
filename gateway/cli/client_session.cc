#include "gateway/cli/client_session.h"

#include "gateway/cli/srv_catalogue_flag.h"

namespace adtgw {

void AddClientFlags(CLI::App* cmd, ClientFlags& f) {
  cmd->add_option("--config", f.config,
                  "client configuration (default: $ADTGW_CONFIG, then "
                  "~/.config/adtgw/client.yaml)");
  cmd->add_option("--gateway", f.gateway, "gateway URL, instead of the configuration's")
      ->type_name("URL");
  AddTimeoutFlag(cmd, f.timeouts);
  cmd->add_flag("--json", f.json, "print the result as JSON");
}

void AddTimeoutFlag(CLI::App* cmd, std::vector<std::string>& timeouts) {
  cmd->add_option("--timeout", timeouts,
                  "how long to wait on the gateway, e.g. connect=5s,handshake=30s,idle=60s "
                  "(the defaults; units ms, s, m); overrides the configuration's timeouts")
      ->type_name("NAME=DURATION,...");
}

Status ApplyTimeoutFlags(const std::vector<std::string>& flags, ClientTimeouts& timeouts) {
  for (const auto& spec : flags) ADTGW_TRY(ParseTimeoutSpec(spec, timeouts));
  return OkStatus();
}

Result<ClientConfig> LoadClientConfigFor(const ClientFlags& f) {
  ADTGW_ASSIGN(ClientConfig config, LoadClientConfig(ClientConfigPath(f.config)));
  config.srv_catalogue = SrvCataloguePath(config.srv_catalogue);
  if (!f.gateway.empty()) {
    if (f.gateway.rfind("https://", 0) != 0) {
      return MakeError(ErrorKind::kUsage, "usage", "--gateway must be an https:// URL");
    }
    config.gateway_url = f.gateway;
  }
  ADTGW_TRY(ApplyTimeoutFlags(f.timeouts, config.timeouts));
  return config;
}

Result<ClientSession> ConnectClient(const ClientFlags& f) {
  ClientSession c;
  ADTGW_ASSIGN(c.config, LoadClientConfigFor(f));
  ADTGW_ASSIGN(c.api, NewGatewayClient(c.config));
  c.witness = CheckpointWitness(c.config.state_dir);
  ADTGW_TRY(c.witness.Observe(*c.api, *c.config.log_verifier));
  return c;
}

Result<VerifiedReceipt> ProveReceipt(ClientSession& c, const std::string& receipt_json) {
  ADTGW_ASSIGN(VerifiedReceipt verified,
               VerifyReceipt(AsBytes(receipt_json), *c.config.log_verifier));
  ADTGW_TRY(c.witness.ObserveNote(*c.api, *c.config.log_verifier, verified.receipt.checkpoint));
  return verified;
}

}  // namespace adtgw
