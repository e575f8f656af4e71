// VerifyReceipt: what `adtgw receipt verify` and `adtgw send` prove with a receipt
// (docs/api.md "Receipt", docs/audit-log.md "Receipts"), offline, with only the audit
// log's public key:
//
//   1. the receipt parses (ParseReceipt: receipt.*);
//   2. its checkpoint is a note signed by the log key for the log's origin
//      (checkpoint.*);
//   3. its log_entry is a canonical audit entry (ParseAuditEntry: audit_entry.*), an
//      envelope.stored event naming the receipt's transfer id, envelope SHA-256 and size
//      (and, where the entry names them, its sender, recipients and file type)
//      (receipt.entry_mismatch);
//   4. that entry is leaf log_index of the checkpoint's tree: the inclusion proof leads
//      from LeafHash(log_entry) to the checkpoint's root (receipt.not_included, the
//      merkle.* code in the message).
//
// It does not say that the gateway has not since forked the log: that is the witness's
// job (checkpoint_witness.h), which needs the gateway.
//
// Thread safety: a pure function.
#pragma once

#include <cstdint>
#include <span>

#include "crypto/result.h"
#include "gateway/audit/audit_entry.h"
#include "gateway/audit/checkpoint.h"
#include "gateway/transfer/receipt.h"

namespace adtgw {

// What a verified receipt proves.
struct VerifiedReceipt {
  Receipt receipt;
  Checkpoint checkpoint;  // verified with the log key
  AuditEntry entry;       // the envelope.stored entry, at receipt.log_index
};

Result<VerifiedReceipt> VerifyReceipt(std::span<const uint8_t> bytes, const LogVerifier& verifier);

}  // namespace adtgw
