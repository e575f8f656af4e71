#include "gateway/common/atomic_file.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include <openssl/rand.h>

#include "crypto/sha256.h"

namespace adtgw {
namespace {

Error IoError(const std::string& path, const std::string& what, int err) {
  return ErrnoError(ErrorKind::kIo, "io.write", path + ": " + what, err,
                    err == ENOSPC ? "free some disk space" : "");
}

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

AtomicFile::AtomicFile(std::string path, std::string temp_path, UniqueFd fd, bool replace)
    : path_(std::move(path)),
      temp_path_(std::move(temp_path)),
      fd_(std::move(fd)),
      replace_(replace) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : path_(std::move(other.path_)),
      temp_path_(std::move(other.temp_path_)),
      fd_(std::move(other.fd_)),
      replace_(other.replace_),
      committed_(other.committed_) {
  other.committed_ = true;  // the moved-from object owns nothing
}

AtomicFile::~AtomicFile() {
  fd_.reset();
  if (!committed_) unlink(temp_path_.c_str());
}

Result<AtomicFile> AtomicFile::Create(const std::string& path, mode_t mode, bool replace) {
  if (path.empty()) return MakeError(ErrorKind::kUsage, "usage.no_output", "no output path given");
  if (!replace && access(path.c_str(), F_OK) == 0) {
    return MakeError(ErrorKind::kConflict, "output.exists", path + " already exists",
                     "choose another output path, or pass --force to replace it");
  }
  uint8_t rnd[8];
  if (RAND_bytes(rnd, sizeof rnd) != 1) std::abort();
  std::string dir = DirectoryOf(path);
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  std::string temp = dir + "/." + base + ".tmp-" + ToHex(rnd);
  UniqueFd fd(open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
  if (!fd.valid()) return IoError(path, "cannot create a temporary file beside it", errno);
  fchmod(fd.get(), mode);  // the umask must not widen or narrow what was asked for
  return AtomicFile(path, temp, std::move(fd), replace);
}

Status AtomicFile::Write(std::span<const uint8_t> data) {
  while (!data.empty()) {
    ssize_t n = write(fd_.get(), data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError(path_, "write failed", errno);
    }
    data = data.subspan(static_cast<size_t>(n));
    written_ += static_cast<uint64_t>(n);
  }
  // Start writing back what is complete while the caller produces more, so that the
  // fsync in Commit() waits for the tail only. Advisory: errors surface at fsync.
  if (written_ - flushed_ >= kWritebackStep) {
    sync_file_range(fd_.get(), static_cast<off64_t>(flushed_),
                    static_cast<off64_t>(written_ - flushed_), SYNC_FILE_RANGE_WRITE);
    flushed_ = written_;
  }
  return OkStatus();
}

Status AtomicFile::Commit() {
  if (fsync(fd_.get()) != 0) return IoError(path_, "fsync failed", errno);
  if (int err = fd_.Close(); err != 0) return IoError(path_, "close failed", err);
  if (replace_) {
    if (rename(temp_path_.c_str(), path_.c_str()) != 0) {
      return IoError(path_, "rename into place failed", errno);
    }
  } else if (syscall(SYS_renameat2, AT_FDCWD, temp_path_.c_str(), AT_FDCWD, path_.c_str(),
                     RENAME_NOREPLACE) != 0) {
    int err = errno;
    if (err == EEXIST) {
      return MakeError(ErrorKind::kConflict, "output.exists", path_ + " already exists",
                       "choose another output path, or pass --force to replace it");
    }
    return IoError(path_, "rename into place failed", err);
  }
  committed_ = true;
  // Best effort: the file is whole and in place; a folder that cannot be synced only
  // risks the new name after a crash, never a torn file.
  static_cast<void>(SyncDirectory(DirectoryOf(path_)));
  return OkStatus();
}

Status WriteFileAtomically(const std::string& path, std::span<const uint8_t> data, mode_t mode,
                           bool replace) {
  ADTGW_ASSIGN(AtomicFile file, AtomicFile::Create(path, mode, replace));
  ADTGW_TRY(file.Write(data));
  return file.Commit();
}

Status WriteFileAtomically(const std::string& path, const std::string& text, mode_t mode,
                           bool replace) {
  return WriteFileAtomically(path, AsBytes(text), mode, replace);
}

}  // namespace adtgw
