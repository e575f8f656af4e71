// SHA-256, incrementally (Sha256) or in one call (Sha256Of). Digests are usually shown
// as lower-case hex: ToHex comes with this header (crypto/encoding.h).
//
// Thread safety: a Sha256 object is used by one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "crypto/encoding.h"
#include "crypto/ossl_ptr.h"

namespace adtgw {

using Sha256Digest = std::array<uint8_t, 32>;

class Sha256 {
 public:
  Sha256();  // aborts if OpenSSL cannot provide SHA-256 (a broken installation)
  void Update(std::span<const uint8_t> data);
  Sha256Digest Finish();  // the object must not be used afterwards

 private:
  EvpMdCtxPtr ctx_;
};

Sha256Digest Sha256Of(std::span<const uint8_t> data);

}  // namespace adtgw
