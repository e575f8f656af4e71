// CheckpointHistory: the check of a log's list of signed checkpoints (docs/audit-log.md,
// "Auditing") for `adtgw audit verify --full`, online (GET /v1/audit/checkpoints?from=,
// a page at a time) and offline (an export's checkpoints.jsonl). Each note must verify
// with the log key, be no smaller than the one before it and not a second root for one
// size; each is then handed to the LogAuditor, whose entries must give its root at its
// size. Problems go to the auditor's report; only a failure to read is an error.
//
// The list is read lazily: ReadUpTo(n) reads pages until every checkpoint of size <= n
// is checked, and holds at most one page. The caller asks for the sizes the entries are
// about to reach, so a log that signs a checkpoint per entry (a quiet gateway does) is
// checked in constant memory, as its entries are.
//
// Ownership: borrows the key and the auditor. Thread safety: one thread at a time.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "crypto/result.h"
#include "gateway/audit/checkpoint.h"
#include "gateway/client/log_auditor.h"

namespace adtgw {

class CheckpointHistory {
 public:
  // The notes of the checkpoints of size >= from_size, ascending by size (as many as one
  // page holds); empty when there are no more.
  using PageSource = std::function<Result<std::vector<std::string>>(uint64_t from_size)>;
  // A listed checkpoint is larger than the auditor's head: a newer head, verified and
  // witnessed (online, the log may have grown while it was read), or nullopt.
  using NewerHead = std::function<Result<std::optional<Checkpoint>>(uint64_t size)>;

  CheckpointHistory(const LogVerifier& key, LogAuditor& auditor, PageSource source,
                    NewerHead newer);

  // Reads and checks every listed checkpoint of size <= `size` not checked yet.
  Status ReadUpTo(uint64_t size);
  // Reads and checks the rest of the list.
  Status ReadAll() { return ReadUpTo(UINT64_MAX); }
  // Checkpoints read so far.
  uint64_t count() const { return count_; }

 private:
  Status NextPage();
  Status Check(const std::string& note);

  const LogVerifier& key_;
  LogAuditor& auditor_;
  PageSource source_;
  NewerHead newer_;
  struct Listed {
    std::optional<uint64_t> size;  // what the note says, before it is verified
    std::string note;
  };
  std::deque<Listed> page_;  // read, not yet checked
  uint64_t next_from_ = 0;   // the next page starts at this size
  bool exhausted_ = false;
  uint64_t count_ = 0;
  std::optional<Checkpoint> previous_;
};

}  // namespace adtgw
