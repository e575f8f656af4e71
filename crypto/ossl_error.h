// Turns OpenSSL's thread-local error queue into readable text and adtgw Errors.
//
// Every OpenSSL failure path calls one of these right away, so the queue is drained
// (a stale entry never leaks into the next message).
//
// Thread safety: the queue is per thread, so these are safe from any thread.
#pragma once

#include <string>

#include "crypto/result.h"

namespace adtgw {

// Drains the calling thread's OpenSSL error queue into "reason (lib); reason ...".
// Returns an empty string when the queue was empty.
std::string DrainOpenSslErrors();

// An Error of the given kind and code whose message is `what` followed by the
// drained OpenSSL queue, if any.
Error OpenSslError(ErrorKind kind, std::string code, const std::string& what,
                   std::string hint = {});

// Shorthand for a library call that failed for reasons not caused by the input.
Error InternalOpenSslError(const std::string& what);

}  // namespace adtgw
