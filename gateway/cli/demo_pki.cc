#include "gateway/cli/demo_pki.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "certs/cert_issuer.h"
#include "certs/credential_files.h"
#include "crypto/posix_file.h"
#include "gateway/audit/checkpoint.h"
#include "gateway/common/atomic_file.h"
#include "policies/demo_policy_text.h"

namespace adtgw {
namespace {

constexpr std::time_t kDay = 24 * 60 * 60;

struct Issued {
  EvpPkeyPtr key;
  X509Ptr cert;
};

uint64_t RandomSerial() {
  uint64_t s = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&s), sizeof s) != 1) std::abort();
  return (s >> 1) | 1;  // positive, non-zero
}

class DemoWriter {
 public:
  explicit DemoWriter(std::string dir) : dir_(std::move(dir)) {}

  Status MakeDir(const std::string& rel) {
    std::string path = dir_ + "/" + rel;
    if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoError(ErrorKind::kIo, "io.write", path + ": cannot create folder", errno);
    }
    return OkStatus();
  }

  Status Text(const std::string& rel, const std::string& text, mode_t mode) {
    ADTGW_TRY(WriteFileAtomically(dir_ + "/" + rel, text, mode, /*replace=*/false));
    summary_.files.push_back(rel);
    return OkStatus();
  }

  Status Credential(const std::string& stem, const Issued& issued) {
    ADTGW_ASSIGN(std::string key_pem, PrivateKeyToPem(issued.key.get()));
    ADTGW_ASSIGN(std::string cert_pem, CertificateToPem(issued.cert.get()));
    ADTGW_TRY(Text(stem + ".key.pem", key_pem, 0600));
    return Text(stem + ".cert.pem", cert_pem, 0644);
  }

  DemoPkiSummary summary() const { return summary_; }

 private:
  std::string dir_;
  DemoPkiSummary summary_;
};

Result<Issued> Issue(const CertificateSpec& spec, KeyType type, const Issued* issuer) {
  ADTGW_ASSIGN(EvpPkeyPtr key, GenerateKey(type));
  ADTGW_ASSIGN(X509Ptr cert,
               IssueCertificate(spec, key.get(), issuer ? issuer->cert.get() : nullptr,
                                issuer ? issuer->key.get() : key.get()));
  return Issued{std::move(key), std::move(cert)};
}

CertificateSpec OrganisationSpec(const DemoParty& party, uint32_t usage, std::time_t from,
                                 std::time_t to) {
  CertificateSpec spec;
  spec.common_name = party.display_name;
  spec.organisational_unit = RoleCode(party.role);
  spec.eui64 = party.eui64;
  spec.serial = RandomSerial();
  spec.not_before = from;
  spec.not_after = to;
  spec.key_usage = usage;
  spec.policy_oids = {kDemoPolicyOid};
  return spec;
}

CertificateSpec TlsSpec(const std::string& cn, int eku, std::time_t now) {
  CertificateSpec spec;
  spec.common_name = cn;
  spec.serial = RandomSerial();
  spec.not_before = now - kDay;
  spec.not_after = now + 825 * kDay;
  spec.key_usage = KU_DIGITAL_SIGNATURE;
  spec.key_usage_critical = true;
  spec.key_id_length = 20;
  spec.extended_key_usage = {eku};
  return spec;
}

Status CheckEmptyOrAbsent(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) {
      if (mkdir(dir.c_str(), 0755) != 0) {
        return ErrnoError(ErrorKind::kIo, "io.write", dir + ": cannot create folder", errno);
      }
      return OkStatus();
    }
    return ErrnoError(ErrorKind::kIo, "io.read", dir, errno);
  }
  bool empty = true;
  while (dirent* e = readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) empty = false;
  }
  closedir(d);
  if (!empty) {
    return MakeError(ErrorKind::kConflict, "output.exists",
                     dir + " is not empty; demo-pki never overwrites existing keys",
                     "give a new or empty folder");
  }
  return OkStatus();
}

