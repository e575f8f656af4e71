#include "gateway/server/transfer_service.h"

#include <algorithm>

#include "certs/trust_store.h"
#include "crypto/byte_stream.h"
#include "crypto/encoding.h"
#include "gateway/audit/merkle_tree.h"
#include "gateway/common/strict_json.h"
#include "gateway/server/transfer_rules.h"
#include "gateway/transfer/acknowledgement.h"
#include "gateway/transfer/manifest.h"
#include "gateway/transfer/receipt.h"
#include "policies/policy_evaluator.h"

namespace adtgw {

using namespace transfer_rules;  // NOLINT(google-build-using-namespace): this service's own rules

namespace {

// Which kind of error a policy denial is (docs/api.md maps kinds to HTTP statuses).
ErrorKind DenialKind(std::string_view reason) {
  if (reason == "policy.unknown_party") return ErrorKind::kUnauthenticated;
  if (reason == "policy.too_large") return ErrorKind::kTooLarge;
  return ErrorKind::kDenied;
}

// The receipt without its audit-log evidence (Stored adds it).
Receipt ReceiptFor(const TransferRecord& r, const Sha256Digest& digest, std::time_t now) {
  Receipt receipt;
  receipt.transfer_id = r.id;
  receipt.sender = r.sender;
  receipt.recipients = r.recipients;
  receipt.file_type = r.file_type;
  receipt.file_name = r.file_name;
  receipt.envelope_sha256 = digest;
  receipt.envelope_size = r.envelope_size;
  receipt.received_at = now;
  receipt.policy_sha256 = ParseHexDigest(r.policy_sha256).value_or(Sha256Digest{});
  receipt.rule = r.rule;
  return receipt;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// UploadWriter

UploadWriter::UploadWriter(TransferService& service, TransferRecord record, StorageKey key,
                           uint64_t durable, uint64_t limit, std::unique_ptr<Sha256> hash)
    : service_(service),
      record_(std::move(record)),
      key_(std::move(key)),
      durable_(durable),
      limit_(limit),
      hash_(std::move(hash)) {}

UploadWriter::~UploadWriter() {
  if (finished_) return;
  // A broken request: keep what arrived, so the sender resumes after it. When the
  // append fails the bytes are dropped and the hash restarts from the store.
  if (Flush().ok()) {
    service_.ReleaseWriter(record_.id, durable_, std::move(hash_));
  } else {
    service_.ReleaseWriter(record_.id, 0, nullptr);
  }
}

Status UploadWriter::Write(std::span<const uint8_t> data) {
  if (offset() + data.size() > limit_) {
    return MakeError(ErrorKind::kTooLarge, "upload.too_large",
                     "the request carries more bytes than its Content-Length said");
  }
  hash_->Update(data);
  buffer_.insert(buffer_.end(), data.begin(), data.end());
  if (buffer_.size() >= service_.options_.append_chunk) ADTGW_TRY(Flush());
  return OkStatus();
}

Status UploadWriter::Flush(bool then_commit) {
  if (buffer_.empty()) return OkStatus();
  ADTGW_ASSIGN(durable_, service_.documents_.Append(key_, durable_, buffer_, then_commit));
  buffer_.clear();
  return OkStatus();
}

Result<UploadWriter::Finished> UploadWriter::Finish(std::time_t now) {
  // The request that completes the envelope commits it at once: Commit's sync covers
  // the last bytes too. A hash mismatch then discards them anyway.
  Status flushed = Flush(/*then_commit=*/offset() == record_.envelope_size);
  if (!flushed.ok()) return std::move(flushed).error();
  finished_ = true;
  if (durable_ < record_.envelope_size) {
    service_.ReleaseWriter(record_.id, durable_, std::move(hash_));
    return Finished{durable_, std::nullopt};
  }
  Sha256Digest digest = hash_->Finish();
  auto receipt = service_.CompleteUpload(record_, key_, digest, now);
  service_.ReleaseWriter(record_.id, 0, nullptr);
  if (!receipt.ok()) return std::move(receipt).error();
  return Finished{durable_, std::move(receipt).value()};
}

// ---------------------------------------------------------------------------------------
// TransferService

TransferService::TransferService(PolicyHolder& policy, DocumentStore& documents,
                                 MetadataStore& metadata, AuditLog& audit, Options options)
    : policy_(policy),
      documents_(documents),
      metadata_(metadata),
      audit_(audit),
      options_(options) {}

Status TransferService::RecordEvent(AuditEntry entry) {
  auto logged = audit_.Append(entry);
  if (!logged.ok()) return std::move(logged).error();
  return OkStatus();
}

Error TransferService::Refused(Error error, AuditEntry entry) {
  if (entry.event == audit_event::kTransferOffered) entry.outcome = "refused";
  entry.reason = error.code;
  (void)audit_.Append(entry);
  // No existence oracle: a non-party is answered exactly as for an id that does not
  // exist; the entry above records the truth.
  if (error.code == kNotParty) return NotFound(entry.transfer_id);
  return error;
}

Result<Caller> TransferService::Identify(const PeerCertificate& peer) const {
  Caller caller;
  caller.policy = policy_.Current();
  caller.peer = peer;
  const Policy& p = *caller.policy;
  auto by_fp = p.party_by_fingerprint.find(peer.fingerprint);
  if (by_fp != p.party_by_fingerprint.end()) {
    caller.party = by_fp->second;
  } else {
    auto by_subject = p.party_by_subject.find(peer.subject_key);
    if (by_subject == p.party_by_subject.end()) {
      AuditEntry e;
      e.at = std::time(nullptr);
      e.event = audit_event::kTlsClientRefused;
      e.peer = peer.subject.substr(0, 200) + " sha256:" + ToHex(peer.fingerprint);
      e.policy_sha256 = ToHex(p.canonical_sha256);
      (void)audit_.Append(e);
      return MakeError(ErrorKind::kUnauthenticated, "tls.unknown_client",
                       "the TLS client certificate (" + peer.subject.substr(0, 200) +
                           ") is not mapped to any party by the gateway's policy",
                       "ask the gateway operator to add your DCCKI certificate's SHA-256 "
                       "fingerprint to your party in the policy");
    }
    caller.party = by_subject->second;
  }
  caller.eui64 = p.parties[caller.party].eui64;
  return caller;
}

Result<OfferOutcome> TransferService::Offer(const Caller& caller,
                                            std::span<const uint8_t> manifest_bytes,
                                            std::span<const uint8_t> signature, std::time_t now) {
  // What the offer claims is recorded even when it is refused: an attempt to send in
  // another party's name is exactly what an auditor looks for.
  AuditEntry e;
  e.at = now;
  e.event = audit_event::kTransferOffered;
  e.actor = caller.eui64;
  auto claims = [&e](const Manifest& m) {
    e.sender = m.sender;
    e.recipients = m.recipients;
    e.file_type = m.file_type;
    e.envelope_sha256 = ToHex(m.envelope_sha256);
    e.envelope_size = m.envelope_size;
  };
  auto vm = VerifyManifest(manifest_bytes, signature);
  if (!vm.ok()) {
    // Parsed again only here, for the record: the signature did not verify.
    if (auto claimed = ParseManifest(manifest_bytes); claimed.ok()) claims(*claimed);
    return Refused(std::move(vm).error(), std::move(e));
  }
  claims(vm->manifest);
  SetSigner(vm->signature.signer.get(), e);
  auto outcome = CheckOffer(caller, *vm, manifest_bytes, signature, now);
  if (!outcome.ok()) return Refused(std::move(outcome).error(), std::move(e));
  if (!outcome->is_new) return outcome;  // a retry: the first offer was logged
  const TransferRecord& r = outcome->progress.record;
  e.outcome = "accepted";
  e.transfer_id = r.id;
  e.rule = r.rule;
  e.policy_sha256 = r.policy_sha256;
  auto logged = audit_.Append(e);
  if (logged.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    signers_[r.id] = CertificateId{e.signer_issuer, e.signer_serial};
  }
  if (!logged.ok()) {
    // Nothing is granted that the log does not show.
    (void)metadata_.Transition(r.id, TransferState::kReceiving, TransferState::kAbandoned,
                               "audit.unavailable", now);
    (void)documents_.AbandonUpload(StorageKey::Parse(r.storage_key).value());
    return std::move(logged).error();
  }
  return outcome;
}

Result<OfferOutcome> TransferService::CheckOffer(const Caller& caller, const VerifiedManifest& vm,
                                                 std::span<const uint8_t> manifest_bytes,
                                                 std::span<const uint8_t> signature,
                                                 std::time_t now) {
  const Manifest& m = vm.manifest;
  const Policy& policy = *caller.policy;
  if (m.sender != caller.eui64) {
    return MakeError(ErrorKind::kDenied, "policy.tls_signer_mismatch",
                     "the manifest's sender " + m.sender.ToString() +
                         " is not the party of your TLS certificate (" + caller.eui64.ToString() +
                         ")",
                     "send files in your own name, with your own TLS and SMKI credentials");
  }
  ADTGW_TRY(CheckSigner(vm.signature.signer.get(), policy, m.sender, "manifest"));
  // A repeated offer is answered from what exists, before the clock and the policy are
  // consulted again: a retry must not fail on a limit its own first attempt used up.
  ADTGW_ASSIGN(std::optional<TransferRecord> existing,
               metadata_.FindByIdempotencyKey(m.sender, m.idempotency_key));
  if (existing) return Repeated(std::move(*existing), manifest_bytes);
  if (m.created > now + options_.manifest_max_skew) {
    return MakeError(ErrorKind::kInvalidInput, "manifest.from_future",
                     "the manifest was created at " + FormatTime(m.created) +
                         ", later than the gateway's clock allows",
                     "check the sending machine's clock");
  }
  if (m.created < now - options_.manifest_max_age) {
    return MakeError(ErrorKind::kInvalidInput, "manifest.stale",
                     "the manifest was created at " + FormatTime(m.created) +
                         ", more than a day ago; an old manifest is refused as a replay",
                     "send the file again: adtgw send makes a fresh manifest");
  }
  ADTGW_ASSIGN(uint32_t sent_today, metadata_.SentOnDay(m.sender, now - now % kDay));
  PolicyRequest request;
  request.tls = {caller.peer.fingerprint, caller.peer.subject_key};
  request.signer = m.sender;
  request.file_type = m.file_type;
  request.size = m.envelope_size;
  request.recipients = m.recipients;
  request.at = now;
  request.sent_today = sent_today;
  auto denied = [&](const PolicyDecision& d) {
    return MakeError(DenialKind(d.reason), std::string(d.reason),
                     ExplainDecision(policy, request, d),
                     "the gateway's policy decides who may send what to whom (docs/policy.md)");
  };
  PolicyDecision decision = Decide(policy, request);
  if (!decision.allow) return denied(decision);

  ADTGW_ASSIGN(StorageKey key, documents_.BeginUpload());
  TransferRecord r;
  r.id = StorageKey::Generate().str();
  r.sender = m.sender;
  r.recipients = m.recipients;
  std::sort(r.recipients.begin(), r.recipients.end());
  r.idempotency_key = m.idempotency_key;
  r.file_type = m.file_type;
  r.file_name = m.file_name;
  r.envelope_sha256 = ToHex(m.envelope_sha256);
  r.envelope_size = m.envelope_size;
  r.storage_key = key.str();
  r.state = TransferState::kReceiving;
  r.created = r.updated = now;
  r.manifest.assign(manifest_bytes.begin(), manifest_bytes.end());
  r.signature.assign(signature.begin(), signature.end());
  r.rule = std::string(decision.rule);
  r.policy_sha256 = ToHex(policy.canonical_sha256);
  // The daily limit is reserved with the transfer, in the store's own transaction: the
  // count read above only refuses early; racing offers are settled here.
  const uint32_t sender_index = policy.party_by_eui.at(m.sender);
  const uint32_t limit = policy.parties[sender_index].daily_limit;
  auto created = metadata_.CreateOrGet(r, limit);
  if (!created.ok() || !created->is_new) (void)documents_.AbandonUpload(key);
  if (!created.ok()) return std::move(created).error();
  if (created->over_quota) {
    // Other offers took the rest of the day's quota after this one's policy check:
    // the same decision as if they had been counted.
    request.sent_today = std::max(sent_today, limit);
    PolicyDecision refused = Decide(policy, request);
    if (refused.allow) {
      refused = PolicyDecision{false, "policy.daily_limit", "daily_limit",
                               static_cast<int32_t>(sender_index), -1};
    }
    return denied(refused);
  }
  if (!created->is_new) return Repeated(std::move(created->record), manifest_bytes);
  ADTGW_ASSIGN(uint64_t offset, documents_.UploadOffset(key));
  return OfferOutcome{UploadProgress{std::move(created->record), offset}, true};
}

Result<OfferOutcome> TransferService::Repeated(TransferRecord stored,
                                               std::span<const uint8_t> manifest_bytes) {
  if (stored.manifest.size() != manifest_bytes.size() ||
      !std::equal(manifest_bytes.begin(), manifest_bytes.end(), stored.manifest.begin())) {
    return MakeError(ErrorKind::kConflict, "transfer.idempotency_conflict",
                     "idempotency key " + stored.idempotency_key +
                         " was already used by transfer " + stored.id +
                         " with a different manifest",
                     "each manifest needs its own idempotency key (adtgw send makes one)");
  }
  if (stored.state != TransferState::kReceiving) {
    return MakeError(ErrorKind::kConflict, "transfer.replayed",
                     "this manifest was already used: transfer " + stored.id + " is " +
                         TransferStateName(stored.state),
                     "adtgw status " + stored.id + " shows it; a manifest is used once");
  }
  ADTGW_ASSIGN(uint64_t offset,
               documents_.UploadOffset(StorageKey::Parse(stored.storage_key).value()));
  return OfferOutcome{UploadProgress{std::move(stored), offset}, false};
}

Result<TransferRecord> TransferService::ReadableBy(const Caller& caller, const std::string& id) {
  auto parsed = StorageKey::Parse(id);  // refuses anything path-like
  if (!parsed.ok()) return NotFound(id);
  auto record = metadata_.Get(parsed->str());
  if (!record.ok()) {
    if (record.error().kind == ErrorKind::kNotFound) return NotFound(id);
    return std::move(record).error();
  }
  if (!IsParty(*record, caller.eui64)) {
    return MakeError(ErrorKind::kDenied, kNotParty,
                     "transfer " + id + " is neither from nor to " + caller.eui64.ToString(),
                     "only the sender and the recipients may see a transfer");
  }
  return record;
}

Result<UploadProgress> TransferService::Progress(const Caller& caller, const std::string& id) {
  auto progress = ProgressOf(caller, id);
  if (!progress.ok()) {
    return Refused(std::move(progress).error(), RequestEntry(caller, "HEAD envelope", id));
  }
  return progress;
}

Result<UploadProgress> TransferService::ProgressOf(const Caller& caller, const std::string& id) {
  ADTGW_ASSIGN(TransferRecord r, ReadableBy(caller, id));
  if (r.sender != caller.eui64) {
    return MakeError(ErrorKind::kDenied, "transfer.not_sender",
                     "only the sender may upload to transfer " + id);
  }
  if (r.state == TransferState::kAbandoned) {
    return MakeError(ErrorKind::kConflict, "transfer.abandoned",
                     "transfer " + id + " was abandoned: " + r.reason,
                     "send the file again with a new manifest");
  }
  if (r.state != TransferState::kReceiving) return UploadProgress{r, r.envelope_size};
  ADTGW_ASSIGN(uint64_t offset, documents_.UploadOffset(StorageKey::Parse(r.storage_key).value()));
  return UploadProgress{std::move(r), offset};
}

Result<std::unique_ptr<Sha256>> TransferService::HashOfStoredPrefix(const StorageKey& key,
                                                                    uint64_t offset) {
  auto hash = std::make_unique<Sha256>();
  if (offset == 0) return hash;
  ADTGW_ASSIGN(std::unique_ptr<ByteSource> source, documents_.OpenUpload(key));
  std::vector<uint8_t> buf(1 << 20);
  uint64_t left = offset;
  while (left > 0) {
    ADTGW_ASSIGN(size_t n,
                 source->Read(std::span<uint8_t>(
                     buf.data(), static_cast<size_t>(std::min<uint64_t>(left, buf.size())))));
    if (n == 0) {
      return MakeError(ErrorKind::kIo, "store.short_read", "an upload is shorter than its offset");
    }
    hash->Update(std::span<const uint8_t>(buf.data(), n));
    left -= n;
  }
  return hash;
}

Result<std::unique_ptr<UploadWriter>> TransferService::BeginAppend(const Caller& caller,
                                                                   const std::string& id,
                                                                   uint64_t offset,
                                                                   uint64_t length) {
  auto writer = OpenAppend(caller, id, offset, length);
  if (!writer.ok()) {
    return Refused(std::move(writer).error(), RequestEntry(caller, "PATCH envelope", id));
  }
  return writer;
}

Result<std::unique_ptr<UploadWriter>> TransferService::OpenAppend(const Caller& caller,
                                                                  const std::string& id,
                                                                  uint64_t offset,
                                                                  uint64_t length) {
  ADTGW_ASSIGN(UploadProgress progress, ProgressOf(caller, id));
  TransferRecord& r = progress.record;
  if (r.state != TransferState::kReceiving) {
    return MakeError(
        ErrorKind::kConflict, "upload.complete",
        "transfer " + id + " has all its bytes already (" + TransferStateName(r.state) + ")",
        "adtgw status " + id);
  }
  if (offset != progress.offset) {
    return MakeError(ErrorKind::kConflict, "upload.offset_mismatch",
                     "Upload-Offset " + std::to_string(offset) + " is not the stored offset " +
                         std::to_string(progress.offset),
                     "ask with HEAD for the offset and resume from it");
  }
  if (length > r.envelope_size - offset) {
    return MakeError(ErrorKind::kTooLarge, "upload.too_large",
                     "the envelope would be " + std::to_string(offset + length) +
                         " bytes; the manifest declared " + std::to_string(r.envelope_size),
                     "upload exactly the envelope the manifest describes");
  }
  std::unique_ptr<Sha256> hash;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (writing_.count(id) != 0) {
      return MakeError(ErrorKind::kConflict, "upload.in_progress",
                       "another request is uploading transfer " + id + " right now",
                       "wait for it to end, then ask with HEAD for the offset");
    }
    writing_[id] = true;
    auto it = resumable_.find(id);
    if (it != resumable_.end()) {
      if (it->second.offset == offset) hash = std::move(it->second.hash);
      resumable_.erase(it);
    }
  }
  StorageKey key = StorageKey::Parse(r.storage_key).value();
  if (!hash) {
    auto rehashed = HashOfStoredPrefix(key, offset);
    if (!rehashed.ok()) {
      ReleaseWriter(id, 0, nullptr);
      return std::move(rehashed).error();
    }
    hash = std::move(rehashed).value();
  }
  return std::unique_ptr<UploadWriter>(new UploadWriter(*this, std::move(r), std::move(key), offset,
                                                        offset + length, std::move(hash)));
}

std::optional<CertificateId> TransferService::TakeSigner(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = signers_.find(id);
  if (it == signers_.end()) return std::nullopt;
  CertificateId signer = std::move(it->second);
  signers_.erase(it);
  return signer;
}

void TransferService::ReleaseWriter(const std::string& id, uint64_t offset,
                                    std::unique_ptr<Sha256> hash) {
  std::lock_guard<std::mutex> lock(mu_);
  writing_.erase(id);
  if (hash) resumable_[id] = Resumable{offset, std::move(hash)};
}

Result<std::string> TransferService::CompleteUpload(const TransferRecord& r, const StorageKey& key,
                                                    const Sha256Digest& digest, std::time_t now) {
  if (ToHex(digest) != r.envelope_sha256) {
    (void)documents_.AbandonUpload(key);
    (void)metadata_.Transition(r.id, TransferState::kReceiving, TransferState::kAbandoned,
                               "upload.hash_mismatch", now);
    std::optional<CertificateId> signer = TakeSigner(r.id);
    AuditEntry e =
        TransferEntry(audit_event::kUploadAbandoned, r, now, signer ? &*signer : nullptr);
    e.actor = r.sender;
    e.reason = "upload.hash_mismatch";
    (void)audit_.Append(e);
    return MakeError(ErrorKind::kIntegrity, "upload.hash_mismatch",
                     "the envelope's SHA-256 is " + ToHex(digest) + ", the manifest declared " +
                         r.envelope_sha256 + "; nothing was kept",
                     "send the file again; if it recurs, the envelope is changing in transit");
  }
  ADTGW_TRY(documents_.Commit(key));
  return Stored(r, digest, now, /*recovered=*/false);
}

Result<std::string> TransferService::Stored(const TransferRecord& r, const Sha256Digest& digest,
                                            std::time_t now, bool recovered) {
  std::optional<CertificateId> signer = TakeSigner(r.id);
  AuditEntry e = TransferEntry(audit_event::kEnvelopeStored, r, now, signer ? &*signer : nullptr);
  if (!recovered) e.actor = r.sender;
  auto logged = audit_.AppendProved(e);
  if (!logged.ok()) {
    // Not in the log, so not received: the envelope goes and the sender is told.
    (void)documents_.Remove(StorageKey::Parse(r.storage_key).value());
    (void)metadata_.Transition(r.id, TransferState::kReceiving, TransferState::kAbandoned,
                               "audit.unavailable", now);
    return std::move(logged).error();
  }
  Receipt receipt = ReceiptFor(r, digest, now);
  receipt.log_index = logged->index;
  // Stored without the evidence (ProveReceipt): with it, the row outgrew a page
  // and recording the transfer as received cost ~80 us more per upload (docs/performance.md).
  ADTGW_TRY(metadata_.MarkReceived(r.id, ReceiptToJson(receipt), now));
  receipt.log_entry = std::move(logged->entry);
  receipt.checkpoint = logged->head.note;
  receipt.inclusion_proof = std::move(logged->inclusion);
  return ReceiptToJson(receipt);
}

::adtgw::Status TransferService::ProveReceipt(TransferRecord* record) {
  TransferRecord& r = *record;
  if (r.receipt.empty()) return OkStatus();
  auto stored = ParseReceipt(AsBytes(r.receipt));
  if (!stored.ok() || !stored->checkpoint.empty()) return OkStatus();  // served as stored
  Receipt receipt = std::move(stored).value();
  // Past the head, or an entry that is not this transfer's: the log or the metadata
  // was changed behind the gateway's back: a fault of the gateway (500), not worth
  // retrying (503) and not the caller's (422).
  auto broken = [&](const std::string& why) {
    return MakeError(ErrorKind::kInternal, "audit.receipt_unprovable",
                     "the receipt of transfer " + r.id + " cannot be proved: " + why,
                     "report it to the gateway's operator (adtgw audit verify --full checks "
                     "the log)");
  };
  SignedCheckpoint head = audit_.Latest();
  const std::string index = "entry " + std::to_string(receipt.log_index);
  if (receipt.log_index >= head.checkpoint.size) {
    return broken(index + " is not in the log's newest checkpoint");
  }
  ADTGW_ASSIGN(std::vector<StoredEntry> rows, audit_.Entries(receipt.log_index, 1));
  if (rows.size() != 1 || rows[0].index != receipt.log_index) {
    return broken(index + " cannot be read");
  }
  auto entry = ParseAuditEntry(AsBytes(rows[0].entry));
  if (!entry.ok() || entry->event != audit_event::kEnvelopeStored || entry->transfer_id != r.id ||
      !rows[0].leaf || *rows[0].leaf != merkle::LeafHash(AsBytes(rows[0].entry))) {
    return broken(index + " is not this transfer's envelope.stored");
  }
  ADTGW_ASSIGN(receipt.inclusion_proof,
               audit_.InclusionProof(receipt.log_index, head.checkpoint.size));
  receipt.log_entry = std::move(rows[0].entry);
  receipt.checkpoint = std::move(head.note);
  r.receipt = ReceiptToJson(receipt);
  return OkStatus();
}

}  // namespace adtgw
