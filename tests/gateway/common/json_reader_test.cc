// gtest first: json_reader.h brings in cpprestsdk, whose U() macro breaks gtest's headers.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "crypto/byte_stream.h"
#include "gateway/common/json_reader.h"
#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

using web::json::value;

const JsonRules kRules{"doc", "see the doc spec", 4096, 4};

Result<value> Read(const std::string& text, const JsonRules& rules = kRules) {
  return ReadJson(AsBytes(text), rules);
}

void ExpectRefused(const std::string& text, const std::string& code) {
  auto r = Read(text);
  ASSERT_THAT(r, StatusIs(code)) << "input: " << text;
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput) << text;
  EXPECT_EQ(r.error().hint, "see the doc spec") << text;
  EXPECT_NE(r.error().message.find("at byte "), std::string::npos) << r.error().message;
}

TEST(JsonReader, RefusesRepeatedKeysAtEveryLevel) {
  for (const char* text : {
           R"({"a":1,"a":1})",
           R"({"a":1,"b":2,"a":"x"})",
           R"({"x":{"a":1,"a":2}})",
           R"([{"a":1},{"b":1,"b":1}])",
           R"({"a":1,"\u0061":2})",  // the same key once unescaped
           R"({"":1,"":2})",
       }) {
    ExpectRefused(text, "doc.duplicate_key");
  }
  // Keys differing in case or in a single byte are different keys.
  EXPECT_THAT(Read(R"({"a":1,"A":2,"a ":3})"), IsOk());
}

TEST(JsonReader, RefusesWhatRfc8259DoesNotAllow) {
  for (const char* text : {
           // comments
           "{\"a\":1 /* c */}",
           "{\"a\":1} // c",
           "// c\n{}",
           "{/* c */\"a\":1}",
           "[1,/* c */2]",
           "{\"a\"/* c */:1}",
           "# c\n{}",
           // trailing commas, missing values
           "{\"a\":1,}",
           "[1,]",
           "[,1]",
           "{,}",
           "[1,,2]",
           "{\"a\":}",
           // NaN and Infinity
           "NaN",
           "Infinity",
           "-Infinity",
           "[NaN]",
           "{\"a\":Infinity}",
           "{\"a\":-Infinity}",
           // numbers
           "01",
           "-01",
           "00",
           "+1",
           "[+1]",
           "1.",
           ".5",
           "-",
           "1e",
           "1e+",
           "0x10",
           "1_000",
           // strings and quotes
           "'a'",
           "{'a':1}",
           "{a:1}",
           "\"a",
           "\"\\x41\"",
           "\"\\U0041\"",
           "\"\\u12\"",
           "\"\\u12G4\"",
           "\"\\'\"",
           "\"\\\"",
           "\"a\tb\"",
           "\"a\nb\"",
           "\"\x1f\"",
           // literals and structure
           "tru",
           "True",
           "nul",
           "undefined",
           "{\"a\" 1}",
           "{\"a\":1 \"b\":2}",
           "[1 2]",
           "{",
           "[",
           "}",
           "]",
           "[1",
           "{\"a\":1",
           "{\"a\"}",
           // whitespace JSON does not know, and a byte-order mark
           "\v{}",
           "{}\f",
           "\xC2\xA0{}",
           "\xEF\xBB\xBF{}",
           // anything after the value
           "{}{}",
           "{} x",
           "1 2",
           "\"a\"\"b\"",
           "{}\n,",
       }) {
    ExpectRefused(text, "doc.malformed");
  }
  // A NUL byte in the middle of a string (the C string above stops at it).
  ExpectRefused(std::string("\"a\0b\"", 5), "doc.malformed");
  ExpectRefused(std::string("{}\0", 3), "doc.malformed");
  // Whitespace only is no value.
  ExpectRefused(" \n", "doc.malformed");
}

