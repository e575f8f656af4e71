// EUI-64 Entity Identifiers, the names of parties (docs/architecture.md, section 1).
//
// Canonical text is upper-case hex in hyphenated pairs, "90-B3-D5-1F-30-01-00-00".
// Parse() also accepts lower case and the 16-digit form without hyphens; anything
// else is refused. Compare parsed values, never text.
//
// Thread safety: value type.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "crypto/result.h"

namespace adtgw {

class Eui64 {
 public:
  static Result<Eui64> Parse(std::string_view text);
  static Eui64 FromBytes(std::span<const uint8_t, 8> bytes);

  std::string ToString() const;
  const std::array<uint8_t, 8>& bytes() const { return bytes_; }
  bool operator==(const Eui64&) const = default;
  auto operator<=>(const Eui64&) const = default;

 private:
  std::array<uint8_t, 8> bytes_{};
};

}  // namespace adtgw

template <>
struct std::hash<adtgw::Eui64> {
  size_t operator()(const adtgw::Eui64& e) const noexcept {
    uint64_t v;
    std::memcpy(&v, e.bytes().data(), sizeof v);
    return std::hash<uint64_t>()(v);
  }
};
