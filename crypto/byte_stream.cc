#include "crypto/byte_stream.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace adtgw {

Result<size_t> MemorySource::Read(std::span<uint8_t> out) {
  size_t n = std::min(out.size(), data_.size() - pos_);
  if (n > 0) std::memcpy(out.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

Status MemorySink::Write(std::span<const uint8_t> data) {
  bytes_.insert(bytes_.end(), data.begin(), data.end());
  return OkStatus();
}

Status ReadExactly(ByteSource& src, std::span<uint8_t> out, const char* code, const char* what) {
  size_t got = 0;
  while (got < out.size()) {
    ADTGW_ASSIGN(size_t n, src.Read(out.subspan(got)));
    if (n == 0) {
      return MakeError(ErrorKind::kInvalidInput, code,
                       std::string(what) + ": input ends early (truncated?)",
                       "check that the whole file was copied");
    }
    got += n;
  }
  return OkStatus();
}

}  // namespace adtgw