TEST(JsonReader, RefusesTextThatIsNotUnicode) {
  for (const char* text : {
           // lone and mis-ordered surrogate escapes
           "\"\\ud800\"",
           "\"\\udc00\"",
           "\"\\uDBFF\"",
           "\"\\ud800x\"",
           "\"\\ud800\\u0041\"",
           "\"\\udc00\\ud800\"",
           "\"\\ud800\\ud800\"",
           "\"\\ud800\\n\"",
           // U+0000
           "\"\\u0000\"",
           "{\"\\u0000\":1}",
           // invalid UTF-8: a stray continuation, overlongs, surrogates, > U+10FFFF,
           // truncated sequences, bytes never used
           "\"\x80\"",
           "\"\xC0\xAF\"",
           "\"\xC1\xBF\"",
           "\"\xE0\x80\xAF\"",
           "\"\xF0\x80\x80\xAF\"",
           "\"\xED\xA0\x80\"",
           "\"\xED\xBF\xBF\"",
           "\"\xF4\x90\x80\x80\"",
           "\"\xF5\x80\x80\x80\"",
           "\"\xC3\"",
           "\"\xE2\x82\"",
           "\"\xF0\x9F\x98\"",
           "\"\xE2\x82x\"",
           "\"\xFE\"",
           "\"\xFF\"",
           "{\"k\xC3\":1}",
       }) {
    ExpectRefused(text, "doc.bad_text");
  }
  // Outside strings, any non-ASCII byte breaks the grammar.
  ExpectRefused("{\"a\":1}\xC3\xA9", "doc.malformed");
  ExpectRefused("\xFF", "doc.malformed");
}

TEST(JsonReader, RefusesNumbersThatAreNotWholeOrDoNotFit) {
  for (const char* text :
       {"1.5", "1.0", "0.0", "-0.5", "1e3", "1E3", "1e-3", "1e+3", "0e0", "18446744073709551616",
        "99999999999999999999999", "-9223372036854775809", "-18446744073709551615",
        "{\"size\":18446744073709551616}", "[1,2.5]"}) {
    ExpectRefused(text, "doc.bad_number");
  }
}

TEST(JsonReader, ReadsIntegersAtTheirLimits) {
  auto max = Read("18446744073709551615");
  ASSERT_THAT(max, IsOk());
  ASSERT_TRUE(max->is_integer());
  EXPECT_TRUE(max->as_number().is_uint64());
  EXPECT_EQ(max->as_number().to_uint64(), UINT64_MAX);
  auto min = Read("-9223372036854775808");
  ASSERT_THAT(min, IsOk());
  EXPECT_TRUE(min->as_number().is_int64());
  EXPECT_FALSE(min->as_number().is_uint64());
  EXPECT_EQ(min->as_number().to_int64(), INT64_MIN);
  auto minus_one = Read("-1");
  ASSERT_THAT(minus_one, IsOk());
  EXPECT_EQ(minus_one->as_number().to_int64(), -1);
  EXPECT_FALSE(minus_one->as_number().is_uint64());
  // -0 is 0, which serializes as "0".
  auto minus_zero = Read("-0");
  ASSERT_THAT(minus_zero, IsOk());
  EXPECT_EQ(*minus_zero, value::number(uint64_t{0}));
  EXPECT_EQ(Read("0").value(), value::number(uint64_t{0}));
}

TEST(JsonReader, ReadsEscapesAndUnicodeText) {
  auto s = Read(R"("a\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\ud83d\ude00\uDBFF\uDFFF")");
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->as_string(),
            "a\"\\/\b\f\n\r\t"
            "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF");
  // Raw UTF-8 at each sequence length, the limits included; DEL needs no escape.
  const std::string raw =
      "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF\xF0\x90\x80\x80"
      "\xF4\x8F\xBF\xBF";
  auto r = Read("\"" + raw + "\"");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->as_string(), raw);
  // \u0001 is escaped text, not a raw control character.
  EXPECT_EQ(Read(R"("\u0001")")->as_string(), "\x01");
}

