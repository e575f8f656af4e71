// The client configuration (client.yaml; every key in docs/api.md, "Client
// configuration"): which party this is, the gateway's URL, the DCCKI TLS credentials
// and the CA the gateway's certificate must chain to, the SMKI signing (DS) and
// key-agreement (KA) credentials, the SMKI trust used to check other parties'
// certificates, the recipients' KA certificates, the audit log this client witnesses
// (its origin and public key, loaded at once), the auditor listener's URL, where
// the client keeps its state (the newest checkpoint it has seen, checkpoint_witness.h),
// the SRV catalogue domain files are checked against (docs/formats.md), and how long
// to wait on the gateway (timeouts, client_timeouts.h).
//
// Found by --config, else $ADTGW_CONFIG, else ~/.config/adtgw/client.yaml.
//
// Thread safety: a loaded config is an immutable value.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "certs/eui64.h"
#include "certs/trust_store.h"
#include "crypto/result.h"
#include "gateway/audit/checkpoint.h"
#include "gateway/client/client_timeouts.h"

namespace adtgw {

struct ClientConfig {
  std::string source;
  Eui64 party;
  std::string gateway_url;  // https://host:port
  std::string tls_certificate;
  std::string tls_key;
  std::string tls_ca;
  std::string signing_certificate;
  std::string signing_key;
  std::string key_agreement_certificate;
  std::string key_agreement_key;
  std::shared_ptr<TrustConfig> smki_trust;        // shared: TrustConfig owns OpenSSL handles
  std::map<std::string, std::string> recipients;  // label -> KA certificate path
  // The audit log (audit_log.origin, audit_log.public_key): never null once loaded;
  // shared because LogVerifier is move-only and the config is copied.
  std::string log_public_key;  // the PEM file it was loaded from
  std::shared_ptr<const LogVerifier> log_verifier;
  std::string auditor_url;  // https://host:port of the auditor listener; empty if not set
  std::string state_dir;    // state_dir, else DefaultClientStateDir()
  // The DUIS SRV catalogue send and receive check files against; empty when not set
  // (the commands then use $ADTGW_SRV_CATALOGUE, then the build's default).
  std::string srv_catalogue;
  // timeouts: {connect, handshake, idle}; the defaults where not set.
  ClientTimeouts timeouts;
};

// The path the client commands read: `flag` if given, else $ADTGW_CONFIG, else the
// per-user default.
std::string ClientConfigPath(const std::string& flag);

// $XDG_STATE_HOME/adtgw when XDG_STATE_HOME is an absolute path, else
// ~/.local/state/adtgw (the XDG base directory rules).
std::string DefaultClientStateDir();

Result<ClientConfig> LoadClientConfig(const std::string& path);

}  // namespace adtgw
