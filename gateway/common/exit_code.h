// The one mapping from an Error's kind to the process exit code, and how errors are
// shown to a person ("adtgw: error: ..." then "adtgw: hint: ..."). The codes are
// documented in docs/cli.md; scripts rely on them, so they never change meaning.
//
// Thread safety: PrintError writes to stderr; call from one thread.
#pragma once

#include "crypto/result.h"

namespace adtgw {

inline constexpr int kExitOk = 0;
// adtgw push has exit codes of its own, for schedulers (docs/push.md); this is the one
// main() needs too, for a command line that does not parse.
inline constexpr int kPushConfigurationError = 3;

int ExitCodeFor(ErrorKind kind);

// Prints the error for a person and returns its exit code.
int ReportError(const Error& error);

}  // namespace adtgw
