// ClientTimeouts: how long the client waits on the gateway before it gives up, in three
// bounds, each ending with its own error (docs/cli.md, "Timeouts"):
//   connect    the TCP connection (net.connect_timeout; default 5 s),
//   handshake  the TLS handshake once connected (tls.handshake_timeout; default 30 s),
//   idle       no progress in either direction during a request (net.idle_timeout;
//              default 60 s). A long upload or download is never cut off while its
//              bytes move: the bound is on silence, not on the request's whole length.
//
// They come from the client configuration's `timeouts` mapping and from --timeout,
// both written as a list like "connect=5s,handshake=30s,idle=60s" (see
// ParseTimeoutSpec); what is not named keeps its value.
//
// Thread safety: a value type; the parsers keep no state.
#pragma once

#include <chrono>
#include <string>

#include "crypto/result.h"

namespace adtgw {

struct ClientTimeouts {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds handshake{30000};
  std::chrono::milliseconds idle{60000};
};

// The longest any one timeout may be: a day. Longer is a typo, not a wish.
inline constexpr std::chrono::milliseconds kMaxClientTimeout{24LL * 3600 * 1000};

// "30", "30s", "1500ms" or "2m": a whole number with an optional unit (ms, s, m; none
// means seconds), at least 1 ms and at most kMaxClientTimeout. `what` names the value
// in the error (e.g. "--timeout idle").
Result<std::chrono::milliseconds> ParseTimeoutDuration(const std::string& text,
                                                       const std::string& what);

// Applies "NAME=DURATION[,NAME=DURATION...]" (NAME: connect, handshake or idle) to
// `timeouts`; a bad list changes nothing. Errors have code "usage".
Status ParseTimeoutSpec(const std::string& spec, ClientTimeouts& timeouts);

// "5 s", "1.5 s", "250 ms": how an error message states a timeout.
std::string DescribeTimeout(std::chrono::milliseconds t);

}  // namespace adtgw
