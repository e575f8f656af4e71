#include "crypto/canonical_json.h"

#include <algorithm>
#include <cstdio>

namespace adtgw::cjson {

Text String(std::string_view s) {
  Text out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

Text Integer(uint64_t v) { return std::to_string(v); }

Text Bool(bool v) { return v ? "true" : "false"; }

Text Array(std::vector<Text> items, bool sort) {
  if (sort) std::sort(items.begin(), items.end());
  Text out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "]";
}

Text Object(const std::map<std::string, Text>& members) {
  Text out = "{";
  bool first = true;
  for (const auto& [key, value] : members) {
    if (!first) out += ",";
    first = false;
    out += String(key) + ":" + value;
  }
  return out + "}";
}

}  // namespace adtgw::cjson
