#include "gateway/formats/csv_line.h"

#include <cstdio>

#include "crypto/encoding.h"

namespace adtgw {
bool CsvLineSplitter::Fail(uint32_t column, const char* code, std::string message) {
  error_column_ = column;
  error_code_ = code;
  error_message_ = std::move(message);
  return false;
}

bool CsvLineSplitter::CheckText(std::string_view field, uint32_t column) {
  for (size_t i = 0; i < field.size();) {
    const unsigned char c = static_cast<unsigned char>(field[i]);
    if (c >= 0x20 && c < 0x7F) {
      ++i;
      continue;
    }
    if (c < 0x20 || c == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", c);
      return Fail(column, "csv.control_character",
                  std::string("the field holds the control character ") + hex +
                      (c == '\r' ? " (a carriage return not followed by the line's end)" : ""));
    }
    size_t n = Utf8SequenceLength(field, i);
    if (n == 0) {
      return Fail(column, "csv.bad_utf8",
                  "the field is not UTF-8 (byte " + std::to_string(i + 1) + " of it)");
    }
    i += n;
  }
  return true;
}

bool CsvLineSplitter::Split(std::string_view line) {
  fields_.clear();
  unquoted_.clear();
  // Views into unquoted_ must not move: it never holds more than the line.
  if (unquoted_.capacity() < line.size()) unquoted_.reserve(line.size());
  size_t i = 0;
  for (;;) {
    const auto column = static_cast<uint32_t>(fields_.size() + 1);
    if (fields_.size() == max_fields_) {
      return Fail(column, "csv.too_many_fields",
                  "the line has more than " + std::to_string(max_fields_) + " fields");
    }
    std::string_view field;
    if (i < line.size() && line[i] == '"') {
      const size_t start = unquoted_.size();
      ++i;
      for (;;) {
        size_t quote = line.find('"', i);
        if (quote == std::string_view::npos) {
          return Fail(column, "csv.unclosed_quote",
                      "a quoted field is not closed on its line (fields never span lines)");
        }
        unquoted_.append(line.substr(i, quote - i));
        if (quote + 1 < line.size() && line[quote + 1] == '"') {
          unquoted_ += '"';
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      field = std::string_view(unquoted_).substr(start);
      if (i < line.size() && line[i] != ',') {
        return Fail(column, "csv.text_after_quote",
                    "text follows the closing quote of a quoted field; a quote inside a quoted "
                    "field is written twice");
      }
    } else {
      size_t end = line.find(',', i);
      if (end == std::string_view::npos) end = line.size();
      field = line.substr(i, end - i);
      if (field.find('"') != std::string_view::npos) {
        return Fail(column, "csv.stray_quote",
                    "a quote in a field that does not start with one; quote the whole field "
                    "and write the quote twice");
      }
      i = end;
    }
    if (!CheckText(field, column)) return false;
    fields_.push_back(field);
    if (i >= line.size()) return true;
    ++i;  // the comma; a comma at the very end makes an empty last field
  }
}

}  // namespace adtgw
