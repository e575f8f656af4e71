// The receipt (docs/api.md, "Receipt"): what the gateway answers when an envelope has
// been stored durably: which transfer, which envelope (SHA-256 and size), from whom to
// whom, when, and under which policy and rule it was accepted; and where the audit log
// recorded it: the log index of its envelope.stored entry, that entry's bytes, a
// checkpoint signed with the log key and the entry's inclusion proof in it, so that
// `adtgw receipt verify` can check it offline with only the log's public key.
// Canonical JSON.
//
// Thread safety: value types and pure functions.
#pragma once

#include <ctime>
#include <span>
#include <string>
#include <vector>

#include "certs/eui64.h"
#include "crypto/result.h"
#include "crypto/sha256.h"

namespace adtgw {

struct Receipt {
  std::string transfer_id;
  Eui64 sender;
  std::vector<Eui64> recipients;
  std::string file_type;
  std::string file_name;
  Sha256Digest envelope_sha256{};
  uint64_t envelope_size = 0;
  std::time_t received_at = 0;
  Sha256Digest policy_sha256{};
  std::string rule;  // the policy rule that allowed the transfer
  // The audit log's evidence (docs/audit-log.md, "Receipts").
  uint64_t log_index = 0;
  std::string log_entry;   // the envelope.stored entry, canonical JSON
  std::string checkpoint;  // signed note
  std::vector<Sha256Digest> inclusion_proof;
  bool operator==(const Receipt&) const = default;
};

std::string ReceiptToJson(const Receipt& receipt);
Result<Receipt> ParseReceipt(std::span<const uint8_t> bytes);

}  // namespace adtgw
