#include "gateway/server/audit_api.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <map>
#include <optional>
#include <utility>

#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "gateway/store/document_store.h"

namespace adtgw {
namespace {

constexpr size_t kMaxParams = 8;
constexpr size_t kMaxParamSize = 256;

using Params = std::map<std::string, std::string>;

Error BadQuery(const std::string& message) {
  return MakeError(ErrorKind::kUsage, "audit.bad_query", message,
                   "see docs/api.md, Audit log, for each resource's parameters");
}

Result<std::string> PercentDecoded(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      int hi = i + 2 < text.size() ? HexDigitValue(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? HexDigitValue(text[i + 2]) : -1;
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
  return cjson::Array(std::move(items));
}

ApiResponse Json(std::string body) {
  return ApiResponse{200, "application/json", std::move(body), {}};
}

// An answer of two members, one of them a list of up to kMaxAuditAnswer bytes. The
// members are moved into the object, not copied out of an initializer list: each copy
// of a month's half megabyte is ~130 freshly touched pages, most of the answer's cost.
ApiResponse JsonWithList(const char* list_key, cjson::Text list, const char* other_key,
                         cjson::Text other) {
  std::map<std::string, cjson::Text> members;
  members.emplace(list_key, std::move(list));
  members.emplace(other_key, std::move(other));
  return Json(cjson::Object(members));
}

// A page's `limit`: 1 to AuditApi::kPageLimit, that by default.
Result<size_t> PageLimit(const Params& p) {
  ADTGW_ASSIGN(uint64_t limit, Number(p, "limit", AuditApi::kPageLimit));
  if (limit == 0 || limit > AuditApi::kPageLimit) {
    return BadQuery("limit must be 1 to " + std::to_string(AuditApi::kPageLimit));
  }
  return static_cast<size_t>(limit);
}

// The body of GET /v1/audit/entries, a chunk at a time (ApiResponse::next_chunk). Rows
// are read AuditApi::kEntriesBatch at a time, each batch in its own short read
// transaction: one snapshot held while a client reads a million rows would keep the
// log's WAL from being checkpointed for as long. So the answer is the table as each
// batch finds it: rows appended meanwhile are included if the stream gets to them.
class EntryStream {
 public:
  // Reads the first batch, so that a log that cannot be read is refused before the
  // answer begins. `limit`: absent, to the end of the table.
  static Result<EntryStream> Start(AuditLog& log, uint64_t from, std::optional<uint64_t> limit) {
    EntryStream stream(log, from, limit);
    ADTGW_TRY(stream.ReadBatch());
    return stream;
  }

  Result<std::string_view> operator()() {
    if (buffer_.capacity() < AuditApi::kChunkCapacity) buffer_.reserve(AuditApi::kChunkCapacity);
    buffer_.clear();
    for (;;) {
      if (next_row_ == rows_.size()) {
        // A batch is a chunk of its own; the end of the last one is the end.
        if (!buffer_.empty() || last_batch_) break;
        ADTGW_TRY(ReadBatch());
        continue;
      }
      const StoredEntry& row = rows_[next_row_];
      if (!buffer_.empty() && buffer_.size() + LineSize(row) > AuditApi::kChunkCapacity) break;
      AppendLine(row);
      ++next_row_;
    }
    return std::string_view(buffer_);
  }

 private:
  EntryStream(AuditLog& log, uint64_t from, std::optional<uint64_t> limit)
      : log_(&log), next_index_(from), left_(limit) {}

  Status ReadBatch() {
    size_t want = AuditApi::kEntriesBatch;
    if (left_) want = static_cast<size_t>(std::min<uint64_t>(want, *left_));
    ADTGW_ASSIGN(rows_, log_->Entries(next_index_, want));
    next_row_ = 0;
    // Fewer rows than asked for: the table ended.
    last_batch_ = rows_.size() < want;
    // From after the last row, not from + want: a missing row (a gap) is skipped.
    if (!rows_.empty()) next_index_ = rows_.back().index + 1;
    if (left_) {
      *left_ -= rows_.size();
      if (*left_ == 0) last_batch_ = true;
    }
    return OkStatus();
  }

  static size_t LineSize(const StoredEntry& row) {
    return 20 + 1 + 64 + 1 + row.entry.size() + 1;  // at most, with 20 digits of index
  }

  // `<index> <leaf hash hex, or -> <entry>\n`, without a temporary string per row.
  void AppendLine(const StoredEntry& row) {
    char digits[20];
    auto [end, ec] = std::to_chars(std::begin(digits), std::end(digits), row.index);
    (void)ec;  // 20 digits hold every uint64_t
    buffer_.append(digits, end);
    buffer_ += ' ';
    if (row.leaf) {
      static constexpr char kHex[] = "0123456789abcdef";
      char hex[64];
      for (size_t i = 0; i < row.leaf->size(); ++i) {
        hex[2 * i] = kHex[(*row.leaf)[i] >> 4];
        hex[2 * i + 1] = kHex[(*row.leaf)[i] & 0xf];
      }
      buffer_.append(hex, sizeof hex);
    } else {
      buffer_ += '-';
    }
    buffer_ += ' ';
    buffer_ += row.entry;
    buffer_ += '\n';
  }

  AuditLog* log_;
  uint64_t next_index_;           // where the next batch starts
  std::optional<uint64_t> left_;  // rows the limit still allows
  std::vector<StoredEntry> rows_;
  size_t next_row_ = 0;  // in rows_
  bool last_batch_ = false;
  std::string buffer_;  // the chunk; reserved once, reused
};

}  // namespace

Result<ApiResponse> AuditApi::Checkpoint(const AuditRequest& request) {
  ADTGW_ASSIGN(Params p, ParseParams(request.query, {}));
  return ApiResponse{200, "text/plain; charset=utf-8", log_.Latest().note, {}};
}

Result<ApiResponse> AuditApi::Consistency(const AuditRequest& request) {
  ADTGW_ASSIGN(Params p, ParseParams(request.query, {"from", "to"}));
  ADTGW_ASSIGN(uint64_t from, Number(p, "from", std::nullopt));
  ADTGW_ASSIGN(uint64_t to, Number(p, "to", std::nullopt));
  ADTGW_ASSIGN(std::vector<Sha256Digest> proof, log_.ConsistencyProof(from, to));
  return Json(cjson::Object(
      {{"from", cjson::Integer(from)}, {"proof", ProofJson(proof)}, {"to", cjson::Integer(to)}}));
}

Result<ApiResponse> AuditApi::Inclusion(const AuditRequest& request) {
  ADTGW_ASSIGN(Params p, ParseParams(request.query, {"index", "size"}));
  ADTGW_ASSIGN(uint64_t index, Number(p, "index", std::nullopt));
  ADTGW_ASSIGN(uint64_t size, Number(p, "size", std::nullopt));
  ADTGW_ASSIGN(std::vector<Sha256Digest> proof, log_.InclusionProof(index, size));
  return Json(cjson::Object({{"index", cjson::Integer(index)},
                             {"proof", ProofJson(proof)},
                             {"size", cjson::Integer(size)}}));
}

Result<ApiResponse> AuditApi::Entries(const AuditRequest& request) {
  ADTGW_ASSIGN(Params p, ParseParams(request.query, {"from", "limit"}));
  ADTGW_ASSIGN(uint64_t from, Number(p, "from", 0));
  std::optional<uint64_t> limit;
  if (p.count("limit")) {
    ADTGW_ASSIGN(limit, Number(p, "limit", std::nullopt));
    if (*limit == 0) return BadQuery("limit must be at least 1");
  }
  ADTGW_ASSIGN(EntryStream stream, EntryStream::Start(log_, from, limit));
  ApiResponse answer{200, "text/plain; charset=utf-8", "", {}};
  answer.next_chunk = std::move(stream);
  return answer;
}

Result<ApiResponse> AuditApi::Checkpoints(const AuditRequest& request) {
  ADTGW_ASSIGN(Params p, ParseParams(request.query, {"from", "limit"}));
  ADTGW_ASSIGN(uint64_t from, Number(p, "from", 0));
  ADTGW_ASSIGN(size_t limit, PageLimit(p));
  // One more than asked for says whether more follow.
  ADTGW_ASSIGN(std::vector<std::string> notes, log_.Checkpoints(from, limit + 1));
  bool truncated = notes.size() > limit;
  if (truncated) notes.resize(limit);
  std::vector<cjson::Text> items;
  items.reserve(notes.size());
  for (const std::string& n : notes) items.push_back(cjson::String(n));
  return JsonWithList("checkpoints", cjson::Array(std::move(items)), "truncated",
                      cjson::Bool(truncated));
}

Result<ApiResponse> AuditApi::Query(const AuditRequest& request) {
  ADTGW_ASSIGN(Params p,
               ParseParams(request.query, {"party", "event", "type", "since", "until", "limit"}));
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
  ADTGW_ASSIGN(size_t limit, PageLimit(p));
  // One more than asked for says whether the answer was cut.
  q.limit = limit + 1;
  ADTGW_ASSIGN(std::vector<StoredEntry> rows, log_.Find(q));
  bool truncated = rows.size() > limit;
  if (truncated) rows.resize(static_cast<size_t>(limit));
  // A month of one party is hundreds of entries, half a megabyte: written once, in
  // place, with the members in canonical order by hand. Assembled from copies of its
  // parts, each copy cost ~130 freshly touched pages. The reserve is generous: pages
  // of it never written are never touched.
  size_t entry_bytes = 0;
  for (const StoredEntry& row : rows) entry_bytes += row.entry.size();
  std::string body;
  body.reserve(64 + 2 * entry_bytes + 48 * rows.size());
  body += R"({"entries":[)";
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) body += ',';
    body += R"({"entry":)";
    cjson::AppendString(rows[i].entry, &body);
    body += R"(,"index":)";
    body += cjson::Integer(rows[i].index);
    body += '}';
  }
  body += R"(],"truncated":)";
  body += cjson::Bool(truncated);
  body += '}';
  return Json(std::move(body));
}

Result<ApiResponse> AuditApi::TransferLife(const AuditRequest& request) {
  ADTGW_ASSIGN(Params p, ParseParams(request.query, {}));
  std::string id(request.param);
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
  return JsonWithList("entries", cjson::Array(std::move(items)), "checkpoint",
                      cjson::String(head.note));
}

Result<ApiResponse> AuditApi::NoSuchResource(const AuditRequest&) {
  return MakeError(ErrorKind::kNotFound, "http.no_route", "no such audit resource",
                   "see docs/api.md, Audit log");
}

}  // namespace adtgw
