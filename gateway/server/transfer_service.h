// TransferService: what the gateway does for each API call (docs/api.md), without any
// HTTP. The HTTPS layer (https_server.h) identifies the TLS peer, calls one method per
// request and turns the result into a response; everything that decides (signature and
// SMKI checks, the policy, upload offsets and hashes, who may see what) lives here, so
// it can be tested without a network.
//
// Ordering guarantees the API promises:
// - A transfer is offered with its manifest and detached signature; the signature, the
//   signer's SMKI certificate (chain, CRL, ARL, profile), the binding of signer to TLS
//   party and the policy are all checked before the transfer exists, so no envelope byte
//   is ever accepted for a refused transfer.
// - Envelope bytes are appended durably (DocumentStore::Append) while hashed; the upload
//   becomes a received transfer only when its size and SHA-256 match the manifest.
// - A repeated offer (same sender and idempotency key, same manifest) returns the same
//   transfer; a different manifest under a used key is a conflict.
//
// Audit (docs/audit-log.md, "Events"): every decision the service takes is recorded in
// the audit log before it is answered: offers accepted or refused (with the reason
// code), envelopes stored, uploads abandoned, downloads, acknowledgements, expiries and
// every other refused request. When an event that grants something cannot be logged,
// the grant is withdrawn and the caller gets audit.unavailable (fail closed); a refusal
// stays a refusal either way. The receipt cites the envelope.stored entry with its
// inclusion proof in a signed checkpoint.
//
// Ownership: the service borrows the policy holder, both stores and the audit log,
// which must outlive it. Thread safety: every method may be called from any thread; one upload has
// at most one writer at a time (a second one gets upload.in_progress).
#pragma once

#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "certs/trust_store.h"
#include "crypto/byte_stream.h"
#include "crypto/sha256.h"
#include "gateway/audit/audit_log.h"
#include "gateway/store/document_store.h"
#include "gateway/store/metadata_store.h"
#include "gateway/transfer/api_messages.h"
#include "gateway/transfer/manifest.h"
#include "policies/policy_holder.h"

namespace adtgw {

// The TLS peer of a connection (its verified DCCKI client certificate).
struct PeerCertificate {
  Sha256Digest fingerprint{};
  std::string subject;      // for people: SubjectText (certs/trust_store.h)
  std::string subject_key;  // for matching: CanonicalNameKey (certs/distinguished_name.h)
};

// Who is calling: the party the policy maps the peer to, under the policy that did so.
struct Caller {
  std::shared_ptr<const Policy> policy;
  uint32_t party = 0;  // index into policy->parties
  Eui64 eui64;
  PeerCertificate peer;
};

struct UploadProgress {
  TransferRecord record;
  uint64_t offset = 0;  // bytes durably stored (== envelope_size once received)
};

struct OfferOutcome {
  UploadProgress progress;
  bool is_new = false;
};

class TransferService;

// One PATCH's worth of envelope bytes for one upload. Obtained from BeginAppend; bytes
// are hashed as they arrive and made durable every `append_chunk` bytes. Finish() ends
// the request; destroying a writer without Finish() (a broken connection) keeps what
// arrived durable, so the sender resumes from there.
class UploadWriter {
 public:
  ~UploadWriter();
  UploadWriter(const UploadWriter&) = delete;
  UploadWriter& operator=(const UploadWriter&) = delete;

  Status Write(std::span<const uint8_t> data);

  struct Finished {
    uint64_t offset = 0;
    std::optional<std::string> receipt;  // set when this request completed the upload
  };
  // Makes everything received durable; when the envelope is complete, checks its
  // SHA-256 against the manifest (upload.hash_mismatch abandons the transfer),
  // commits it and answers with the receipt.
  Result<Finished> Finish(std::time_t now);

  uint64_t offset() const { return durable_ + buffer_.size(); }

 private:
  friend class TransferService;
  UploadWriter(TransferService& service, TransferRecord record, StorageKey key, uint64_t durable,
               uint64_t limit, std::unique_ptr<Sha256> hash);
  Status Flush(bool then_commit = false);

  TransferService& service_;
  TransferRecord record_;
  StorageKey key_;
  uint64_t durable_;
  uint64_t limit_;  // this request may not go past this offset
  std::unique_ptr<Sha256> hash_;
  std::vector<uint8_t> buffer_;
  bool finished_ = false;
};

class TransferService {
 public:
  struct Options {
    size_t append_chunk = 4 << 20;         // bytes buffered before a durable append
    std::time_t manifest_max_age = 86400;  // an older manifest is refused (replay)
    std::time_t manifest_max_skew = 300;   // a manifest from further in the future too
  };

  TransferService(PolicyHolder& policy, DocumentStore& documents, MetadataStore& metadata,
                  AuditLog& audit, Options options);

  // Records an event that is not a transfer's (gateway started or stopped, a policy
  // loaded, a TLS client refused at the handshake or a malformed HTTP request).
  ::adtgw::Status RecordEvent(AuditEntry entry);

  // Maps a TLS peer to a party under the current policy; tls.unknown_client otherwise.
  Result<Caller> Identify(const PeerCertificate& peer) const;

  Result<OfferOutcome> Offer(const Caller& caller, std::span<const uint8_t> manifest,
                             std::span<const uint8_t> signature, std::time_t now);

