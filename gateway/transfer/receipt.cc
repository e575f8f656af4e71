#include "gateway/transfer/receipt.h"

#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "gateway/common/strict_json.h"

namespace adtgw {
namespace {

constexpr int kReceiptVersion = 2;
constexpr size_t kMaxProof = 64;

}  // namespace

std::string ReceiptToJson(const Receipt& r) {
  std::vector<cjson::Text> recipients;
  for (const auto& e : r.recipients) recipients.push_back(cjson::String(e.ToString()));
  std::vector<cjson::Text> proof;
  for (const auto& d : r.inclusion_proof) proof.push_back(cjson::String(ToHex(d)));
  return cjson::Object({
      {"checkpoint", cjson::String(r.checkpoint)},
      {"inclusion_proof", cjson::Array(proof)},
      {"log_entry", cjson::String(r.log_entry)},
      {"log_index", cjson::Integer(r.log_index)},
      {"envelope_sha256", cjson::String(ToHex(r.envelope_sha256))},
      {"envelope_size", cjson::Integer(r.envelope_size)},
      {"file_name", cjson::String(r.file_name)},
      {"file_type", cjson::String(r.file_type)},
      {"policy_sha256", cjson::String(ToHex(r.policy_sha256))},
      {"received_at", cjson::String(FormatTime(r.received_at))},
      {"recipients", cjson::Array(recipients, /*sort=*/true)},
      {"rule", cjson::String(r.rule)},
      {"sender", cjson::String(r.sender.ToString())},
      {"transfer_id", cjson::String(r.transfer_id)},
      {"version", cjson::Integer(kReceiptVersion)},
  });
}

Result<Receipt> ParseReceipt(std::span<const uint8_t> bytes) {
  StrictJsonObject::Rules rules{"receipt", "see docs/api.md, Receipt", 64 * 1024, 2};
  ADTGW_ASSIGN(StrictJsonObject obj,
               StrictJsonObject::Parse(
                   bytes, rules,
                   {"checkpoint", "inclusion_proof", "log_entry", "log_index", "envelope_sha256",
                    "envelope_size", "file_name", "file_type", "policy_sha256", "received_at",
                    "recipients", "rule", "sender", "transfer_id", "version"}));
  ADTGW_ASSIGN(uint64_t version, obj.Number("version"));
  if (version != kReceiptVersion) return obj.Bad("version", "version is not 2");
  Receipt r;
  ADTGW_ASSIGN(r.transfer_id, obj.Text("transfer_id"));
  ADTGW_ASSIGN(std::string sender, obj.Text("sender"));
  ADTGW_ASSIGN(r.sender, Eui64::Parse(sender));
  ADTGW_ASSIGN(std::vector<std::string> recipients, obj.TextArray("recipients"));
  for (const auto& text : recipients) {
    ADTGW_ASSIGN(Eui64 e, Eui64::Parse(text));
    r.recipients.push_back(e);
  }
  ADTGW_ASSIGN(r.file_type, obj.Text("file_type"));
  ADTGW_ASSIGN(r.file_name, obj.Text("file_name"));
  for (auto [key, out] : {std::pair{"envelope_sha256", &r.envelope_sha256},
                          std::pair{"policy_sha256", &r.policy_sha256}}) {
    ADTGW_ASSIGN(std::string hex, obj.Text(key));
    auto digest = ParseHexDigest(hex);
    if (!digest) return obj.Bad(key, std::string(key) + " is not 64 lower-case hex digits");
    *out = *digest;
  }
  ADTGW_ASSIGN(r.envelope_size, obj.Number("envelope_size"));
  ADTGW_ASSIGN(std::string received, obj.Text("received_at"));
  ADTGW_ASSIGN(r.received_at, ParseTime(received));
  ADTGW_ASSIGN(r.rule, obj.Text("rule"));
  ADTGW_ASSIGN(r.log_index, obj.Number("log_index"));
  ADTGW_ASSIGN(r.log_entry, obj.Text("log_entry"));
  ADTGW_ASSIGN(r.checkpoint, obj.Text("checkpoint"));
  ADTGW_ASSIGN(std::vector<std::string> proof, obj.TextArray("inclusion_proof"));
  if (proof.size() > kMaxProof) return obj.Bad("inclusion_proof", "the proof is too long");
  for (const auto& hex : proof) {
    auto digest = ParseHexDigest(hex);
    if (!digest) return obj.Bad("inclusion_proof", "a proof hash is not 64 lower-case hex digits");
    r.inclusion_proof.push_back(*digest);
  }
  return r;
}

}  // namespace adtgw
