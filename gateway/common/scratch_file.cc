#include "gateway/common/scratch_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

namespace adtgw {
namespace {

Error ScratchError(const std::string& what, int err) {
  return ErrnoError(ErrorKind::kIo, "io.write", what, err,
                    "is the temporary directory ($TMPDIR or /tmp) writable and not full?");
}

}  // namespace

Result<ScratchFile> ScratchFile::Create(const std::string& label) {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  std::string pattern = dir + "/adtgw-" + label + "-XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  UniqueFd fd(mkostemp(name.data(), O_CLOEXEC));  // mode 0600
  if (!fd.valid()) return ScratchError("creating a scratch file in " + dir, errno);
  return ScratchFile(std::string(name.data()), std::move(fd));
}

ScratchFile::ScratchFile(ScratchFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::move(other.fd_)), size_(other.size_) {
  other.path_.clear();
}

ScratchFile::~ScratchFile() {
  fd_.reset();
  if (!path_.empty()) unlink(path_.c_str());
}

Status ScratchFile::Write(std::span<const uint8_t> data) {
  if (!fd_.valid()) return ScratchError("writing " + path_, EBADF);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd_.get(), data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ScratchError("writing " + path_, errno);
    }
    done += static_cast<size_t>(n);
  }
  size_ += data.size();
  return OkStatus();
}

Status ScratchFile::Close() {
  if (int err = fd_.Close(); err != 0) return ScratchError("closing " + path_, err);
  return OkStatus();
}

}  // namespace adtgw
