// TransferService, the recipient's half (transfer_service.h): a transfer's status,
// the inbox, a party's entry, downloads, acknowledgements and the retention sweep.
#include <algorithm>

#include "certs/trust_store.h"
#include "crypto/encoding.h"
#include "gateway/common/strict_json.h"
#include "gateway/server/transfer_rules.h"
#include "gateway/server/transfer_service.h"
#include "gateway/transfer/acknowledgement.h"
#include "policies/policy_evaluator.h"

namespace adtgw {

using namespace transfer_rules;  // NOLINT(google-build-using-namespace): this service's own rules

Result<TransferRecord> TransferService::Status(const Caller& caller, const std::string& id) {
  auto record = ReadableBy(caller, id);
  if (!record.ok()) {
    return Refused(std::move(record).error(), RequestEntry(caller, "GET transfer", id));
  }
  ADTGW_TRY(ProveReceipt(&*record));
  return record;
}

Result<std::vector<TransferRecord>> TransferService::Inbox(const Caller& caller) {
  return metadata_.Inbox(caller.eui64);
}

Result<PartyView> TransferService::Party(const Caller& caller, const std::string& eui64) {
  const Policy& policy = *caller.policy;
  auto eui = Eui64::Parse(eui64);
  auto index = eui.ok() ? policy.party_by_eui.find(*eui) : policy.party_by_eui.end();
  if (index == policy.party_by_eui.end() ||
      (index->second != caller.party && !AnyRuleLetsSend(policy, index->second, caller.party))) {
    AuditEntry entry = RequestEntry(caller, "GET party", "");
    return Refused(MakeError(ErrorKind::kNotFound, "party.not_found",
                             "no party " + eui64.substr(0, 32) + " whose files you receive",
                             "you may read your own entry and those of the parties that may "
                             "send to you (docs/api.md)"),
                   std::move(entry));
  }
  const PolicyParty& party = policy.parties[index->second];
  PartyView view;
  view.eui64 = party.eui64;
  view.name = party.name;
  for (size_t i = 0; i < kPartyRoleCount; ++i) {
    if (party.roles.test(i)) view.roles.push_back(PartyRoleName(static_cast<PartyRole>(i)));
  }
  view.acts_for = party.acts_for;
  return view;
}

Result<TransferService::Download> TransferService::OpenDownload(const Caller& caller,
                                                                const std::string& id) {
  auto download = OpenDownloadChecked(caller, id);
  if (!download.ok()) {
    return Refused(std::move(download).error(), RequestEntry(caller, "GET envelope", id));
  }
  return download;
}

Result<TransferService::Download> TransferService::OpenDownloadChecked(const Caller& caller,
                                                                       const std::string& id) {
  ADTGW_ASSIGN(TransferRecord r, ReadableBy(caller, id));
  if (!IsRecipient(r, caller.eui64)) {
    return MakeError(ErrorKind::kDenied, "transfer.not_recipient",
                     caller.eui64.ToString() + " is not a recipient of transfer " + id,
                     "only the recipients named in the manifest may download the envelope");
  }
  if (!EnvelopeKept(r.state)) {
    return MakeError(ErrorKind::kNotFound, "transfer.no_envelope",
                     "transfer " + id + " is " + TransferStateName(r.state) +
                         ": there is no envelope to download",
                     r.state == TransferState::kExpired ? "the retention period has passed"
                                                        : "wait until the upload is complete");
  }
  ADTGW_ASSIGN(std::unique_ptr<ByteSource> source,
               documents_.Open(StorageKey::Parse(r.storage_key).value()));
  return Download{std::move(r), std::move(source)};
}

::adtgw::Status TransferService::MarkDownloaded(const Caller& caller, const std::string& id,
                                                std::time_t now) {
  ADTGW_TRY(metadata_.RecordDelivery(id, caller.eui64, DeliveryState::kDownloaded, {}, now));
  ADTGW_ASSIGN(TransferRecord r, metadata_.Get(id));
  AuditEntry e = TransferEntry(audit_event::kEnvelopeDownloaded, r, now);
  e.actor = caller.eui64;
  return RecordEvent(std::move(e));
}

Result<TransferRecord> TransferService::Acknowledge(const Caller& caller, const std::string& id,
                                                    std::span<const uint8_t> ack_bytes,
                                                    std::span<const uint8_t> signature,
                                                    std::time_t now) {
  auto record = AcknowledgeChecked(caller, id, ack_bytes, signature, now);
  if (!record.ok() && record.error().code != "audit.unavailable") {
    return Refused(std::move(record).error(), RequestEntry(caller, "POST acknowledgement", id));
  }
  return record;
}

Result<TransferRecord> TransferService::AcknowledgeChecked(const Caller& caller,
                                                           const std::string& id,
                                                           std::span<const uint8_t> ack_bytes,
                                                           std::span<const uint8_t> signature,
                                                           std::time_t now) {
  ADTGW_ASSIGN(TransferRecord r, ReadableBy(caller, id));
  if (!IsRecipient(r, caller.eui64)) {
    return MakeError(ErrorKind::kDenied, "transfer.not_recipient",
                     caller.eui64.ToString() + " is not a recipient of transfer " + id);
  }
  ADTGW_ASSIGN(VerifiedAcknowledgement va, VerifyAcknowledgement(ack_bytes, signature));
  const Acknowledgement& a = va.ack;
  if (a.recipient != caller.eui64) {
    return MakeError(ErrorKind::kDenied, "policy.tls_signer_mismatch",
                     "the acknowledgement is in the name of " + a.recipient.ToString() +
                         ", not of your TLS identity " + caller.eui64.ToString());
  }
  if (a.transfer_id != r.id || ToHex(a.envelope_sha256) != r.envelope_sha256) {
    return MakeError(ErrorKind::kInvalidInput, "ack.wrong_transfer",
                     "the acknowledgement is about another transfer or envelope",
                     "acknowledge the transfer id and envelope SHA-256 you downloaded");
  }
  ADTGW_TRY(CheckSigner(va.signature.signer.get(), *caller.policy, a.recipient, "acknowledgement"));
  // Logged before it is recorded: an acknowledgement the log cannot take is not
  // recorded either (the recipient retries). So the store's own refusals are checked
  // first, and one that still happens (a concurrent acknowledgement) is logged after.
  auto mine = std::find_if(r.deliveries.begin(), r.deliveries.end(),
                           [&](const Delivery& d) { return d.recipient == caller.eui64; });
  if ((r.state != TransferState::kReceived && r.state != TransferState::kDownloaded) ||
      (mine != r.deliveries.end() &&
       (mine->state == DeliveryState::kAccepted || mine->state == DeliveryState::kRejected))) {
    return MakeError(ErrorKind::kConflict, "store.delivery_conflict",
                     "transfer " + id + " is " + TransferStateName(r.state) +
                         (mine != r.deliveries.end() ? std::string(", and your delivery is ") +
                                                           DeliveryStateName(mine->state)
                                                     : std::string()),
                     "a recipient acknowledges a transfer once");
  }
  // The answer carries the receipt: proved now, before anything is logged or recorded,
  // so that a failure leaves nothing behind.
  ADTGW_TRY(ProveReceipt(&r));
  AuditEntry e = TransferEntry(audit_event::kTransferAcknowledged, r, now);
  e.actor = caller.eui64;
  e.outcome = a.accepted ? "accepted" : "rejected";
  e.reason = a.reason;
  SetSigner(va.signature.signer.get(), e);  // the acknowledgement's signer
  ADTGW_TRY(RecordEvent(std::move(e)));
  Delivery details;
  details.reason = a.reason;
  details.ack.assign(ack_bytes.begin(), ack_bytes.end());
  details.ack_signature.assign(signature.begin(), signature.end());
  ::adtgw::Status recorded = metadata_.RecordDelivery(
      r.id, caller.eui64, a.accepted ? DeliveryState::kAccepted : DeliveryState::kRejected, details,
      now);
  if (!recorded.ok()) {
    // The log shows an acknowledgement that was not recorded: say so in the log too.
    return Refused(std::move(recorded).error(), RequestEntry(caller, "POST acknowledgement", id));
  }
  ADTGW_ASSIGN(TransferRecord updated, metadata_.Get(r.id));
  updated.receipt = std::move(r.receipt);  // received once, it does not change
  return updated;
}

Result<size_t> TransferService::ExpireEnvelopes(std::time_t now) {
  std::shared_ptr<const Policy> policy = policy_.Current();
  if (policy->retention_days == 0) return size_t{0};
  std::time_t cutoff = now - static_cast<std::time_t>(policy->retention_days) * kDay;
  size_t expired = 0;
  std::optional<Error> first_error;
  for (TransferState state :
       {TransferState::kReceived, TransferState::kDownloaded, TransferState::kAccepted,
        TransferState::kRejected, TransferState::kReceiving}) {
    ADTGW_ASSIGN(std::vector<TransferRecord> old, metadata_.CreatedBefore(cutoff, state));
    for (const TransferRecord& r : old) {
      // Metadata first: once expired (or abandoned), nobody can start a download or an
      // append, so deleting the bytes races with nothing.
      bool upload = state == TransferState::kReceiving;
      auto moved = metadata_.Transition(
          r.id, state, upload ? TransferState::kAbandoned : TransferState::kExpired,
          upload ? "upload.never_completed" : "retention", now);
      if (!moved.ok()) continue;  // it changed state meanwhile; the next sweep sees it
      if (upload) (void)TakeSigner(r.id);
      AuditEntry e = TransferEntry(
          upload ? audit_event::kUploadAbandoned : audit_event::kEnvelopeExpired, r, now);
      e.reason = upload ? "upload.never_completed" : "retention";
      ::adtgw::Status logged = RecordEvent(std::move(e));
      if (!logged.ok() && !first_error) first_error = std::move(logged).error();
      StorageKey key = StorageKey::Parse(r.storage_key).value();
      ::adtgw::Status removed = upload ? documents_.AbandonUpload(key) : documents_.Remove(key);
      if (!removed.ok() && !first_error) first_error = std::move(removed).error();
      ++expired;
    }
  }
  if (first_error) return *first_error;
  return expired;
}

::adtgw::Status TransferService::Recover(std::time_t now) {
  ADTGW_ASSIGN(std::vector<TransferRecord> receiving,
               metadata_.CreatedBefore(now + kDay, TransferState::kReceiving));
  std::vector<std::string> live;
  for (const TransferRecord& r : receiving) {
    StorageKey key = StorageKey::Parse(r.storage_key).value();
    live.push_back(key.str());
    if (documents_.UploadOffset(key).ok()) continue;  // still resumable
    // Committed but not recorded (a crash between the two): check, then record it.
    auto size = documents_.Size(key);
    if (!size.ok() || *size != r.envelope_size) {
      if (size.ok()) (void)documents_.Remove(key);  // not what the manifest declared
      (void)metadata_.Transition(r.id, TransferState::kReceiving, TransferState::kAbandoned,
                                 "store.lost_upload", now);
      AuditEntry e = TransferEntry(audit_event::kUploadAbandoned, r, now);
      e.reason = "store.lost_upload";
      (void)audit_.Append(e);
      continue;
    }
    ADTGW_ASSIGN(std::unique_ptr<ByteSource> source, documents_.Open(key));
    Sha256 hash;
    std::vector<uint8_t> buf(1 << 20);
    for (;;) {
      ADTGW_ASSIGN(size_t n, source->Read(buf));
      if (n == 0) break;
      hash.Update(std::span<const uint8_t>(buf.data(), n));
    }
    Sha256Digest digest = hash.Finish();
    if (ToHex(digest) != r.envelope_sha256) {
      (void)documents_.Remove(key);
      (void)metadata_.Transition(r.id, TransferState::kReceiving, TransferState::kAbandoned,
                                 "upload.hash_mismatch", now);
      AuditEntry e = TransferEntry(audit_event::kUploadAbandoned, r, now);
      e.reason = "upload.hash_mismatch";
      (void)audit_.Append(e);
      continue;
    }
    ADTGW_TRY(Stored(r, digest, now, /*recovered=*/true));
  }
  ADTGW_ASSIGN(std::vector<StorageKey> pending, documents_.PendingUploads());
  for (const StorageKey& key : pending) {
    if (std::find(live.begin(), live.end(), key.str()) == live.end()) {
      ADTGW_TRY(documents_.AbandonUpload(key));
    }
  }
  return OkStatus();
}

}  // namespace adtgw
