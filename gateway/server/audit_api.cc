#include "gateway/server/audit_api.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "certs/trust_store.h"
#include "crypto/canonical_json.h"
#include "crypto/sha256.h"
#include "gateway/store/document_store.h"

namespace adtgw {
namespace {

constexpr std::string_view kPrefix = "/v1/audit/";
constexpr size_t kMaxParams = 8;
constexpr size_t kMaxParamSize = 256;

using Params = std::map<std::string, std::string>;

Error BadQuery(const std::string& message) {
  return MakeError(ErrorKind::kUsage, "audit.bad_query", message,
                   "see docs/api.md, Audit log, for each resource's parameters");
}

int FromHex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> PercentDecoded(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      int hi = i + 2 < text.size() ? FromHex(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? FromHex(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) return BadQuery("a %-escape in the query is malformed");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  if (out.find('\0') != std::string::npos) return BadQuery("the query holds a NUL");
  return out;
}

// key=value&... with only the `allowed` keys, each at most once.
Result<Params> ParseParams(std::string_view query, std::initializer_list<const char*> allowed) {
  Params out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) return BadQuery("query parameters are key=value");
    ADTGW_ASSIGN(std::string key, PercentDecoded(pair.substr(0, eq)));
    ADTGW_ASSIGN(std::string value, PercentDecoded(pair.substr(eq + 1)));
    if (key.size() > kMaxParamSize || value.size() > kMaxParamSize || out.size() >= kMaxParams) {
      return BadQuery("the query is too long");
    }
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* k) { return key == k; })) {
      return BadQuery("unknown query parameter '" + key.substr(0, 40) + "'");
    }
    if (!out.emplace(key, value).second) return BadQuery("'" + key + "' is given twice");
  }
  return out;
}

Result<uint64_t> Number(const Params& p, const char* key, std::optional<uint64_t> fallback) {
  auto it = p.find(key);
  if (it == p.end()) {
    if (fallback) return *fallback;
    return BadQuery(std::string("the query needs ") + key);
  }
  uint64_t v = 0;
  const std::string& t = it->second;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size()) {
    return BadQuery(std::string(key) + " must be a whole number");
  }
  return v;
}

cjson::Text ProofJson(const std::vector<Sha256Digest>& proof) {
  std::vector<cjson::Text> items;
  for (const auto& d : proof) items.push_back(cjson::String(ToHex(d)));
  return cjson::Array(items);
}

ApiResponse Json(std::string body) { return ApiResponse{200, "application/json", std::move(body)}; }

}  // namespace

bool AuditApi::Serves(std::string_view target) {
  return target.substr(0, kPrefix.size()) == kPrefix;
}

Result<ApiResponse> AuditApi::Get(std::string_view target, const Caller& caller,
                                  bool auditor_listener) {
  auto answer = Answer(target, caller, auditor_listener);
  if (!answer.ok()) {
    AuditEntry e;
    e.at = std::time(nullptr);
    e.event = audit_event::kRequestRefused;
    e.actor = caller.eui64;
    e.request = "GET audit";
    e.reason = answer.error().code;
    (void)log_.Append(e);
  }
  return answer;
}

