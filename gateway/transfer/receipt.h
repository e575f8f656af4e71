// The receipt (docs/api.md, "Receipt"): what the gateway answers when an envelope has
// been stored durably: which transfer, which envelope (SHA-256 and size), from whom to
// whom, when, and under which policy and rule it was accepted. Canonical JSON, so that
// the audit log (a later issue) can sign and log exactly these bytes.
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
  bool operator==(const Receipt&) const = default;
};

std::string ReceiptToJson(const Receipt& receipt);
Result<Receipt> ParseReceipt(std::span<const uint8_t> bytes);

}  // namespace adtgw