std::string Lines(std::initializer_list<std::string> lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

// The SMKI trust block both configurations share.
std::string SmkiTrustYaml(const std::string& dir) {
  return Lines({"  trust: " + dir + "/smki/trust.pem",
                "  crls:", "    - " + dir + "/smki/issuing-oca.crl.pem",
                "    - " + dir + "/smki/root-oca.arl.pem",
                "  policy_oids:", "    - \"" + std::string(kDemoPolicyOid) + "\""});
}

// Users send to the DCC; the DCC sends quarantine reports to every user.
std::string RecipientsYaml(const DemoParty& party, const std::string& dir) {
  if (party.role != RemotePartyRole::kAccessControlBroker) {
    return Lines({"recipients:", "  dcc: " + dir + "/parties/dcc/ka.cert.pem"});
  }
  std::string out = "recipients:\n";
  for (const char* user : {"supplier-a", "supplier-b", "network-operator"}) {
    out += std::string("  ") + user + ": " + dir + "/parties/" + user + "/ka.cert.pem\n";
  }
  return out;
}

// The audit log's origin in the demo: the first line of every checkpoint.
constexpr char kDemoLogOrigin[] = "adtgw.demo.example/log";

std::string ClientConfig(const DemoParty& party, const std::string& dir) {
  std::string p = dir + "/parties/" + party.name + "/";
  std::string audit = Lines({
      "audit_log:",
      "  origin: " + std::string(kDemoLogOrigin),
      "  public_key: " + dir + "/audit/log-key.pub.pem",
      "state_dir: " + dir + "/client-state/" + party.name,
  });
  if (party.name == "auditor") audit += Lines({"auditor_url: https://127.0.0.1:8444"});
  return Lines({
             "# adtgw client configuration for " + party.display_name +
                 " (written by adtgw demo-pki).",
             "# Read by the client commands (send, inbox, receive, status); see docs/demo-pki.md.",
             "party: " + party.eui64.ToString(),
             "gateway: https://127.0.0.1:8443",
             "tls:",
             "  certificate: " + p + "tls.cert.pem",
             "  key: " + p + "tls.key.pem",
             "  ca: " + dir + "/dccki/tls-ca.cert.pem",
             "smki:",
             "  signing_certificate: " + p + "ds.cert.pem",
             "  signing_key: " + p + "ds.key.pem",
             "  key_agreement_certificate: " + p + "ka.cert.pem",
             "  key_agreement_key: " + p + "ka.key.pem",
         }) +
         SmkiTrustYaml(dir) + RecipientsYaml(party, dir) + audit;
}

std::string GatewayConfig(const std::string& dir) {
  return Lines({
             "# adtgw gateway configuration (written by adtgw demo-pki); see docs/demo-pki.md.",
             "listen: 127.0.0.1:8443",
             "tls:",
             "  certificate: " + dir + "/dccki/gateway.cert.pem",
             "  key: " + dir + "/dccki/gateway.key.pem",
             "  client_ca: " + dir + "/dccki/tls-ca.cert.pem",
             "smki:",
         }) +
         SmkiTrustYaml(dir) +
         Lines({"policy: " + dir + "/config/policy.yaml", "state_dir: " + dir + "/gateway-state",
                "audit:", "  origin: " + std::string(kDemoLogOrigin),
                "  key: " + dir + "/audit/log-key.pem", "  auditor_listen: 127.0.0.1:8444"});
}

}  // namespace

std::vector<DemoParty> DemoParties() {
  auto eui = [](const char* text) { return Eui64::Parse(text).value(); };
  return {
      {"supplier-a", "Demo Supplier A", eui("AD-7C-00-00-00-00-02-01"), RemotePartyRole::kSupplier},
      {"supplier-b", "Demo Supplier B", eui("AD-7C-00-00-00-00-02-02"), RemotePartyRole::kSupplier},
      {"network-operator", "Demo Network Operator", eui("AD-7C-00-00-00-00-03-01"),
       RemotePartyRole::kNetworkOperator},
      {"dcc", "Demo DCC", eui("AD-7C-00-00-00-00-04-01"), RemotePartyRole::kAccessControlBroker},
      {"auditor", "Demo Auditor", eui("AD-7C-00-00-00-00-7F-01"), RemotePartyRole::kOther},
  };
}

