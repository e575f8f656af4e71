#include "gateway/formats/field_syntax.h"

namespace adtgw {
namespace {

bool Digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

unsigned Number(std::string_view s) {  // digits only, short
  unsigned v = 0;
  for (char c : s) v = v * 10 + static_cast<unsigned>(c - '0');
  return v;
}

bool LeapYear(unsigned y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

bool IsUtcTime(std::string_view t) {
  if (t.size() != 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' ||
      t[16] != ':' || t[19] != 'Z') {
    return false;
  }
  for (size_t i : {0, 5, 8, 11, 14, 17}) {
    size_t n = i == 0 ? 4 : 2;
    if (!Digits(t.substr(i, n))) return false;
  }
  const unsigned year = Number(t.substr(0, 4)), month = Number(t.substr(5, 2)),
                 day = Number(t.substr(8, 2));
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1970 || month < 1 || month > 12 || day < 1) return false;
  const unsigned days = kDays[month - 1] + (month == 2 && LeapYear(year) ? 1 : 0);
  return day <= days && Number(t.substr(11, 2)) <= 23 && Number(t.substr(14, 2)) <= 59 &&
         Number(t.substr(17, 2)) <= 59;
}

std::optional<uint32_t> ParseIsoDuration(std::string_view t) {
  constexpr uint64_t kMax = 400ull * 86400;
  if (t.size() < 3 || t[0] != 'P') return std::nullopt;
  uint64_t total = 0;
  bool in_time = false, any = false;
  // Designators in the order they must appear: W alone, or D then T H M S.
  const char* order = "WDHMS";
  size_t last = 0;  // index into order past the last designator seen
  size_t i = 1;
  while (i < t.size()) {
    if (t[i] == 'T') {
      if (in_time || i + 1 == t.size()) return std::nullopt;
      in_time = true;
      ++i;
      continue;
    }
    // docs/formats.md bounds the period (400 days), not its digits: PT1000000S is
    // 11.6 days. Any count of digits is read, stopping once the number alone is past
    // the bound in seconds (so it never overflows).
    size_t start = i;
    uint64_t n = 0;
    for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
      n = n * 10 + static_cast<uint64_t>(t[i] - '0');
      if (n > kMax) return std::nullopt;
    }
    if (i == start || i == t.size()) return std::nullopt;
    const char unit = t[i++];
    size_t pos = std::string_view(order).find(unit);
    if (pos == std::string_view::npos || pos < last) return std::nullopt;
    if ((unit == 'W' || unit == 'D') == in_time) return std::nullopt;  // date or time part
    if (unit == 'W' && any) return std::nullopt;                       // weeks stand alone
    last = pos + 1;
    if (unit == 'W' && i != t.size()) return std::nullopt;
    static constexpr uint64_t kSeconds[] = {7 * 86400, 86400, 3600, 60, 1};
    total += n * kSeconds[pos];
    any = true;
    if (total > kMax) return std::nullopt;
  }
  if (!any || total == 0) return std::nullopt;
  return static_cast<uint32_t>(total);
}

std::optional<uint32_t> ParseCount32(std::string_view s) {
  if (!Digits(s) || s.size() > 10 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) v = v * 10 + static_cast<uint64_t>(c - '0');
  if (v > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(v);
}

std::optional<Eui64> ParseRequestId(std::string_view s) {
  size_t a = s.find(':');
  if (a == std::string_view::npos) return std::nullopt;
  size_t b = s.find(':', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  auto originator = Eui64::Parse(s.substr(0, a));
  auto target = Eui64::Parse(s.substr(a + 1, b - a - 1));
  std::string_view counter = s.substr(b + 1);
  if (!originator.ok() || !target.ok() || !Digits(counter) || counter.size() > 20 ||
      (counter.size() > 1 && counter[0] == '0')) {
    return std::nullopt;
  }
  if (counter.size() == 20 && counter > "18446744073709551615") return std::nullopt;
  return *originator;
}

std::optional<std::string_view> FormatTag::Get(std::string_view key) const {
  for (const auto& [k, v] : params) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::optional<FormatTag> ParseFormatTag(std::string_view text) {
  FormatTag tag;
  bool first = true;
  while (true) {
    size_t semi = text.find(';');
    std::string_view part = text.substr(0, semi);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
    for (char c : key) {
      if ((c < 'a' || c > 'z') && c != '_') return std::nullopt;
    }
    if (first) {
      if (key != "fmt") return std::nullopt;
      tag.fmt = value;
      first = false;
    } else {
      if (key == "fmt" || tag.Get(key)) return std::nullopt;
      tag.params.emplace_back(key, value);
    }
    if (semi == std::string_view::npos) return tag;
    text.remove_prefix(semi + 1);
  }
}

}  // namespace adtgw