Result<ApiResponse> AuditApi::Answer(std::string_view target, const Caller& caller,
                                     bool auditor_listener) {
  size_t question = target.find('?');
  std::string_view path = target.substr(kPrefix.size(), question - kPrefix.size());
  std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);

  if (path == "checkpoint") {
    ADTGW_ASSIGN(Params p, ParseParams(query, {}));
    return ApiResponse{200, "text/plain; charset=utf-8", log_.Latest().note};
  }
  if (path == "consistency") {
    ADTGW_ASSIGN(Params p, ParseParams(query, {"from", "to"}));
    ADTGW_ASSIGN(uint64_t from, Number(p, "from", std::nullopt));
    ADTGW_ASSIGN(uint64_t to, Number(p, "to", std::nullopt));
    ADTGW_ASSIGN(std::vector<Sha256Digest> proof, log_.ConsistencyProof(from, to));
    return Json(cjson::Object(
        {{"from", cjson::Integer(from)}, {"proof", ProofJson(proof)}, {"to", cjson::Integer(to)}}));
  }

  // The rest is the auditors' alone.
  if (!auditor_listener) {
    return MakeError(ErrorKind::kDenied, "audit.auditor_listener_only",
                     "/v1/audit/" + std::string(path.substr(0, 40)) +
                         " is served on the auditors' listener only",
                     "auditors use the gateway's auditor_listen address (adtgw audit ...)");
  }
  const PolicyParty& party = caller.policy->parties[caller.party];
  if (!party.roles.test(static_cast<size_t>(PartyRole::kAuditor))) {
    return MakeError(ErrorKind::kDenied, "audit.not_auditor",
                     caller.eui64.ToString() + " does not have the auditor role in the policy",
                     "the audit log's entries are for DCC auditors");
  }
  if (path == "inclusion") {
    ADTGW_ASSIGN(Params p, ParseParams(query, {"index", "size"}));
    ADTGW_ASSIGN(uint64_t index, Number(p, "index", std::nullopt));
    ADTGW_ASSIGN(uint64_t size, Number(p, "size", std::nullopt));
    ADTGW_ASSIGN(std::vector<Sha256Digest> proof, log_.InclusionProof(index, size));
    return Json(cjson::Object({{"index", cjson::Integer(index)},
                               {"proof", ProofJson(proof)},
                               {"size", cjson::Integer(size)}}));
  }
  if (path == "entries") {
    ADTGW_ASSIGN(Params p, ParseParams(query, {"from", "limit"}));
    ADTGW_ASSIGN(uint64_t from, Number(p, "from", 0));
    ADTGW_ASSIGN(uint64_t limit, Number(p, "limit", kPageLimit));
    if (limit == 0 || limit > kPageLimit) {
      return BadQuery("limit must be 1 to " + std::to_string(kPageLimit));
    }
    ADTGW_ASSIGN(std::vector<StoredEntry> rows, log_.Entries(from, static_cast<size_t>(limit)));
    std::string body;
    size_t size = 0;
    for (const StoredEntry& row : rows) size += row.entry.size() + 96;
    body.reserve(size);  // one allocation for a page of up to 10,000 entries
    for (const StoredEntry& row : rows) {
      body += std::to_string(row.index);
      body += ' ';
      body += row.leaf ? ToHex(*row.leaf) : "-";
      body += ' ';
      body += row.entry;
      body += '\n';
    }
    return ApiResponse{200, "text/plain; charset=utf-8", std::move(body)};
  }
  if (path == "checkpoints") {
    ADTGW_ASSIGN(Params p, ParseParams(query, {}));
    ADTGW_ASSIGN(std::vector<std::string> notes, log_.Checkpoints());
    std::vector<cjson::Text> items;
    for (const std::string& n : notes) items.push_back(cjson::String(n));
    return Json(cjson::Object({{"checkpoints", cjson::Array(items)}}));
  }
  if (path == "query") {
    ADTGW_ASSIGN(Params p,
                 ParseParams(query, {"party", "event", "type", "since", "until", "limit"}));
    AuditQuery q;
    if (p.count("party")) {
      ADTGW_ASSIGN(q.party, Eui64::Parse(p["party"]));
    }
    if (p.count("event")) {
      q.event = p["event"];
      if (!IsAuditEvent(q.event)) return BadQuery("'" + q.event + "' is not an audit event");
    }
    if (p.count("type")) q.file_type = p["type"];
    for (auto [key, out] : {std::pair{"since", &q.since}, std::pair{"until", &q.until}}) {
      if (!p.count(key)) continue;
      ADTGW_ASSIGN(std::time_t t, ParseTime(p[key]));
      *out = t;
    }
    ADTGW_ASSIGN(uint64_t limit, Number(p, "limit", kPageLimit));
    if (limit == 0 || limit > kPageLimit) {
      return BadQuery("limit must be 1 to " + std::to_string(kPageLimit));
    }
    // One more than asked for says whether the answer was cut.
    q.limit = static_cast<size_t>(limit) + 1;
    ADTGW_ASSIGN(std::vector<StoredEntry> rows, log_.Find(q));
    bool truncated = rows.size() > limit;
    if (truncated) rows.resize(static_cast<size_t>(limit));
    std::vector<cjson::Text> items;
    for (const StoredEntry& row : rows) {
      items.push_back(cjson::Object(
          {{"entry", cjson::String(row.entry)}, {"index", cjson::Integer(row.index)}}));
    }
    return Json(
        cjson::Object({{"entries", cjson::Array(items)}, {"truncated", cjson::Bool(truncated)}}));
  }
  if (path.substr(0, 10) == "transfers/") {
    ADTGW_ASSIGN(Params p, ParseParams(query, {}));
    std::string id(path.substr(10));
    if (!StorageKey::Parse(id).ok()) {
      // Entries of no transfer are stored with an empty id: never list them as one.
      return MakeError(ErrorKind::kNotFound, "audit.no_entries",
                       "'" + id.substr(0, 64) + "' is not a transfer id",
                       "a transfer id is 32 lower-case hex digits (adtgw audit query lists them)");
    }
    SignedCheckpoint head = log_.Latest();
    ADTGW_ASSIGN(std::vector<StoredEntry> rows, log_.ForTransfer(id));
    std::vector<cjson::Text> items;
    for (const StoredEntry& row : rows) {
      if (row.index >= head.checkpoint.size) continue;  // logged after this checkpoint
      ADTGW_ASSIGN(std::vector<Sha256Digest> proof,
                   log_.InclusionProof(row.index, head.checkpoint.size));
      items.push_back(cjson::Object({{"entry", cjson::String(row.entry)},
                                     {"index", cjson::Integer(row.index)},
                                     {"proof", ProofJson(proof)}}));
    }
    if (items.empty()) {
      return MakeError(ErrorKind::kNotFound, "audit.no_entries",
                       "the audit log has no entry for transfer " + id.substr(0, 64),
                       "check the transfer id");
    }
    return Json(cjson::Object(
        {{"checkpoint", cjson::String(head.note)}, {"entries", cjson::Array(items)}}));
  }
  return MakeError(ErrorKind::kNotFound, "http.no_route", "no such audit resource",
                   "see docs/api.md, Audit log");
}

}  // namespace adtgw
