#include "gateway/server/gateway_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "certs/credential_files.h"
#include "gateway/common/atomic_file.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace adtgw {
namespace {

using ::testing::Not;

// Lines 1-11 of a minimal valid gateway.yaml; cases replace or append lines.
std::vector<std::string> Minimal() {
  return {
      "listen: 127.0.0.1:8443",            // 1
      "tls:",                              // 2
      "  certificate: gateway.cert.pem",   // 3
      "  key: gateway.key.pem",            // 4
      "  client_ca: tls-ca.cert.pem",      // 5
      "policy: policy.yaml",               // 6
      "state_dir: state",                  // 7
      "audit:",                            // 8
      "  origin: adtgw.test.example/log",  // 9
      "  key: log-key.pem",                // 10
      "  auditor_listen: 127.0.0.1:8444",  // 11
  };
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

class GatewayConfigTest : public ::testing::Test {
 protected:
  // Writes `text` as DIR/conf/gateway.yaml and loads it.
  Result<GatewayConfig> Load(const std::string& text) {
    std::filesystem::create_directories(dir_.path() + "/conf");
    Status w = WriteFileAtomically(path_, text, 0644, /*replace=*/true);
    EXPECT_THAT(w, IsOk());
    return LoadGatewayConfig(path_);
  }

  testing::TempDir dir_{"adtgw-gwconfig"};
  std::string conf_ = dir_.path() + "/conf";
  std::string path_ = conf_ + "/gateway.yaml";
};

TEST_F(GatewayConfigTest, TheMinimalFileLoadsWithDefaults) {
  auto c = Load(Join(Minimal()));
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->source, path_);
  EXPECT_EQ(c->listen_host, "127.0.0.1");
  EXPECT_EQ(c->listen_port, 8443);
  ServerLimits defaults;
  EXPECT_EQ(c->limits.max_connections, defaults.max_connections);
  EXPECT_EQ(c->limits.max_handshakes, 128u);
  EXPECT_EQ(c->limits.max_handshakes_per_address, 16u);
  EXPECT_EQ(c->limits.handshake_timeout.count(), 5);
  EXPECT_EQ(c->limits.threads, defaults.threads);
  EXPECT_EQ(c->limits.json_body_limit, defaults.json_body_limit);
  EXPECT_EQ(c->limits.idle_timeout, defaults.idle_timeout);
  EXPECT_EQ(c->audit_origin, "adtgw.test.example/log");
  EXPECT_EQ(c->audit_key, conf_ + "/log-key.pem");
  EXPECT_EQ(c->auditor_host, "127.0.0.1");
  EXPECT_EQ(c->auditor_port, 8444);
}

TEST_F(GatewayConfigTest, RelativePathsAreResolvedAgainstTheFilesFolder) {
  std::vector<std::string> lines = Minimal();
  lines[2] = "  certificate: tls/gateway.cert.pem";
  lines[4] = "  client_ca: /etc/adtgw/tls-ca.cert.pem";
  lines[5] = "policy: ../policy/policy.yaml";
  auto c = Load(Join(lines));
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->tls_certificate, conf_ + "/tls/gateway.cert.pem");
  EXPECT_EQ(c->tls_key, conf_ + "/gateway.key.pem");
  EXPECT_EQ(c->tls_client_ca, "/etc/adtgw/tls-ca.cert.pem");
  EXPECT_EQ(c->policy, conf_ + "/../policy/policy.yaml");
  EXPECT_EQ(c->state_dir, conf_ + "/state");
}

TEST_F(GatewayConfigTest, EveryLimitCanBeSet) {
  std::vector<std::string> lines = Minimal();
  for (const char* l : {"limits:", "  max_connections: 10", "  max_handshakes: 40",
                        "  max_handshakes_per_address: 4", "  threads: 2", "  header_limit: 32KiB",
                        "  json_body_limit: 128KiB", "  handshake_timeout: 3",
                        "  header_timeout: 6", "  idle_timeout: 7", "  body_timeout: 8",
                        "  shutdown_grace: 9", "  retention_sweep: 86400"}) {
    lines.push_back(l);
  }
  auto c = Load(Join(lines));
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->limits.max_connections, 10u);
  EXPECT_EQ(c->limits.max_handshakes, 40u);
  EXPECT_EQ(c->limits.max_handshakes_per_address, 4u);
  EXPECT_EQ(c->limits.threads, 2u);
  EXPECT_EQ(c->limits.header_limit, 32u * 1024);
  EXPECT_EQ(c->limits.json_body_limit, 128u * 1024);
  EXPECT_EQ(c->limits.handshake_timeout.count(), 3);
  EXPECT_EQ(c->limits.header_timeout.count(), 6);
  EXPECT_EQ(c->limits.idle_timeout.count(), 7);
  EXPECT_EQ(c->limits.body_timeout.count(), 8);
  EXPECT_EQ(c->limits.shutdown_grace.count(), 9);
  EXPECT_EQ(c->limits.retention_sweep.count(), 86400);
}

