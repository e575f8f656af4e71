// The one JSON reader of adtgw: every JSON document that arrives from the network or
// from a file (request and response bodies, manifests, acknowledgements, receipts,
// audit entries and answers, journals, sidecars) is read here, through
// ParseCappedJson or StrictJsonObject (strict_json.h). It takes exactly RFC 8259's
// grammar, and on top of it refuses what adtgw's documents never hold: repeated keys,
// text that is not Unicode (invalid UTF-8, lone surrogate escapes, U+0000), and
// numbers other than whole numbers in [-2^63, 2^64-1]. The size cap is checked before
// the first byte is read and the nesting cap by the recursive descent itself, so no
// input can take more than max_size bytes or max_depth frames of stack. The rules and
// codes are listed in docs/api.md, "JSON rules".
//
// The result is a cpprestsdk value (the type every caller already reads); objects are
// stored with their keys sorted, numbers as cpprest's signed or unsigned integers, so
// what is accepted serializes (value::serialize) to text that reads back equal.
//
// Thread safety: a pure function; any number of threads may call it.
#pragma once

#include <cpprest/json.h>

#include <cstdint>
#include <span>
#include <string>

#include "crypto/result.h"

namespace adtgw {

struct JsonRules {
  std::string what;  // "manifest": prefixes codes and messages
  std::string hint;  // "see docs/manifest.md"
  size_t max_size = 8 * 1024;
  int max_depth = 2;  // objects and arrays inside one another; the top level is 1
};

// Nesting beyond this is refused whatever a caller's rules allow: it bounds the
// reader's (and the value's destructor's) recursion.
inline constexpr int kMaxJsonDepth = 64;

// Reads `bytes` as one JSON value. Every refusal is kInvalidInput with rules.hint and
// one of the codes "<what>.empty", "<what>.too_large", "<what>.malformed" (RFC 8259's
// grammar, or nesting deeper than the cap), "<what>.duplicate_key", "<what>.bad_text"
// (invalid UTF-8, a lone or mis-ordered UTF-16 surrogate escape, U+0000) or
// "<what>.bad_number" (a fraction, an exponent, or an integer outside
// [-2^63, 2^64-1]); the message names the byte offset.
Result<web::json::value> ReadJson(std::span<const uint8_t> bytes, const JsonRules& rules);

}  // namespace adtgw
