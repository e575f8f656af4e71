// ReadAll: every byte a ByteSource yields, as a string (for comparing in tests). Stops
// at the end or at the first error.
#pragma once

#include <string>

#include "crypto/byte_stream.h"

namespace adtgw::testing {

inline std::string ReadAll(ByteSource& src) {
  std::string out;
  uint8_t buf[4096];
  for (;;) {
    auto n = src.Read(buf);
    if (!n.ok() || *n == 0) return out;
    out.append(reinterpret_cast<char*>(buf), *n);
  }
}

}  // namespace adtgw::testing
