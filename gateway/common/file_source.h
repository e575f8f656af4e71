// FileSource: a ByteSource over a regular file opened read-only, with its size known
// up front (the sealer needs it). Refuses directories and other non-regular files.
//
// Thread safety: one thread at a time.
#pragma once

#include <string>

#include "crypto/byte_stream.h"
#include "crypto/posix_file.h"
#include "crypto/result.h"

namespace adtgw {

class FileSource final : public ByteSource {
 public:
  static Result<FileSource> Open(const std::string& path);
  FileSource(FileSource&& other) noexcept = default;
  FileSource& operator=(FileSource&&) = delete;
  ~FileSource() override = default;

  Result<size_t> Read(std::span<uint8_t> out) override;
  uint64_t size() const { return size_; }

 private:
  FileSource(std::string path, UniqueFd fd, uint64_t size);
  std::string path_;
  UniqueFd fd_;
  uint64_t size_ = 0;
};

}  // namespace adtgw
