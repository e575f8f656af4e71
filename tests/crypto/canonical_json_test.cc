#include "crypto/canonical_json.h"

#include <gtest/gtest.h>

#include <string>

namespace adtgw::cjson {
namespace {

TEST(CanonicalJson, StringsEscapeOnlyQuoteBackslashAndControlCharacters) {
  EXPECT_EQ(String(""), "\"\"");
  EXPECT_EQ(String("plain text / é"), "\"plain text / é\"");
  EXPECT_EQ(String("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(String(std::string("\x00\x01\n\x1f\x20\x7f", 6)),
            "\"\\u0000\\u0001\\u000a\\u001f \x7f\"");
  // Escapes at the very start and end, and runs between them.
  EXPECT_EQ(String("\"x\""), "\"\\\"x\\\"\"");
  EXPECT_EQ(String("\\\\"), "\"\\\\\\\\\"");
  std::string long_text(10000, 'a');
  long_text[5000] = '"';
  std::string expected = "\"" + long_text.substr(0, 5000) + "\\\"" + long_text.substr(5001) + "\"";
  EXPECT_EQ(String(long_text), expected);
}

TEST(CanonicalJson, AppendStringAddsWhatStringReturns) {
  Text out = "[1,";
  AppendString("a\"b\n", &out);
  out += ',';
  AppendString("", &out);
  EXPECT_EQ(out, "[1," + String("a\"b\n") + ",\"\"");
}

TEST(CanonicalJson, ArraysKeepOrderOrSortByBytes) {
  EXPECT_EQ(Array({}), "[]");
  EXPECT_EQ(Array({Integer(3)}), "[3]");
  EXPECT_EQ(Array({String("b"), String("a"), Integer(10)}), "[\"b\",\"a\",10]");
  EXPECT_EQ(Array({String("b"), String("a"), String("B")}, true), "[\"B\",\"a\",\"b\"]");
}

TEST(CanonicalJson, ObjectsSortKeysByBytesAndNest) {
  EXPECT_EQ(Object({}), "{}");
  EXPECT_EQ(Object({{"b", Integer(1)}, {"a", Bool(true)}, {"Z", Bool(false)}}),
            "{\"Z\":false,\"a\":true,\"b\":1}");
  EXPECT_EQ(Object({{"k\"ey", Array({Object({{"x", Integer(18446744073709551615u)}})})}}),
            "{\"k\\\"ey\":[{\"x\":18446744073709551615}]}");
}

}  // namespace
}  // namespace adtgw::cjson
