#include "crypto/canonical_json.h"

#include <algorithm>
#include <cstdio>

namespace adtgw::cjson {

// Values are built once and copied whole into their parents, so each function sizes
// its result first and appends runs of bytes rather than one character at a time: an
// audit query answer is hundreds of entries of ~600 bytes, escaped and wrapped.

Text String(std::string_view s) {
  Text out;
  out.reserve(s.size() + 2);
  AppendString(s, &out);
  return out;
}

void AppendString(std::string_view s, Text* out_text) {
  Text& out = *out_text;
  out += '"';
  size_t run = 0;  // the start of the bytes not yet copied, none of which needs escaping
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c != '"' && c != '\\' && c >= 0x20) continue;
    out.append(s.data() + run, i - run);
    if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += '\\';
      out += static_cast<char>(c);
    }
    run = i + 1;
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

Text Integer(uint64_t v) { return std::to_string(v); }

Text Bool(bool v) { return v ? "true" : "false"; }

Text Array(std::vector<Text> items, bool sort) {
  if (sort) std::sort(items.begin(), items.end());
  size_t size = 2 + (items.empty() ? 0 : items.size() - 1);
  for (const Text& item : items) size += item.size();
  Text out;
  out.reserve(size);
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += ',';
    out += items[i];
  }
  out += ']';
  return out;
}

Text Object(const std::map<std::string, Text>& members) {
  size_t size = 2;
  for (const auto& [key, value] : members) size += key.size() + value.size() + 4;
  Text out;
  out.reserve(size);
  out += '{';
  bool first = true;
  for (const auto& [key, value] : members) {
    if (!first) out += ',';
    first = false;
    out += String(key);
    out += ':';
    out += value;
  }
  out += '}';
  return out;
}

}  // namespace adtgw::cjson