TEST_F(GatewayConfigTest, AnSmkiSectionIsLoadedWhenGiven) {
  testing::TestPki pki;
  ASSERT_THAT(WriteFileAtomically(dir_.path() + "/trust.pem",
                                  CertificateToPem(pki.root.cert.get()).value(), 0644, false),
              IsOk());
  std::vector<std::string> lines = Minimal();
  lines.push_back("smki:");
  lines.push_back("  trust: ../trust.pem");
  lines.push_back("  policy_oids: [\"1.2.3\"]");
  auto c = Load(Join(lines));
  ASSERT_THAT(c, IsOk());
  lines[12] = "  trust: ../missing.pem";
  auto missing = Load(Join(lines));
  ASSERT_THAT(missing, StatusIs("config.invalid"));
  EXPECT_NE(missing.error().message.find(path_ + ":13:10: "), std::string::npos)
      << missing.error().message;
  EXPECT_NE(missing.error().message.find("missing.pem"), std::string::npos);
}

struct BadCase {
  const char* what;
  std::function<void(std::vector<std::string>&)> edit;
  const char* where;    // ":LINE:COLUMN: " after the file name
  const char* message;  // a part of the message
};

TEST_F(GatewayConfigTest, EachMistakeIsNamedAtItsLineAndColumn) {
  const BadCase cases[] = {
      {"unknown top-level key", [](auto& l) { l.push_back("listen_port: 1"); },
       ":12:1: ", "unknown key 'listen_port' in the gateway configuration"},
      {"unknown key in tls", [](auto& l) { l[3] = "  private_key: k.pem"; },
       ":4:3: ", "unknown key 'private_key' in tls"},
      {"duplicate key", [](auto& l) { l.push_back("policy: other.yaml"); },
       ":12:1: ", "duplicate key 'policy'"},
      {"no listen", [](auto& l) { l.erase(l.begin()); }, ":1:1: ", "needs 'listen'"},
      {"no tls", [](auto& l) { l.erase(l.begin() + 1, l.begin() + 5); }, ":1:1: ", "needs 'tls'"},
      {"no policy", [](auto& l) { l.erase(l.begin() + 5); }, ":1:1: ", "needs 'policy'"},
      {"no state_dir", [](auto& l) { l.erase(l.begin() + 6); }, ":1:1: ", "needs 'state_dir'"},
      {"no audit", [](auto& l) { l.erase(l.begin() + 7, l.begin() + 11); },
       ":1:1: ", "needs 'audit'"},
      {"audit without a key", [](auto& l) { l.erase(l.begin() + 9); },
       ":9:3: ", "audit needs 'key'"},
      {"an origin with a space", [](auto& l) { l[8] = "  origin: my log"; },
       ":9:11: ", "audit.origin must be a name without spaces"},
      {"auditor listener without a port", [](auto& l) { l[10] = "  auditor_listen: localhost"; },
       ":11:19: ", "is not HOST:PORT"},
      {"tls without key", [](auto& l) { l.erase(l.begin() + 3); }, ":3:3: ", "tls needs 'key'"},
      {"tls without client_ca", [](auto& l) { l.erase(l.begin() + 4); },
       ":3:3: ", "tls needs 'client_ca'"},
      {"listen without a port", [](auto& l) { l[0] = "listen: localhost"; },
       ":1:9: ", "is not HOST:PORT"},
      {"listen port too large", [](auto& l) { l[0] = "listen: 127.0.0.1:65536"; },
       ":1:9: ", "is not 0-65535"},
      {"listen port not a number", [](auto& l) { l[0] = "listen: 127.0.0.1:https"; },
       ":1:9: ", "is not 0-65535"},
      {"listen as a list", [](auto& l) { l[0] = "listen: [127.0.0.1, 8443]"; },
       ":1:9: ", "listen must be a single value"},
      {"tls as a value",
       [](auto& l) {
         l.erase(l.begin() + 2, l.begin() + 5);
         l[1] = "tls: yes";
       },
       ":2:6: ", "tls must be a mapping"},
      {"zero threads",
       [](auto& l) {
         l.push_back("limits:");
         l.push_back("  threads: 0");
       },
       ":13:3: ", "must be at least 1"},
      {"no handshake budget",
       [](auto& l) {
         l.push_back("limits:");
         l.push_back("  max_handshakes: 0");
       },
       ":13:3: ", "max_handshakes, max_handshakes_per_address and threads must be at least 1"},
      {"an address's share larger than the handshake budget",
       [](auto& l) {
         l.push_back("limits:");
         l.push_back("  max_handshakes_per_address: 200");
       },
       ":13:31: ", "max_handshakes_per_address (200) is more than max_handshakes (128)"},
      {"a timeout of zero",
       [](auto& l) {
         l.push_back("limits:");
         l.push_back("  idle_timeout: 0");
       },
       ":13:17: ", "idle_timeout must be at least 1 second"},
      {"a timeout over a day",
       [](auto& l) {
         l.push_back("limits:");
         l.push_back("  body_timeout: 86401");
       },
       ":13:17: ", "from 0 to 86400"},
      {"a header limit over 64 KiB",
       [](auto& l) {
         l.push_back("limits:");
         l.push_back("  header_limit: 65KiB");
       },
       ":13:3: ", "header_limit is at most 64KiB"},
      {"an unknown limit",
       [](auto& l) {
         l.push_back("limits:");
         l.push_back("  read_buffer: 1MiB");
       },
       ":13:3: ", "unknown key 'read_buffer' in limits"},
      {"not YAML", [](auto& l) { l[5] = "policy: [unclosed"; }, ":", "not valid YAML"},
  };
  for (const BadCase& c : cases) {
    std::vector<std::string> lines = Minimal();
    c.edit(lines);
    auto r = Load(Join(lines));
    ASSERT_THAT(r, StatusIs("config.invalid")) << c.what;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput) << c.what;
    EXPECT_EQ(r.error().message.rfind(path_ + c.where, 0), 0u)
        << c.what << ": " << r.error().message;
    EXPECT_NE(r.error().message.find(c.message), std::string::npos)
        << c.what << ": " << r.error().message;
  }
}

