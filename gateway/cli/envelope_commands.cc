// `adtgw seal` and `adtgw open`: the offline envelope commands (no network).
#include <cpprest/json.h>

#include <iostream>

#include "certs/credential_files.h"
#include "certs/smki_profile.h"
#include "certs/trust_store.h"
#include "crypto/encoding.h"
#include "crypto/envelope.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/trust_flags.h"
#include "gateway/common/atomic_file.h"
#include "gateway/common/file_source.h"

namespace adtgw {
namespace {

std::string PartyText(const SmkiIdentity& id) {
  return id.eui64.ToString() + " (role " + RoleCode(id.role) + ", " + RoleName(id.role) + ")";
}

web::json::value PartyJson(const SmkiIdentity& id, X509* cert) {
  web::json::value v = web::json::value::object();
  v["eui64"] = web::json::value::string(id.eui64.ToString());
  v["role_code"] = web::json::value::string(RoleCode(id.role));
  v["role"] = web::json::value::string(RoleName(id.role));
  v["subject"] = web::json::value::string(SubjectText(cert));
  return v;
}

struct SealFlags {
  std::string input, output, sign_cert, sign_key;
  std::vector<std::string> to;
  bool force = false, json = false;
  TrustFlags trust;
};

Status RunSeal(const SealFlags& f) {
  ADTGW_ASSIGN(TrustConfig trust, BuildTrustConfig(f.trust));
  ADTGW_ASSIGN(X509Ptr sign_cert, LoadCertificate(f.sign_cert));
  ADTGW_ASSIGN(EvpPkeyPtr sign_key, LoadPrivateKey(f.sign_key));
  ADTGW_ASSIGN(TrustedSmkiCertificate signer,
               VerifySmkiCertificateFor(sign_cert.get(), trust, SmkiKeyUsage::kDigitalSignature,
                                        "signing certificate " + f.sign_cert));
  std::vector<X509Ptr> recipients;
  std::vector<SmkiIdentity> recipient_ids;
  for (const auto& path : f.to) {
    ADTGW_ASSIGN(X509Ptr cert, LoadCertificate(path));
    ADTGW_ASSIGN(TrustedSmkiCertificate r,
                 VerifySmkiCertificateFor(cert.get(), trust, SmkiKeyUsage::kKeyAgreement,
                                          "recipient certificate " + path));
    recipient_ids.push_back(r.identity);
    recipients.push_back(std::move(cert));
  }
  ADTGW_ASSIGN(FileSource input, FileSource::Open(f.input));
  ADTGW_ASSIGN(AtomicFile out, AtomicFile::Create(f.output, 0644, f.force));
  SealRequest request;
  request.signer = {sign_cert.get(), sign_key.get()};
  for (auto& r : recipients) request.recipients.push_back(r.get());
  request.signing_time = std::time(nullptr);
  SealedEnvelope sealed;
  ADTGW_TRY(SealEnvelope(request, input, input.size(), out, &sealed));
  ADTGW_TRY(out.Commit());
  std::string digest = ToHex(sealed.sha256);

  if (f.json) {
    web::json::value v = web::json::value::object();
    v["output"] = web::json::value::string(f.output);
    v["content_size"] = web::json::value::number(static_cast<uint64_t>(input.size()));
    v["envelope_size"] = web::json::value::number(sealed.size);
    v["envelope_sha256"] = web::json::value::string(digest);
    v["signer"] = PartyJson(signer.identity, sign_cert.get());
    web::json::value rs = web::json::value::array();
    for (size_t i = 0; i < recipients.size(); ++i) {
      rs[i] = PartyJson(recipient_ids[i], recipients[i].get());
    }
    v["recipients"] = rs;
    std::cout << v.serialize() << "\n";
    return OkStatus();
  }
  std::cout << "sealed " << f.input << " (" << input.size() << " bytes) -> " << f.output << " ("
            << sealed.size << " bytes)\n"
            << "  signed by:  " << PartyText(signer.identity) << "\n";
  for (const auto& id : recipient_ids) std::cout << "  recipient:  " << PartyText(id) << "\n";
  std::cout << "  envelope sha256: " << digest << "\n";
  return OkStatus();
}

struct OpenFlags {
  std::string input, output, key, cert;
  bool force = false, json = false;
  TrustFlags trust;
};

Status RunOpen(const OpenFlags& f) {
  ADTGW_ASSIGN(TrustConfig trust, BuildTrustConfig(f.trust));
  ADTGW_ASSIGN(X509Ptr cert, LoadCertificate(f.cert));
  ADTGW_ASSIGN(EvpPkeyPtr key, LoadPrivateKey(f.key));
  ADTGW_ASSIGN(FileSource input, FileSource::Open(f.input));
  // The plaintext goes to a temporary file that only becomes OUT once the tag, the
  // signature and the signer's trust all check out.
  ADTGW_ASSIGN(AtomicFile out, AtomicFile::Create(f.output, 0600, f.force));
  ADTGW_ASSIGN(OpenedEnvelope opened, OpenEnvelope({cert.get(), key.get()}, input, out));
  ADTGW_ASSIGN(TrustedSmkiCertificate signer,
               VerifySmkiCertificateFor(opened.signer.get(), trust, SmkiKeyUsage::kDigitalSignature,
                                        "the signer"));
  ADTGW_TRY(out.Commit());

  bool pinned = signer.decision.mode == TrustDecision::Mode::kPinned;
  if (f.json) {
    web::json::value v = web::json::value::object();
    v["output"] = web::json::value::string(f.output);
    v["content_size"] = web::json::value::number(static_cast<uint64_t>(opened.content_size));
    v["content_sha256"] = web::json::value::string(ToHex(opened.content_sha256));
    v["signer"] = PartyJson(signer.identity, opened.signer.get());
    v["signing_time"] = web::json::value::string(FormatTime(opened.signing_time));
    v["trust"] = web::json::value::string(pinned ? "pinned" : "chain");
    v["revocation_checked"] = web::json::value::boolean(signer.decision.revocation_checked);
    v["checked_at"] = web::json::value::string(FormatTime(signer.decision.checked_at));
    std::cout << v.serialize() << "\n";
    return OkStatus();
  }
  std::cout << "opened " << f.input << " -> " << f.output << " (" << opened.content_size
            << " bytes)\n"
            << "  signed by:    " << PartyText(signer.identity) << "\n"
            << "  certificate:  " << SubjectText(opened.signer.get()) << "\n"
            << "  signing time: " << FormatTime(opened.signing_time) << "\n"
            << "  trust:        " << (pinned ? "pinned certificate" : "chain to SMKI root")
            << ", revocation "
            << (signer.decision.revocation_checked ? "checked" : "NOT checked (no --crl)")
            << ", as of " << FormatTime(signer.decision.checked_at) << "\n";
  return OkStatus();
}

// -o/--out, --force and --json, common to both commands.
void AddOutputFlags(CLI::App* cmd, std::string& output, bool& force, bool& json, const char* what) {
  cmd->add_option("-o,--out", output, what)->required();
  cmd->add_flag("--force", force, "replace OUT if it exists");
  cmd->add_flag("--json", json, "print the result as JSON");
}

}  // namespace

CommandAction AddSealCommand(CLI::App& app) {
  auto f = std::make_shared<SealFlags>();
  CLI::App* cmd = app.add_subcommand("seal", "sign and encrypt a file offline (no network)");
  cmd->add_option("FILE", f->input, "the file to seal")->required();
  cmd->add_option("--to", f->to, "recipient SMKI key-agreement (KA) certificate")
      ->required()
      ->type_name("KA_CERT");
  cmd->add_option("--sign-cert", f->sign_cert, "your SMKI digital-signature (DS) certificate")
      ->required();
  cmd->add_option("--sign-key", f->sign_key, "its private key (mode 0600)")->required();
  AddOutputFlags(cmd, f->output, f->force, f->json, "the envelope to write (DER CMS)");
  AddTrustFlags(cmd, f->trust);
  cmd->footer(
      "Recipients and the signer are checked against the SMKI profile and --trust/--pin.\n"
      "Example:\n"
      "  adtgw seal adt.csv --to dcc/ka.cert.pem --sign-cert me/ds.cert.pem \\\n"
      "    --sign-key me/ds.key.pem --trust smki/trust.pem --crl smki/issuing-oca.crl.pem \\\n"
      "    --crl smki/root-oca.arl.pem --policy-oid OID -o adt.csv.cms");
  return [f] { return RunSeal(*f); };
}

CommandAction AddOpenCommand(CLI::App& app) {
  auto f = std::make_shared<OpenFlags>();
  CLI::App* cmd = app.add_subcommand("open", "decrypt and verify an envelope offline");
  cmd->add_option("FILE", f->input, "the envelope")->required();
  cmd->add_option("--key", f->key, "your key-agreement (KA) private key (mode 0600)")->required();
  cmd->add_option("--cert", f->cert, "your key-agreement (KA) certificate")->required();
  AddOutputFlags(cmd, f->output, f->force, f->json, "where to write the verified file");
  AddTrustFlags(cmd, f->trust);
  cmd->footer(
      "OUT appears only if the envelope is intact, the signature verifies and the signer\n"
      "is a trusted SMKI DS certificate.\n"
      "Example:\n"
      "  adtgw open adt.csv.cms --key dcc/ka.key.pem --cert dcc/ka.cert.pem \\\n"
      "    --trust smki/trust.pem --crl smki/issuing-oca.crl.pem --crl smki/root-oca.arl.pem \\\n"
      "    --policy-oid OID -o adt.csv");
  return [f] { return RunOpen(*f); };
}

}  // namespace adtgw
