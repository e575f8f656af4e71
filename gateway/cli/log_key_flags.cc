#include "gateway/cli/log_key_flags.h"

#include <cstdio>

#include "gateway/client/client_config.h"

namespace adtgw {

std::string KeyId(const LogVerifier& v) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", v.key_id());
  return hex;
}

namespace {

Result<TrustedLogKey> FromFile(const std::string& file, const std::string& origin,
                               const std::string& why) {
  ADTGW_ASSIGN(LogVerifier v, LogVerifier::LoadPublicKey(file, origin));
  TrustedLogKey out;
  out.source = why + " " + file + " (origin " + v.origin() + ", key ID " + KeyId(v) + ")";
  out.verifier = std::make_shared<const LogVerifier>(std::move(v));
  return out;
}

}  // namespace

void AddLogKeyFlags(CLI::App* cmd, LogKeyFlags& f) {
  auto* config = cmd->add_option("--config", f.config,
                                 "client configuration whose audit_log key to trust (default: "
                                 "$ADTGW_CONFIG, then ~/.config/adtgw/client.yaml)");
  auto* key = cmd->add_option("--log-key", f.log_key,
                              "trust this log public key (PEM) instead of a configuration's")
                  ->type_name("PEM");
  cmd->add_option("--origin", f.origin,
                  "the log's origin for --log-key (default: the checkpoint's first line)")
      ->needs(key);
  config->excludes(key);
}

Result<TrustedLogKey> ResolveLogKey(const LogKeyFlags& f, const std::string& note_origin,
                                    const std::string& default_key) {
  if (!f.log_key.empty()) {
    return FromFile(f.log_key, f.origin.empty() ? note_origin : f.origin, "--log-key");
  }
  if (f.config.empty() && !default_key.empty()) {
    return FromFile(default_key, note_origin, "the key that came with it,");
  }
  std::string path = ClientConfigPath(f.config);
  ADTGW_ASSIGN(ClientConfig config, LoadClientConfig(path));
  TrustedLogKey out;
  out.verifier = config.log_verifier;
  out.source = "audit_log of " + path + ", " + config.log_public_key + " (origin " +
               out.verifier->origin() + ", key ID " + KeyId(*out.verifier) + ")";
  return out;
}

std::string NoteOrigin(std::string_view note) {
  return std::string(note.substr(0, note.find('\n')));
}

}  // namespace adtgw
