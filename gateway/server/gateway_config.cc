#include "gateway/server/gateway_config.h"

#include <charconv>

#include "gateway/transfer/api_messages.h"
#include "policies/yaml_reader.h"

namespace adtgw {
namespace {

constexpr size_t kMaxConfigSize = 64 * 1024;

}  // namespace

Status ParseListenAddress(const std::string& text, std::string* host, uint16_t* port) {
  size_t colon = text.rfind(':');
  unsigned value = 0;
  if (colon == std::string::npos || colon == 0) {
    return MakeError(ErrorKind::kUsage, "config.bad_listen",
                     "listen address '" + text.substr(0, 80) + "' is not HOST:PORT",
                     "for example 127.0.0.1:8443, or 127.0.0.1:0 for any free port");
  }
  auto [end, ec] = std::from_chars(text.data() + colon + 1, text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 65535) {
    return MakeError(ErrorKind::kUsage, "config.bad_listen",
                     "listen port in '" + text.substr(0, 80) + "' is not 0-65535");
  }
  *host = text.substr(0, colon);
  *port = static_cast<uint16_t>(value);
  return OkStatus();
}

Result<GatewayConfig> LoadGatewayConfig(const std::string& path) {
  GatewayConfig c;
  c.source = path;
  ADTGW_TRY(ReadYamlFile(
      path, kMaxConfigSize, "config.invalid", [&](YamlReader& y, const YAML::Node& root) {
        auto top = y.Mapping(root, "the gateway configuration",
                             {"listen", "tls", "smki", "policy", "state_dir", "audit", "limits"});
        for (const char* required : {"listen", "tls", "policy", "state_dir", "audit"}) {
          if (top.count(required) == 0) {
            y.Fail(root, std::string("the gateway configuration needs '") + required + "'",
                   "see docs/api.md, Configuration");
          }
        }
        Status listen =
            ParseListenAddress(y.Scalar(top["listen"], "listen"), &c.listen_host, &c.listen_port);
        if (!listen.ok()) y.Fail(top["listen"], listen.error().message, listen.error().hint);
        auto tls = y.Mapping(top["tls"], "tls", {"certificate", "key", "client_ca"});
        for (const char* required : {"certificate", "key", "client_ca"}) {
          if (tls.count(required) == 0) {
            y.Fail(top["tls"], std::string("tls needs '") + required + "'");
          }
        }
        c.tls_certificate = y.PathAt(tls["certificate"], "tls.certificate");
        c.tls_key = y.PathAt(tls["key"], "tls.key");
        c.tls_client_ca = y.PathAt(tls["client_ca"], "tls.client_ca");
        // The SMKI trust that decides is the policy's (per party); a gateway-wide section
        // is accepted for the checks that have no party yet and must be complete if given.
        if (top.count("smki")) (void)y.Smki(top["smki"]);
        c.policy = y.PathAt(top["policy"], "policy");
        c.state_dir = y.PathAt(top["state_dir"], "state_dir");
        auto audit = y.Mapping(top["audit"], "audit", {"origin", "key", "auditor_listen"});
        for (const char* required : {"origin", "key", "auditor_listen"}) {
          if (audit.count(required) == 0) {
            y.Fail(top["audit"], std::string("audit needs '") + required + "'",
                   "see docs/api.md, Configuration");
          }
        }
        c.audit_origin = y.Scalar(audit["origin"], "audit.origin");
        if (c.audit_origin.empty() || c.audit_origin.size() > 200 ||
            c.audit_origin.find_first_of(" \t\r\n") != std::string::npos) {
          y.Fail(audit["origin"],
                 "audit.origin must be a name without spaces, e.g. "
                 "gateway.example.org/adtgw-log");
        }
        c.audit_key = y.PathAt(audit["key"], "audit.key");
        Status auditor = ParseListenAddress(y.Scalar(audit["auditor_listen"], "auditor_listen"),
                                            &c.auditor_host, &c.auditor_port);
        if (!auditor.ok()) {
          y.Fail(audit["auditor_listen"], auditor.error().message, auditor.error().hint);
        }
        if (top.count("limits")) {
          auto l = y.Mapping(
              top["limits"], "limits",
              {"max_connections", "max_handshakes", "max_handshakes_per_address", "threads",
               "header_limit", "json_body_limit", "handshake_timeout", "header_timeout",
               "idle_timeout", "body_timeout", "shutdown_grace", "retention_sweep"});
          auto seconds = [&](const char* key, std::chrono::seconds* out) {
            if (l.count(key)) *out = std::chrono::seconds(y.Number(l[key], key, 86400));
            if (out->count() == 0)
              y.Fail(l.count(key) ? l[key] : top["limits"],
                     std::string(key) + " must be at least 1 second");
          };
          if (l.count("max_connections"))
            c.limits.max_connections = y.Number(l["max_connections"], "max_connections", 100000);
          if (l.count("max_handshakes"))
            c.limits.max_handshakes = y.Number(l["max_handshakes"], "max_handshakes", 100000);
          if (l.count("max_handshakes_per_address")) {
            c.limits.max_handshakes_per_address =
                y.Number(l["max_handshakes_per_address"], "max_handshakes_per_address", 100000);
          }
          if (l.count("threads")) c.limits.threads = y.Number(l["threads"], "threads", 256);
          if (l.count("header_limit"))
            c.limits.header_limit = y.Size(l["header_limit"], "header_limit");
          if (l.count("json_body_limit"))
            c.limits.json_body_limit = y.Size(l["json_body_limit"], "json_body_limit");
          seconds("handshake_timeout", &c.limits.handshake_timeout);
          seconds("header_timeout", &c.limits.header_timeout);
          seconds("idle_timeout", &c.limits.idle_timeout);
          seconds("body_timeout", &c.limits.body_timeout);
          seconds("shutdown_grace", &c.limits.shutdown_grace);
          seconds("retention_sweep", &c.limits.retention_sweep);
          if (c.limits.max_connections == 0 || c.limits.threads == 0 ||
              c.limits.max_handshakes == 0 || c.limits.max_handshakes_per_address == 0) {
            y.Fail(top["limits"],
                   "max_connections, max_handshakes, max_handshakes_per_address and threads "
                   "must be at least 1");
          }
          if (c.limits.max_handshakes_per_address > c.limits.max_handshakes) {
            y.Fail(l.count("max_handshakes_per_address") ? l["max_handshakes_per_address"]
                                                         : top["limits"],
                   "max_handshakes_per_address (" +
                       std::to_string(c.limits.max_handshakes_per_address) +
                       ") is more than max_handshakes (" + std::to_string(c.limits.max_handshakes) +
                       ")",
                   "one source address may hold at most the whole handshake budget");
          }
          if (c.limits.header_limit > 64 * 1024 ||
              c.limits.json_body_limit > kMaxSignedDocumentBody) {
            y.Fail(top["limits"], "header_limit is at most 64KiB and json_body_limit 256KiB");
          }
        }
      }));
  return c;
}

}  // namespace adtgw
