#include "gateway/client/transfer_sender.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "certs/credential_files.h"
#include "certs/trust_store.h"
#include "crypto/envelope.h"
#include "crypto/random_hex.h"
#include "gateway/common/file_source.h"
#include "gateway/common/scratch_file.h"
#include "gateway/formats/domain_file_check.h"
#include "gateway/transfer/manifest.h"

namespace adtgw {
namespace {

// About a minute of retrying in all (backoff 0.5 s doubling to 8 s), so that an upload
// whose connection stalled outlives the gateway's body timer (60 s by default), after
// which the gateway lets go of the old request and HEAD tells the true offset.
constexpr int kMaxUploadAttempts = 12;

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Worth retrying: the network, a busy gateway, or the gateway still holding the previous
// (broken) request for this upload, whose bytes HEAD will count once it lets go.
bool Transient(const Error& e) {
  return e.kind == ErrorKind::kUnavailable || e.code == "upload.in_progress" ||
         e.code == "upload.offset_mismatch";
}

}  // namespace

Result<TransferSender> TransferSender::New(const ClientConfig& config) {
  ADTGW_ASSIGN(X509Ptr cert, LoadCertificate(config.signing_certificate));
  ADTGW_ASSIGN(EvpPkeyPtr key, LoadPrivateKey(config.signing_key));
  ADTGW_ASSIGN(TrustedSmkiCertificate own, VerifySmkiCertificateFor(cert.get(), *config.smki_trust,
                                                                    SmkiKeyUsage::kDigitalSignature,
                                                                    "your signing certificate"));
  if (own.identity.eui64 != config.party) {
    return MakeError(ErrorKind::kUsage, "config.party_mismatch",
                     "smki.signing_certificate names " + own.identity.eui64.ToString() +
                         ", but the configuration says party " + config.party.ToString(),
                     "use the DS certificate issued to your own EUI-64");
  }
  std::vector<Recipient> recipients;
  for (const auto& [label, path] : config.recipients) {
    ADTGW_ASSIGN(X509Ptr ka, LoadCertificate(path));
    ADTGW_ASSIGN(TrustedSmkiCertificate checked,
                 VerifySmkiCertificateFor(ka.get(), *config.smki_trust, SmkiKeyUsage::kKeyAgreement,
                                          "recipient '" + label + "'"));
    recipients.push_back({checked.identity.eui64, std::move(ka),
                          checked.identity.role == RemotePartyRole::kAccessControlBroker});
  }
  return TransferSender(config.party, own.identity.role == RemotePartyRole::kAccessControlBroker,
                        std::move(cert), std::move(key), std::move(recipients),
                        ContentRules(config.srv_catalogue));
}

Result<std::vector<X509*>> TransferSender::ChooseRecipients(const SendRequest& request,
                                                            std::vector<Eui64>* chosen) const {
  std::vector<X509*> out;
  if (request.to.empty()) {
    if (request.file_type == "quarantine-report") {
      return MakeError(ErrorKind::kUsage, "usage.no_recipient",
                       "a quarantine report needs --to EUI (the user it is for)");
    }
    for (const auto& r : recipients_) {
      if (!r.is_dcc) continue;
      out.push_back(r.certificate.get());
      chosen->push_back(r.eui64);
    }
    if (out.empty()) {
      return MakeError(ErrorKind::kUsage, "usage.no_recipient",
                       "no --to given and no DCC key-agreement certificate under 'recipients' in "
                       "the client configuration",
                       "add the DCC's KA certificate to recipients, or give --to EUI");
    }
    return out;
  }
  for (const Eui64& want : request.to) {
    auto it = std::find_if(recipients_.begin(), recipients_.end(),
                           [&](const Recipient& r) { return r.eui64 == want; });
    if (it == recipients_.end()) {
      return MakeError(ErrorKind::kUsage, "usage.unknown_recipient",
                       "no key-agreement certificate for " + want.ToString() +
                           " under 'recipients' in the client configuration",
                       "add the recipient's SMKI KA certificate to the configuration");
    }
    out.push_back(it->certificate.get());
    chosen->push_back(want);
  }
  return out;
}

Result<SentTransfer> TransferSender::Send(GatewayApi& api, const SendRequest& request,
                                          const PhaseCallback& phase,
                                          const ProgressCallback& progress,
                                          std::vector<std::string>* content_problems) {
  SentTransfer sent;
  ADTGW_ASSIGN(std::vector<X509*> recipient_certs, ChooseRecipients(request, &sent.recipients));
  std::optional<DomainFileType> type = ParseDomainFileType(request.file_type);
  if (!type) {
    return MakeError(ErrorKind::kUsage, "usage", request.file_type + " is not a file type",
                     "use adt, exit-quarantine or quarantine-report");
  }
  std::optional<Eui64> report_for;
  if (type == DomainFileType::kQuarantineReport) {
    if (sent.recipients.size() != 1) {
      return MakeError(ErrorKind::kUsage, "usage.one_recipient",
                       "a quarantine report names one user and goes to that user alone",
                       "give one --to EUI, the user the report is for");
    }
    report_for = sent.recipients[0];
  }
  ADTGW_ASSIGN(DomainFileOptions content_options,
               content_.For(api, *type, {party_, is_dcc_}, report_for));
  ADTGW_ASSIGN(DomainFileCheck content, DomainFileCheck::New(*type, content_options));
  Manifest manifest;
  manifest.file_type = request.file_type;
  manifest.sender = party_;
  manifest.recipients = sent.recipients;
  std::sort(manifest.recipients.begin(), manifest.recipients.end());
  manifest.file_name = BaseName(request.path);
  manifest.idempotency_key =
      request.idempotency_key.empty() ? RandomHex(16) : request.idempotency_key;
  manifest.created = std::time(nullptr);
  // Catch a bad name or type before spending time on sealing.
  manifest.envelope_size = 1;
  ADTGW_TRY(ValidateManifest(manifest));

  ADTGW_ASSIGN(FileSource input, FileSource::Open(request.path));
  sent.content_size = input.size();
  if (phase) phase("sealing", input.size());
  ADTGW_ASSIGN(ScratchFile envelope, ScratchFile::Create("send"));
  SealRequest seal;
  seal.signer = {cert_.get(), key_.get()};
  seal.recipients = recipient_certs;
  seal.signing_time = manifest.created;
  SealedEnvelope sealed;
  // The bytes checked are the bytes sealed: a file changed meanwhile cannot slip past.
  DomainFileCheckedSource checked_input(input, content);
  ADTGW_TRY(SealEnvelope(seal, checked_input, input.size(), envelope, &sealed));
  ADTGW_TRY(envelope.Close());
  RecordFileReport report = content.Finish();
  if (!report.ok()) {
    if (content_problems != nullptr) {
      *content_problems = DomainFileProblemLines(request.path, report);
    }
    return InvalidDomainFileError(request.path, report,
                                  "nothing was sent; fix the lines listed (docs/formats.md), "
                                  "check with adtgw validate, then send again");
  }
  manifest.envelope_size = sealed.size;
  manifest.envelope_sha256 = sealed.sha256;
  sent.envelope_size = sealed.size;
  sent.envelope_sha256 = ToHex(sealed.sha256);

  ADTGW_ASSIGN(std::vector<uint8_t> signature,
               SignManifest(manifest, {cert_.get(), key_.get()}, manifest.created));
  SignedDocument offer{ManifestToJson(manifest), std::string(signature.begin(), signature.end())};

  // Offer (safe to repeat: same manifest, same idempotency key), then upload from the
  // gateway's durable offset until complete, backing off on transient failures.
  std::optional<Error> last;
  std::string id;
  uint64_t offset = 0;
  for (int attempt = 0; attempt < kMaxUploadAttempts; ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250 << std::min(attempt, 5)));
    }
    if (id.empty()) {
      auto view = api.Offer(offer);
      if (!view.ok()) {
        if (!Transient(view.error())) return std::move(view).error();
        last = std::move(view).error();
        continue;
      }
      id = view->id;
      offset = view->upload_offset;
    } else {
      auto at = api.UploadOffset(id);
      if (!at.ok()) {
        if (!Transient(at.error())) return std::move(at).error();
        last = std::move(at).error();
        continue;
      }
      offset = *at;
    }
    if (phase) phase("uploading", sealed.size);
    ++sent.attempts;
    GatewayApi::UploadOutcome outcome;
    if (offset == sealed.size) {
      // Every byte arrived, but the answer was lost: the status holds the receipt, or,
      // if the gateway stopped before completing, an empty PATCH completes it now.
      auto status = api.Status(id);
      if (!status.ok()) {
        if (!Transient(status.error())) return std::move(status).error();
        last = std::move(status).error();
        continue;
      }
      outcome.offset = offset;
      if (!status->receipt.empty()) outcome.receipt = status->receipt;
    }
    if (!outcome.receipt) {
      auto uploaded = api.Upload(id, envelope.path(), offset, sealed.size, progress);
      if (!uploaded.ok()) {
        if (!Transient(uploaded.error())) return std::move(uploaded).error();
        last = std::move(uploaded).error();
        continue;
      }
      outcome = std::move(uploaded).value();
    }
    if (!outcome.receipt) {
      last = MakeError(ErrorKind::kUnavailable, "upload.incomplete",
                       "the gateway stored " + std::to_string(outcome.offset) + " of " +
                           std::to_string(sealed.size) + " bytes");
      continue;
    }
    sent.transfer_id = id;
    sent.receipt_json = *outcome.receipt;
    auto receipt = ParseReceipt(AsBytes(sent.receipt_json));
    if (!receipt.ok()) return std::move(receipt).error();
    if (receipt->transfer_id != id || receipt->envelope_sha256 != sealed.sha256 ||
        receipt->envelope_size != sealed.size || receipt->sender != party_) {
      return MakeError(ErrorKind::kIntegrity, "receipt.mismatch",
                       "the gateway's receipt does not describe the envelope that was sent",
                       "report this to the gateway operator; keep the receipt");
    }
    sent.receipt = std::move(receipt).value();
    if (phase) phase("done", sealed.size);
    return sent;
  }
  Error e = last.value_or(MakeError(ErrorKind::kUnavailable, "net.unreachable", "no attempt made"));
  e.message += " (after " + std::to_string(kMaxUploadAttempts) + " attempts)";
  if (!id.empty()) {
    e.hint = "transfer " + id + " stays incomplete at the gateway (adtgw status " + id +
             "); sending the file again makes a new transfer. " + e.hint;
  }
  return e;
}

}  // namespace adtgw
