#include "gateway/common/file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace adtgw {

FileSource::FileSource(std::string path, UniqueFd fd, uint64_t size)
    : path_(std::move(path)), fd_(std::move(fd)), size_(size) {}

Result<FileSource> FileSource::Open(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    int err = errno;
    return ErrnoError(err == ENOENT ? ErrorKind::kNotFound : ErrorKind::kIo,
                      err == ENOENT ? "input.not_found" : "io.read", path + ": cannot open", err,
                      err == ENOENT ? "check the path" : "");
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return MakeError(ErrorKind::kInvalidInput, "input.not_a_file", path + ": not a regular file");
  }
  posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  return FileSource(path, std::move(fd), static_cast<uint64_t>(st.st_size));
}

Result<size_t> FileSource::Read(std::span<uint8_t> out) {
  for (;;) {
    ssize_t n = read(fd_.get(), out.data(), out.size());
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR)
      return ErrnoError(ErrorKind::kIo, "io.read", path_ + ": read failed", errno);
  }
}

}  // namespace adtgw
