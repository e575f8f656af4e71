// ParseDate: a date or time a person gives on the command line as one end of a time
// range (adtgw audit query --since, --until, --month): YYYY-MM-DD (midnight UTC) or
// RFC 3339 with Z or an offset (2026-03-01T13:00:00+01:00), T and Z in either case.
// Fractions of a second are rounded up: audit entries have whole seconds, so
// "at >= since" and "at < until" keep their meaning. A text that is neither is a usage
// error that names the flag.
//
// Thread safety: a pure function.
#pragma once

#include <ctime>
#include <string>

#include "crypto/result.h"

namespace adtgw {

// `flag` names the option in the error ("--since").
Result<std::time_t> ParseDate(const std::string& text, const char* flag);

}  // namespace adtgw
