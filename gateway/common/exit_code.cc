#include "gateway/common/exit_code.h"

#include <cstdio>

namespace adtgw {

int ExitCodeFor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUsage:
      return 2;
    case ErrorKind::kInvalidInput:
      return 3;
    case ErrorKind::kIntegrity:
      return 4;
    case ErrorKind::kTrust:
      return 5;
    case ErrorKind::kNotFound:
      return 6;
    case ErrorKind::kConflict:
      return 7;
    case ErrorKind::kPermission:
      return 8;
    case ErrorKind::kIo:
      return 9;
    case ErrorKind::kInternal:
      return 10;
    case ErrorKind::kDenied:
      return 11;
    case ErrorKind::kUnauthenticated:
      return 12;
    case ErrorKind::kTooLarge:
      return 13;
    case ErrorKind::kUnavailable:
      return 14;
  }
  return 10;
}

int ReportError(const Error& error) {
  std::fprintf(stderr, "adtgw: error: %s: %s\n", error.code.c_str(), error.message.c_str());
  if (!error.hint.empty()) std::fprintf(stderr, "adtgw: hint: %s\n", error.hint.c_str());
  return ExitCodeFor(error.kind);
}

}  // namespace adtgw
