// CsvLineSplitter: one line of a domain file split into its fields, RFC 4180 quoting
// (docs/formats.md, "CSV"). adtgw's formats never put a line break inside a field, so a
// file is cut at its line breaks first and each line is split alone: a damaged quote
// costs one line, never the rest of the file.
//
// A field is either unquoted (no '"' in it) or quoted: '"' ... '"', with '""' for a
// quote inside and commas allowed. Fields are checked for UTF-8 and for control
// characters here, once, so the formats' rules only ever see clean text.
//
// Ownership: the fields are views into the line given to Split or into the splitter's
// own buffer (unquoted copies of quoted fields); both stay valid until the next Split.
// Thread safety: one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace adtgw {

class CsvLineSplitter {
 public:
  explicit CsvLineSplitter(size_t max_fields) : max_fields_(max_fields) {}

  // Splits `line` (without its line break). False when the line is malformed; then
  // error_column(), error_code() and error_message() say where and why.
  bool Split(std::string_view line);

  const std::vector<std::string_view>& fields() const { return fields_; }
  uint32_t error_column() const { return error_column_; }
  const std::string& error_code() const { return error_code_; }
  const std::string& error_message() const { return error_message_; }

 private:
  bool Fail(uint32_t column, const char* code, std::string message);
  bool CheckText(std::string_view field, uint32_t column);

  size_t max_fields_;
  std::vector<std::string_view> fields_;
  std::string unquoted_;  // quoted fields without their quotes; reserved per line
  uint32_t error_column_ = 0;
  std::string error_code_;
  std::string error_message_;
};

}  // namespace adtgw
