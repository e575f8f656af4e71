#include "gateway/common/folder_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace adtgw {

FolderLock::~FolderLock() {
  if (fd_ >= 0) close(fd_);  // closing releases the flock
}

Result<FolderLock> FolderLock::Acquire(const std::string& path, const std::string& busy_code,
                                       const std::string& busy_message,
                                       const std::string& busy_hint) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return MakeError(ErrorKind::kIo, "lock.io", "cannot open " + path + ": " + std::strerror(errno),
                     "check the folder's permissions");
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    close(fd);
    if (err == EWOULDBLOCK)
      return MakeError(ErrorKind::kConflict, busy_code, busy_message, busy_hint);
    return MakeError(ErrorKind::kIo, "lock.io", "cannot lock " + path + ": " + std::strerror(err));
  }
  return FolderLock(fd);
}

}  // namespace adtgw
