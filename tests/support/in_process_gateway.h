// A real gateway inside the test process: the demo PKI (`adtgw demo-pki`, gateway/cli/
// demo_pki.h) written to a scratch folder, and the same pieces `adtgw serve` assembles
// (gateway/cli/serve_command.cc: the policy, the local document store, the SQLite
// metadata store, the audit log, the TransferService, the AuditApi and HttpsServer)
// serving both listeners on 127.0.0.1 with ports chosen by the kernel. Tests talk to it
// over real TLS, as the parties and auditors of the demo (DemoParties(): "supplier-a",
// "dcc", "auditor", ...), and read what it recorded in its audit log.
//
// The demo's client configurations name the gateway on its fixed ports; ClientConfigFor
// loads one and points it at this gateway instead.
//
// Ownership: the gateway owns its scratch folder, stores, log and server; Run() goes on
// a thread of its own, and the destructor begins the server's shutdown, joins that
// thread, then removes the folder. Thread safety: the accessors may be called from the
// test's thread while the server runs; the audit log is safe to read concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/result.h"
#include "gateway/audit/audit_entry.h"
#include "gateway/audit/audit_log.h"
#include "gateway/client/client_config.h"
#include "gateway/server/gateway_config.h"
#include "tests/support/temp_dir.h"

namespace adtgw::testing {

class InProcessGateway {
 public:
  // Writes the demo PKI and starts serving. `limits` replaces the server's defaults
  // (fewer threads than `adtgw serve`: tests make one request at a time).
  static Result<std::unique_ptr<InProcessGateway>> Start(ServerLimits limits = TestLimits());
  ~InProcessGateway();
  InProcessGateway(const InProcessGateway&) = delete;
  InProcessGateway& operator=(const InProcessGateway&) = delete;

  static ServerLimits TestLimits();

  uint16_t port() const;
  uint16_t auditor_port() const;
  std::string url() const;          // https://127.0.0.1:PORT
  std::string auditor_url() const;  // https://127.0.0.1:AUDITOR_PORT

  // The demo PKI (docs/demo-pki.md) and where its pieces are.
  const std::string& pki_dir() const { return pki_dir_; }
  std::string tls_ca() const;                                   // DCCKI CA (PEM)
  std::string tls_certificate(const std::string& party) const;  // a party's DCCKI client cert
  std::string tls_key(const std::string& party) const;
  std::string client_config_path(const std::string& party) const;
  // A folder of the test's own, removed with the gateway.
  std::string scratch_dir() const;

  // The demo's client configuration of `party`, pointed at this gateway, with a state
  // folder of its own under the scratch folder.
  Result<ClientConfig> ClientConfigFor(const std::string& party) const;

  AuditLog& audit_log() { return *audit_; }
  // The number of entries in the audit log now.
  uint64_t AuditSize() const;
  // Every entry appended at or after `from`, parsed.
  Result<std::vector<AuditEntry>> EntriesSince(uint64_t from);

 private:
  struct Parts;
  InProcessGateway();

  TempDir dir_{"adtgw-gateway"};
  std::string pki_dir_;
  std::unique_ptr<Parts> parts_;
  AuditLog* audit_ = nullptr;  // owned by parts_
  std::thread runner_;
};

// A test suite with one in-process gateway for all its tests: started before the
// first test, stopped after the last (each test offers transfers of its own).
class InProcessGatewayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override { ASSERT_NE(gateway_, nullptr) << "the gateway did not start"; }

  // `party`'s client configuration (a demo party: "supplier-a", "dcc", ...) for this
  // gateway, reading the fixtures' SRV catalogue.
  static Result<ClientConfig> SenderConfig(const std::string& party);

  static InProcessGateway* gateway_;
};

}  // namespace adtgw::testing