Result<DemoPkiSummary> WriteDemoPki(const std::string& dir_in, std::time_t now) {
  std::string dir = dir_in;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  ADTGW_TRY(CheckEmptyOrAbsent(dir));
  char resolved[PATH_MAX];
  if (realpath(dir.c_str(), resolved) == nullptr) {
    return ErrnoError(ErrorKind::kIo, "io.read", dir, errno);
  }
  dir = resolved;
  DemoWriter w(dir);
  for (const char* sub : {"smki", "dccki", "parties", "config", "audit"}) ADTGW_TRY(w.MakeDir(sub));

  // SMKI: root OCA -> issuing OCA -> organisation certificates.
  CertificateSpec root_spec;
  root_spec.common_name = "adtgw demo SMKI root OCA";
  root_spec.organisational_unit = "00";
  root_spec.serial = RandomSerial();
  root_spec.not_before = now - 2 * 365 * kDay;  // covers the expired certificate's life
  root_spec.not_after = now + 20 * 365 * kDay;
  root_spec.is_ca = true;
  root_spec.key_usage = KU_KEY_CERT_SIGN | KU_CRL_SIGN;
  root_spec.policy_oids = {kDemoPolicyOid};
  ADTGW_ASSIGN(Issued root, Issue(root_spec, KeyType::kP256, nullptr));
  CertificateSpec oca_spec = root_spec;
  oca_spec.common_name = "adtgw demo SMKI issuing OCA";
  oca_spec.organisational_unit = "07";
  oca_spec.serial = RandomSerial();
  oca_spec.not_after = now + 10 * 365 * kDay;
  ADTGW_ASSIGN(Issued oca, Issue(oca_spec, KeyType::kP256, &root));
  ADTGW_TRY(w.Credential("smki/root-oca", root));
  ADTGW_TRY(w.Credential("smki/issuing-oca", oca));
  ADTGW_ASSIGN(std::string root_pem, CertificateToPem(root.cert.get()));
  ADTGW_ASSIGN(std::string oca_pem, CertificateToPem(oca.cert.get()));
  ADTGW_TRY(w.Text("smki/trust.pem", root_pem + oca_pem, 0644));

  std::time_t from = now - kDay, to = now + 5 * 365 * kDay;
  std::vector<DemoParty> parties = DemoParties();
  for (const DemoParty& party : parties) {
    std::string base = "parties/" + party.name;
    ADTGW_TRY(w.MakeDir(base));
    ADTGW_ASSIGN(Issued ds, Issue(OrganisationSpec(party, KU_DIGITAL_SIGNATURE, from, to),
                                  KeyType::kP256, &oca));
    ADTGW_ASSIGN(Issued ka,
                 Issue(OrganisationSpec(party, KU_KEY_AGREEMENT, from, to), KeyType::kP256, &oca));
    ADTGW_TRY(w.Credential(base + "/ds", ds));
    ADTGW_TRY(w.Credential(base + "/ka", ka));
  }

  // The extra certificate that the CRL revokes, and one that has expired: both a
  // second DS certificate of supplier A.
  ADTGW_ASSIGN(Issued revoked, Issue(OrganisationSpec(parties[0], KU_DIGITAL_SIGNATURE, from, to),
                                     KeyType::kP256, &oca));
  ADTGW_ASSIGN(Issued expired, Issue(OrganisationSpec(parties[0], KU_DIGITAL_SIGNATURE,
                                                      now - 400 * kDay, now - 35 * kDay),
                                     KeyType::kP256, &oca));
  ADTGW_TRY(w.Credential("smki/revoked-supplier-a-ds", revoked));
  ADTGW_TRY(w.Credential("smki/expired-supplier-a-ds", expired));
  uint64_t revoked_serial = 0;
  ASN1_INTEGER_get_uint64(&revoked_serial, X509_get0_serialNumber(revoked.cert.get()));
  ADTGW_ASSIGN(X509CrlPtr crl, IssueCrl(oca.cert.get(), oca.key.get(), {revoked_serial}, now - 3600,
                                        now + 30 * kDay));
  ADTGW_ASSIGN(X509CrlPtr arl,
               IssueCrl(root.cert.get(), root.key.get(), {}, now - 3600, now + 30 * kDay));
  ADTGW_ASSIGN(std::string crl_pem, CrlToPem(crl.get()));
  ADTGW_ASSIGN(std::string arl_pem, CrlToPem(arl.get()));
  ADTGW_TRY(w.Text("smki/issuing-oca.crl.pem", crl_pem, 0644));
  ADTGW_TRY(w.Text("smki/root-oca.arl.pem", arl_pem, 0644));

  // DCCKI: a TLS CA, the gateway's server certificate, one client certificate per
  // party (RSA for supplier B, to show both key types).
  CertificateSpec tls_ca_spec;
  tls_ca_spec.common_name = "adtgw demo DCCKI TLS CA";
  tls_ca_spec.serial = RandomSerial();
  tls_ca_spec.not_before = now - kDay;
  tls_ca_spec.not_after = now + 10 * 365 * kDay;
  tls_ca_spec.is_ca = true;
  tls_ca_spec.key_usage = KU_KEY_CERT_SIGN | KU_CRL_SIGN;
  tls_ca_spec.key_id_length = 20;
  ADTGW_ASSIGN(Issued tls_ca, Issue(tls_ca_spec, KeyType::kP256, nullptr));
  ADTGW_TRY(w.Credential("dccki/tls-ca", tls_ca));
  CertificateSpec server_spec = TlsSpec("localhost", NID_server_auth, now);
  server_spec.dns_names = {"localhost"};
  server_spec.ip_addresses = {"127.0.0.1", "::1"};
  ADTGW_ASSIGN(Issued server, Issue(server_spec, KeyType::kP256, &tls_ca));
  ADTGW_TRY(w.Credential("dccki/gateway", server));
  for (const DemoParty& party : parties) {
    KeyType type = party.name == "supplier-b" ? KeyType::kRsa2048 : KeyType::kP256;
    CertificateSpec spec =
        TlsSpec(party.display_name + " " + party.eui64.ToString(), NID_client_auth, now);
    if (type == KeyType::kRsa2048) spec.key_usage = KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT;
    ADTGW_ASSIGN(Issued tls, Issue(spec, type, &tls_ca));
    ADTGW_TRY(w.Credential("parties/" + party.name + "/tls", tls));
    ADTGW_TRY(w.Text("config/client-" + party.name + ".yaml", ClientConfig(party, dir), 0644));
  }
  // The gateway's audit log key (ECDSA P-256); parties and auditors get its public half.
  ADTGW_ASSIGN(EvpPkeyPtr log_key, GenerateKey(KeyType::kP256));
  ADTGW_ASSIGN(std::string log_key_pem, PrivateKeyToPem(log_key.get()));
  ADTGW_ASSIGN(LogSigner log_signer, LogSigner::FromKey(log_key.get(), kDemoLogOrigin));
  ADTGW_TRY(w.Text("audit/log-key.pem", log_key_pem, 0600));
  ADTGW_TRY(w.Text("audit/log-key.pub.pem", log_signer.verifier().PublicKeyPem(), 0644));
  ADTGW_TRY(w.Text("config/gateway.yaml", GatewayConfig(dir), 0644));
  ADTGW_TRY(w.Text("config/policy.yaml", kDemoPolicyYaml, 0644));
  return w.summary();
}

}  // namespace adtgw
