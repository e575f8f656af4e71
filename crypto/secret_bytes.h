// A fixed-size buffer for key material that is wiped (OPENSSL_cleanse) when it is
// destroyed, so content-encryption keys and shared secrets do not linger in freed
// memory (docs/architecture.md, rule 10).
//
// Thread safety: value type, one owner.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <openssl/crypto.h>

namespace adtgw {

class SecretBytes {
 public:
  explicit SecretBytes(size_t size) : bytes_(size) {}
  ~SecretBytes() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&&) noexcept = default;
  SecretBytes& operator=(SecretBytes&&) = delete;

  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  std::span<const uint8_t> span() const { return bytes_; }
  void Resize(size_t n) {  // only ever shrinks, never reallocates
    OPENSSL_cleanse(bytes_.data() + std::min(n, bytes_.size()),
                    bytes_.size() - std::min(n, bytes_.size()));
    bytes_.resize(std::min(n, bytes_.size()));
  }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace adtgw
