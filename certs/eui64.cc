#include "certs/eui64.h"

#include <cctype>

namespace adtgw {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<Eui64> Eui64::Parse(std::string_view text) {
  auto bad = [&text] {
    return MakeError(ErrorKind::kInvalidInput, "input.bad_eui64",
                     "'" + std::string(text.substr(0, 40)) + "' is not an EUI-64",
                     "write it as 90-B3-D5-1F-30-01-00-00 (16 hex digits, hyphens optional)");
  };
  bool hyphenated = text.size() == 23;
  if (!hyphenated && text.size() != 16) return bad();
  Eui64 out;
  size_t pos = 0;
  for (int i = 0; i < 8; ++i) {
    if (hyphenated && i > 0) {
      if (text[pos] != '-') return bad();
      ++pos;
    }
    int hi = HexValue(text[pos]), lo = HexValue(text[pos + 1]);
    if (hi < 0 || lo < 0) return bad();
    out.bytes_[i] = static_cast<uint8_t>(hi << 4 | lo);
    pos += 2;
  }
  return out;
}

Eui64 Eui64::FromBytes(std::span<const uint8_t, 8> bytes) {
  Eui64 out;
  std::copy(bytes.begin(), bytes.end(), out.bytes_.begin());
  return out;
}

std::string Eui64::ToString() const {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i > 0) out.push_back('-');
    out.push_back(kDigits[bytes_[i] >> 4]);
    out.push_back(kDigits[bytes_[i] & 0xf]);
  }
  return out;
}

}  // namespace adtgw
