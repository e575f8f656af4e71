#include "gateway/client/log_auditor.h"

#include <algorithm>
#include <cstdlib>

#include "crypto/byte_stream.h"
#include "gateway/audit/audit_entry.h"
#include "gateway/audit/merkle_tree.h"
#include "gateway/client/checkpoint_witness.h"
#include "gateway/common/strict_json.h"

namespace adtgw {
namespace {

// ---- QuickCheckAuditEntry -------------------------------------------------------------
//
// Accepts exactly the canonical form AuditEntryToJson writes, restricted to what can be
// checked without decoding: strings of printable ASCII without escapes, integers of at
// most 15 digits, times from 1970 to 9999. Anything else returns false, and the caller
// asks ParseAuditEntry.

class Scanner {
 public:
  explicit Scanner(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}
  bool Eat(char c) {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  bool AtEnd() const { return p_ == end_; }
  // A string of printable ASCII other than '"' and '\': no escapes to decode.
  bool String(std::string_view* out) {
    if (!Eat('"')) return false;
    const char* start = p_;
    while (p_ != end_ && *p_ >= 0x20 && *p_ < 0x7f && *p_ != '"' && *p_ != '\\') ++p_;
    if (!Eat('"')) return false;
    *out = std::string_view(start, static_cast<size_t>(p_ - 1 - start));
    return true;
  }
  // Decimal without leading zeros, at most 15 digits.
  bool Number(uint64_t* out) {
    const char* start = p_;
    uint64_t v = 0;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9' && p_ - start < 16) v = v * 10 + (*p_++ - '0');
    size_t n = static_cast<size_t>(p_ - start);
    if (n == 0 || n > 15 || (n > 1 && *start == '0')) return false;
    *out = v;
    return true;
  }

 private:
  const char* p_;
  const char* end_;
};

bool IsUpperHex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

// "AD-7C-00-00-00-00-02-01": what Eui64::ToString writes.
bool IsCanonicalEui64(std::string_view s) {
  if (s.size() != 23) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i % 3 == 2 ? s[i] != '-' : !IsUpperHex(s[i])) return false;
  }
  return true;
}

int Digits(std::string_view s, size_t at, size_t n) {
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// "2026-11-29T12:00:01Z" that FormatTime(ParseTime(s)) gives back unchanged.
bool IsCanonicalTime(std::string_view s) {
  if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s[19] != 'Z') {
    return false;
  }
  int y = Digits(s, 0, 4), mo = Digits(s, 5, 2), d = Digits(s, 8, 2), h = Digits(s, 11, 2),
      mi = Digits(s, 14, 2), sec = Digits(s, 17, 2);
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 ||
      sec > 59) {
    return false;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[mo - 1] + (mo == 2 && leap ? 1 : 0);
}

// The optional text fields: any non-empty string (ParseAuditEntry checks no more).
bool IsPlainTextKey(std::string_view key) {
  static constexpr std::string_view kKeys[] = {
      "envelope_sha256", "file_type", "outcome",       "peer",          "policy_sha256", "reason",
      "request",         "rule",      "signer_issuer", "signer_serial", "transfer_id"};
  return std::find(std::begin(kKeys), std::end(kKeys), key) != std::end(kKeys);
}

}  // namespace

