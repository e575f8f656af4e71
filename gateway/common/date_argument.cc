#include "gateway/common/date_argument.h"

#include "crypto/encoding.h"

namespace adtgw {

Result<std::time_t> ParseDate(const std::string& text, const char* flag) {
  auto bad = [&] {
    return MakeError(ErrorKind::kUsage, "usage.bad_time",
                     std::string(flag) + " '" + text + "' is not a date or an RFC 3339 time",
                     "write 2026-03-01, 2026-03-01T12:00:00Z or 2026-03-01T13:00:00+01:00");
  };
  if (auto t = ParseTime(text); t.ok()) return *t;
  // 2026-03-01T12:00:00[.frac](Z|+hh:mm|-hh:mm), T and Z in either case.
  if (text.size() < 20 || (text[10] != 'T' && text[10] != 't')) return bad();
  std::string base = text.substr(0, 10) + "T" + text.substr(11, 8) + "Z";
  auto t = ParseTime(base);
  if (!t.ok()) return bad();
  std::time_t at = *t;
  size_t i = 19;
  if (text[i] == '.') {
    bool fraction = false;
    size_t digits = 0;
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
      fraction = fraction || text[i] != '0';
    }
    if (digits == 0) return bad();
    if (fraction) ++at;
  }
  std::string zone = text.substr(i);
  if (zone == "Z" || zone == "z") return at;
  if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') return bad();
  int hh = 0, mm = 0;
  for (int k : {1, 2, 4, 5}) {
    if (zone[k] < '0' || zone[k] > '9') return bad();
  }
  hh = (zone[1] - '0') * 10 + (zone[2] - '0');
  mm = (zone[4] - '0') * 10 + (zone[5] - '0');
  if (hh > 23 || mm > 59) return bad();
  std::time_t offset = hh * 3600 + mm * 60;
  return zone[0] == '+' ? at - offset : at + offset;
}

}  // namespace adtgw
