// Pull (ByteSource) and push (ByteSink) byte streams, so that sealing and opening
// never need a whole file in memory, plus in-memory implementations.
//
// A source returns 0 bytes only at its end. Errors are returned, never thrown.
// Thread safety: a stream object is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "crypto/result.h"

namespace adtgw {

// The bytes of a string (a view: the string must outlive it).
inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to out.size() bytes; returns how many (0 means end of stream).
  virtual Result<size_t> Read(std::span<uint8_t> out) = 0;
};

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Accepts all of `data` or fails.
  virtual Status Write(std::span<const uint8_t> data) = 0;
};

// Reads from a caller-owned buffer that must outlive the source.
class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::span<const uint8_t> data) : data_(data) {}
  Result<size_t> Read(std::span<uint8_t> out) override;

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

// Appends to a vector it owns.
class MemorySink final : public ByteSink {
 public:
  Status Write(std::span<const uint8_t> data) override;
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

// Scratch space for I/O that is not zero-filled: pages a small file never reaches are
// never touched, so sealing 10 KiB does not fault in megabytes of buffers.
class ScratchBuffer {
 public:
  explicit ScratchBuffer(size_t size = 0) { Reserve(size); }
  // At least `n` bytes; earlier contents are lost when it grows.
  std::span<uint8_t> Reserve(size_t n) {
    if (n > capacity_) {
      data_.reset(new uint8_t[n]);
      capacity_ = n;
    }
    return {data_.get(), n};
  }
  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  uint8_t operator[](size_t i) const { return data_[i]; }
  size_t capacity() const { return capacity_; }
  std::span<uint8_t> span() { return {data_.get(), capacity_}; }

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t capacity_ = 0;
};

// Reads exactly out.size() bytes or fails with envelope-style "truncated" error
// using `code` and `what` for the message.
Status ReadExactly(ByteSource& src, std::span<uint8_t> out, const char* code, const char* what);

}  // namespace adtgw
