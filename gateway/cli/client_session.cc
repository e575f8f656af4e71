#include "gateway/cli/client_session.h"

#include "gateway/cli/srv_catalogue_flag.h"

namespace adtgw {

void AddClientFlags(CLI::App* cmd, ClientFlags& f) {
  cmd->add_option("--config", f.config,
                  "client configuration (default: $ADTGW_CONFIG, then "
                  "~/.config/adtgw/client.yaml)");
  cmd->add_option("--gateway", f.gateway, "gateway URL, instead of the configuration's")
      ->type_name("URL");
  cmd->add_flag("--json", f.json, "print the result as JSON");
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
