#include "gateway/common/folder_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

namespace adtgw {

Result<FolderLock> FolderLock::Acquire(const std::string& path, const std::string& busy_code,
                                       const std::string& busy_message,
                                       const std::string& busy_hint) {
  UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) {
    return ErrnoError(ErrorKind::kIo, "lock.io", "cannot open " + path, errno,
                      "check the folder's permissions");
  }
  if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    fd.reset();
    if (err == EWOULDBLOCK)
      return MakeError(ErrorKind::kConflict, busy_code, busy_message, busy_hint);
    return ErrnoError(ErrorKind::kIo, "lock.io", "cannot lock " + path, err);
  }
  return FolderLock(std::move(fd));
}

}  // namespace adtgw
