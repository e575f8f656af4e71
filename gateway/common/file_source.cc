#include "gateway/common/file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace adtgw {

FileSource::FileSource(std::string path, int fd, uint64_t size)
    : path_(std::move(path)), fd_(fd), size_(size) {}

FileSource::FileSource(FileSource&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_), size_(other.size_) {
  other.fd_ = -1;
}

FileSource::~FileSource() {
  if (fd_ >= 0) close(fd_);
}

Result<FileSource> FileSource::Open(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return MakeError(err == ENOENT ? ErrorKind::kNotFound : ErrorKind::kIo,
                     err == ENOENT ? "input.not_found" : "io.read",
                     path + ": cannot open: " + std::strerror(err),
                     err == ENOENT ? "check the path" : "");
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return MakeError(ErrorKind::kInvalidInput, "input.not_a_file", path + ": not a regular file");
  }
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return FileSource(path, fd, static_cast<uint64_t>(st.st_size));
}

Result<size_t> FileSource::Read(std::span<uint8_t> out) {
  for (;;) {
    ssize_t n = read(fd_, out.data(), out.size());
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) {
      return MakeError(ErrorKind::kIo, "io.read", path_ + ": read failed: " + std::strerror(errno));
    }
  }
}

}  // namespace adtgw