bool QuickCheckAuditEntry(std::string_view entry) {
  if (entry.size() > kMaxAuditEntrySize) return false;
  Scanner in(entry);
  if (!in.Eat('{')) return false;
  std::string_view previous;
  bool have_at = false, have_event = false, have_version = false;
  for (bool first = true;; first = false) {
    if (!first && !in.Eat(',')) break;
    std::string_view key;
    if (!in.String(&key) || !in.Eat(':')) return false;
    if (!first && key <= previous) return false;  // keys strictly in byte order
    previous = key;
    std::string_view text;
    uint64_t number = 0;
    if (key == "at") {
      if (!in.String(&text) || !IsCanonicalTime(text)) return false;
      have_at = true;
    } else if (key == "event") {
      if (!in.String(&text) || !IsAuditEvent(text)) return false;
      have_event = true;
    } else if (key == "version") {
      if (!in.Number(&number) || number != 1) return false;
      have_version = true;
    } else if (key == "envelope_size") {
      if (!in.Number(&number)) return false;
    } else if (key == "actor" || key == "sender") {
      if (!in.String(&text) || !IsCanonicalEui64(text)) return false;
    } else if (key == "recipients") {
      if (!in.Eat('[')) return false;
      std::string_view last;
      for (bool first_item = true;; first_item = false) {
        if (!first_item && !in.Eat(',')) break;
        if (!in.String(&text) || !IsCanonicalEui64(text)) return false;
        if (!first_item && text < last) return false;  // sorted
        last = text;
      }
      if (!in.Eat(']')) return false;
    } else if (IsPlainTextKey(key)) {
      if (!in.String(&text) || text.empty()) return false;
    } else {
      return false;
    }
  }
  return in.Eat('}') && in.AtEnd() && have_at && have_event && have_version;
}

std::optional<EntryLine> ParseEntryLine(std::string_view line) {
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0 || sp1 > 20) return std::nullopt;
  EntryLine out;
  std::string_view digits = line.substr(0, sp1);
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t next = out.index * 10 + static_cast<uint64_t>(c - '0');
    if (next / 10 != out.index) return std::nullopt;  // overflow
    out.index = next;
  }
  std::string_view rest = line.substr(sp1 + 1);
  if (rest.size() >= 2 && rest[0] == '-' && rest[1] == ' ') {
    out.entry = rest.substr(2);
  } else {
    if (rest.size() < 65 || rest[64] != ' ') return std::nullopt;
    out.leaf = ParseHexDigest(rest.substr(0, 64));
    if (!out.leaf) return std::nullopt;
    out.entry = rest.substr(65);
  }
  return out;
}

// ---- LogAuditor -----------------------------------------------------------------------

LogAuditor::LogAuditor(const Checkpoint& head) : head_(head) {
  AddTarget(head, "the signed checkpoint");
}

void LogAuditor::AlsoCheck(const Checkpoint& c, const std::string& what) {
  if (c.size > head_.size) return;
  AddTarget(c, what);
}

void LogAuditor::Advance(const Checkpoint& newer) {
  if (newer.size <= head_.size) return;
  head_ = newer;
  AddTarget(newer, "the newer signed checkpoint");
}

void LogAuditor::AddTarget(const Checkpoint& c, const std::string& what) {
  if (c.size < leaves_ || broken_) return;  // too late to recompute that root
  auto [first, last] = targets_.equal_range(c.size);
  for (auto it = first; it != last; ++it) {
    if (it->second.root == c.root) return;  // the same tree, listed twice
  }
  targets_.emplace(c.size, Target{c.size, c.root, what});
  CheckTargets();
}

Sha256Digest LogAuditor::Root() {
  if (range_.empty()) return merkle::EmptyRoot();
  Sha256Digest root = range_.back();
  for (size_t i = range_.size() - 1; i-- > 0;) root = merkle::NodeHash(range_[i], root);
  return root;
}

void LogAuditor::CheckTargets() {
  while (!targets_.empty() && targets_.begin()->first == leaves_) {
    Target t = std::move(targets_.begin()->second);
    targets_.erase(targets_.begin());
    Sha256Digest root = Root();
    if (root == t.root) {
      ++roots_matched_;
      continue;
    }
    Problem("audit.root_mismatch",
            "the entries do not add up to " + t.what + ": recomputed from entries 0 to " +
                std::to_string(t.size) + " - 1 the tree is " +
                DescribeCheckpoint(Checkpoint{head_.origin, t.size, root}) +
                ", signed: " + DescribeCheckpoint(Checkpoint{head_.origin, t.size, t.root}) +
                " (an entry was changed together with its stored leaf hash, or the checkpoint "
                "was signed over other entries)");
  }
}

