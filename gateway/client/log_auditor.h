// LogAuditor: `adtgw audit verify --full`, the check of a whole audit log from its
// entries (docs/audit-log.md, "Auditing"). Rows arrive in index order, as the lines of
// GET /v1/audit/entries or of an export's entries.log ("INDEX LEAF ENTRY", LEAF the
// stored leaf hash in hex or "-"), and each is checked as it comes, in O(1) memory (a compact range
// of at most 64 subtree hashes, not the leaves):
//
//   - its index is the next one (audit.entry_missing: "the log jumps from N-1 to M");
//   - its entry is a canonical audit entry (audit.entry_malformed);
//   - its stored leaf hash is LeafHash(entry) (audit.entry_changed);
//   - it is covered by the signed checkpoint (audit.entry_unsigned);
// and at the end there must be as many rows as the checkpoint's size
// (audit.log_truncated), and the root recomputed from the entries' own hashes must be
// the checkpoint's, and that of every other signed checkpoint given (AlsoCheck) at its
// size (audit.root_mismatch). All problems are kept (the first kMaxReported in full),
// so one run reports everything it found. Every problem is kIntegrity.
//
// Speed: a million entries take about two seconds. A row's entry is checked by
// QuickCheckAuditEntry, a hand-written scanner that accepts only what ParseAuditEntry
// accepts (canonical bytes, known keys and events, valid EUI-64s and times) without
// building a JSON tree (ParseAuditEntry takes ~10 us an entry); whatever it does not
// accept goes to ParseAuditEntry, which decides and explains. Hashing is merkle_tree.h's (one
// reused context per thread).
//
// Thread safety: one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/result.h"
#include "crypto/sha256.h"
#include "gateway/audit/checkpoint.h"

namespace adtgw {

struct AuditProblem {
  std::string code;
  std::string message;
};

// One row of the entries text.
struct EntryLine {
  uint64_t index = 0;
  std::optional<Sha256Digest> leaf;  // nullopt for "-": the row has no stored leaf hash
  std::string_view entry;
};
// "<index> <64 lower-case hex or -> <entry>", without the newline. Index: decimal
// without leading zeros. nullopt if the line has another shape.
std::optional<EntryLine> ParseEntryLine(std::string_view line);

// True only for bytes that ParseAuditEntry accepts (the reverse does not hold: entries
// with escapes, non-ASCII text or unusual numbers are left to ParseAuditEntry).
bool QuickCheckAuditEntry(std::string_view entry);

class LogAuditor {
 public:
  static constexpr size_t kMaxReported = 100;

  // `head`: the verified checkpoint the entries must add up to.
  explicit LogAuditor(const Checkpoint& head);

  // Another verified checkpoint whose root the entries must give at its size (an older
  // checkpoint of the log, or one this auditor saw before), named by `what` in
  // problems. Call before the rows reach its size; larger than the head: ignored.
  void AlsoCheck(const Checkpoint& c, const std::string& what);
  // A newer head, verified and found consistent by the caller (the log grew while it
  // was read): rows below its size are signed; its root is checked too.
  void Advance(const Checkpoint& newer);
  const Checkpoint& head() const { return head_; }

  // Feeds one line (without its newline) / one parsed row, in the order received.
  void AddLine(std::string_view line);
  void Add(const EntryLine& row);
  // After the last row: the truncation check.
  void Finish();
  // A problem found outside the rows (the checkpoint list, the witness), kept with them.
  void AddProblem(std::string code, std::string message);

  uint64_t rows() const { return rows_; }
  // Rows checked into the tree (contiguous from 0, within the head).
  uint64_t leaves() const { return leaves_; }
  // Signed trees (distinct size and root) whose root was recomputed and matched.
  uint64_t roots_matched() const { return roots_matched_; }
  // The index the next row should have.
  uint64_t next_index() const { return next_; }
  bool ok() const { return problem_count_ == 0; }
  uint64_t problem_count() const { return problem_count_; }
  const std::vector<AuditProblem>& problems() const { return problems_; }
  // The error for a failed audit: the first problem's code, and how many there are.
  Error Failure() const;

 private:
  struct Target {
    uint64_t size;
    Sha256Digest root;
    std::string what;
  };
  void Problem(const char* code, std::string message);
  void AddTarget(const Checkpoint& c, const std::string& what);
  void CheckTargets();
  Sha256Digest Root();

  Checkpoint head_;
  std::vector<Sha256Digest> range_;  // the compact range of leaves [0, leaves_)
  // Those not reached yet, by size: O(log n) to add and to take the next, so a log
  // with a checkpoint per entry is not quadratic.
  std::multimap<uint64_t, Target> targets_;
  uint64_t rows_ = 0;
  uint64_t leaves_ = 0;
  uint64_t next_ = 0;
  uint64_t roots_matched_ = 0;
  bool broken_ = false;  // a row is missing: no root can be recomputed any more
  uint64_t problem_count_ = 0;
  std::vector<AuditProblem> problems_;
};

}  // namespace adtgw
