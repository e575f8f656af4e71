// One audit log entry (docs/audit-log.md, "Entries"): what happened at the gateway,
// when, who did it, to which transfer, under which policy, with which outcome.
// Entries are the leaves of the Merkle log, so their bytes are canonical JSON
// (crypto/canonical_json.h) and an entry parses back to exactly the bytes it came
// from. They hold identities and digests (and, in the once-a-minute summary of refused
// handshakes, source addresses) only: never file contents, file names, keys or
// anything a party would not want an auditor to read.
//
// Thread safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "certs/eui64.h"
#include "crypto/result.h"

namespace adtgw {

// The events, by their stable names (docs/audit-log.md lists what each one carries).
namespace audit_event {
inline constexpr char kGatewayStarted[] = "gateway.started";
inline constexpr char kGatewayStopped[] = "gateway.stopped";
inline constexpr char kPolicyLoaded[] = "policy.loaded";
inline constexpr char kTlsClientRefused[] = "tls.client_refused";
// A minute's refused handshakes from one source (pre-authentication noise, summarised).
inline constexpr char kTlsHandshakesRefused[] = "tls.handshakes_refused";
inline constexpr char kTransferOffered[] = "transfer.offered";  // outcome accepted|refused
inline constexpr char kEnvelopeStored[] = "envelope.stored";
inline constexpr char kUploadAbandoned[] = "upload.abandoned";
inline constexpr char kEnvelopeDownloaded[] = "envelope.downloaded";
inline constexpr char kTransferAcknowledged[] = "transfer.acknowledged";  // accepted|rejected
inline constexpr char kEnvelopeExpired[] = "envelope.expired";
inline constexpr char kRequestRefused[] = "request.refused";  // any other refused request
}  // namespace audit_event

// Whether `name` is one of the events above.
bool IsAuditEvent(std::string_view name);

struct AuditEntry {
  std::time_t at = 0;
  std::string event;
  std::string outcome;         // accepted, refused, rejected; empty when the event has none
  std::string reason;          // the stable error or reason code
  std::optional<Eui64> actor;  // the party whose TLS certificate made the request
  std::string peer;            // the TLS subject, when no party could be named
  std::optional<Eui64> sender;
  std::vector<Eui64> recipients;
  std::string transfer_id;
  std::string file_type;
  std::string envelope_sha256;  // lower-case hex
  std::optional<uint64_t> envelope_size;
  std::string signer_issuer;  // the signer's SMKI certificate: issuer DN and serial (hex)
  std::string signer_serial;
  std::string policy_sha256;
  std::string rule;
  std::string request;  // request.refused: which API operation, e.g. "GET envelope"
  // tls.handshakes_refused: the source address (or "other") and how many were refused.
  std::string address;
  std::optional<uint64_t> count;
  bool operator==(const AuditEntry&) const = default;

  // Every EUI-64 the entry names (actor, sender, recipients), without repeats.
  std::vector<Eui64> Parties() const;
};

constexpr size_t kMaxAuditEntrySize = 16 * 1024;

// The canonical bytes; fields that are empty are left out.
std::string AuditEntryToJson(const AuditEntry& entry);

// Strict: the keys above only, a known event, and the bytes must be canonical (what
// AuditEntryToJson would write), so one entry has exactly one encoding. Codes
// "audit_entry.<field>" (kInvalidInput).
Result<AuditEntry> ParseAuditEntry(std::span<const uint8_t> bytes);

}  // namespace adtgw
