#include "gateway/client/client_config.h"

#include <cstdlib>

#include "policies/yaml_reader.h"

namespace adtgw {
namespace {

constexpr size_t kMaxConfigSize = 64 * 1024;

// An https:// URL without trailing slashes, or a failure at `node`.
std::string HttpsUrl(YamlReader& y, const YAML::Node& node, const char* what) {
  std::string url = y.Scalar(node, what);
  if (url.rfind("https://", 0) != 0) {
    y.Fail(node, std::string(what) + " must be an https:// URL",
           "the gateway speaks mutual TLS only, e.g. https://gateway.example:8443");
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

std::string DefaultClientStateDir() {
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && xdg[0] == '/') {
    return std::string(xdg) + "/adtgw";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "") + "/.local/state/adtgw";
}

std::string ClientConfigPath(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("ADTGW_CONFIG"); env != nullptr && *env != '\0') return env;
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "") + "/.config/adtgw/client.yaml";
}

Result<ClientConfig> LoadClientConfig(const std::string& path) {
  ClientConfig c;
  c.source = path;
  auto loaded = ReadYamlFile(
      path, kMaxConfigSize, "config.invalid", [&](YamlReader& y, const YAML::Node& root) {
        auto top = y.Mapping(root, "the client configuration",
                             {"party", "gateway", "tls", "smki", "recipients", "audit_log",
                              "auditor_url", "state_dir", "srv_catalogue", "timeouts"});
        for (const char* required : {"party", "gateway", "tls", "smki", "audit_log"}) {
          if (top.count(required) == 0) {
            y.Fail(root, std::string("the client configuration needs '") + required + "'",
                   "see docs/api.md, Client configuration");
          }
        }
        auto party = Eui64::Parse(y.Scalar(top["party"], "party"));
        if (!party.ok()) y.Fail(top["party"], party.error().message);
        c.party = *party;
        c.gateway_url = HttpsUrl(y, top["gateway"], "gateway");
        if (top.count("auditor_url")) {
          c.auditor_url = HttpsUrl(y, top["auditor_url"], "auditor_url");
        }
        if (top.count("srv_catalogue")) {
          c.srv_catalogue = y.PathAt(top["srv_catalogue"], "srv_catalogue");
        }
        if (top.count("timeouts")) {
          auto t = y.Mapping(top["timeouts"], "timeouts", {"connect", "handshake", "idle"});
          for (auto& [name, slot] : {std::pair{"connect", &c.timeouts.connect},
                                     std::pair{"handshake", &c.timeouts.handshake},
                                     std::pair{"idle", &c.timeouts.idle}}) {
            if (t.count(name) == 0) continue;
            std::string what = std::string("timeouts.") + name;
            auto parsed = ParseTimeoutDuration(y.Scalar(t[name], what.c_str()), what);
            if (!parsed.ok()) {
              y.Fail(t[name], parsed.error().message,
                     "write e.g. 5s, 1500ms or 2m (a bare number is seconds); see docs/cli.md, "
                     "Timeouts");
            }
            *slot = *parsed;
          }
        }
        c.state_dir = top.count("state_dir") ? y.PathAt(top["state_dir"], "state_dir")
                                             : DefaultClientStateDir();
        // The log every client witnesses (docs/audit-log.md): a client that cannot check
        // the log is not accepted, so the key is loaded here, once.
        auto log = y.Mapping(top["audit_log"], "audit_log", {"origin", "public_key"});
        for (const char* required : {"origin", "public_key"}) {
          if (log.count(required) == 0) {
            y.Fail(top["audit_log"], std::string("audit_log needs '") + required + "'",
                   "the log's origin and public key come from the gateway's operator (the DCC)");
          }
        }
        c.log_public_key = y.PathAt(log["public_key"], "audit_log.public_key");
        auto verifier = LogVerifier::LoadPublicKey(c.log_public_key,
                                                   y.Scalar(log["origin"], "audit_log.origin"));
        if (!verifier.ok()) {
          const Error& e = verifier.error();
          y.Fail(e.code == "log_key.bad_origin" ? log["origin"] : log["public_key"], e.message,
                 e.hint);
        }
        c.log_verifier = std::make_shared<const LogVerifier>(std::move(verifier).value());
        auto tls = y.Mapping(top["tls"], "tls", {"certificate", "key", "ca"});
        for (const char* required : {"certificate", "key", "ca"}) {
          if (tls.count(required) == 0)
            y.Fail(top["tls"], std::string("tls needs '") + required + "'");
        }
        c.tls_certificate = y.PathAt(tls["certificate"], "tls.certificate");
        c.tls_key = y.PathAt(tls["key"], "tls.key");
        c.tls_ca = y.PathAt(tls["ca"], "tls.ca");
        auto smki = y.Mapping(top["smki"], "smki",
                              {"signing_certificate", "signing_key", "key_agreement_certificate",
                               "key_agreement_key", "trust", "pinned", "crls", "policy_oids"});
        for (const char* required : {"signing_certificate", "signing_key"}) {
          if (smki.count(required) == 0) {
            y.Fail(top["smki"], std::string("smki needs '") + required + "'");
          }
        }
        c.signing_certificate = y.PathAt(smki["signing_certificate"], "smki.signing_certificate");
        c.signing_key = y.PathAt(smki["signing_key"], "smki.signing_key");
        if (smki.count("key_agreement_certificate")) {
          c.key_agreement_certificate =
              y.PathAt(smki["key_agreement_certificate"], "smki.key_agreement_certificate");
        }
        if (smki.count("key_agreement_key")) {
          c.key_agreement_key = y.PathAt(smki["key_agreement_key"], "smki.key_agreement_key");
        }
        // The trust part of the section has the policy's shape (YamlReader::Smki).
        c.smki_trust = std::make_shared<TrustConfig>(
            y.Smki(top["smki"], {"signing_certificate", "signing_key", "key_agreement_certificate",
                                 "key_agreement_key"}));
        if (top.count("recipients")) {
          if (!top["recipients"].IsMap()) y.Fail(top["recipients"], "recipients must be a mapping");
          for (const auto& entry : top["recipients"]) {
            std::string label = y.Scalar(entry.first, "recipient name");
            c.recipients[label] = y.PathAt(entry.second, "recipient certificate");
          }
        }
      });
  if (!loaded.ok()) {
    Error e = std::move(loaded).error();
    if (e.code == "input.not_found") {
      e.hint = "give --config FILE or set ADTGW_CONFIG; adtgw demo-pki writes examples";
    }
    return e;
  }
  return c;
}

}  // namespace adtgw
