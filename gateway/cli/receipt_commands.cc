// `adtgw receipt verify FILE` (docs/cli.md): proves offline, with only the audit log's
// public key, that a receipt's transfer was logged (gateway/client/receipt_verifier.h).
#include <cpprest/json.h>

#include <iostream>

#include "certs/credential_files.h"
#include "crypto/byte_stream.h"
#include "crypto/encoding.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/log_key_flags.h"
#include "gateway/client/receipt_verifier.h"

namespace adtgw {
namespace {

using web::json::value;

// More than any receipt (ParseReceipt refuses beyond 64 KiB): the reader says so.
constexpr size_t kMaxReceiptFile = 1024 * 1024;

struct VerifyFlags {
  std::string file;
  LogKeyFlags key;
  bool json = false;
};

Status RunVerify(const VerifyFlags& f) {
  ADTGW_ASSIGN(std::vector<uint8_t> bytes, ReadFileCapped(f.file, kMaxReceiptFile));
  std::string text(bytes.begin(), bytes.end());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  auto parsed = ParseReceipt(AsBytes(text));
  if (!parsed.ok()) return std::move(parsed).error().With(f.file);
  // The origin of the checkpoint inside, for --log-key without --origin.
  ADTGW_ASSIGN(TrustedLogKey key, ResolveLogKey(f.key, NoteOrigin(parsed->checkpoint)));
  auto verified = VerifyReceipt(AsBytes(text), *key.verifier);
  if (!verified.ok()) return std::move(verified).error().With(f.file);
  const VerifiedReceipt& v = *verified;
  if (f.json) {
    value out = value::object();
    out["file"] = value::string(f.file);
    out["ok"] = value::boolean(true);
    out["transfer_id"] = value::string(v.receipt.transfer_id);
    out["envelope_sha256"] = value::string(ToHex(v.receipt.envelope_sha256));
    out["envelope_size"] = value::number(v.receipt.envelope_size);
    out["sender"] = value::string(v.receipt.sender.ToString());
    out["log_index"] = value::number(v.receipt.log_index);
    out["logged_at"] = value::string(FormatTime(v.entry.at));
    value cp = value::object();
    cp["origin"] = value::string(v.checkpoint.origin);
    cp["size"] = value::number(v.checkpoint.size);
    cp["root"] = value::string(Base64Encode(v.checkpoint.root));
    out["checkpoint"] = cp;
    out["trusted_key"] = value::string(key.source);
    std::cout << out.serialize() << "\n";
    return OkStatus();
  }
  std::cout << "receipt OK: transfer " << v.receipt.transfer_id << ", envelope sha256 "
            << ToHex(v.receipt.envelope_sha256) << ", entry #" << v.receipt.log_index
            << " in checkpoint " << v.checkpoint.origin << " size " << v.checkpoint.size << "\n"
            << "  logged:  " << v.entry.event << " at " << FormatTime(v.entry.at) << ", "
            << v.receipt.envelope_size << " bytes from " << v.receipt.sender.ToString() << "\n"
            << "  trusted: " << key.source << "\n"
            << "  (the checkpoint's consistency with the log today is checked by every "
               "client contact and by adtgw audit verify)\n";
  return OkStatus();
}

}  // namespace

CommandAction AddReceiptCommand(CLI::App& app) {
  CLI::App* receipt = app.add_subcommand("receipt", "check a gateway receipt offline");
  receipt->require_subcommand(1);
  auto verify = std::make_shared<VerifyFlags>();
  CLI::App* v = receipt->add_subcommand(
      "verify", "prove that a receipt's transfer is in the signed audit log (offline)");
  v->add_option("FILE", verify->file, "the receipt (adtgw send --receipt FILE)")->required();
  AddLogKeyFlags(v, verify->key);
  v->add_flag("--json", verify->json, "print what was proven as JSON");
  v->footer(
      "Checks the checkpoint's signature with the log key, that the logged entry is the\n"
      "envelope.stored event of this transfer, envelope SHA-256 and size, and its inclusion\n"
      "proof. Exit 0 when proven, 4 when not (receipt.entry_mismatch, receipt.not_included,\n"
      "checkpoint.*), 3 when the receipt is malformed.\n"
      "Examples:\n"
      "  adtgw receipt verify adt-2026-11.receipt.json\n"
      "  adtgw receipt verify r.json --log-key log-key.pub.pem --origin adtgw.dcc.example/log");
  return [verify] { return RunVerify(*verify); };
}

}  // namespace adtgw
