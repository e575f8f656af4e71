// libFuzzer target: receipt verification (gateway/client/receipt_verifier.h), what
// `adtgw send` and `adtgw receipt verify` run on a receipt from the gateway or from a
// file: ParseReceipt, the checkpoint's signature with a fixed log key (the embedded test
// signer's P-256 key, origin kFuzzLogOrigin), ParseAuditEntry of the logged entry, its fields
// against the receipt's, and the inclusion proof. The whole input is also given to
// QuickCheckAuditEntry (gateway/client/log_auditor.h), whose promise is checked.
//
// Checks: an accepted receipt names the fixed log's origin, its entry is the
// envelope.stored event of the receipt's transfer id, envelope SHA-256 and size, and
// its inclusion proof verifies again; every error has a code and a message, from the
// receipt's, the checkpoint's or the entry's vocabulary (or the receipt.entry_mismatch
// and receipt.not_included codes); QuickCheckAuditEntry accepts only what
// ParseAuditEntry accepts.
//
// Seeds (ADTGW_FUZZ_WRITE_SEEDS=DIR): valid receipts for entries 0, 1 and 2 of a log of
// three entries (all signed by the fixed key), one with its proof cut short, one for
// another index, one whose entry is another event, and the log's entries themselves.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/err.h>

#include "crypto/byte_stream.h"
#include "gateway/audit/audit_entry.h"
#include "gateway/audit/merkle_tree.h"
#include "gateway/client/log_auditor.h"
#include "gateway/client/receipt_verifier.h"
#include "gateway/common/strict_json.h"
#include "tests/fuzz/fuzz_support.h"

using namespace adtgw;
using namespace adtgw::fuzz;

namespace {

bool KnownCode(const std::string& code) {
  for (const char* prefix : {"receipt.", "checkpoint.", "audit_entry.", "input.", "usage."}) {
    if (code.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

AuditEntry StoredEntry(int i) {
  AuditEntry e;
  e.at = kSeedSigningTime + i;
  e.event = audit_event::kEnvelopeStored;
  e.actor = Eui64::Parse("90-B3-D5-1F-30-01-00-00").value();
  e.sender = e.actor;
  e.recipients = {Eui64::Parse("90-B3-D5-1F-30-00-00-02").value()};
  e.transfer_id = "0123456789abcdef0123456789abcde" + std::to_string(i);
  e.file_type = "adt";
  Sha256Digest d{};
  d.fill(static_cast<uint8_t>(0x30 + i));
  e.envelope_sha256 = ToHex(d);
  e.envelope_size = 1000 + static_cast<uint64_t>(i);
  return e;
}

std::vector<der::Bytes> Seeds() {
  std::vector<std::string> entries;
  std::vector<Sha256Digest> leaves;
  for (int i = 0; i < 3; ++i) {
    AuditEntry e = StoredEntry(i);
    if (i == 2) e.event = audit_event::kEnvelopeDownloaded;
    entries.push_back(AuditEntryToJson(e));
    leaves.push_back(merkle::LeafHash(AsBytes(entries.back())));
  }
  auto note = FixedLogSigner().Sign(Checkpoint{kFuzzLogOrigin, 3, merkle::RootOf(leaves)});
  if (!note.ok()) InvariantFailed("seed signing failed");
  auto receipt = [&](uint64_t index, size_t cut) {
    AuditEntry e = StoredEntry(static_cast<int>(index));
    Receipt r;
    r.transfer_id = e.transfer_id;
    r.sender = *e.sender;
    r.recipients = e.recipients;
    r.file_type = "adt";
    r.file_name = "ADT_20261129.csv";
    r.envelope_sha256 = *ParseHexDigest(e.envelope_sha256);
    r.envelope_size = *e.envelope_size;
    r.received_at = e.at;
    r.policy_sha256.fill(0x3f);
    r.rule = "users-send-adt-to-dcc";
    r.log_index = index;
    r.log_entry = entries[index];
    r.checkpoint = *note;
    r.inclusion_proof = merkle::InclusionProof(leaves, index);
    r.inclusion_proof.resize(r.inclusion_proof.size() - cut);
    return BytesOf(ReceiptToJson(r));
  };
  std::vector<der::Bytes> seeds = {receipt(0, 0), receipt(1, 0), receipt(2, 0), receipt(0, 1)};
  std::string other = ReceiptToJson(Receipt{});
  seeds.push_back(BytesOf(other));
  for (const auto& e : entries) seeds.push_back(BytesOf(e));
  for (size_t i = 0; i < 2; ++i) {
    auto v = VerifyReceipt(seeds[i], FixedLogSigner().verifier());
    if (!v.ok()) InvariantFailed("a good seed does not verify");
  }
  return seeds;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  MaybeWriteSeedsAndExit(Seeds);
  FixedLogSigner();  // outside the timed runs
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (QuickCheckAuditEntry(text) && !ParseAuditEntry(bytes).ok()) {
    InvariantFailed("QuickCheckAuditEntry accepted what ParseAuditEntry refuses");
  }

  auto v = VerifyReceipt(bytes, FixedLogSigner().verifier());
  if (v.ok()) {
    const Receipt& r = v->receipt;
    const AuditEntry& e = v->entry;
    if (v->checkpoint.origin != kFuzzLogOrigin)
      InvariantFailed("verified a checkpoint of another log");
    if (e.event != audit_event::kEnvelopeStored || e.transfer_id != r.transfer_id ||
        e.envelope_sha256 != ToHex(r.envelope_sha256) || !e.envelope_size ||
        *e.envelope_size != r.envelope_size) {
      InvariantFailed("a verified receipt's entry is not its envelope.stored entry");
    }
    if (!merkle::VerifyInclusion(r.log_index, v->checkpoint.size,
                                 merkle::LeafHash(AsBytes(r.log_entry)), r.inclusion_proof,
                                 v->checkpoint.root)
             .ok()) {
      InvariantFailed("a verified receipt's proof does not verify");
    }
  } else {
    const Error& e = v.error();
    if (e.code.empty() || e.message.empty()) InvariantFailed("error without code or message");
    if (!KnownCode(e.code)) InvariantFailed("unexpected error code");
  }
  ERR_clear_error();
  return 0;
}
