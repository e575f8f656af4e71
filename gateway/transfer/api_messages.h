// The JSON bodies of the gateway's HTTP API (docs/api.md), written by the server and
// read by the client, so both sides share one definition:
// - SignedDocument: a canonical JSON document and its detached CMS signature, both
//   base64 ({"manifest": ..., "signature": ...} or {"acknowledgement": ..., ...});
// - TransferView: what the sender and recipients may see of a transfer (the server makes
//   it from its record: gateway/server/transfer_view.h);
// - the inbox (a list of TransferViews) and the error body {code, message, hint};
// - PartyView: a party's directory entry (who it is and whom it may act for).
// Every parser is size- and depth-capped (gateway/common/strict_json.h); unknown keys in views are
// ignored so that the server can add fields without breaking older clients.
//
// Thread safety: value types and pure functions.
#pragma once

#include <ctime>
#include <span>
#include <string>
#include <vector>

#include "certs/eui64.h"
#include "crypto/result.h"

namespace adtgw {

inline constexpr size_t kMaxSignedDocumentBody = 256 * 1024;
inline constexpr size_t kMaxInboxBody = 16 * 1024 * 1024;
// A full view carries every recipient's acknowledgement (each at most 64 KiB).
inline constexpr size_t kMaxTransferViewBody = 4 * 1024 * 1024;

struct SignedDocument {
  std::string document;   // the canonical JSON bytes
  std::string signature;  // DER
};
// `name` is "manifest" or "acknowledgement".
std::string SignedDocumentToJson(const SignedDocument& doc, const char* name);
Result<SignedDocument> ParseSignedDocument(std::span<const uint8_t> body, const char* name);

struct DeliveryView {
  std::string recipient;
  std::string state;
  std::string reason;
  // Full views only, once the recipient acknowledged: its signed acknowledgement
  // (canonical JSON bytes) and the detached signature (DER), so the sender holds the
  // recipient's own word, problems included.
  std::string acknowledgement;
  std::string acknowledgement_signature;
};

struct TransferView {
  std::string id;
  std::string state;
  std::string sender;
  std::vector<std::string> recipients;
  std::vector<DeliveryView> deliveries;
  std::string file_type;
  std::string file_name;
  std::string envelope_sha256;
  uint64_t envelope_size = 0;
  uint64_t upload_offset = 0;
  std::string created;
  std::string updated;
  std::string reason;
  std::string manifest;   // canonical JSON bytes as signed
  std::string signature;  // DER
  std::string receipt;    // canonical JSON, once received
};

// `full` includes the manifest, signature and receipt (status); the inbox leaves them out.
std::string TransferViewToJson(const TransferView& view, bool full = true);
Result<TransferView> ParseTransferView(std::span<const uint8_t> body);

std::string InboxToJson(const std::vector<TransferView>& views);
Result<std::vector<TransferView>> ParseInbox(std::span<const uint8_t> body);

// GET /v1/parties/{eui64}: what the policy says of a party that other parties need to
// check its files (docs/api.md).
struct PartyView {
  Eui64 eui64;
  std::string name;
  std::vector<std::string> roles;  // policy role names ("supplier", "dcc", ...)
  std::vector<Eui64> acts_for;
  bool operator==(const PartyView&) const = default;
};
inline constexpr size_t kMaxPartyViewBody = 64 * 1024;
std::string PartyViewToJson(const PartyView& view);
Result<PartyView> ParsePartyView(std::span<const uint8_t> body);

std::string ErrorToJson(const Error& error);
// The error a response body describes; `kind` comes from the HTTP status.
Error ParseErrorJson(std::span<const uint8_t> body, ErrorKind kind, int status);

}  // namespace adtgw
