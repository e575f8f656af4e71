// ScratchFile: a private temporary file (0600, in $TMPDIR or /tmp) for data that must
// exist whole before it can be used, such as a sealed envelope whose SHA-256 the
// manifest declares before the upload starts, or a downloaded envelope that is checked
// before it is opened. Removed when the object is destroyed, whatever happened.
// Unlike AtomicFile it is never published.
//
// Thread safety: one thread at a time.
#pragma once

#include <string>

#include "crypto/byte_stream.h"
#include "crypto/posix_file.h"
#include "crypto/result.h"

namespace adtgw {

class ScratchFile final : public ByteSink {
 public:
  // `label` becomes part of the file name ("adtgw-<label>-XXXXXX").
  static Result<ScratchFile> Create(const std::string& label);
  ScratchFile(ScratchFile&& other) noexcept;
  ScratchFile& operator=(ScratchFile&&) = delete;
  ~ScratchFile() override;

  Status Write(std::span<const uint8_t> data) override;
  // Flushes what was written (no fsync: scratch data need not survive a crash).
  Status Close();
  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }

 private:
  ScratchFile(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  std::string path_;
  UniqueFd fd_;
  uint64_t size_ = 0;
};

}  // namespace adtgw