TEST_F(GatewayConfigTest, EmptyMissingAndOversizedFiles) {
  auto empty = Load("");
  ASSERT_THAT(empty, StatusIs("config.invalid"));
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos);
  auto nul = Load(Join(Minimal()) + std::string(1, '\0'));
  ASSERT_THAT(nul, StatusIs("config.invalid"));
  auto list = Load("- listen: 127.0.0.1:1\n");
  ASSERT_THAT(list, Not(IsOk()));
  EXPECT_NE(list.error().message.find("must be a mapping"), std::string::npos);
  auto huge = Load(Join(Minimal()) + "# " + std::string(64 * 1024, 'x') + "\n");
  ASSERT_THAT(huge, StatusIs("input.too_large"));
  auto missing = LoadGatewayConfig(dir_.path() + "/absent.yaml");
  ASSERT_THAT(missing, StatusIs("input.not_found"));
}

TEST(ParseListenAddress, HostAndPort) {
  std::string host;
  uint16_t port = 1;
  ASSERT_THAT(ParseListenAddress("0.0.0.0:0", &host, &port), IsOk());
  EXPECT_EQ(host, "0.0.0.0");
  EXPECT_EQ(port, 0);
  ASSERT_THAT(ParseListenAddress("gateway.example:65535", &host, &port), IsOk());
  EXPECT_EQ(host, "gateway.example");
  EXPECT_EQ(port, 65535);
  ASSERT_THAT(ParseListenAddress("[::1]:8443", &host, &port), IsOk());
  EXPECT_EQ(host, "[::1]");
  EXPECT_EQ(port, 8443);
  for (const char* bad : {"", "8443", ":8443", "localhost", "localhost:", "localhost:65536",
                          "localhost:-1", "localhost:+1", "localhost: 1", "localhost:1 ",
                          "localhost:0x10", "localhost:99999999999999999999"}) {
    host = "unchanged";
    Status s = ParseListenAddress(bad, &host, &port);
    ASSERT_THAT(s, StatusIs("config.bad_listen")) << bad;
    EXPECT_EQ(s.error().kind, ErrorKind::kUsage) << bad;
    EXPECT_EQ(host, "unchanged") << bad;
  }
}

}  // namespace
}  // namespace adtgw
