// Strict reading of the small JSON documents adtgw signs or exchanges (manifests,
// acknowledgements, receipts, API bodies): the bytes are read by adtgw's one JSON
// reader (json_reader.h: RFC 8259 exactly, size and nesting caps, no repeated keys,
// Unicode text, whole numbers only), then only the expected keys are allowed and the
// typed getters check each field. Every error is kInvalidInput with the code
// "<what>.<field>" and a hint naming the spec.
//
// Thread safety: an object is immutable after Parse.
#pragma once

#include <cpprest/json.h>

#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "crypto/result.h"
#include "crypto/sha256.h"
#include "gateway/common/json_reader.h"

namespace adtgw {

class StrictJsonObject {
 public:
  using Rules = JsonRules;

  // Parses `bytes` as one JSON object whose keys are all in `keys`.
  static Result<StrictJsonObject> Parse(std::span<const uint8_t> bytes, const Rules& rules,
                                        std::initializer_list<const char*> keys);

  Result<std::string> Text(const char* key) const;
  Result<uint64_t> Number(const char* key) const;
  Result<bool> Bool(const char* key) const;
  Result<std::vector<std::string>> TextArray(const char* key) const;
  bool Has(const char* key) const;

  // An error in this document's vocabulary ("<what>.<field>").
  Error Bad(const std::string& field, const std::string& message) const;

 private:
  StrictJsonObject(web::json::value value, Rules rules)
      : value_(std::move(value)), rules_(std::move(rules)) {}
  web::json::value value_;
  Rules rules_;
};

// Any JSON value, read by ReadJson (for API views that are not signed).
Result<web::json::value> ParseCappedJson(std::span<const uint8_t> bytes,
                                         const StrictJsonObject::Rules& rules);

// Whether `bytes` are exactly `text` (byte for byte; for canonical-form checks).
bool SameBytes(std::span<const uint8_t> bytes, std::string_view text);

// 64 lower-case hex digits into a digest.
std::optional<Sha256Digest> ParseHexDigest(std::string_view hex);

}  // namespace adtgw
