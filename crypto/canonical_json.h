// Canonical JSON for bytes that are hashed or signed (manifests, receipts, audit
// entries, the policy's identity): UTF-8, object keys sorted by their bytes, no
// insignificant white space, strings escaped minimally (", \ and control characters
// as \u00XX), integers only (no floats, no exponents). Specified in docs/manifest.md.
//
// The writer builds values bottom-up as already-encoded text, like der_writer.h.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace adtgw::cjson {

// An encoded JSON value.
using Text = std::string;

Text String(std::string_view s);
// String(s) appended to `out`, for a writer that builds one large value in place.
// `s` must not point into `*out`.
void AppendString(std::string_view s, Text* out);
Text Integer(uint64_t v);
Text Bool(bool v);
// An array of encoded values, in the given order (or sorted when `sort`).
Text Array(std::vector<Text> items, bool sort = false);
// An object; std::map keeps the keys in byte order, which is the canonical order.
Text Object(const std::map<std::string, Text>& members);

}  // namespace adtgw::cjson
