// libFuzzer target: audit log entries (gateway/audit/audit_entry.h). The whole input is
// given to ParseAuditEntry.
//
// Checks: every error has a code and a message, and the code is an audit_entry.* code
// or that of the field parser it came from (input.bad_eui64, usage.bad_time); an
// accepted entry is canonical: AuditEntryToJson gives back exactly the input bytes, and
// those parse again to the same entry; its event is a known one and its size within
// kMaxAuditEntrySize; Parties() names no EUI-64 twice.
//
// Seeds (ADTGW_FUZZ_WRITE_SEEDS=DIR): entries of every event with every field set, the
// smallest entry, and a few that are not canonical or not entries.
#include <cstring>
#include <string>
#include <string_view>

#include "gateway/audit/audit_entry.h"
#include "tests/fuzz/fuzz_support.h"

using namespace adtgw;
using namespace adtgw::fuzz;

namespace {

bool IsEntryCode(const std::string& code) {
  return code.starts_with("audit_entry.") || code == "input.bad_eui64" || code == "usage.bad_time";
}

AuditEntry Full(const char* event) {
  AuditEntry e;
  e.at = kSeedSigningTime;
  e.event = event;
  e.outcome = "accepted";
  e.reason = "policy.recipient_not_allowed";
  e.actor = Eui64::Parse("AD-7C-00-00-00-00-02-01").value();
  e.peer = "CN=stranger sha256:0101";
  e.sender = e.actor;
  e.recipients = {Eui64::Parse("AD-7C-00-00-00-00-04-01").value(),
                  Eui64::Parse("AD-7C-00-00-00-00-02-02").value()};
  e.transfer_id = "0123456789abcdef0123456789abcdef";
  e.file_type = "adt";
  e.envelope_sha256 = std::string(64, 'a');
  e.envelope_size = 1234;
  e.signer_issuer = "CN=Test OCA,O=\"Quoted, Inc.\"";
  e.signer_serial = "0A1B";
  e.policy_sha256 = std::string(64, '0');
  e.rule = "suppliers-send-adt-to-dcc";
  e.request = "GET envelope";
  e.address = "192.0.2.7";
  e.count = 1000;
  return e;
}

std::vector<der::Bytes> Seeds() {
  std::vector<der::Bytes> seeds;
  for (const char* event :
       {audit_event::kGatewayStarted, audit_event::kGatewayStopped, audit_event::kPolicyLoaded,
        audit_event::kTlsClientRefused, audit_event::kTransferOffered, audit_event::kEnvelopeStored,
        audit_event::kUploadAbandoned, audit_event::kEnvelopeDownloaded,
        audit_event::kTransferAcknowledged, audit_event::kEnvelopeExpired,
        audit_event::kRequestRefused, audit_event::kTlsHandshakesRefused}) {
    seeds.push_back(BytesOf(AuditEntryToJson(Full(event))));
  }
  AuditEntry small;
  small.event = audit_event::kGatewayStarted;
  std::string minimal = AuditEntryToJson(small);
  seeds.push_back(BytesOf(minimal));
  AuditEntry unicode = Full(audit_event::kTlsClientRefused);
  unicode.peer = "CN=J\xC3\xBCrgen \xE2\x80\x94 \"x\"\\\x01";
  seeds.push_back(BytesOf(AuditEntryToJson(unicode)));
  for (const der::Bytes& s : seeds) {
    if (!ParseAuditEntry(s).ok()) InvariantFailed("a seed entry does not parse");
  }
  seeds.push_back(BytesOf(" " + minimal));
  seeds.push_back(BytesOf("{\"at\":\"2024-01-01T00:00:00Z\",\"event\":\"x\",\"version\":1}"));
  seeds.push_back(BytesOf("{\"version\":1,\"event\":\"gateway.started\"}"));
  seeds.push_back(BytesOf("[]"));
  return seeds;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  MaybeWriteSeedsAndExit(Seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  auto parsed = ParseAuditEntry(bytes);
  if (!parsed.ok()) {
    const Error& e = parsed.error();
    if (e.code.empty() || e.message.empty()) InvariantFailed("error without code or message");
    if (!IsEntryCode(e.code)) InvariantFailed("unexpected error code");
    return 0;
  }
  const std::string json = AuditEntryToJson(*parsed);
  // Compared as unsigned bytes (`char` is signed, and UTF-8 bytes are >= 0x80).
  if (json.size() != size || std::memcmp(json.data(), data, size) != 0) {
    InvariantFailed("an accepted entry does not re-encode to exactly its bytes");
  }
  if (size > kMaxAuditEntrySize) InvariantFailed("an entry over the size cap was accepted");
  if (!IsAuditEvent(parsed->event)) InvariantFailed("an unknown event was accepted");
  auto again = ParseAuditEntry(BytesOf(json));
  if (!again.ok() || !(*again == *parsed)) InvariantFailed("the re-encoded entry parses otherwise");
  std::vector<Eui64> parties = parsed->Parties();
  for (size_t i = 0; i < parties.size(); ++i) {
    for (size_t j = i + 1; j < parties.size(); ++j) {
      if (parties[i] == parties[j]) InvariantFailed("Parties() names an EUI-64 twice");
    }
  }
  return 0;
}
