// `adtgw certs inspect` and `adtgw certs verify`, and `adtgw demo-pki`.
#include <cpprest/json.h>

#include <iostream>

#include <openssl/x509v3.h>

#include "certs/credential_files.h"
#include "certs/dccki_profile.h"
#include "certs/smki_profile.h"
#include "certs/trust_store.h"
#include "crypto/encoding.h"
#include "crypto/ossl_string.h"
#include "crypto/sha256.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/demo_pki.h"
#include "gateway/cli/trust_flags.h"

namespace adtgw {
namespace {

using web::json::value;

std::vector<std::string> KeyUsageNames(X509* cert) {
  std::vector<std::string> out;
  if (X509_get_ext_by_NID(cert, NID_key_usage, -1) < 0) return out;
  uint32_t ku = X509_get_key_usage(cert);
  const std::pair<uint32_t, const char*> names[] = {{KU_DIGITAL_SIGNATURE, "digitalSignature"},
                                                    {KU_NON_REPUDIATION, "nonRepudiation"},
                                                    {KU_KEY_ENCIPHERMENT, "keyEncipherment"},
                                                    {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
                                                    {KU_KEY_AGREEMENT, "keyAgreement"},
                                                    {KU_KEY_CERT_SIGN, "keyCertSign"},
                                                    {KU_CRL_SIGN, "cRLSign"},
                                                    {KU_ENCIPHER_ONLY, "encipherOnly"},
                                                    {KU_DECIPHER_ONLY, "decipherOnly"}};
  for (const auto& [bit, name] : names) {
    if ((ku & bit) != 0) out.emplace_back(name);
  }
  return out;
}

std::string Fingerprint(X509* cert) {
  std::string hex = ToHex(CertificateSha256(cert)), out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (i > 0) out += ':';
    out += static_cast<char>(std::toupper(hex[i]));
    out += static_cast<char>(std::toupper(hex[i + 1]));
  }
  return out;
}

std::string Join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

value StringArray(const std::vector<std::string>& items) {
  value a = value::array();
  for (size_t i = 0; i < items.size(); ++i) a[i] = value::string(items[i]);
  return a;
}

struct InspectFlags {
  std::string cert;
  std::vector<std::string> policy_oids;
  bool json = false;
};

Status RunInspect(const InspectFlags& f) {
  ADTGW_ASSIGN(X509Ptr cert, LoadCertificate(f.cert));
  X509* c = cert.get();
  bool smki = LooksLikeSmki(c);
  SmkiProfileOptions options{f.policy_oids, !f.policy_oids.empty()};
  std::vector<Error> problems;
  std::string profile;
  if (smki) {
    profile = "SMKI Organisation Certificate";
    problems = SmkiProfileProblems(c, options);
  } else {
    uint32_t xku = X509_get_extended_key_usage(c);
    TlsRole role = (xku & XKU_SSL_SERVER) != 0 && (xku & XKU_SSL_CLIENT) == 0 ? TlsRole::kServer
                                                                              : TlsRole::kClient;
    profile = role == TlsRole::kServer ? "DCCKI TLS server" : "DCCKI TLS client";
    if (X509_check_ca(c) != 0) {
      profile = "CA certificate";
    } else {
      problems = DcckiProfileProblems(c, role);
    }
  }
  std::optional<Eui64> eui = SubjectEui64(c);
  std::optional<std::string> ou = SubjectOu(c);
  std::string role_code, role_name;  // empty when the OU is not a role
  if (ou) {
    if (auto role = ParseRemotePartyRole(*ou)) {
      role_code = RoleCode(*role);
      role_name = RoleName(*role);
    }
  }
  auto nb = AsnTimeToTime(X509_get0_notBefore(c));
  auto na = AsnTimeToTime(X509_get0_notAfter(c));
  std::time_t now = std::time(nullptr);
  std::string validity_state = !nb || !na  ? "unreadable"
                               : now < *nb ? "not yet valid"
                               : now > *na ? "EXPIRED"
                                           : "valid now";
  std::vector<std::string> policies = PolicyOids(c);
  std::vector<std::string> usages = KeyUsageNames(c);
  BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(c), nullptr));
  OsslString serial_hex(BN_bn2hex(serial.get()));
  std::string serial_text = serial_hex ? serial_hex.get() : "?";
  char issuer_buf[512];
  X509_NAME_oneline(X509_get_issuer_name(c), issuer_buf, sizeof issuer_buf);

