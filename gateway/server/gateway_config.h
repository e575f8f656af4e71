// The gateway's configuration file (gateway.yaml; every key in docs/api.md,
// "Configuration"): where to listen, the gateway's DCCKI TLS credentials and the CAs
// its clients' certificates must chain to, the policy file, the state directory
// (SQLite metadata and audit log, the local document store), the audit log's origin,
// key and auditor listener, and the server's limits and timers.
//
// Thread safety: a loaded config is an immutable value.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "crypto/result.h"

namespace adtgw {

struct ServerLimits {
  // Sessions: connections whose TLS handshake has completed (docs/api.md, "Connections").
  size_t max_connections = 256;
  // Connections still in their TLS handshake: a budget of their own, overall and per
  // source address, so that connections that never authenticate cannot take a
  // session's place (handshake_budget.h).
  size_t max_handshakes = 128;
  size_t max_handshakes_per_address = 16;
  // I/O threads; a connection stays on one, and that thread also waits for its fsyncs
  // and the audit log's group commit (up to 10 ms under load), so there are enough for
  // busy connections not to share one.
  size_t threads = 32;
  size_t header_limit = 16 * 1024;            // request line + headers
  size_t json_body_limit = 256 * 1024;        // manifest and acknowledgement requests
  size_t read_buffer = 256 * 1024;            // per connection
  std::chrono::seconds handshake_timeout{5};  // short: a handshake holds a scarce slot
  std::chrono::seconds header_timeout{10};    // from a request's first byte to its last header
  std::chrono::seconds idle_timeout{60};      // keep-alive: waiting for the next request
  std::chrono::seconds body_timeout{60};      // no body byte for this long ends the request
  std::chrono::seconds shutdown_grace{30};    // SIGTERM: in-flight requests may finish
  std::chrono::seconds retention_sweep{3600};
};

struct GatewayConfig {
  std::string source;  // the file it came from
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8443;
  std::string tls_certificate;
  std::string tls_key;
  std::string tls_client_ca;
  std::string policy;
  std::string state_dir;
  // The audit log (docs/audit-log.md): its origin (the checkpoints' first line and the
  // key name), its ECDSA P-256 signing key, and the auditors' read-only listener.
  std::string audit_origin;
  std::string audit_key;
  std::string auditor_host = "127.0.0.1";
  uint16_t auditor_port = 8444;
  ServerLimits limits;
};

// Parses "HOST:PORT" (port 0: any free port).
Status ParseListenAddress(const std::string& text, std::string* host, uint16_t* port);

Result<GatewayConfig> LoadGatewayConfig(const std::string& path);

}  // namespace adtgw
