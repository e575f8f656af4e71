#include "crypto/posix_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace adtgw {

void UniqueFd::reset(int fd) noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

int UniqueFd::Close() noexcept {
  if (fd_ < 0) return 0;
  // Not retried on EINTR: Linux releases the descriptor whatever close(2) returns.
  int rc = ::close(release());
  return rc == 0 ? 0 : errno;
}

std::string ErrnoText(int err) {
  char buf[256];
  // The GNU strerror_r: returns the text, in `buf` or in static storage.
  return strerror_r(err, buf, sizeof buf);
}

Error ErrnoError(ErrorKind kind, std::string code, const std::string& what, int err,
                 std::string hint) {
  return MakeError(kind, std::move(code), what + ": " + ErrnoText(err), std::move(hint));
}

Status SyncDirectory(const std::string& dir) {
  constexpr char kHint[] = "check the folder's permissions and free space";
  UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid())
    return ErrnoError(ErrorKind::kIo, "io.write", "cannot open " + dir, errno, kHint);
  if (fsync(fd.get()) != 0) {
    return ErrnoError(ErrorKind::kIo, "io.write", "cannot sync " + dir, errno, kHint);
  }
  return OkStatus();
}

}  // namespace adtgw
