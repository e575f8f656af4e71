// The one mapping between the error vocabulary (crypto/result.h ErrorKind) and HTTP
// status codes, used by the gateway to answer and by the client to turn an answer back
// into an Error (and so into the documented exit code, exit_code.h). The table is in
// docs/api.md.
//
// Thread safety: pure functions.
#pragma once

#include "crypto/result.h"

namespace adtgw {

int HttpStatusFor(ErrorKind kind);

// The kind a client reports for an error answer with `status` (the inverse of the
// table; statuses outside it map to kInternal for 5xx and kInvalidInput for 4xx).
ErrorKind ErrorKindForHttpStatus(int status);

}  // namespace adtgw
