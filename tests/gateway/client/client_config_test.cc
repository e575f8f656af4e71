#include "gateway/client/client_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>

#include <openssl/pem.h>

#include "certs/cert_issuer.h"
#include "certs/credential_files.h"
#include "gateway/common/atomic_file.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace adtgw {
namespace {

using ::testing::Not;

// Lines 1-14 of a minimal valid client.yaml; cases replace or append lines.
std::vector<std::string> Minimal() {
  return {
      "party: AD-7C-00-00-00-00-02-01",         // 1
      "gateway: https://gateway.example:8443",  // 2
      "audit_log:",                             // 3
      "  origin: adtgw.test.example/log",       // 4
      "  public_key: log-key.pub.pem",          // 5
      "tls:",                                   // 6
      "  certificate: tls.cert.pem",            // 7
      "  key: tls.key.pem",                     // 8
      "  ca: tls-ca.cert.pem",                  // 9
      "smki:",                                  // 10
      "  signing_certificate: ds.cert.pem",     // 11
      "  signing_key: ds.key.pem",              // 12
      "  trust: trust.pem",                     // 13
      "  policy_oids: [\"1.2.3\"]",             // 14
  };
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

class ClientConfigTest : public ::testing::Test {
 protected:
  ClientConfigTest() {
    std::filesystem::create_directories(conf_);
    auto write = [](const std::string& path, const std::string& text) {
      ASSERT_THAT(WriteFileAtomically(path, text, 0644, false), IsOk()) << path;
    };
    write(conf_ + "/trust.pem", CertificateToPem(pki_.root.cert.get()).value());
    write(conf_ + "/oca.pem", CertificateToPem(pki_.oca.cert.get()).value());
    write(conf_ + "/oca.crl.pem", CrlToPem(pki_.Crl({}).get()).value());
    EvpPkeyPtr log_key = GenerateKey(KeyType::kP256).value();
    write(conf_ + "/log-key.pub.pem", LogSigner::FromKey(log_key.get(), "adtgw.test.example/log")
                                          .value()
                                          .verifier()
                                          .PublicKeyPem());
    // An RSA public key: a readable key, but not one a log may use.
    EvpPkeyPtr rsa = GenerateKey(KeyType::kRsa2048).value();
    BioPtr bio(BIO_new(BIO_s_mem()));
    EXPECT_EQ(PEM_write_bio_PUBKEY(bio.get(), rsa.get()), 1);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    write(conf_ + "/rsa.pub.pem", std::string(data, static_cast<size_t>(n)));
  }

  Result<ClientConfig> Load(const std::string& text) {
    Status w = WriteFileAtomically(path_, text, 0644, /*replace=*/true);
    EXPECT_THAT(w, IsOk());
    return LoadClientConfig(path_);
  }

  testing::TestPki pki_;
  testing::TempDir dir_{"adtgw-clconfig"};
  std::string conf_ = dir_.path() + "/conf";
  std::string path_ = conf_ + "/client.yaml";
};

TEST_F(ClientConfigTest, TheMinimalFileLoads) {
  auto c = Load(Join(Minimal()));
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->source, path_);
  EXPECT_EQ(c->party, Eui64::Parse("AD-7C-00-00-00-00-02-01").value());
  EXPECT_EQ(c->gateway_url, "https://gateway.example:8443");
  EXPECT_EQ(c->tls_certificate, conf_ + "/tls.cert.pem");
  EXPECT_EQ(c->tls_key, conf_ + "/tls.key.pem");
  EXPECT_EQ(c->tls_ca, conf_ + "/tls-ca.cert.pem");
  EXPECT_EQ(c->signing_certificate, conf_ + "/ds.cert.pem");
  EXPECT_EQ(c->signing_key, conf_ + "/ds.key.pem");
  EXPECT_TRUE(c->key_agreement_certificate.empty());
  EXPECT_TRUE(c->key_agreement_key.empty());
  ASSERT_NE(c->smki_trust, nullptr);
  ASSERT_EQ(c->smki_trust->anchors.size(), 1u);
  EXPECT_EQ(X509_cmp(c->smki_trust->anchors[0].get(), pki_.root.cert.get()), 0);
  EXPECT_EQ(c->smki_trust->profile.accepted_policy_oids, std::vector<std::string>{"1.2.3"});
  EXPECT_TRUE(c->recipients.empty());
  EXPECT_EQ(c->log_public_key, conf_ + "/log-key.pub.pem");
  ASSERT_NE(c->log_verifier, nullptr);
  EXPECT_EQ(c->log_verifier->origin(), "adtgw.test.example/log");
  EXPECT_TRUE(c->auditor_url.empty());
  EXPECT_EQ(c->state_dir, DefaultClientStateDir());
}

TEST_F(ClientConfigTest, EverythingOptionalAndRelativePathsResolved) {
  std::vector<std::string> lines = Minimal();
  lines[1] = "gateway: https://gateway.example:8443//";
  lines[6] = "  certificate: ../tls/tls.cert.pem";
  lines[8] = "  ca: /etc/adtgw/tls-ca.cert.pem";
  lines[12] = "  trust: [trust.pem, oca.pem]";
  for (const char* l :
       {"  key_agreement_certificate: keys/ka.cert.pem", "  key_agreement_key: keys/ka.key.pem",
        "  crls: [oca.crl.pem]", "recipients:", "  dcc: ../peers/dcc-ka.pem",
        "  other: /abs/other-ka.pem"}) {
    lines.push_back(l);
  }
  auto c = Load(Join(lines));
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->gateway_url, "https://gateway.example:8443") << "trailing slashes are dropped";
  EXPECT_EQ(c->tls_certificate, conf_ + "/../tls/tls.cert.pem");
  EXPECT_EQ(c->tls_ca, "/etc/adtgw/tls-ca.cert.pem");
  EXPECT_EQ(c->key_agreement_certificate, conf_ + "/keys/ka.cert.pem");
  EXPECT_EQ(c->key_agreement_key, conf_ + "/keys/ka.key.pem");
  EXPECT_EQ(c->smki_trust->anchors.size(), 2u);
  EXPECT_EQ(c->smki_trust->crls.size(), 1u);
  ASSERT_EQ(c->recipients.size(), 2u);
  EXPECT_EQ(c->recipients["dcc"], conf_ + "/../peers/dcc-ka.pem");
  EXPECT_EQ(c->recipients["other"], "/abs/other-ka.pem");
}