  // The sender's view of an upload: how much is durably stored.
  Result<UploadProgress> Progress(const Caller& caller, const std::string& id);

  // Starts a PATCH at `offset` carrying `length` bytes. Refuses before any byte is read:
  // not the sender, not receiving, wrong offset, past the declared size, already busy.
  Result<std::unique_ptr<UploadWriter>> BeginAppend(const Caller& caller, const std::string& id,
                                                    uint64_t offset, uint64_t length);

  // The sender and the recipients may read a transfer; nobody else.
  Result<TransferRecord> Status(const Caller& caller, const std::string& id);

  Result<std::vector<TransferRecord>> Inbox(const Caller& caller);

  // A party's directory entry (its roles and whom it may act for), for the caller
  // itself and for the parties some rule lets send to the caller, whose files the
  // caller must check; party.not_found for everybody else, as for an unknown EUI-64.
  Result<PartyView> Party(const Caller& caller, const std::string& eui64);

  struct Download {
    TransferRecord record;
    std::unique_ptr<ByteSource> envelope;
  };
  // Only a named recipient may download, and only while the envelope is kept.
  Result<Download> OpenDownload(const Caller& caller, const std::string& id);
  // Called once the whole envelope has been sent to the recipient.
  ::adtgw::Status MarkDownloaded(const Caller& caller, const std::string& id, std::time_t now);

  // Records a recipient's signed acknowledgement; returns the transfer afterwards.
  Result<TransferRecord> Acknowledge(const Caller& caller, const std::string& id,
                                     std::span<const uint8_t> ack,
                                     std::span<const uint8_t> signature, std::time_t now);

  // Deletes envelopes older than the policy's retention (metadata is kept, state
  // expired) and drops uploads that never completed within it (state abandoned);
  // returns how many. A deletion that fails does not stop the sweep; the first such
  // error is returned after it.
  Result<size_t> ExpireEnvelopes(std::time_t now);

  // After a crash: uploads with no transfer are dropped, uploads that were committed
  // but not yet recorded are finished (checked against the manifest first).
  ::adtgw::Status Recover(std::time_t now);

  AuditLog& audit() { return audit_; }

 private:
  Result<OfferOutcome> CheckOffer(const Caller& caller, const VerifiedManifest& vm,
                                  std::span<const uint8_t> manifest,
                                  std::span<const uint8_t> signature, std::time_t now);
  // Logs a refusal (best effort: a refusal stands even if it cannot be logged) and
  // returns it.
  Error Refused(Error error, AuditEntry entry);
  // Logs envelope.stored and records the transfer as received with its receipt; when
  // the log cannot take it, the envelope is deleted and the transfer abandoned.
  Result<std::string> Stored(const TransferRecord& record, const Sha256Digest& digest,
                             std::time_t now, bool recovered);
  // The metadata store keeps a received transfer's receipt without the log's evidence
  // (entry, checkpoint, proof: most of its bytes); a full view proves it again against
  // the log's newest checkpoint, after checking that the entry at its index is this
  // transfer's envelope.stored. Anything else stored there (a receipt stored whole by
  // an earlier adtgw) is left as it is. Nothing is written either way.
  ::adtgw::Status ProveReceipt(TransferRecord* record);
  // The checks behind Progress, BeginAppend, OpenDownload and Acknowledge, which log
  // what these refuse.
  Result<UploadProgress> ProgressOf(const Caller& caller, const std::string& id);
  Result<std::unique_ptr<UploadWriter>> OpenAppend(const Caller& caller, const std::string& id,
                                                   uint64_t offset, uint64_t length);
  Result<Download> OpenDownloadChecked(const Caller& caller, const std::string& id);
  Result<TransferRecord> AcknowledgeChecked(const Caller& caller, const std::string& id,
                                            std::span<const uint8_t> ack,
                                            std::span<const uint8_t> signature, std::time_t now);
  friend class UploadWriter;
  Result<TransferRecord> ReadableBy(const Caller& caller, const std::string& id);
  // The answer to an offer whose idempotency key exists already.
  Result<OfferOutcome> Repeated(TransferRecord stored, std::span<const uint8_t> manifest_bytes);
  Result<std::unique_ptr<Sha256>> HashOfStoredPrefix(const StorageKey& key, uint64_t offset);
  std::optional<CertificateId> TakeSigner(const std::string& id);
  void ReleaseWriter(const std::string& id, uint64_t offset, std::unique_ptr<Sha256> hash);
  Result<std::string> CompleteUpload(const TransferRecord& record, const StorageKey& key,
                                     const Sha256Digest& digest, std::time_t now);

  PolicyHolder& policy_;
  DocumentStore& documents_;
  MetadataStore& metadata_;
  AuditLog& audit_;
  Options options_;

  struct Resumable {
    uint64_t offset = 0;
    std::unique_ptr<Sha256> hash;  // covers exactly [0, offset)
  };
  std::mutex mu_;
  std::map<std::string, bool> writing_;         // transfer ids with an active writer
  std::map<std::string, Resumable> resumable_;  // hash state of suspended uploads
  // The manifest signer of each upload offered since start, until it ends: its entries
  // name the signer without verifying the manifest signature again.
  std::map<std::string, CertificateId> signers_;
};

}  // namespace adtgw
