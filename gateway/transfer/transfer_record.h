// What the gateway knows of one transfer: its states, each recipient's progress, and
// the record a MetadataStore keeps (gateway/store/metadata_store.h). These are domain
// types of the transfer, not of any database: the store persists them, the server maps
// them to the API's views (gateway/server/transfer_view.h), and neither the client nor
// the API messages need storage to name them. State names are stable strings: they
// appear in the API, in the logs and in the database.
//
// Thread safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certs/eui64.h"

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

}  // namespace adtgw
