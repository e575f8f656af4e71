#include "gateway/client/transfer_sender.h"

#include <algorithm>
#include <chrono>
#include <random>
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

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
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

Result<PreparedTransfer> TransferSender::Prepare(GatewayApi& api, const SendRequest& request,
                                                 ByteSink& envelope, const PhaseCallback& phase,
                                                 std::vector<std::string>* content_problems) {
  PreparedTransfer prepared;
  ADTGW_ASSIGN(std::vector<X509*> recipient_certs, ChooseRecipients(request, &prepared.recipients));
  std::optional<DomainFileType> type = ParseDomainFileType(request.file_type);
  if (!type) {
    return MakeError(ErrorKind::kUsage, "usage", request.file_type + " is not a file type",
                     "use adt, exit-quarantine or quarantine-report");
  }
  std::optional<Eui64> report_for;
  if (type == DomainFileType::kQuarantineReport) {
    if (prepared.recipients.size() != 1) {
      return MakeError(ErrorKind::kUsage, "usage.one_recipient",
                       "a quarantine report names one user and goes to that user alone",
                       "give one --to EUI, the user the report is for");
    }
    report_for = prepared.recipients[0];
  }
  ADTGW_ASSIGN(DomainFileOptions content_options,
               content_.For(api, *type, {party_, is_dcc_}, report_for));
  ADTGW_ASSIGN(DomainFileCheck content, DomainFileCheck::New(*type, content_options));
  Manifest manifest;
  manifest.file_type = request.file_type;
  manifest.sender = party_;
  manifest.recipients = prepared.recipients;
  std::sort(manifest.recipients.begin(), manifest.recipients.end());
  manifest.file_name = request.file_name.empty() ? BaseName(request.path) : request.file_name;
  manifest.idempotency_key =
      request.idempotency_key.empty() ? RandomHex(16) : request.idempotency_key;
  manifest.created = std::time(nullptr);
  // Catch a bad name or type before spending time on sealing.
  manifest.envelope_size = 1;
  ADTGW_TRY(ValidateManifest(manifest));

  ADTGW_ASSIGN(FileSource input, FileSource::Open(request.path));
  prepared.content_size = input.size();
  if (phase) phase("sealing", input.size());
  SealRequest seal;
  seal.signer = {cert_.get(), key_.get()};
  seal.recipients = recipient_certs;
  seal.signing_time = manifest.created;
  SealedEnvelope sealed;
  // The bytes checked are the bytes sealed: a file changed meanwhile cannot slip past.
  DomainFileCheckedSource checked_input(input, content);
  ADTGW_TRY(SealEnvelope(seal, checked_input, input.size(), envelope, &sealed));
  RecordFileReport report = content.Finish();
  if (!report.ok()) {
    const std::string& shown = request.file_name.empty() ? request.path : request.file_name;
    if (content_problems != nullptr) *content_problems = DomainFileProblemLines(shown, report);
    return InvalidDomainFileError(shown, report,
                                  "nothing was sent; fix the lines listed (docs/formats.md), "
                                  "check with adtgw validate, then send again");
  }
  manifest.envelope_size = sealed.size;
  manifest.envelope_sha256 = sealed.sha256;
  ADTGW_ASSIGN(std::vector<uint8_t> signature,
               SignManifest(manifest, {cert_.get(), key_.get()}, manifest.created));
  prepared.manifest = ManifestToJson(manifest);
  prepared.signature.assign(signature.begin(), signature.end());
  prepared.envelope_size = sealed.size;
  prepared.envelope_sha256 = sealed.sha256;
  return prepared;
}

Result<SentTransfer> TransferSender::Send(GatewayApi& api, const SendRequest& request,
                                          const PhaseCallback& phase,
                                          const ProgressCallback& progress,
                                          std::vector<std::string>* content_problems) {
  ADTGW_ASSIGN(ScratchFile envelope, ScratchFile::Create("send"));
  ADTGW_ASSIGN(PreparedTransfer prepared, Prepare(api, request, envelope, phase, content_problems));
  ADTGW_TRY(envelope.Close());
  prepared.envelope_path = envelope.path();
  return Deliver(api, prepared, DeliveryOptions{}, phase, progress);
}

