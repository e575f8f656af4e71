#include "gateway/audit/audit_entry.h"

#include <algorithm>
#include <map>

#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "gateway/common/strict_json.h"

namespace adtgw {
namespace {

constexpr int kEntryVersion = 1;

constexpr const char* kEvents[] = {
    audit_event::kGatewayStarted,       audit_event::kGatewayStopped,
    audit_event::kPolicyLoaded,         audit_event::kTlsClientRefused,
    audit_event::kTransferOffered,      audit_event::kEnvelopeStored,
    audit_event::kUploadAbandoned,      audit_event::kEnvelopeDownloaded,
    audit_event::kTransferAcknowledged, audit_event::kEnvelopeExpired,
    audit_event::kRequestRefused,       audit_event::kTlsHandshakesRefused,
};

// The optional text fields, by key, in the entry. AuditEntryToJson writes them by hand,
// in key order: a field added here goes there too.
std::vector<std::pair<const char*, std::string AuditEntry::*>> TextFields() {
  return {{"address", &AuditEntry::address},
          {"envelope_sha256", &AuditEntry::envelope_sha256},
          {"file_type", &AuditEntry::file_type},
          {"outcome", &AuditEntry::outcome},
          {"peer", &AuditEntry::peer},
          {"policy_sha256", &AuditEntry::policy_sha256},
          {"reason", &AuditEntry::reason},
          {"request", &AuditEntry::request},
          {"rule", &AuditEntry::rule},
          {"signer_issuer", &AuditEntry::signer_issuer},
          {"signer_serial", &AuditEntry::signer_serial},
          {"transfer_id", &AuditEntry::transfer_id}};
}

}  // namespace

bool IsAuditEvent(std::string_view name) {
  return std::any_of(std::begin(kEvents), std::end(kEvents),
                     [name](const char* e) { return name == e; });
}

std::vector<Eui64> AuditEntry::Parties() const {
  std::vector<Eui64> out;
  auto add = [&out](const Eui64& e) {
    if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
  };
  if (actor) add(*actor);
  if (sender) add(*sender);
  for (const Eui64& r : recipients) add(r);
  return out;
}

std::string AuditEntryToJson(const AuditEntry& e) {
  // Written in place with the members in canonical (byte) order by hand, rather than
  // through a std::map of encoded members: the gateway encodes two entries for every
  // upload, and a client checks every entry an answer carries (docs/performance.md).
  // AuditEntryTest.EncodingIsTheCanonicalObjectOfItsMembers holds it to cjson::Object.
  std::string out;
  out.reserve(640);
  char sep = '{';
  auto key = [&](const char* name) {
    out += sep;
    sep = ',';
    out += '"';
    out += name;
    out += "\":";
  };
  auto text = [&](const char* name, const std::string& value) {
    if (value.empty()) return;
    key(name);
    cjson::AppendString(value, &out);
  };
  if (e.actor) text("actor", e.actor->ToString());
  text("address", e.address);
  key("at");
  cjson::AppendString(FormatTime(e.at), &out);
  if (e.count) {
    key("count");
    out += cjson::Integer(*e.count);
  }
  text("envelope_sha256", e.envelope_sha256);
  if (e.envelope_size) {
    key("envelope_size");
    out += cjson::Integer(*e.envelope_size);
  }
  key("event");
  cjson::AppendString(e.event, &out);
  text("file_type", e.file_type);
  text("outcome", e.outcome);
  text("peer", e.peer);
  text("policy_sha256", e.policy_sha256);
  text("reason", e.reason);
  if (!e.recipients.empty()) {
    std::vector<std::string> recipients;
    recipients.reserve(e.recipients.size());
    for (const Eui64& r : e.recipients) recipients.push_back(r.ToString());
    std::sort(recipients.begin(), recipients.end());
    key("recipients");
    char item_sep = '[';
    for (const std::string& r : recipients) {
      out += item_sep;
      item_sep = ',';
      cjson::AppendString(r, &out);
    }
    out += ']';
  }
  text("request", e.request);
  text("rule", e.rule);
  if (e.sender) text("sender", e.sender->ToString());
  text("signer_issuer", e.signer_issuer);
  text("signer_serial", e.signer_serial);
  text("transfer_id", e.transfer_id);
  key("version");
  out += cjson::Integer(kEntryVersion);
  out += '}';
  return out;
}

Result<AuditEntry> ParseAuditEntry(std::span<const uint8_t> bytes) {
  StrictJsonObject::Rules rules{"audit_entry", "see docs/audit-log.md, Entries", kMaxAuditEntrySize,
                                2};
  ADTGW_ASSIGN(
      StrictJsonObject obj,
      StrictJsonObject::Parse(
          bytes, rules,
          {"actor",       "address",   "at",      "count",  "envelope_sha256", "envelope_size",
           "event",       "file_type", "outcome", "peer",   "policy_sha256",   "reason",
           "recipients",  "request",   "rule",    "sender", "signer_issuer",   "signer_serial",
           "transfer_id", "version"}));
  ADTGW_ASSIGN(uint64_t version, obj.Number("version"));
  if (version != kEntryVersion) return obj.Bad("version", "version is not 1");
  AuditEntry e;
  ADTGW_ASSIGN(std::string at, obj.Text("at"));
  ADTGW_ASSIGN(e.at, ParseTime(at));
  ADTGW_ASSIGN(e.event, obj.Text("event"));
  if (!IsAuditEvent(e.event)) {
    return obj.Bad("event", "'" + e.event.substr(0, 40) + "' is not an audit event");
  }
  for (const auto& [key, field] : TextFields()) {
    if (!obj.Has(key)) continue;
    ADTGW_ASSIGN(e.*field, obj.Text(key));
  }
  for (auto [key, out] : {std::pair{"actor", &e.actor}, std::pair{"sender", &e.sender}}) {
    if (!obj.Has(key)) continue;
    ADTGW_ASSIGN(std::string text, obj.Text(key));
    ADTGW_ASSIGN(*out, Eui64::Parse(text));
  }
  if (obj.Has("recipients")) {
    ADTGW_ASSIGN(std::vector<std::string> recipients, obj.TextArray("recipients"));
    for (const std::string& text : recipients) {
      ADTGW_ASSIGN(Eui64 r, Eui64::Parse(text));
      e.recipients.push_back(r);
    }
  }
  for (auto [key, out] :
       {std::pair{"envelope_size", &e.envelope_size}, std::pair{"count", &e.count}}) {
    if (!obj.Has(key)) continue;
    ADTGW_ASSIGN(*out, obj.Number(key));
  }
  if (!SameBytes(bytes, AuditEntryToJson(e))) {
    return obj.Bad("not_canonical",
                   "the entry is not in canonical form (sorted keys, no white space, no empty "
                   "fields, recipients sorted)");
  }
  return e;
}

}  // namespace adtgw
