// The POSIX file pieces every folder-keeping class needs, written once: UniqueFd, the
// one owner of a raw file descriptor; SyncDirectory, which makes the names created,
// renamed or removed in a folder durable; and ErrnoError, which turns an errno value
// into an adtgw Error ("what: strerror text").
//
// A UniqueFd owns its descriptor alone: it is move-only and closes the descriptor when
// destroyed or reset. Writers whose data is only safe once close(2) succeeded call
// Close() and check it; everywhere else the destructor closes and ignores the result,
// as nothing can be done about it there.
//
// Thread safety: a UniqueFd is used by one thread at a time. SyncDirectory and
// ErrnoError keep no state and are safe from any thread (the errno text is produced
// with strerror_r, not strerror's shared buffer).
#pragma once

#include <string>

#include "crypto/result.h"

namespace adtgw {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }

  // Hands the descriptor to the caller, who must close it.
  int release() noexcept {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

  // Closes the descriptor held (if any), ignoring close(2)'s result, and owns `fd`.
  void reset(int fd = -1) noexcept;

  // Closes the descriptor now: 0, or the errno of a failed close(2) (for a writer, a
  // failed close may mean lost data). The descriptor is given up either way.
  [[nodiscard]] int Close() noexcept;

 private:
  int fd_ = -1;
};

// strerror's text for `err`, thread-safe.
std::string ErrnoText(int err);

// An Error whose message is "<what>: <strerror text of err>".
Error ErrnoError(ErrorKind kind, std::string code, const std::string& what, int err,
                 std::string hint = {});

// fsyncs the folder `dir` (opened O_DIRECTORY | O_RDONLY | O_CLOEXEC), so that the
// names created, renamed or removed in it survive a crash. Errors: io.write (kIo),
// "cannot open <dir>: ..." or "cannot sync <dir>: ...".
Status SyncDirectory(const std::string& dir);

}  // namespace adtgw
