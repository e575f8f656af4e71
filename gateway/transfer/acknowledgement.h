// The acknowledgement (docs/api.md, "Acknowledgement"): what a recipient says about a
// transfer after opening it (accepted, or rejected with a reason code and the problems
// found), as canonical JSON signed with the recipient's SMKI DS key (detached CMS), so
// the sender and auditors can prove who accepted or refused which envelope.
//
// Like the manifest, ParseAcknowledgement is strict (at most 64 KiB, known keys only,
// canonical bytes only).
//
// Thread safety: value types and pure functions.
#pragma once

#include <ctime>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "certs/eui64.h"
#include "crypto/result.h"
#include "crypto/sha256.h"
#include "crypto/signed_data.h"

namespace adtgw {

inline constexpr size_t kMaxAcknowledgementSize = 64 * 1024;
inline constexpr size_t kMaxAcknowledgementProblems = 100;
inline constexpr size_t kMaxAcknowledgementProblemSize = 512;

struct Acknowledgement {
  std::string transfer_id;  // 32 lower-case hex digits
  Eui64 recipient;
  Sha256Digest envelope_sha256{};
  bool accepted = false;
  std::string reason;  // empty when accepted; a reason code ([a-z0-9._-], <= 64) otherwise
  // What was wrong, for people: each valid UTF-8 without U+0000, at most 512 bytes.
  std::vector<std::string> problems;
  std::time_t created = 0;
  bool operator==(const Acknowledgement&) const = default;
};

Status ValidateAcknowledgement(const Acknowledgement& ack);
// `text` as a problem line: bytes that are not UTF-8 and U+0000 become U+FFFD (the JSON
// reader refuses both), cut to kMaxAcknowledgementProblemSize at a character boundary.
std::string AcknowledgementProblem(std::string_view text);
std::string AcknowledgementToJson(const Acknowledgement& ack);
Result<Acknowledgement> ParseAcknowledgement(std::span<const uint8_t> bytes);

Result<std::vector<uint8_t>> SignAcknowledgement(const Acknowledgement& ack, const Signer& signer,
                                                 std::time_t signing_time);

struct VerifiedAcknowledgement {
  Acknowledgement ack;
  VerifiedSignature signature;  // trust is checked by the caller (certs/)
};
Result<VerifiedAcknowledgement> VerifyAcknowledgement(std::span<const uint8_t> bytes,
                                                      std::span<const uint8_t> signature);

}  // namespace adtgw
