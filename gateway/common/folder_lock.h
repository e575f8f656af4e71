// FolderLock: an exclusive flock on a lock file, so that two processes never work on one
// folder at once (adtgw push on a spool, adtgw receive on its output folder). The kernel
// releases it when the holder dies, so a killed process never leaves a stale lock.
//
// Ownership: owns the lock file's descriptor; the lock is held until destruction.
// Thread safety: one owner.
#pragma once

#include <string>

#include "crypto/posix_file.h"
#include "crypto/result.h"

namespace adtgw {

class FolderLock {
 public:
  // Takes the lock on `path` (created 0600 if missing, never through a link) or fails
  // at once with `busy_code` (kConflict) and `busy_message` when another holds it.
  static Result<FolderLock> Acquire(const std::string& path, const std::string& busy_code,
                                    const std::string& busy_message, const std::string& busy_hint);
  FolderLock(FolderLock&& other) noexcept = default;
  FolderLock& operator=(FolderLock&&) = delete;
  ~FolderLock() = default;  // closing the descriptor releases the flock

 private:
  explicit FolderLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace adtgw
