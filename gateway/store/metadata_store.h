// The gateway's durable metadata: transfers, their states, their recipients, the
// idempotency keys that make retries safe, and the counts behind daily limits. The
// envelopes themselves live in a DocumentStore; this holds what is needed to find,
// authorise and account for them.
//
// Contract for every implementation (SQLite now, PostgreSQL later):
// - Every method is durable when it returns (the gateway answers only after).
// - (sender, idempotency_key) is unique: CreateOrGet returns the existing transfer for
//   a repeated key instead of creating a second one.
// - State changes are compare-and-set (Transition names the state it expects), so two
//   racing requests cannot both move a transfer.
// - Queries are prepared statements with bound parameters only (DESIGN.md 7.1).
// - Thread safety: all methods may be called from any thread.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "certs/eui64.h"
#include "crypto/result.h"

namespace adtgw {

// A transfer's life (docs/api.md): receiving (upload in progress) -> received (stored,
// waiting for its recipients) -> downloaded (a recipient has fetched it) -> accepted
// (every recipient accepted) or rejected (every recipient acknowledged, one rejected);
// expired once retention deletes the envelope; abandoned when an upload failed its
// checks (hash mismatch) or never completed within the retention period, and nothing
// was kept.
enum class TransferState {
  kReceiving,
  kReceived,
  kDownloaded,
  kAccepted,
  kRejected,
  kExpired,
  kAbandoned
};
const char* TransferStateName(TransferState state);  // "received", ...
std::optional<TransferState> ParseTransferState(std::string_view name);

// One recipient's progress with one transfer.
enum class DeliveryState { kWaiting, kDownloaded, kAccepted, kRejected };
const char* DeliveryStateName(DeliveryState state);  // "waiting", ...
std::optional<DeliveryState> ParseDeliveryState(std::string_view name);

struct Delivery {
  Eui64 recipient;
  DeliveryState state = DeliveryState::kWaiting;
  std::string reason;  // the recipient's reason when it rejected
  std::time_t updated = 0;
  std::string ack;            // the signed acknowledgement (canonical JSON), once acknowledged
  std::string ack_signature;  // its detached CMS signature (DER)
};

struct TransferRecord {
  std::string id;  // server-generated, 32 lower-case hex digits
  Eui64 sender;
  std::vector<Eui64> recipients;     // sorted
  std::vector<Delivery> deliveries;  // one per recipient, same order (filled by the store)
  std::string idempotency_key;
  std::string file_type;
  std::string file_name;
  std::string envelope_sha256;  // lower-case hex
  uint64_t envelope_size = 0;
  std::string storage_key;
  TransferState state = TransferState::kReceiving;
  std::string reason;  // why it is abandoned, expired or rejected (a reason code)
  std::time_t created = 0;
  std::time_t updated = 0;
  std::string manifest;       // the canonical manifest bytes as signed
  std::string signature;      // the detached CMS signature (DER)
  std::string rule;           // the policy rule that allowed it
  std::string policy_sha256;  // hex SHA-256 of the policy that decided
  std::string receipt;        // once received: the receipt without the log's evidence
                              // (canonical JSON; TransferService::ProveReceipt)
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  struct Created {
    TransferRecord record;
    bool is_new;  // false: the idempotency key was seen before; record is the original
  };
  virtual Result<Created> CreateOrGet(const TransferRecord& record) = 0;
  virtual Result<TransferRecord> Get(const std::string& id) = 0;
  // The transfer `sender` made with `idempotency_key`, if any.
  virtual Result<std::optional<TransferRecord>> FindByIdempotencyKey(
      const Eui64& sender, const std::string& idempotency_key) = 0;
  // Moves `id` from `from` to `to`; kConflict (code store.state_conflict) if it is not
  // in `from`, kNotFound if there is no such transfer.
  virtual Status Transition(const std::string& id, TransferState from, TransferState to,
                            const std::string& reason, std::time_t at) = 0;
  // receiving -> received, storing the receipt; kConflict if it is not receiving.
  virtual Status MarkReceived(const std::string& id, const std::string& receipt,
                              std::time_t at) = 0;
  // Records what one recipient did: kDownloaded (from waiting; again is a no-op), or
  // kAccepted/kRejected with the signed acknowledgement (from waiting or downloaded,
  // once). The transfer's state follows in the same transaction: downloaded once any
  // recipient has acted, accepted when all accepted, rejected when all acknowledged and
  // one rejected. kConflict (store.delivery_conflict) when the move is not allowed,
  // kNotFound when `recipient` is not one of the transfer's recipients.
  virtual Status RecordDelivery(const std::string& id, const Eui64& recipient, DeliveryState to,
                                const Delivery& details, std::time_t at) = 0;
  // Stored transfers (received or downloaded) waiting for `recipient` to acknowledge
  // them, oldest first.
  virtual Result<std::vector<TransferRecord>> Inbox(const Eui64& recipient) = 0;
  // Transfers `sender` created in [day_start, day_start + 1 day).
  virtual Result<uint32_t> SentOnDay(const Eui64& sender, std::time_t day_start) = 0;
  // Transfers created before `before` that are still in `state` (retention).
  virtual Result<std::vector<TransferRecord>> CreatedBefore(std::time_t before,
                                                            TransferState state) = 0;
};

}  // namespace adtgw
