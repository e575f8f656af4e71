#include "gateway/client/receipt_verifier.h"

#include <algorithm>

#include "crypto/byte_stream.h"
#include "gateway/audit/merkle_tree.h"

namespace adtgw {
namespace {

Error Mismatch(const std::string& what) {
  return MakeError(ErrorKind::kIntegrity, "receipt.entry_mismatch",
                   "the receipt's log entry does not record this transfer: " + what,
                   "the gateway logged something other than what it receipted; keep the receipt "
                   "and report it to the DCC");
}

}  // namespace

Result<VerifiedReceipt> VerifyReceipt(std::span<const uint8_t> bytes, const LogVerifier& verifier) {
  VerifiedReceipt out;
  ADTGW_ASSIGN(out.receipt, ParseReceipt(bytes));
  const Receipt& r = out.receipt;

  auto checkpoint = verifier.Verify(r.checkpoint);
  if (!checkpoint.ok()) return std::move(checkpoint).error().With("the receipt's checkpoint");
  out.checkpoint = std::move(checkpoint).value();

  auto entry = ParseAuditEntry(AsBytes(r.log_entry));
  if (!entry.ok()) return std::move(entry).error().With("the receipt's log entry");
  out.entry = std::move(entry).value();
  const AuditEntry& e = out.entry;
  if (e.event != audit_event::kEnvelopeStored) {
    return Mismatch("it is a " + e.event + " event, not " + audit_event::kEnvelopeStored);
  }
  if (e.transfer_id != r.transfer_id) {
    return Mismatch("it names transfer '" + e.transfer_id + "', the receipt " + r.transfer_id);
  }
  if (e.envelope_sha256 != ToHex(r.envelope_sha256)) {
    return Mismatch("it names envelope SHA-256 '" + e.envelope_sha256 + "', the receipt " +
                    ToHex(r.envelope_sha256));
  }
  if (!e.envelope_size || *e.envelope_size != r.envelope_size) {
    return Mismatch("it names envelope size " +
                    (e.envelope_size ? std::to_string(*e.envelope_size) : std::string("none")) +
                    ", the receipt " + std::to_string(r.envelope_size));
  }
  if (e.sender && *e.sender != r.sender) {
    return Mismatch("it names sender " + e.sender->ToString() + ", the receipt " +
                    r.sender.ToString());
  }
  if (!e.file_type.empty() && e.file_type != r.file_type) {
    return Mismatch("it names file type " + e.file_type + ", the receipt " + r.file_type);
  }
  if (!e.recipients.empty()) {
    auto a = e.recipients, b = r.recipients;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    if (a != b) return Mismatch("it names other recipients than the receipt");
  }

  Status included = merkle::VerifyInclusion(r.log_index, out.checkpoint.size,
                                            merkle::LeafHash(AsBytes(r.log_entry)),
                                            r.inclusion_proof, out.checkpoint.root);
  if (!included.ok()) {
    return MakeError(ErrorKind::kIntegrity, "receipt.not_included",
                     "the receipt's log entry is not entry " + std::to_string(r.log_index) +
                         " of the checkpoint's tree of " + std::to_string(out.checkpoint.size) +
                         " entries: " + included.error().code + ": " + included.error().message,
                     "the inclusion proof does not lead to the signed root; keep the receipt "
                     "and report it to the DCC");
  }
  return out;
}

}  // namespace adtgw
