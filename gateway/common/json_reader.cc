#include "gateway/common/json_reader.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "crypto/encoding.h"

namespace adtgw {
namespace {

using web::json::value;

constexpr uint64_t kMinInt64Magnitude = uint64_t{1} << 63;  // |INT64_MIN|

bool IsJsonSpace(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(uint8_t c) { return c >= '0' && c <= '9'; }

int HexValue(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Reader {
 public:
  Reader(std::span<const uint8_t> bytes, const JsonRules& rules)
      : bytes_(bytes), rules_(rules), max_depth_(std::min(rules.max_depth, kMaxJsonDepth)) {}

  Result<value> Document() {
    if (bytes_.size() >= 3 && bytes_[0] == 0xEF && bytes_[1] == 0xBB && bytes_[2] == 0xBF) {
      Fail("malformed", "a byte-order mark (JSON text has none)");
      return *error_;
    }
    value v;
    SkipSpace();
    if (ReadValue(0, v)) {
      SkipSpace();
      if (pos_ != bytes_.size()) Fail("malformed", "more after the JSON value");
    }
    if (error_) return *error_;
    return v;
  }

 private:
  // Records the first error and returns false, so that callers can `return Fail(...)`.
  bool Fail(const char* code, const std::string& what) {
    if (!error_) {
      error_ = MakeError(
          ErrorKind::kInvalidInput, rules_.what + "." + code,
          rules_.what + " is not strict JSON: " + what + " at byte " + std::to_string(pos_),
          rules_.hint);
    }
    return false;
  }

  bool AtEnd() const { return pos_ >= bytes_.size(); }
  uint8_t Peek() const { return bytes_[pos_]; }

  void SkipSpace() {
    while (!AtEnd() && IsJsonSpace(Peek())) ++pos_;
  }

  bool Literal(std::string_view word) {
    if (bytes_.size() - pos_ < word.size() ||
        !std::equal(word.begin(), word.end(), bytes_.begin() + static_cast<ptrdiff_t>(pos_),
                    [](char a, uint8_t b) { return static_cast<uint8_t>(a) == b; })) {
      return false;
    }
    pos_ += word.size();
    return true;
  }

  // What stands where a value should: named precisely for the usual non-JSON forms.
  bool NotAValue() {
    if (AtEnd()) return Fail("malformed", "the text ends where a value should be");
    switch (Peek()) {
      case '/':
        return Fail("malformed", "a comment (JSON has none)");
      case '\'':
        return Fail("malformed", "a single-quoted string");
      case '+':
        return Fail("malformed", "a '+' sign");
      case '.':
        return Fail("malformed", "a number without digits before its point");
      case 'N':
      case 'I':
        return Fail("malformed", "NaN or Infinity (not JSON numbers)");
      case ',':
        return Fail("malformed", "a missing value or a trailing comma");
      default:
        return Fail("malformed", "an unexpected character");
    }
  }

  bool ReadValue(int depth, value& out) {
    if (AtEnd()) return NotAValue();
    switch (Peek()) {
      case '{':
        return ReadObject(depth + 1, out);
      case '[':
        return ReadArray(depth + 1, out);
      case '"': {
        std::string text;
        if (!ReadString(text)) return false;
        out = value::string(std::move(text));
        return true;
      }
      case 't':
        if (!Literal("true")) return NotAValue();
        out = value::boolean(true);
        return true;
      case 'f':
        if (!Literal("false")) return NotAValue();
        out = value::boolean(false);
        return true;
      case 'n':
        if (!Literal("null")) return NotAValue();
        out = value::null();
        return true;
      default:
        if (Peek() == '-' || IsDigit(Peek())) return ReadNumber(out);
        return NotAValue();
    }
  }

  bool Enter(int depth) {
    if (depth > max_depth_) {
      return Fail("malformed", "nesting deeper than " + std::to_string(max_depth_));
    }
    ++pos_;  // the bracket
    SkipSpace();
    return true;
  }

  bool ReadObject(int depth, value& out) {
    if (!Enter(depth)) return false;
    std::vector<std::pair<std::string, value>> members;
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      out = value::object();
      return true;
    }
    for (;;) {
      if (AtEnd() || Peek() != '"') {
        if (!AtEnd() && Peek() == '}') return Fail("malformed", "a trailing comma");
        if (!AtEnd() && Peek() == '\'') return Fail("malformed", "a single-quoted key");
        if (!AtEnd() && Peek() == '/') return Fail("malformed", "a comment (JSON has none)");
        return Fail("malformed", "a key that is not a string");
      }
      std::string key;
      if (!ReadString(key)) return false;
      SkipSpace();
      if (AtEnd() || Peek() != ':') {
        if (!AtEnd() && Peek() == '/') return Fail("malformed", "a comment (JSON has none)");
        return Fail("malformed", "a key without ':'");
      }
      ++pos_;
      SkipSpace();
      value member;
      if (!ReadValue(depth, member)) return false;
      members.emplace_back(std::move(key), std::move(member));
      SkipSpace();
      if (AtEnd()) return Fail("malformed", "an object without its '}'");
      if (Peek() == '}') {
        ++pos_;
        break;
      }
      if (Peek() != ',') {
        if (Peek() == '/') return Fail("malformed", "a comment (JSON has none)");
        return Fail("malformed", "a member not followed by ',' or '}'");
      }
      ++pos_;
      SkipSpace();
    }
    // cpprest keeps an object's members sorted by key, so equal keys end up adjacent.
    out = value::object(std::move(members));
    const auto& object = out.as_object();
    for (auto it = object.begin(); it != object.end(); ++it) {
      auto next = std::next(it);
      if (next != object.end() && next->first == it->first) {
        return Fail("duplicate_key",
                    "the key '" + it->first.substr(0, 40) + "' twice in the object ending");
      }
    }
    return true;
  }

  bool ReadArray(int depth, value& out) {
    if (!Enter(depth)) return false;
    std::vector<value> items;
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      out = value::array();
      return true;
    }
    for (;;) {
      if (!AtEnd() && Peek() == ']') return Fail("malformed", "a trailing comma");
      value item;
      if (!ReadValue(depth, item)) return false;
      items.push_back(std::move(item));
      SkipSpace();
      if (AtEnd()) return Fail("malformed", "an array without its ']'");
      if (Peek() == ']') {
        ++pos_;
        break;
      }
      if (Peek() != ',') {
        if (Peek() == '/') return Fail("malformed", "a comment (JSON has none)");
        return Fail("malformed", "an item not followed by ',' or ']'");
      }
      ++pos_;
      SkipSpace();
    }
    out = value::array(std::move(items));
    return true;
  }

  // Four hex digits after "\u"; pos_ is on the 'u'.
  bool ReadHex4(uint32_t& unit) {
    if (bytes_.size() - pos_ < 5) return Fail("malformed", "a \\u escape without four hex digits");
    unit = 0;
    for (size_t i = 1; i <= 4; ++i) {
      int h = HexValue(bytes_[pos_ + i]);
      if (h < 0) return Fail("malformed", "a \\u escape without four hex digits");
      unit = unit * 16 + static_cast<uint32_t>(h);
    }
    pos_ += 5;
    return true;
  }

  bool ReadEscape(std::string& out) {
    ++pos_;  // the backslash
    if (AtEnd()) return Fail("malformed", "a string without its closing quote");
    const uint8_t c = Peek();
    switch (c) {
      case '"':
      case '\\':
      case '/':
        out.push_back(static_cast<char>(c));
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        const size_t start = pos_ - 1;
        uint32_t unit = 0;
        if (!ReadHex4(unit)) return false;
        if (unit >= 0xDC00 && unit <= 0xDFFF) {
          pos_ = start;
          return Fail("bad_text", "a low surrogate escape without its high surrogate");
        }
        if (unit >= 0xD800 && unit <= 0xDBFF) {
          uint32_t low = 0;
          if (bytes_.size() - pos_ < 2 || bytes_[pos_] != '\\' || bytes_[pos_ + 1] != 'u') {
            pos_ = start;
            return Fail("bad_text", "a high surrogate escape without its low surrogate");
          }
          ++pos_;
          if (!ReadHex4(low)) return false;
          if (low < 0xDC00 || low > 0xDFFF) {
            pos_ = start;
            return Fail("bad_text", "a high surrogate escape without its low surrogate");
          }
          unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
        }
        if (unit == 0) {
          pos_ = start;
          return Fail("bad_text", "U+0000 in a string (adtgw's documents never hold it)");
        }
        AppendUtf8(unit, out);
        return true;
      }
      default:
        return Fail("malformed", "an invalid escape");
    }
    ++pos_;
    return true;
  }

