// The gateway's durable metadata: transfers, their states, their recipients, the
// idempotency keys that make retries safe, and the counts behind daily limits. The
// envelopes themselves live in a DocumentStore; this holds what is needed to find,
// authorise and account for them. The record and its states are transfer types
// (gateway/transfer/transfer_record.h); this is only where they are kept.
//
// Contract for every implementation (SQLite now, PostgreSQL later):
// - Every method is durable when it returns (the gateway answers only after).
// - (sender, idempotency_key) is unique: CreateOrGet returns the existing transfer for
//   a repeated key instead of creating a second one.
// - State changes are compare-and-set (Transition names the state it expects), so two
//   racing requests cannot both move a transfer.
// - Queries are prepared statements with bound parameters only (docs/architecture.md, rule 1).
// - Thread safety: all methods may be called from any thread.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "certs/eui64.h"
#include "crypto/result.h"
#include "gateway/transfer/transfer_record.h"

namespace adtgw {

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  struct Created {
    TransferRecord record;
    bool is_new = false;      // false: the idempotency key was seen before; record is the original
    bool over_quota = false;  // nothing was created: the quota is used up (record is empty)
  };
  // Creates `record`, reserving one of the `daily_limit` transfers its sender may
  // create on the UTC day of `record.created`, in the same transaction, so that racing
  // offers (threads, or processes sharing the database) never create more than the
  // limit; a repeated idempotency key returns the original and reserves nothing. The
  // count is a per-sender, per-day counter, not a count of rows, so it costs the same
  // at the day's last offer as at its first.
  virtual Result<Created> CreateOrGet(const TransferRecord& record, uint32_t daily_limit) = 0;
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
  // Transfers `sender` created in [day_start, day_start + 1 day) (the counter
  // CreateOrGet keeps; day_start is the first second of a UTC day).
  virtual Result<uint32_t> SentOnDay(const Eui64& sender, std::time_t day_start) = 0;
  // Transfers created before `before` that are still in `state` (retention).
  virtual Result<std::vector<TransferRecord>> CreatedBefore(std::time_t before,
                                                            TransferState state) = 0;
};

}  // namespace adtgw