  if (f.json) {
    value v = value::object();
    v["file"] = value::string(f.cert);
    v["subject"] = value::string(SubjectText(c));
    v["issuer"] = value::string(issuer_buf);
    v["serial"] = value::string(serial_text);
    v["eui64"] = eui ? value::string(eui->ToString()) : value::null();
    v["role_code"] = role_code.empty() ? value::null() : value::string(role_code);
    v["role"] = role_name.empty() ? value::null() : value::string(role_name);
    v["key"] = value::string(DescribeKey(X509_get0_pubkey(c)));
    v["key_usage"] = StringArray(usages);
    v["policies"] = StringArray(policies);
    v["not_before"] = value::string(nb ? FormatTime(*nb) : "");
    v["not_after"] = value::string(na ? FormatTime(*na) : "");
    v["validity"] = value::string(validity_state);
    v["sha256_fingerprint"] = value::string(Fingerprint(c));
    v["profile"] = value::string(profile);
    value ps = value::array();
    for (size_t i = 0; i < problems.size(); ++i) {
      value p = value::object();
      p["code"] = value::string(problems[i].code);
      p["message"] = value::string(problems[i].message);
      ps[i] = p;
    }
    v["profile_problems"] = ps;
    std::cout << v.serialize() << "\n";
    return OkStatus();
  }
  std::cout << "certificate:  " << f.cert << "\n"
            << "subject:      " << SubjectText(c) << "\n"
            << "issuer:       " << issuer_buf << "\n"
            << "serial:       " << serial_text << "\n";
  if (eui) std::cout << "EUI-64:       " << eui->ToString() << "\n";
  if (!role_code.empty()) std::cout << "role:         " << role_code << " (" << role_name << ")\n";
  std::cout << "key:          " << DescribeKey(X509_get0_pubkey(c)) << "\n"
            << "key usage:    " << (usages.empty() ? "(none)" : Join(usages, ", ")) << "\n"
            << "policies:     " << (policies.empty() ? "(none)" : Join(policies, ", ")) << "\n"
            << "valid from:   " << (nb ? FormatTime(*nb) : "?") << "\n"
            << "valid until:  " << (na ? FormatTime(*na) : "?") << " (" << validity_state << ")\n"
            << "sha256:       " << Fingerprint(c) << "\n"
            << "profile:      " << profile
            << (problems.empty() ? ": conforms" : ": DOES NOT CONFORM") << "\n";
  for (const auto& p : problems) std::cout << "  - " << p.code << ": " << p.message << "\n";
  return OkStatus();
}

struct VerifyFlags {
  std::string cert;
  std::string profile = "smki";
  bool json = false;
  TrustFlags trust;
};

Status RunVerify(const VerifyFlags& f) {
  ADTGW_ASSIGN(TrustConfig trust, BuildTrustConfig(f.trust));
  ADTGW_ASSIGN(X509Ptr cert, LoadCertificate(f.cert));
  std::optional<SmkiIdentity> identity;
  TrustDecision decision;
  if (f.profile == "smki") {
    ADTGW_ASSIGN(TrustedSmkiCertificate t, VerifySmkiCertificate(cert.get(), trust));
    identity = t.identity;
    decision = std::move(t.decision);
  } else {
    TlsRole role = f.profile == "dccki-server" ? TlsRole::kServer : TlsRole::kClient;
    std::vector<Error> problems = DcckiProfileProblems(cert.get(), role);
    if (!problems.empty()) return std::move(problems.front());
    ADTGW_ASSIGN(decision, VerifyTrust(cert.get(), trust));
  }
  bool pinned = decision.mode == TrustDecision::Mode::kPinned;
  if (f.json) {
    value v = value::object();
    v["certificate"] = value::string(f.cert);
    v["trusted"] = value::boolean(true);
    v["profile"] = value::string(f.profile);
    v["trust"] = value::string(pinned ? "pinned" : "chain");
    v["revocation_checked"] = value::boolean(decision.revocation_checked);
    v["checked_at"] = value::string(FormatTime(decision.checked_at));
    if (identity) {
      v["eui64"] = value::string(identity->eui64.ToString());
      v["role_code"] = value::string(RoleCode(identity->role));
      v["key_usage"] = value::string(KeyUsageName(identity->usage));
    }
    std::cout << v.serialize() << "\n";
    return OkStatus();
  }
  std::cout << "OK: " << SubjectText(cert.get()) << " is trusted\n";
  if (identity) {
    std::cout << "  party:      " << identity->eui64.ToString() << " (role "
              << RoleCode(identity->role) << ", " << RoleName(identity->role) << ")\n"
              << "  key usage:  " << KeyUsageName(identity->usage) << "\n";
  }
  std::cout << "  trust:      " << (pinned ? "pinned certificate" : "chain to a trust anchor")
            << "\n";
  for (size_t i = 1; i < decision.chain.size(); ++i) {
    std::cout << "    issued by " << SubjectText(decision.chain[i].get()) << "\n";
  }
  std::cout << "  revocation: "
            << (decision.revocation_checked ? "checked (CRL/ARL)"
                : pinned                    ? "not applicable (pinned)"
                                            : "NOT checked (no --crl given)")
            << "\n"
            << "  as of:      " << FormatTime(decision.checked_at) << "\n";
  return OkStatus();
}

}  // namespace

