#include "gateway/client/checkpoint_history.h"

#include <algorithm>
#include <utility>

#include "gateway/client/checkpoint_witness.h"

namespace adtgw {

CheckpointHistory::CheckpointHistory(const LogVerifier& key, LogAuditor& auditor, PageSource source,
                                     NewerHead newer)
    : key_(key), auditor_(auditor), source_(std::move(source)), newer_(std::move(newer)) {}

Status CheckpointHistory::ReadUpTo(uint64_t size) {
  for (;;) {
    if (page_.empty()) {
      // next_from_ is a lower bound of the next size: no need to fetch past `size`.
      if (exhausted_ || next_from_ > size) return OkStatus();
      ADTGW_TRY(NextPage());
      continue;
    }
    // A note that does not parse has no size: it is checked (and reported) at once.
    if (page_.front().size && *page_.front().size > size) return OkStatus();
    std::string note = std::move(page_.front().note);
    page_.pop_front();
    ADTGW_TRY(Check(note));
  }
}

Status CheckpointHistory::NextPage() {
  ADTGW_ASSIGN(std::vector<std::string> notes, source_(next_from_));
  if (notes.empty()) {
    exhausted_ = true;
    return OkStatus();
  }
  bool progress = false;
  for (std::string& note : notes) {
    auto c = ParseCheckpointNote(note);
    std::optional<uint64_t> size;
    if (c.ok()) size = c->size;
    if (size && *size >= next_from_ && *size < UINT64_MAX) {
      next_from_ = *size + 1;
      progress = true;
    }
    page_.push_back(Listed{size, std::move(note)});
  }
  // A page with no readable size at or past where it was asked from cannot say where
  // the next one starts: its notes are checked (and reported), and the list ends there.
  if (!progress) exhausted_ = true;
  return OkStatus();
}

Status CheckpointHistory::Check(const std::string& note) {
  ++count_;
  std::string which = "signed checkpoint #" + std::to_string(count_) + " of the log's list";
  auto c = key_.Verify(note);
  if (!c.ok()) {
    auditor_.AddProblem(c.error().code, which + " does not verify: " + c.error().message);
    return OkStatus();
  }
  if (previous_ && c->size < previous_->size) {
    auditor_.AddProblem("audit.log_truncated",
                        which + " has " + std::to_string(c->size) +
                            " entries, fewer than the one before it: the log went back");
  } else if (previous_ && c->size == previous_->size && c->root != previous_->root) {
    auditor_.AddProblem("audit.log_forked", which + " and the one before it are two trees of " +
                                                std::to_string(c->size) + " entries");
  }
  if (c->size > auditor_.head().size) {
    // Read after the head was fetched, so it may be newer than the head: then a newer
    // head, witnessed, must cover it; a list that outgrows every head went back.
    std::optional<Checkpoint> newer;
    if (newer_) {
      ADTGW_ASSIGN(newer, newer_(c->size));
    }
    if (newer && newer->size >= c->size) {
      auditor_.Advance(*newer);
    } else {
      auditor_.AddProblem("audit.log_truncated", which + " has " + std::to_string(c->size) +
                                                     " entries, more than the latest checkpoint (" +
                                                     std::to_string(auditor_.head().size) +
                                                     "): the log went back");
    }
  }
  auditor_.AlsoCheck(*c, which + " (" + DescribeCheckpoint(*c) + ")");
  previous_ = *c;
  return OkStatus();
}

}  // namespace adtgw