TEST(JsonReader, ReadsEveryKindOfValueWithJsonWhitespace) {
  auto v = Read(
      " \t\r\n{ \"o\" : { } , \"a\" : [ ] , \"t\" : true , \"f\" : false , "
      "\"n\" : null , \"s\" : \"\" , \"i\" : [ 0 , -7 , 42 ] } \n");
  ASSERT_THAT(v, IsOk());
  EXPECT_TRUE(v->at("o").is_object());
  EXPECT_EQ(v->at("o").size(), 0u);
  EXPECT_TRUE(v->at("a").is_array());
  EXPECT_EQ(v->at("a").size(), 0u);
  EXPECT_TRUE(v->at("t").as_bool());
  EXPECT_FALSE(v->at("f").as_bool());
  EXPECT_TRUE(v->at("n").is_null());
  EXPECT_EQ(v->at("s").as_string(), "");
  EXPECT_EQ(v->at("i").at(2).as_number().to_uint64(), 42u);
  for (const char* top : {"{}", "[]", "\"x\"", "7", "true", "false", "null"}) {
    EXPECT_THAT(Read(top), IsOk()) << top;
  }
}

TEST(JsonReader, NestingIsCappedByTheReader) {
  JsonRules rules = kRules;
  rules.max_size = 1 << 20;
  EXPECT_THAT(Read("[[[[1]]]]", rules), IsOk());  // depth 4
  EXPECT_THAT(Read(R"({"a":[{"b":[]}]})", rules), IsOk());
  ExpectRefused("[[[[[1]]]]]", "doc.malformed");
  ExpectRefused(R"({"a":[{"b":[{}]}]})", "doc.malformed");
  // Brackets in strings are text.
  EXPECT_THAT(Read(R"(["[[[[[{{{{{\"]"])"), IsOk());
  // Deep input fails at the cap, not after recursing through it.
  auto deep = Read(std::string(500000, '[') + std::string(500000, ']'), rules);
  ASSERT_THAT(deep, StatusIs("doc.malformed"));
  EXPECT_NE(deep.error().message.find("at byte 4"), std::string::npos) << deep.error().message;
  // Whatever the rules say, nesting stops at kMaxJsonDepth.
  rules.max_depth = 1000;
  std::string allowed = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_THAT(Read(allowed, rules), IsOk());
  EXPECT_THAT(Read("[" + allowed + "]", rules), StatusIs("doc.malformed"));
}

TEST(JsonReader, SizeIsCheckedFirst) {
  ASSERT_THAT(Read(""), StatusIs("doc.empty"));
  JsonRules small = kRules;
  small.max_size = 8;
  EXPECT_THAT(Read("[1,2,30]", small), IsOk());
  // Too large is reported before anything else is wrong with it.
  EXPECT_THAT(Read("[1,2,300]", small), StatusIs("doc.too_large"));
  EXPECT_THAT(Read("// xxxxxxx", small), StatusIs("doc.too_large"));
}

TEST(JsonReader, ErrorsNameTheByte) {
  auto r = Read(R"({"a":1,"b":2,})");
  ASSERT_THAT(r, StatusIs("doc.malformed"));
  EXPECT_EQ(r.error().message, "doc is not strict JSON: a trailing comma at byte 13");
  auto c = Read("{\"a\":1 // note\n}");
  ASSERT_THAT(c, StatusIs("doc.malformed"));
  EXPECT_EQ(c.error().message, "doc is not strict JSON: a comment (JSON has none) at byte 7");
  auto d = Read(R"({"a":1,"a":2})");
  ASSERT_THAT(d, StatusIs("doc.duplicate_key"));
  EXPECT_EQ(d.error().message,
            "doc is not strict JSON: the key 'a' twice in the object ending at byte 13");
}

TEST(JsonReader, WhatItAcceptsReadsBackEqualWhenSerialized) {
  for (const char* text : {
           R"({"b":[1,-2,18446744073709551615,-9223372036854775808],"a":{"x":"\ud83d\ude00"}})",
           R"(["\u0001\u001f\"\\\/ \u00e9",true,false,null,{}])",
           "\"\xE2\x82\xAC\x7F\"",
       }) {
    auto first = Read(text);
    ASSERT_THAT(first, IsOk()) << text;
    const std::string once = first->serialize();
    auto second = Read(once);
    ASSERT_THAT(second, IsOk()) << once;
    EXPECT_EQ(*first, *second) << text;
    EXPECT_EQ(second->serialize(), once) << text;
  }
}

}  // namespace
}  // namespace adtgw
