// AtomicFile: a file that appears whole or not at all. Bytes go to a temporary file
// (O_EXCL, same directory, given mode); Commit() fsyncs it, renames it into place
// (refusing to replace an existing file unless asked) and fsyncs the directory.
// Destroying an uncommitted AtomicFile removes the temporary file, so an error
// anywhere leaves nothing behind. Large files start their writeback as they grow
// (sync_file_range), so that the final fsync does not wait for the whole file.
//
// Thread safety: one thread at a time.
#pragma once

#include <sys/types.h>

#include <string>

#include "crypto/byte_stream.h"
#include "crypto/posix_file.h"
#include "crypto/result.h"

namespace adtgw {

class AtomicFile final : public ByteSink {
 public:
  static Result<AtomicFile> Create(const std::string& path, mode_t mode, bool replace);
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  ~AtomicFile() override;

  Status Write(std::span<const uint8_t> data) override;
  Status Commit();
  // Where the bytes are until Commit (a dot-file beside the path).
  const std::string& temp_path() const { return temp_path_; }

 private:
  AtomicFile(std::string path, std::string temp_path, UniqueFd fd, bool replace);
  std::string path_;
  std::string temp_path_;
  UniqueFd fd_;
  bool replace_ = false;
  bool committed_ = false;
  uint64_t written_ = 0;
  uint64_t flushed_ = 0;  // bytes whose writeback has been started
  static constexpr uint64_t kWritebackStep = 8 << 20;
};

// Writes `data` to `path` through an AtomicFile.
Status WriteFileAtomically(const std::string& path, std::span<const uint8_t> data, mode_t mode,
                           bool replace);
Status WriteFileAtomically(const std::string& path, const std::string& text, mode_t mode,
                           bool replace);

}  // namespace adtgw