TEST_F(ClientConfigTest, TimeoutsDefaultAndAreSetOneByOne) {
  auto plain = Load(Join(Minimal()));
  ASSERT_THAT(plain, IsOk());
  EXPECT_EQ(plain->timeouts.connect, std::chrono::seconds(5));
  EXPECT_EQ(plain->timeouts.handshake, std::chrono::seconds(30));
  EXPECT_EQ(plain->timeouts.idle, std::chrono::seconds(60));

  std::vector<std::string> lines = Minimal();
  lines.push_back("timeouts:");
  lines.push_back("  connect: 1500ms");
  lines.push_back("  idle: 2m");
  auto c = Load(Join(lines));
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->timeouts.connect, std::chrono::milliseconds(1500));
  EXPECT_EQ(c->timeouts.handshake, std::chrono::seconds(30)) << "not named: the default";
  EXPECT_EQ(c->timeouts.idle, std::chrono::minutes(2));
}

TEST_F(ClientConfigTest, BadTimeoutsAreRefusedWithTheirKey) {
  for (const char* bad : {"  idle: 0", "  idle: soon", "  connect: -5", "  handshake: 2h",
                          "  handshake: 90000s", "  ping: 5s"}) {
    std::vector<std::string> lines = Minimal();
    lines.push_back("timeouts:");
    lines.push_back(bad);
    auto c = Load(Join(lines));
    EXPECT_THAT(c, StatusIs("config.invalid")) << bad;
  }
  std::vector<std::string> lines = Minimal();
  lines.push_back("timeouts: 30");
  EXPECT_THAT(Load(Join(lines)), StatusIs("config.invalid"));
}

