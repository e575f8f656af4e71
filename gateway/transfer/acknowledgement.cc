#include "gateway/transfer/acknowledgement.h"

#include <algorithm>

#include "crypto/byte_stream.h"
#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "gateway/common/strict_json.h"

namespace adtgw {
namespace {

constexpr int kAckVersion = 1;

Error Bad(const std::string& field, const std::string& message) {
  return MakeError(ErrorKind::kInvalidInput, "ack." + field, "acknowledgement " + message,
                   "see docs/api.md, Acknowledgement");
}

bool IsTransferId(const std::string& id) { return id.size() == 32 && IsLowerHex(id); }

bool IsReasonCode(const std::string& r) {
  return !r.empty() && r.size() <= 64 && std::all_of(r.begin(), r.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

}  // namespace

Status ValidateAcknowledgement(const Acknowledgement& a) {
  if (!IsTransferId(a.transfer_id)) return Bad("transfer_id", "transfer_id is not 32 hex digits");
  if (a.accepted && !a.reason.empty()) return Bad("reason", "an acceptance carries no reason");
  if (!a.accepted && !IsReasonCode(a.reason)) {
    return Bad("reason", "a rejection needs a reason code (a-z 0-9 . _ -, at most 64)");
  }
  if (a.problems.size() > kMaxAcknowledgementProblems) {
    return Bad("problems", "lists more than 100 problems");
  }
  for (const auto& p : a.problems) {
    if (p.size() > kMaxAcknowledgementProblemSize) {
      return Bad("problems", "has a problem longer than 512 bytes");
    }
    // What the gateway's JSON reader would refuse is refused before it is signed.
    if (!IsValidUtf8(p) || p.find('\0') != std::string::npos) {
      return Bad("problems", "has a problem that is not UTF-8 text without U+0000");
    }
  }
  if (a.created <= 0) return Bad("created", "created is not a valid time");
  // The limit is on the encoded form (escapes can make it six times the raw text), so
  // that everything that validates also parses back at the gateway.
  if (AcknowledgementToJson(a).size() > kMaxAcknowledgementSize) {
    return Bad("too_large", "is larger than 64 KiB once encoded; shorten the problems");
  }
  return OkStatus();
}

std::string AcknowledgementProblem(std::string_view text) {
  std::string valid = ToValidUtf8(text);
  std::string out;
  for (size_t i = 0; i < valid.size();) {
    const size_t n = Utf8SequenceLength(valid, i);
    const std::string_view ch =
        valid[i] == '\0' ? std::string_view("\xEF\xBF\xBD") : std::string_view(valid).substr(i, n);
    if (out.size() + ch.size() > kMaxAcknowledgementProblemSize) break;
    out.append(ch);
    i += n;
  }
  return out;
}

std::string AcknowledgementToJson(const Acknowledgement& a) {
  std::vector<cjson::Text> problems;
  for (const auto& p : a.problems) problems.push_back(cjson::String(p));
  return cjson::Object({
      {"created", cjson::String(FormatTime(a.created))},
      {"decision", cjson::String(a.accepted ? "accepted" : "rejected")},
      {"envelope_sha256", cjson::String(ToHex(a.envelope_sha256))},
      {"problems", cjson::Array(problems)},
      {"reason", cjson::String(a.reason)},
      {"recipient", cjson::String(a.recipient.ToString())},
      {"transfer_id", cjson::String(a.transfer_id)},
      {"version", cjson::Integer(kAckVersion)},
  });
}

Result<Acknowledgement> ParseAcknowledgement(std::span<const uint8_t> bytes) {
  StrictJsonObject::Rules rules{"ack", "see docs/api.md, Acknowledgement", kMaxAcknowledgementSize,
                                2};
  ADTGW_ASSIGN(StrictJsonObject obj,
               StrictJsonObject::Parse(bytes, rules,
                                       {"created", "decision", "envelope_sha256", "problems",
                                        "reason", "recipient", "transfer_id", "version"}));
  ADTGW_ASSIGN(uint64_t version, obj.Number("version"));
  if (version != kAckVersion) return Bad("version", "version is not 1");
  Acknowledgement a;
  ADTGW_ASSIGN(a.transfer_id, obj.Text("transfer_id"));
  ADTGW_ASSIGN(std::string recipient, obj.Text("recipient"));
  ADTGW_ASSIGN(a.recipient, Eui64::Parse(recipient));
  ADTGW_ASSIGN(std::string digest, obj.Text("envelope_sha256"));
  auto parsed = ParseHexDigest(digest);
  if (!parsed) return Bad("envelope_sha256", "envelope_sha256 is not 64 lower-case hex digits");
  a.envelope_sha256 = *parsed;
  ADTGW_ASSIGN(std::string decision, obj.Text("decision"));
  if (decision != "accepted" && decision != "rejected") {
    return Bad("decision", "decision is neither accepted nor rejected");
  }
  a.accepted = decision == "accepted";
  ADTGW_ASSIGN(a.reason, obj.Text("reason"));
  ADTGW_ASSIGN(a.problems, obj.TextArray("problems"));
  ADTGW_ASSIGN(std::string created, obj.Text("created"));
  auto t = ParseTime(created);
  if (!t.ok() || created.size() != 20) return Bad("created", "created is not an RFC 3339 UTC time");
  a.created = *t;
  ADTGW_TRY(ValidateAcknowledgement(a));
  std::string canonical = AcknowledgementToJson(a);
  if (!SameBytes(bytes, canonical)) {
    return Bad("not_canonical", "is not in canonical form");
  }
  return a;
}

Result<std::vector<uint8_t>> SignAcknowledgement(const Acknowledgement& ack, const Signer& signer,
                                                 std::time_t signing_time) {
  ADTGW_TRY(ValidateAcknowledgement(ack));
  return SignDetached(signer, AsBytes(AcknowledgementToJson(ack)), signing_time);
}

Result<VerifiedAcknowledgement> VerifyAcknowledgement(std::span<const uint8_t> bytes,
                                                      std::span<const uint8_t> signature) {
  ADTGW_ASSIGN(Acknowledgement a, ParseAcknowledgement(bytes));
  ADTGW_ASSIGN(VerifiedSignature sig, VerifyDetached(signature, bytes));
  return VerifiedAcknowledgement{std::move(a), std::move(sig)};
}

}  // namespace adtgw
