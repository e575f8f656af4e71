#include "crypto/der_writer.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace adtgw::der {

Bytes Header(uint8_t tag, uint64_t length) {
  Bytes out{tag};
  if (length < 0x80) {
    out.push_back(static_cast<uint8_t>(length));
    return out;
  }
  uint8_t octets[8];
  int n = 0;
  for (uint64_t v = length; v != 0; v >>= 8) octets[n++] = static_cast<uint8_t>(v);
  out.push_back(static_cast<uint8_t>(0x80 | n));
  while (n > 0) out.push_back(octets[--n]);
  return out;
}

uint64_t EncodedSize(uint64_t length) { return Header(0, length).size() + length; }

void Append(Bytes& out, std::span<const uint8_t> more) {
  out.insert(out.end(), more.begin(), more.end());
}

Bytes Tlv(uint8_t tag, std::span<const uint8_t> content) {
  Bytes out = Header(tag, content.size());
  Append(out, content);
  return out;
}

Bytes Constructed(uint8_t tag, std::initializer_list<std::span<const uint8_t>> children) {
  size_t total = 0;
  for (auto c : children) total += c.size();
  Bytes out = Header(tag, total);
  for (auto c : children) Append(out, c);
  return out;
}

Bytes Sequence(std::initializer_list<std::span<const uint8_t>> children) {
  return Constructed(kSequence, children);
}

Bytes SetOf(std::vector<Bytes> elements) {
  // X.690 11.6: compare as octet strings, the shorter padded with trailing zeros.
  std::sort(elements.begin(), elements.end(), [](const Bytes& a, const Bytes& b) {
    size_t n = std::max(a.size(), b.size());
    for (size_t i = 0; i < n; ++i) {
      uint8_t x = i < a.size() ? a[i] : 0, y = i < b.size() ? b[i] : 0;
      if (x != y) return x < y;
    }
    return false;
  });
  size_t total = 0;
  for (const auto& e : elements) total += e.size();
  Bytes out = Header(kSet, total);
  for (const auto& e : elements) Append(out, e);
  return out;
}

Bytes UnsignedInteger(std::span<const uint8_t> magnitude) {
  size_t i = 0;
  while (i + 1 < magnitude.size() && magnitude[i] == 0) ++i;
  Bytes content;
  if (magnitude.empty() || (magnitude[i] & 0x80) != 0) content.push_back(0);
  content.insert(content.end(), magnitude.begin() + i, magnitude.end());
  return Tlv(kInteger, content);
}

Bytes Integer(uint64_t value) {
  uint8_t be[8];
  for (int i = 7; i >= 0; --i, value >>= 8) be[i] = static_cast<uint8_t>(value);
  return UnsignedInteger(be);
}

Bytes OctetString(std::span<const uint8_t> content) { return Tlv(kOctetString, content); }

Bytes BitString(std::span<const uint8_t> content) {
  Bytes c{0};
  Append(c, content);
  return Tlv(kBitString, c);
}

Bytes Null() { return Bytes{kNull, 0}; }

Bytes Boolean(bool value) { return Bytes{kBoolean, 1, static_cast<uint8_t>(value ? 0xff : 0)}; }

namespace {

// Base-128 digits (most significant first) of a decimal arc of any length: OIDs under
// 2.25 carry 128-bit UUIDs.
std::vector<uint8_t> Base128(std::string decimal) {
  std::vector<uint8_t> digits;
  while (!(decimal.size() == 1 && decimal[0] == '0')) {
    std::string quotient;
    unsigned remainder = 0;
    for (char c : decimal) {
      remainder = remainder * 10 + static_cast<unsigned>(c - '0');
      if (!quotient.empty() || remainder >= 128)
        quotient.push_back(static_cast<char>('0' + remainder / 128));
      remainder %= 128;
    }
    digits.push_back(static_cast<uint8_t>(remainder));
    decimal = quotient.empty() ? "0" : quotient;
  }
  if (digits.empty()) digits.push_back(0);
  return std::vector<uint8_t>(digits.rbegin(), digits.rend());
}

}  // namespace

Bytes OidContent(std::string_view dotted) {
  std::vector<std::string> arcs;
  std::string current;
  for (char c : dotted) {
    if (c == '.') {
      arcs.push_back(current);
      current.clear();
    } else if (c >= '0' && c <= '9') {
      current.push_back(c);
    } else {
      std::abort();
    }
  }
  arcs.push_back(current);
  for (const auto& a : arcs) {
    if (a.empty() || (a.size() > 1 && a[0] == '0')) std::abort();
  }
  if (arcs.size() < 2 || arcs[0].size() != 1 || arcs[0][0] > '2') std::abort();
  // The first two arcs share one subidentifier: 40 * first + second.
  std::string second = arcs[1];
  unsigned first = static_cast<unsigned>(arcs[0][0] - '0');
  if (first < 2 && (second.size() > 2 || std::stoi(second) > 39)) std::abort();
  std::string combined;
  {
    // decimal addition of 40 * first to `second`
    std::string s = second;
    unsigned carry = first * 40;
    for (size_t i = s.size(); i-- > 0 && carry > 0;) {
      unsigned v = static_cast<unsigned>(s[i] - '0') + carry % 10;
      carry /= 10;
      if (v >= 10) {
        v -= 10;
        ++carry;
      }
      s[i] = static_cast<char>('0' + v);
    }
    while (carry > 0) {
      s.insert(s.begin(), static_cast<char>('0' + carry % 10));
      carry /= 10;
    }
    combined = s;
  }
  Bytes out;
  auto put = [&out](const std::string& decimal) {
    std::vector<uint8_t> d = Base128(decimal);
    for (size_t i = 0; i < d.size(); ++i) out.push_back(i + 1 < d.size() ? (d[i] | 0x80) : d[i]);
  };
  put(combined);
  for (size_t i = 2; i < arcs.size(); ++i) put(arcs[i]);
  return out;
}

Bytes Oid(std::string_view dotted) { return Tlv(kOid, OidContent(dotted)); }

Bytes Time(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  int year = tm.tm_year + 1900;
  char buf[32];
  if (year >= 1950 && year < 2050) {
    std::snprintf(buf, sizeof buf, "%02d%02d%02d%02d%02d%02dZ", year % 100, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    std::string s(buf);
    return Tlv(kUtcTime, Bytes(s.begin(), s.end()));
  }
  std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02dZ", year, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string s(buf);
  return Tlv(kGeneralizedTime, Bytes(s.begin(), s.end()));
}

Bytes Utf8String(std::string_view s) { return Tlv(kUtf8String, Bytes(s.begin(), s.end())); }

Bytes PrintableString(std::string_view s) {
  return Tlv(kPrintableString, Bytes(s.begin(), s.end()));
}

}  // namespace adtgw::der
