// The field syntaxes the domain formats share (docs/formats.md, "Fields"): UTC times,
// ISO 8601 durations, counts and DUIS Request IDs. Strict and allocation-free, since a
// validator calls them for every row of files with a million rows.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "certs/eui64.h"

namespace adtgw {

// Exactly YYYY-MM-DDTHH:MM:SSZ, a real calendar date (leap years), seconds up to 59.
bool IsUtcTime(std::string_view text);

// An ISO 8601 duration of days, hours, minutes and seconds, or weeks: P7D, PT1H, PT24H,
// P1DT12H, P2W. Years and months are refused (their length depends on the calendar), as
// are fractions and a zero duration. The length in seconds, at most 400 days; or
// nothing when the text is not such a duration.
std::optional<uint32_t> ParseIsoDuration(std::string_view text);

// A decimal uint32: digits only, no sign, no leading zero.
std::optional<uint32_t> ParseCount32(std::string_view text);

// A DUIS Request ID, `<originator EUI-64>:<target EUI-64>:<counter>` (docs/architecture.md,
// section 1), the counter a decimal uint64 without leading zeros. The originator, or nothing.
std::optional<Eui64> ParseRequestId(std::string_view text);

// The H record's format tag, its last field: `fmt=NAME/VERSION` then `;key=value` pairs,
// e.g. `fmt=ADT/1;ref=SM-12345`. Keys are lower case and appear once; values may be
// empty here (each format says which it needs).
struct FormatTag {
  std::string_view fmt;
  std::vector<std::pair<std::string_view, std::string_view>> params;
  std::optional<std::string_view> Get(std::string_view key) const;
};
std::optional<FormatTag> ParseFormatTag(std::string_view text);

}  // namespace adtgw