CommandAction AddCertsCommand(CLI::App& app) {
  CLI::App* certs = app.add_subcommand("certs", "SMKI and DCCKI certificate tools");
  certs->require_subcommand(1);
  auto inspect = std::make_shared<InspectFlags>();
  CLI::App* i = certs->add_subcommand("inspect", "show a certificate's party, role and profile");
  i->add_option("CERT", inspect->cert, "certificate file (PEM or DER)")->required();
  i->add_option("--policy-oid", inspect->policy_oids, "also check these policy OIDs")
      ->type_name("OID");
  i->add_flag("--json", inspect->json, "print the result as JSON");
  i->footer("Example:\n  adtgw certs inspect parties/dcc/ka.cert.pem --json");

  auto verify = std::make_shared<VerifyFlags>();
  CLI::App* v = certs->add_subcommand("verify", "check profile, chain, revocation and validity");
  v->add_option("CERT", verify->cert, "certificate file (PEM or DER)")->required();
  v->add_option("--profile", verify->profile, "smki (default), dccki-client or dccki-server")
      ->check(CLI::IsMember({"smki", "dccki-client", "dccki-server"}));
  v->add_flag("--json", verify->json, "print the result as JSON");
  AddTrustFlags(v, verify->trust);
  v->footer(
      "Example:\n"
      "  adtgw certs verify parties/dcc/ds.cert.pem --trust smki/trust.pem \\\n"
      "    --crl smki/issuing-oca.crl.pem --crl smki/root-oca.arl.pem --policy-oid OID\n"
      "  adtgw certs verify Z1-supplier-ds.cert.pem --pin Z1-supplier-ds.cert.pem \\\n"
      "    --policy-oid 1.2.826.0.1.8641679.1.2.1.4 --at 2020-01-01T00:00:00Z");
  return [i, inspect, verify]() -> Status {
    if (i->parsed()) return RunInspect(*inspect);
    return RunVerify(*verify);
  };
}

CommandAction AddDemoPkiCommand(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("demo-pki", "write a complete demo PKI and configs");
  cmd->add_option("DIR", *dir, "a new or empty folder")->required();
  cmd->footer(
      "Never overwrites: DIR must be new or empty. Layout: docs/demo-pki.md\n"
      "Example:\n  adtgw demo-pki /tmp/adtgw-demo");
  return [dir]() -> Status {
    ADTGW_ASSIGN(DemoPkiSummary summary, WriteDemoPki(*dir, std::time(nullptr)));
    std::cout << "wrote a demo PKI to " << *dir << " (" << summary.files.size() << " files)\n"
              << "  SMKI trust:   " << *dir << "/smki/trust.pem (root + issuing OCA)\n"
              << "  CRL and ARL:  " << *dir << "/smki/issuing-oca.crl.pem, " << *dir
              << "/smki/root-oca.arl.pem\n"
              << "  parties:      " << *dir << "/parties/{supplier-a,supplier-b,"
              << "network-operator,dcc,auditor}/{ds,ka,tls}.{cert,key}.pem\n"
              << "  policy OID:   " << kDemoPolicyOid << "\n"
              << "  configs:      " << *dir << "/config/\n";
    return OkStatus();
  };
}

}  // namespace adtgw