void LogAuditor::Problem(const char* code, std::string message) {
  ++problem_count_;
  if (problems_.size() < kMaxReported) problems_.push_back({code, std::move(message)});
}

void LogAuditor::AddProblem(std::string code, std::string message) {
  ++problem_count_;
  if (problems_.size() < kMaxReported) problems_.push_back({std::move(code), std::move(message)});
}

void LogAuditor::AddLine(std::string_view line) {
  std::optional<EntryLine> row = ParseEntryLine(line);
  if (!row) {
    ++rows_;
    Problem("audit.entry_malformed",
            "the row after entry " +
                (next_ == 0 ? std::string("(none)") : std::to_string(next_ - 1)) +
                " is not 'INDEX LEAF-HASH ENTRY': '" + std::string(line.substr(0, 80)) + "'");
    return;
  }
  Add(*row);
}

void LogAuditor::Add(const EntryLine& row) {
  ++rows_;
  const std::string n = std::to_string(row.index);
  if (row.index < next_) {
    Problem("audit.entry_malformed", "entry " + n + " comes again after entry " +
                                         std::to_string(next_ - 1) +
                                         ": the rows are not in index order");
    return;
  }
  if (row.index > next_) {
    Problem("audit.entry_missing",
            (row.index == next_ + 1 ? "entry " + std::to_string(next_) + " is missing"
                                    : "entries " + std::to_string(next_) + " to " +
                                          std::to_string(row.index - 1) + " are missing") +
                ": the log jumps from " +
                (next_ == 0 ? std::string("its start") : std::to_string(next_ - 1)) + " to " + n);
    broken_ = true;
    targets_.clear();
  }
  next_ = row.index + 1;

  if (!QuickCheckAuditEntry(row.entry)) {
    auto parsed = ParseAuditEntry(AsBytes(row.entry));
    if (!parsed.ok()) {
      Problem("audit.entry_malformed", "entry " + n + " is not a canonical audit entry (" +
                                           parsed.error().code + ": " + parsed.error().message +
                                           ")");
    }
  }
  if (row.index >= head_.size) {
    Problem("audit.entry_unsigned",
            "entry " + n + " is not covered by the signed checkpoint of size " +
                std::to_string(head_.size) + ": it was added behind the log's back");
    return;
  }
  Sha256Digest own = merkle::LeafHash(AsBytes(row.entry));
  if (!row.leaf) {
    Problem("audit.entry_changed", "entry " + n +
                                       " has no stored leaf hash: it was written behind the "
                                       "log's back, or its row was replaced");
  } else if (*row.leaf != own) {
    Problem("audit.entry_changed",
            "entry " + n + " was changed after it was logged: its bytes hash to " + ToHex(own) +
                ", the leaf hash logged with it is " + ToHex(*row.leaf));
  }
  if (broken_) return;
  // The compact range: merge the perfect subtrees the new leaf completes.
  range_.push_back(own);
  for (uint64_t m = leaves_; (m & 1) == 1; m >>= 1) {
    Sha256Digest right = range_.back();
    range_.pop_back();
    range_.back() = merkle::NodeHash(range_.back(), right);
  }
  ++leaves_;
  CheckTargets();
}

void LogAuditor::Finish() {
  if (next_ < head_.size) {
    Problem("audit.log_truncated",
            "the log " +
                (next_ == 0 ? std::string("has no entries")
                            : "ends at entry " + std::to_string(next_ - 1)) +
                ", but the signed checkpoint covers " + std::to_string(head_.size) + ": entries " +
                std::to_string(next_) + " to " + std::to_string(head_.size - 1) + " are missing");
  }
}

Error LogAuditor::Failure() const {
  const AuditProblem& first = problems_.front();
  return MakeError(ErrorKind::kIntegrity, first.code,
                   "the audit log failed verification with " + std::to_string(problem_count_) +
                       " problem(s); the first: " + first.message,
                   "keep this output (and the export, if it was one: adtgw audit export DIR keeps "
                   "the evidence) and report it to the DCC");
}

}  // namespace adtgw
