#include "gateway/common/strict_json.h"

#include <algorithm>

#include "crypto/encoding.h"

namespace adtgw {
namespace {

Error BadDocument(const StrictJsonObject::Rules& rules, const std::string& field,
                  const std::string& message) {
  return MakeError(ErrorKind::kInvalidInput, rules.what + "." + field, rules.what + " " + message,
                   rules.hint);
}

}  // namespace

Result<web::json::value> ParseCappedJson(std::span<const uint8_t> bytes,
                                         const StrictJsonObject::Rules& rules) {
  return ReadJson(bytes, rules);
}

Result<StrictJsonObject> StrictJsonObject::Parse(std::span<const uint8_t> bytes, const Rules& rules,
                                                 std::initializer_list<const char*> keys) {
  ADTGW_ASSIGN(web::json::value v, ParseCappedJson(bytes, rules));
  if (!v.is_object()) return BadDocument(rules, "malformed", "is not a JSON object");
  for (const auto& member : v.as_object()) {
    const std::string& key = member.first;
    if (std::none_of(keys.begin(), keys.end(), [&key](const char* k) { return key == k; })) {
      return BadDocument(rules, "unknown_key", "has an unknown key '" + key.substr(0, 40) + "'");
    }
  }
  return StrictJsonObject(std::move(v), rules);
}

Error StrictJsonObject::Bad(const std::string& field, const std::string& message) const {
  return BadDocument(rules_, field, message);
}

bool StrictJsonObject::Has(const char* key) const {
  return value_.as_object().find(key) != value_.as_object().end();
}

Result<std::string> StrictJsonObject::Text(const char* key) const {
  auto it = value_.as_object().find(key);
  if (it == value_.as_object().end() || !it->second.is_string()) {
    return Bad(key, std::string("needs the string field ") + key);
  }
  return it->second.as_string();
}

Result<uint64_t> StrictJsonObject::Number(const char* key) const {
  auto it = value_.as_object().find(key);
  if (it == value_.as_object().end() || !it->second.is_integer() ||
      !it->second.as_number().is_uint64()) {
    return Bad(key, std::string("needs the whole-number field ") + key);
  }
  return it->second.as_number().to_uint64();
}

Result<bool> StrictJsonObject::Bool(const char* key) const {
  auto it = value_.as_object().find(key);
  if (it == value_.as_object().end() || !it->second.is_boolean()) {
    return Bad(key, std::string("needs the true-or-false field ") + key);
  }
  return it->second.as_bool();
}

Result<std::vector<std::string>> StrictJsonObject::TextArray(const char* key) const {
  auto it = value_.as_object().find(key);
  if (it == value_.as_object().end() || !it->second.is_array()) {
    return Bad(key, std::string("needs the list ") + key);
  }
  std::vector<std::string> out;
  for (const auto& item : it->second.as_array()) {
    if (!item.is_string()) return Bad(key, std::string(key) + " must hold strings");
    out.push_back(item.as_string());
  }
  return out;
}

bool SameBytes(std::span<const uint8_t> bytes, std::string_view text) {
  // Compared as unsigned bytes: `char` is signed here, and UTF-8 bytes are >= 0x80.
  return bytes.size() == text.size() &&
         std::equal(bytes.begin(), bytes.end(), text.begin(),
                    [](uint8_t b, char c) { return b == static_cast<uint8_t>(c); });
}

std::optional<Sha256Digest> ParseHexDigest(std::string_view hex) {
  Sha256Digest out{};
  if (hex.size() != 2 * out.size()) return std::nullopt;
  std::optional<std::vector<uint8_t>> bytes = FromHex(hex);
  if (!bytes) return std::nullopt;
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

}  // namespace adtgw