TEST_F(ClientConfigTest, AuditorUrlAndStateDir) {
  std::vector<std::string> lines = Minimal();
  lines.push_back("auditor_url: https://127.0.0.1:8444/");
  lines.push_back("state_dir: state/supplier-a");
  auto c = Load(Join(lines));
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->auditor_url, "https://127.0.0.1:8444");
  EXPECT_EQ(c->state_dir, conf_ + "/state/supplier-a");
}

struct BadCase {
  const char* what;
  std::function<void(std::vector<std::string>&)> edit;
  const char* where;    // ":LINE:COLUMN: " after the file name
  const char* message;  // a part of the message
};

TEST_F(ClientConfigTest, EachMistakeIsNamedAtItsLineAndColumn) {
  const BadCase cases[] = {
      {"unknown top-level key", [](auto& l) { l.push_back("gateway_url: https://x:1"); },
       ":15:1: ", "unknown key 'gateway_url' in the client configuration"},
      {"unknown key in smki", [](auto& l) { l.push_back("  signing_pin: 1234"); },
       ":15:3: ", "unknown key 'signing_pin' in smki"},
      {"unknown key in tls", [](auto& l) { l[8] = "  cafile: ca.pem"; },
       ":9:3: ", "unknown key 'cafile' in tls"},
      {"no party", [](auto& l) { l.erase(l.begin()); }, ":1:1: ", "needs 'party'"},
      {"no gateway", [](auto& l) { l.erase(l.begin() + 1); }, ":1:1: ", "needs 'gateway'"},
      {"no tls", [](auto& l) { l.erase(l.begin() + 5, l.begin() + 9); }, ":1:1: ", "needs 'tls'"},
      {"no smki", [](auto& l) { l.erase(l.begin() + 9, l.end()); }, ":1:1: ", "needs 'smki'"},
      {"tls without ca", [](auto& l) { l.erase(l.begin() + 8); }, ":7:3: ", "tls needs 'ca'"},
      {"smki without signing key", [](auto& l) { l.erase(l.begin() + 11); },
       ":11:3: ", "smki needs 'signing_key'"},
      {"bad party", [](auto& l) { l[0] = "party: AD-7C-00"; }, ":1:8: ", "is not an EUI-64"},
      {"plain http gateway", [](auto& l) { l[1] = "gateway: http://gateway.example:8443"; },
       ":2:10: ", "must be an https:// URL"},
      {"trust file missing", [](auto& l) { l[12] = "  trust: missing.pem"; },
       ":13:10: ", "missing.pem"},
      {"recipients as a list", [](auto& l) { l.push_back("recipients: [a.pem]"); },
       ":15:13: ", "recipients must be a mapping"},
      {"a recipient without a path",
       [](auto& l) {
         l.push_back("recipients:");
         l.push_back("  dcc: [a.pem, b.pem]");
       },
       ":16:8: ", "must be a single value"},
      {"duplicate key", [](auto& l) { l.push_back("party: AD-7C-00-00-00-00-02-02"); },
       ":15:1: ", "duplicate key 'party'"},
      {"no audit_log", [](auto& l) { l.erase(l.begin() + 2, l.begin() + 5); },
       ":1:1: ", "needs 'audit_log'"},
      {"audit_log without public_key", [](auto& l) { l.erase(l.begin() + 4); },
       ":4:3: ", "audit_log needs 'public_key'"},
      {"audit_log without origin", [](auto& l) { l.erase(l.begin() + 3); },
       ":4:3: ", "audit_log needs 'origin'"},
      {"unknown key in audit_log", [](auto& l) { l.insert(l.begin() + 5, "  key_id: 1234"); },
       ":6:3: ", "unknown key 'key_id' in audit_log"},
      {"log key missing", [](auto& l) { l[4] = "  public_key: absent.pem"; },
       ":5:15: ", "absent.pem"},
      {"log key not P-256", [](auto& l) { l[4] = "  public_key: rsa.pub.pem"; },
       ":5:15: ", "P-256"},
      {"log key not a key", [](auto& l) { l[4] = "  public_key: trust.pem"; }, ":5:15: ", ""},
      {"origin with a space", [](auto& l) { l[3] = "  origin: \"a log\""; }, ":4:11: ", "origin"},
      {"plain http auditor", [](auto& l) { l.push_back("auditor_url: http://127.0.0.1:8444"); },
       ":15:14: ", "auditor_url must be an https:// URL"},
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

TEST_F(ClientConfigTest, SmkiTrustMustBeComplete) {
  std::vector<std::string> no_anchor = Minimal();
  no_anchor.erase(no_anchor.begin() + 12);
  auto r = Load(Join(no_anchor));
  ASSERT_THAT(r, StatusIs("config.invalid"));
  EXPECT_NE(r.error().message.find("smki names no trust anchor"), std::string::npos)
      << r.error().message;
  std::vector<std::string> no_oid = Minimal();
  no_oid.erase(no_oid.begin() + 13);
  auto o = Load(Join(no_oid));
  ASSERT_THAT(o, Not(IsOk()));
  EXPECT_NE(o.error().message.find("no accepted certificate policy OID"), std::string::npos)
      << o.error().message;
}

// Regression: the trust part of the smki section was copied into a new YAML node
// without a position, so these two mistakes were reported without FILE:LINE:COLUMN.
TEST_F(ClientConfigTest, IncompleteSmkiTrustIsNamedAtItsLine) {
  std::vector<std::string> no_anchor = Minimal();
  no_anchor.erase(no_anchor.begin() + 12);
  auto r = Load(Join(no_anchor));
  ASSERT_THAT(r, Not(IsOk()));
  EXPECT_EQ(r.error().message.rfind(path_ + ":11:3: ", 0), 0u) << r.error().message;
}

TEST_F(ClientConfigTest, MissingFileSaysHowToGiveOne) {
  auto r = LoadClientConfig(conf_ + "/absent.yaml");
  ASSERT_THAT(r, StatusIs("input.not_found"));
  EXPECT_EQ(r.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(r.error().hint.find("--config"), std::string::npos);
  auto empty = Load("");
  ASSERT_THAT(empty, StatusIs("config.invalid"));
}

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(ClientConfigPath, StateDirFollowsXdg) {
  ScopedEnv home("HOME", "/home/tester");
  {
    ScopedEnv xdg("XDG_STATE_HOME", "/var/tmp/state");
    EXPECT_EQ(DefaultClientStateDir(), "/var/tmp/state/adtgw");
  }
  {
    ScopedEnv xdg("XDG_STATE_HOME", "relative/state");  // not absolute: ignored (XDG)
    EXPECT_EQ(DefaultClientStateDir(), "/home/tester/.local/state/adtgw");
  }
  ScopedEnv xdg("XDG_STATE_HOME", nullptr);
  EXPECT_EQ(DefaultClientStateDir(), "/home/tester/.local/state/adtgw");
}

TEST(ClientConfigPath, FlagThenEnvironmentThenHome) {
  ScopedEnv home("HOME", "/home/tester");
  {
    ScopedEnv env("ADTGW_CONFIG", "/etc/adtgw/client.yaml");
    EXPECT_EQ(ClientConfigPath("given.yaml"), "given.yaml");
    EXPECT_EQ(ClientConfigPath(""), "/etc/adtgw/client.yaml");
  }
  {
    ScopedEnv env("ADTGW_CONFIG", "");
    EXPECT_EQ(ClientConfigPath(""), "/home/tester/.config/adtgw/client.yaml");
  }
  ScopedEnv env("ADTGW_CONFIG", nullptr);
  EXPECT_EQ(ClientConfigPath(""), "/home/tester/.config/adtgw/client.yaml");
}

}  // namespace
}  // namespace adtgw
