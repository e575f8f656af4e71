#include "gateway/client/client_timeouts.h"

#include <charconv>
#include <cstdint>
#include <string_view>

namespace adtgw {
namespace {

constexpr char kSyntaxHint[] =
    "write e.g. --timeout connect=5s,handshake=30s,idle=60s (units ms, s or m; a bare "
    "number is seconds); see docs/cli.md, Timeouts";

Error Bad(const std::string& message) {
  return MakeError(ErrorKind::kUsage, "usage", message, kSyntaxHint);
}

}  // namespace

Result<std::chrono::milliseconds> ParseTimeoutDuration(const std::string& text,
                                                       const std::string& what) {
  std::string_view s(text);
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  std::string_view unit = s.substr(digits);
  uint64_t scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1000;
  } else if (unit == "ms") {
    scale = 1;
  } else if (unit == "m") {
    scale = 60 * 1000;
  }
  uint64_t n = 0;
  if (digits == 0 || scale == 0 ||
      std::from_chars(s.data(), s.data() + digits, n).ec != std::errc()) {
    return Bad(what + " '" + text + "' is not a duration");
  }
  const auto max = static_cast<uint64_t>(kMaxClientTimeout.count());
  if (n > max / scale || n * scale > max) {
    return Bad(what + " '" + text + "' is longer than a day");
  }
  if (n == 0) return Bad(what + " must be longer than 0");
  return std::chrono::milliseconds(static_cast<int64_t>(n * scale));
}

Status ParseTimeoutSpec(const std::string& spec, ClientTimeouts& timeouts) {
  ClientTimeouts out = timeouts;
  if (spec.empty()) return Bad("--timeout needs NAME=DURATION");
  size_t start = 0;
  while (start <= spec.size()) {
    size_t end = spec.find(',', start);
    if (end == std::string::npos) end = spec.size();
    std::string item = spec.substr(start, end - start);
    size_t eq = item.find('=');
    if (eq == std::string::npos) {
      return Bad("--timeout '" + item + "' is not NAME=DURATION (connect, handshake or idle)");
    }
    std::string name = item.substr(0, eq);
    std::chrono::milliseconds* slot = name == "connect"     ? &out.connect
                                      : name == "handshake" ? &out.handshake
                                      : name == "idle"      ? &out.idle
                                                            : nullptr;
    if (slot == nullptr) {
      return Bad("--timeout names '" + name + "'; the timeouts are connect, handshake and idle");
    }
    ADTGW_ASSIGN(*slot, ParseTimeoutDuration(item.substr(eq + 1), "--timeout " + name));
    start = end + 1;
  }
  timeouts = out;
  return OkStatus();
}

std::string DescribeTimeout(std::chrono::milliseconds t) {
  const int64_t ms = t.count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  std::string s = std::to_string(ms / 1000);
  if (ms % 1000 != 0) {
    std::string frac = std::to_string(1000 + ms % 1000).substr(1);
    while (frac.back() == '0') frac.pop_back();
    s += "." + frac;
  }
  return s + " s";
}

}  // namespace adtgw