Result<SentTransfer> TransferSender::Deliver(GatewayApi& api, const PreparedTransfer& prepared,
                                             const DeliveryOptions& options,
                                             const PhaseCallback& phase,
                                             const ProgressCallback& progress) {
  SentTransfer sent;
  sent.recipients = prepared.recipients;
  sent.content_size = prepared.content_size;
  sent.envelope_size = prepared.envelope_size;
  sent.envelope_sha256 = ToHex(prepared.envelope_sha256);
  const SignedDocument offer{prepared.manifest, prepared.signature};
  const RetryPolicy& retry = options.retry;

  // Offer (safe to repeat: same manifest, same idempotency key), then upload from the
  // gateway's durable offset until complete, backing off on transient failures.
  std::optional<Error> last;
  std::string id = options.transfer_id;
  uint64_t offset = 0;
  int attempt = 0;
  for (; attempt < retry.max_attempts; ++attempt) {
    if (attempt > 0) {
      auto delay = retry.Delay(attempt);
      if (retry.deadline && std::chrono::steady_clock::now() + delay > *retry.deadline) break;
      std::this_thread::sleep_for(delay);
    }
    if (id.empty()) {
      auto view = api.Offer(offer);
      if (!view.ok()) {
        if (!retry.Retries(view.error())) return std::move(view).error();
        last = std::move(view).error();
        continue;
      }
      id = view->id;
      offset = view->upload_offset;
      if (options.on_offered) ADTGW_TRY(options.on_offered(id));
    } else {
      // A completed transfer answers with its size: the status below has the receipt.
      auto at = api.UploadOffset(id);
      if (!at.ok()) {
        if (!retry.Retries(at.error())) return std::move(at).error();
        last = std::move(at).error();
        continue;
      }
      offset = *at;
    }
    if (phase) phase("uploading", prepared.envelope_size);
    ++sent.attempts;
    GatewayApi::UploadOutcome outcome;
    if (offset == prepared.envelope_size) {
      // Every byte arrived, but the answer was lost: the status holds the receipt, or,
      // if the gateway stopped before completing, an empty PATCH completes it now.
      auto status = api.Status(id);
      if (!status.ok()) {
        if (!retry.Retries(status.error())) return std::move(status).error();
        last = std::move(status).error();
        continue;
      }
      if (status->state == "abandoned" || status->state == "expired") {
        return MakeError(ErrorKind::kConflict, "transfer." + status->state,
                         "transfer " + id + " is " + status->state +
                             (status->reason.empty() ? "" : " (" + status->reason + ")"),
                         "send the file again: it makes a new transfer");
      }
      outcome.offset = offset;
      if (!status->receipt.empty()) outcome.receipt = status->receipt;
    }
    if (!outcome.receipt) {
      auto uploaded =
          api.Upload(id, prepared.envelope_path, offset, prepared.envelope_size, progress);
      if (!uploaded.ok()) {
        if (!retry.Retries(uploaded.error())) return std::move(uploaded).error();
        last = std::move(uploaded).error();
        continue;
      }
      outcome = std::move(uploaded).value();
    }
    if (!outcome.receipt) {
      last = MakeError(ErrorKind::kUnavailable, "upload.incomplete",
                       "the gateway stored " + std::to_string(outcome.offset) + " of " +
                           std::to_string(prepared.envelope_size) + " bytes");
      continue;
    }
    sent.transfer_id = id;
    sent.receipt_json = *outcome.receipt;
    auto receipt = ParseReceipt(AsBytes(sent.receipt_json));
    if (!receipt.ok()) return std::move(receipt).error();
    if (receipt->transfer_id != id || receipt->envelope_sha256 != prepared.envelope_sha256 ||
        receipt->envelope_size != prepared.envelope_size || receipt->sender != party_) {
      return MakeError(ErrorKind::kIntegrity, "receipt.mismatch",
                       "the gateway's receipt does not describe the envelope that was sent",
                       "report this to the gateway operator; keep the receipt");
    }
    sent.receipt = std::move(receipt).value();
    if (phase) phase("done", prepared.envelope_size);
    return sent;
  }
  Error e = last.value_or(MakeError(ErrorKind::kUnavailable, "net.unreachable", "no attempt made"));
  e.message += " (after " + std::to_string(attempt) + " attempt" + (attempt == 1 ? "" : "s") + ")";
  if (!id.empty() && options.transfer_id.empty() && !options.on_offered) {
    e.hint = "transfer " + id + " stays incomplete at the gateway (adtgw status " + id +
             "); sending the file again makes a new transfer. " + e.hint;
  }
  return e;
}

std::chrono::milliseconds RetryPolicy::Delay(int attempt) const {
  // first_delay doubling per attempt, capped; with jitter, a random point in its upper half.
  auto delay = first_delay;
  for (int i = 1; i < attempt && delay < max_delay; ++i) delay *= 2;
  delay = std::min(delay, max_delay);
  if (jitter && delay.count() > 1) {
    thread_local std::mt19937_64 random{std::random_device{}()};
    delay = std::chrono::milliseconds(
        std::uniform_int_distribution<int64_t>(delay.count() / 2, delay.count())(random));
  }
  return delay;
}

bool RetryPolicy::Retries(const Error& e) const {
  return IsTransientSendError(e) || (retry_handshake_failures && e.code == "tls.handshake_failed");
}

bool IsTransientSendError(const Error& e) {
  return e.kind == ErrorKind::kUnavailable || e.code == "upload.in_progress" ||
         e.code == "upload.offset_mismatch";
}

}  // namespace adtgw
