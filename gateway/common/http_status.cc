#include "gateway/common/http_status.h"

namespace adtgw {

int HttpStatusFor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUsage:
      return 400;
    case ErrorKind::kUnauthenticated:
      return 401;
    case ErrorKind::kDenied:
    case ErrorKind::kTrust:
    case ErrorKind::kPermission:
      return 403;
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kConflict:
      return 409;
    case ErrorKind::kTooLarge:
      return 413;
    case ErrorKind::kInvalidInput:
    case ErrorKind::kIntegrity:
      return 422;
    case ErrorKind::kUnavailable:
      return 503;
    case ErrorKind::kIo:
    case ErrorKind::kInternal:
      return 500;
  }
  return 500;
}

ErrorKind ErrorKindForHttpStatus(int status) {
  switch (status) {
    case 400:
      return ErrorKind::kUsage;
    case 401:
      return ErrorKind::kUnauthenticated;
    case 403:
      return ErrorKind::kDenied;
    case 404:
      return ErrorKind::kNotFound;
    case 409:
      return ErrorKind::kConflict;
    case 413:
    case 431:
      return ErrorKind::kTooLarge;
    case 422:
      return ErrorKind::kInvalidInput;
    case 503:
      return ErrorKind::kUnavailable;
    default:
      return status >= 500 ? ErrorKind::kInternal : ErrorKind::kInvalidInput;
  }
}

}  // namespace adtgw