  bool ReadString(std::string& out) {
    ++pos_;  // the opening quote
    for (;;) {
      if (AtEnd()) return Fail("malformed", "a string without its closing quote");
      const uint8_t c = Peek();
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        if (!ReadEscape(out)) return false;
      } else if (c < 0x20) {
        return Fail("malformed", "a control character in a string (it must be escaped)");
      } else if (c < 0x80) {
        out.push_back(static_cast<char>(c));
        ++pos_;
      } else {
        const size_t n = Utf8SequenceLength(
            std::string_view(reinterpret_cast<const char*>(bytes_.data()), bytes_.size()), pos_);
        if (n == 0) return Fail("bad_text", "invalid UTF-8");
        out.append(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
        pos_ += n;
      }
    }
  }

  bool ReadNumber(value& out) {
    const size_t start = pos_;
    const bool negative = Peek() == '-';
    if (negative) ++pos_;
    if (AtEnd() || !IsDigit(Peek())) {
      if (!AtEnd() && Peek() == 'I') return Fail("malformed", "NaN or Infinity (not JSON numbers)");
      return Fail("malformed", "a '-' without digits");
    }
    uint64_t magnitude = 0;
    bool overflow = false;
    const size_t digits = pos_;
    while (!AtEnd() && IsDigit(Peek())) {
      const uint64_t d = Peek() - '0';
      if (magnitude > (UINT64_MAX - d) / 10) overflow = true;
      magnitude = magnitude * 10 + d;
      ++pos_;
    }
    if (bytes_[digits] == '0' && pos_ - digits > 1) {
      pos_ = digits;
      return Fail("malformed", "a number with a leading zero");
    }
    bool whole = true;
    if (!AtEnd() && Peek() == '.') {
      ++pos_;
      if (AtEnd() || !IsDigit(Peek())) return Fail("malformed", "a point without digits after it");
      while (!AtEnd() && IsDigit(Peek())) ++pos_;
      whole = false;
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (AtEnd() || !IsDigit(Peek())) return Fail("malformed", "an exponent without digits");
      while (!AtEnd() && IsDigit(Peek())) ++pos_;
      whole = false;
    }
    if (!whole) {
      pos_ = start;
      return Fail("bad_number", "a fraction or exponent (adtgw's numbers are whole)");
    }
    if (overflow || (negative && magnitude > kMinInt64Magnitude)) {
      pos_ = start;
      return Fail("bad_number", "an integer outside [-2^63, 2^64-1]");
    }
    if (!negative || magnitude == 0) {
      out = value::number(magnitude);  // -0 is 0
    } else {
      // Two's complement: -magnitude is representable, INT64_MIN included.
      out = value::number(static_cast<int64_t>(~magnitude + 1));
    }
    return true;
  }

  std::span<const uint8_t> bytes_;
  const JsonRules& rules_;
  const int max_depth_;
  size_t pos_ = 0;
  std::optional<Error> error_;
};

}  // namespace

Result<web::json::value> ReadJson(std::span<const uint8_t> bytes, const JsonRules& rules) {
  if (bytes.empty()) {
    return MakeError(ErrorKind::kInvalidInput, rules.what + ".empty", rules.what + " is empty",
                     rules.hint);
  }
  if (bytes.size() > rules.max_size) {
    return MakeError(ErrorKind::kInvalidInput, rules.what + ".too_large",
                     rules.what + " is larger than " + std::to_string(rules.max_size) + " bytes",
                     rules.hint);
  }
  return Reader(bytes, rules).Document();
}

}  // namespace adtgw
