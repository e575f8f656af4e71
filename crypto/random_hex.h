// RandomHex: `bytes` bytes from OpenSSL's CSPRNG as lower-case hex, for identifiers
// that must not be guessable (storage keys, transfer ids, idempotency keys). Aborts if
// the CSPRNG fails, as nothing safe can be done without it.
//
// Thread safety: RAND_bytes is thread-safe.
#pragma once

#include <openssl/rand.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "crypto/sha256.h"

namespace adtgw {

inline std::string RandomHex(size_t bytes) {
  std::vector<uint8_t> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) std::abort();
  return ToHex(buf);
}

}  // namespace adtgw
