#include "gateway/client/transfer_receiver.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "certs/credential_files.h"
#include "certs/trust_store.h"
#include "crypto/envelope.h"
#include "crypto/sha256.h"
#include "gateway/common/atomic_file.h"
#include "gateway/common/file_source.h"
#include "gateway/common/scratch_file.h"
#include "gateway/common/strict_json.h"
#include "gateway/formats/domain_file_check.h"
#include "gateway/transfer/acknowledgement.h"
#include "gateway/transfer/manifest.h"

namespace adtgw {
namespace {

// Hashes what passes through on its way to `next`.
class HashingSink final : public ByteSink {
 public:
  explicit HashingSink(ByteSink& next) : next_(next) {}
  Status Write(std::span<const uint8_t> data) override {
    hash_.Update(data);
    return next_.Write(data);
  }
  Sha256Digest Finish() { return hash_.Finish(); }

 private:
  ByteSink& next_;
  Sha256 hash_;
};

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

// The manifest's file name in `dir`; if taken, the name with the transfer id's first
// eight digits appended, so that nothing is ever overwritten.
Result<std::string> OutputPath(const std::string& dir, const std::string& name,
                               const std::string& id) {
  std::string plain = dir + "/" + name;
  if (!Exists(plain)) return plain;
  std::string tagged = plain + "." + id.substr(0, 8);
  if (!Exists(tagged)) return tagged;
  return MakeError(ErrorKind::kConflict, "output.exists",
                   plain + " and " + tagged + " both exist already",
                   "move the earlier files away and run adtgw receive again");
}

}  // namespace

Result<TransferReceiver> TransferReceiver::New(const ClientConfig& config) {
  if (config.key_agreement_certificate.empty() || config.key_agreement_key.empty()) {
    return MakeError(ErrorKind::kUsage, "config.no_key_agreement",
                     "receiving needs smki.key_agreement_certificate and smki.key_agreement_key",
                     "add your SMKI KA certificate and key to the client configuration");
  }
  ADTGW_ASSIGN(X509Ptr ds_cert, LoadCertificate(config.signing_certificate));
  ADTGW_ASSIGN(EvpPkeyPtr ds_key, LoadPrivateKey(config.signing_key));
  ADTGW_ASSIGN(X509Ptr ka_cert, LoadCertificate(config.key_agreement_certificate));
  ADTGW_ASSIGN(EvpPkeyPtr ka_key, LoadPrivateKey(config.key_agreement_key));
  return TransferReceiver(config.party, config.smki_trust, std::move(ds_cert), std::move(ds_key),
                          std::move(ka_cert), std::move(ka_key),
                          ContentRules(config.srv_catalogue));
}

Result<TransferView> TransferReceiver::Acknowledge(
    GatewayApi& api, const TransferView& view, const std::optional<Error>& problem,
    const std::vector<std::string>& content_problems) {
  Acknowledgement ack;
  ack.transfer_id = view.id;
  ack.recipient = party_;
  auto digest = ParseHexDigest(view.envelope_sha256);
  if (digest) ack.envelope_sha256 = *digest;
  ack.accepted = !problem.has_value();
  if (problem) {
    ack.reason = problem->code.substr(0, 64);
    ack.problems.push_back(AcknowledgementProblem(problem->message));
    for (const std::string& line : content_problems) {
      if (ack.problems.size() == kMaxAcknowledgementProblems) break;
      ack.problems.push_back(AcknowledgementProblem(line));
    }
    // Problems quote what they found, which JSON may need to escape: the last are left
    // out until the acknowledgement fits (the sender can list them all with validate).
    while (ack.problems.size() > 1 && AcknowledgementToJson(ack).size() > kMaxAcknowledgementSize) {
      ack.problems.pop_back();
    }
  }
  ack.created = std::time(nullptr);
  ADTGW_ASSIGN(std::vector<uint8_t> signature,
               SignAcknowledgement(ack, {ds_cert_.get(), ds_key_.get()}, ack.created));
  return api.Acknowledge(view.id, SignedDocument{AcknowledgementToJson(ack),
                                                 std::string(signature.begin(), signature.end())});
}

Result<ReceivedTransfer> TransferReceiver::Receive(GatewayApi& api, const TransferView& entry,
                                                   const std::string& out_dir,
                                                   const ReceiveJournal& journal,
                                                   const ProgressCallback& progress) {
  ReceivedTransfer out;
  ADTGW_ASSIGN(out.view, api.Status(entry.id));
  const TransferView& view = out.view;

  // A receiver that stopped after recording this transfer in the journal: the temporary
  // file gone means the rename happened, so the file was published (and may already
  // have been taken by a consumer): acknowledge it, never publish it twice.
  ADTGW_ASSIGN(std::optional<JournalEntry> earlier, journal.Find(view.id));
  if (earlier) {
    if (!Exists(earlier->temp_path)) {
      ADTGW_ASSIGN(TransferView after, Acknowledge(api, view, std::nullopt, {}));
      ADTGW_TRY(journal.Forget(view.id));
      out.view = std::move(after);
      out.accepted = true;
      out.path = earlier->final_path;
      struct stat st;
      if (stat(out.path.c_str(), &st) == 0) out.content_size = static_cast<uint64_t>(st.st_size);
      return out;
    }
    unlink(earlier->temp_path.c_str());  // never renamed: receive it again
    ADTGW_TRY(journal.Forget(view.id));
  }

  // Everything below either publishes the file or names why it is refused, except what
  // is ours to fix (`ours`), which leaves the transfer in the inbox.
  std::optional<Error> ours;
  auto check = [&]() -> Result<std::string> {
    ADTGW_ASSIGN(VerifiedManifest vm,
                 VerifyManifest(AsBytes(view.manifest), AsBytes(view.signature)));
    const Manifest& m = vm.manifest;
    ADTGW_ASSIGN(TrustedSmkiCertificate signer,
                 VerifySmkiCertificateFor(vm.signature.signer.get(), *trust_,
                                          SmkiKeyUsage::kDigitalSignature, "the manifest signer"));
    if (signer.identity.eui64 != m.sender || m.sender.ToString() != view.sender) {
      return MakeError(ErrorKind::kIntegrity, "receive.sender_mismatch",
                       "the manifest is signed by " + signer.identity.eui64.ToString() +
                           " but names sender " + m.sender.ToString() + " (gateway says " +
                           view.sender + ")");
    }
    if (std::find(m.recipients.begin(), m.recipients.end(), party_) == m.recipients.end()) {
      return MakeError(ErrorKind::kIntegrity, "receive.not_addressed",
                       "the manifest does not name " + party_.ToString() + " as a recipient");
    }
    if (ToHex(m.envelope_sha256) != view.envelope_sha256 || m.envelope_size != view.envelope_size) {
      return MakeError(ErrorKind::kIntegrity, "receive.manifest_mismatch",
                       "the gateway's description differs from the signed manifest");
    }
    std::optional<DomainFileType> type = ParseDomainFileType(m.file_type);
    if (!type) {
      return MakeError(ErrorKind::kInvalidInput, "receive.unknown_file_type",
                       "the manifest's file type " + m.file_type + " is not one adtgw checks");
    }
    auto content_options = content_.For(
        api, *type,
        {signer.identity.eui64, signer.identity.role == RemotePartyRole::kAccessControlBroker},
        party_);
    if (!content_options.ok()) {
      ours = std::move(content_options).error();
      return *ours;
    }
    ADTGW_ASSIGN(DomainFileCheck content, DomainFileCheck::New(*type, *content_options));
    ADTGW_ASSIGN(ScratchFile envelope, ScratchFile::Create("receive"));
    HashingSink hashing(envelope);
    ADTGW_TRY(api.Download(view.id, m.envelope_size, hashing, progress));
    ADTGW_TRY(envelope.Close());
    if (hashing.Finish() != m.envelope_sha256) {
      return MakeError(ErrorKind::kIntegrity, "receive.hash_mismatch",
                       "the downloaded envelope's SHA-256 is not the one the sender signed");
    }
    ADTGW_ASSIGN(std::string path, OutputPath(out_dir, m.file_name, view.id));
    ADTGW_ASSIGN(FileSource source, FileSource::Open(envelope.path()));
    ADTGW_ASSIGN(AtomicFile file, AtomicFile::Create(path, 0600, /*replace=*/false));
    HashingSink plaintext(file);
    DomainFileCheckedSink checked(plaintext, content);
    ADTGW_ASSIGN(OpenedEnvelope opened,
                 OpenEnvelope({ka_cert_.get(), ka_key_.get()}, source, checked));
    if (X509_cmp(opened.signer.get(), vm.signature.signer.get()) != 0) {
      return MakeError(ErrorKind::kIntegrity, "receive.signer_mismatch",
                       "the file inside was signed by " + SubjectText(opened.signer.get()) +
                           ", not by the manifest's signer",
                       "the sender must sign the file and the manifest with the same DS key");
    }
    RecordFileReport report = content.Finish();
    if (!report.ok()) {
      out.content_problems = DomainFileProblemLines(m.file_name, report);
      return InvalidDomainFileError(m.file_name, report,
                                    "the sender can list every problem with adtgw validate");
    }
    out.content_size = opened.content_size;
    ADTGW_TRY(journal.Record(view.id, {path, file.temp_path(), plaintext.Finish()}));
    if (Status committed = file.Commit(); !committed.ok()) {
      // The temporary file is gone now, which the journal would read as published.
      (void)journal.Forget(view.id);
      return std::move(committed).error();
    }
    return path;
  };
  auto published = check();
  if (!published.ok()) {
    Error e = std::move(published).error();
    // Network trouble, a full disk, a name clash or our catalogue is ours to fix, not
    // the sender's: leave the transfer in the inbox.
    if (ours || e.kind == ErrorKind::kUnavailable || e.kind == ErrorKind::kIo ||
        e.kind == ErrorKind::kConflict || e.kind == ErrorKind::kUnauthenticated) {
      return e;
    }
    out.problem = e;
  } else {
    out.path = *published;
  }
  ADTGW_ASSIGN(TransferView after, Acknowledge(api, view, out.problem, out.content_problems));
  if (!out.problem) ADTGW_TRY(journal.Forget(view.id));
  out.view = std::move(after);
  out.accepted = !out.problem.has_value();
  return out;
}

}  // namespace adtgw
