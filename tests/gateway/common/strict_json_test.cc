// gtest first: strict_json.h brings in cpprestsdk, whose U() macro breaks gtest's headers.
#include <gtest/gtest.h>

#include "crypto/byte_stream.h"
#include "gateway/common/strict_json.h"
#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

const StrictJsonObject::Rules kRules{"doc", "see the doc spec", 64, 2};

Result<StrictJsonObject> Parse(const std::string& text) {
  return StrictJsonObject::Parse(AsBytes(text), kRules, {"name", "size", "list"});
}

void ExpectRefused(const Status& s, const std::string& code, const std::string& what) {
  ASSERT_THAT(s, StatusIs(code)) << what;
  EXPECT_EQ(s.error().kind, ErrorKind::kInvalidInput) << what;
  EXPECT_EQ(s.error().hint, "see the doc spec") << what;
}

template <typename T>
Status AsStatus(const Result<T>& r) {
  if (r.ok()) return OkStatus();
  return r.error();
}

TEST(StrictJson, TypedGettersReadWhatIsThere) {
  auto obj = Parse("{\"name\":\"a\\\"b\",\"size\":42,\"list\":[\"x\",\"\"]}");
  ASSERT_THAT(obj, IsOk());
  EXPECT_EQ(obj->Text("name").value(), "a\"b");
  EXPECT_EQ(obj->Number("size").value(), 42u);
  EXPECT_EQ(obj->TextArray("list").value(), (std::vector<std::string>{"x", ""}));
  EXPECT_TRUE(obj->Has("name"));
  auto empty = Parse("{}");
  ASSERT_THAT(empty, IsOk());
  EXPECT_FALSE(empty->Has("name"));
  ExpectRefused(AsStatus(empty->Text("name")), "doc.name", "missing text");
  ExpectRefused(AsStatus(empty->Number("size")), "doc.size", "missing number");
  ExpectRefused(AsStatus(empty->TextArray("list")), "doc.list", "missing list");
}

TEST(StrictJson, BoolReadsOnlyTrueAndFalse) {
  auto obj = Parse("{\"name\":true,\"size\":false}");
  ASSERT_THAT(obj, IsOk());
  EXPECT_TRUE(obj->Bool("name").value());
  EXPECT_FALSE(obj->Bool("size").value());
  ExpectRefused(AsStatus(obj->Bool("list")), "doc.list", "missing bool");
  for (const char* bad : {"1", "0", "\"true\"", "null", "[]"}) {
    auto o = Parse(std::string("{\"name\":") + bad + "}");
    ASSERT_THAT(o, IsOk()) << bad;
    ExpectRefused(AsStatus(o->Bool("name")), "doc.name", bad);
  }
}

TEST(StrictJson, GettersRefuseOtherTypes) {
  auto obj = Parse("{\"name\":1,\"size\":\"42\",\"list\":\"x\"}");
  ASSERT_THAT(obj, IsOk());
  ExpectRefused(AsStatus(obj->Text("name")), "doc.name", "number as text");
  ExpectRefused(AsStatus(obj->Number("size")), "doc.size", "text as number");
  ExpectRefused(AsStatus(obj->TextArray("list")), "doc.list", "text as list");
  for (const char* bad : {"-1", "-9223372036854775808", "true", "null", "[1]"}) {
    auto o = Parse(std::string("{\"size\":") + bad + "}");
    ASSERT_THAT(o, IsOk()) << bad;
    ExpectRefused(AsStatus(o->Number("size")), "doc.size", bad);
  }
  // Fractions, exponents and integers beyond uint64 never reach a getter.
  for (const char* bad : {"1.5", "1e3", "18446744073709551616"}) {
    ExpectRefused(AsStatus(Parse(std::string("{\"size\":") + bad + "}")), "doc.bad_number", bad);
  }
  auto max = Parse("{\"size\":18446744073709551615}");
  ASSERT_THAT(max, IsOk());
  EXPECT_EQ(max->Number("size").value(), UINT64_MAX);
  auto mixed = Parse("{\"list\":[\"x\",2]}");
  ASSERT_THAT(mixed, IsOk());
  ExpectRefused(AsStatus(mixed->TextArray("list")), "doc.list", "a number in the list");
}

TEST(StrictJson, OnlyKnownKeysInOneObject) {
  ExpectRefused(AsStatus(Parse("{\"name\":\"a\",\"admin\":true}")), "doc.unknown_key",
                "unknown key");
  ExpectRefused(AsStatus(Parse("{\"Name\":\"a\"}")), "doc.unknown_key", "keys are case-sensitive");
  for (const char* not_object : {"[]", "\"name\"", "42", "null", "true"}) {
    ExpectRefused(AsStatus(Parse(not_object)), "doc.malformed", not_object);
  }
}

TEST(StrictJson, SizeIsCappedBeforeParsing) {
  ExpectRefused(AsStatus(Parse("")), "doc.empty", "empty");
  // Exactly the cap is allowed, one byte more is not.
  std::string at_cap = "{\"name\":\"" + std::string(64 - 11, 'x') + "\"}";
  ASSERT_EQ(at_cap.size(), 64u);
  EXPECT_THAT(Parse(at_cap), IsOk());
  std::string over = "{\"name\":\"" + std::string(64 - 10, 'x') + "\"}";
  ExpectRefused(AsStatus(Parse(over)), "doc.too_large", "65 bytes");
}

TEST(StrictJson, NestingIsCappedBeforeParsing) {
  EXPECT_THAT(Parse("{\"list\":[\"a\"]}"), IsOk());  // depth 2
  ExpectRefused(AsStatus(Parse("{\"list\":[[\"a\"]]}")), "doc.malformed", "depth 3");
  ExpectRefused(AsStatus(Parse("{\"list\":[{\"a\":1}]}")), "doc.malformed", "object in list");
  // Brackets inside strings (escaped quotes included) are text, not nesting.
  auto text = Parse("{\"name\":\"[[[{{{\\\"[[[\"}");
  ASSERT_THAT(text, IsOk());
  EXPECT_EQ(text->Text("name").value(), "[[[{{{\"[[[");
  // Deep nesting for a general parser is refused up front, whatever the size cap.
  StrictJsonObject::Rules roomy = kRules;
  roomy.max_size = 1 << 20;
  auto deep = ParseCappedJson(AsBytes(std::string(500000, '[') + std::string(500000, ']')), roomy);
  ASSERT_THAT(deep, StatusIs("doc.malformed"));
}

TEST(StrictJson, ReadsThroughTheStrictReader) {
  // What cpprestsdk's own parser took (first value wins, comments) is refused.
  ExpectRefused(AsStatus(Parse("{\"name\":\"a\",\"name\":\"b\"}")), "doc.duplicate_key",
                "repeated key");
  ExpectRefused(AsStatus(Parse("{\"name\":\"a\"/**/}")), "doc.malformed", "comment");
  ExpectRefused(AsStatus(Parse("{\"name\":\"\\ud800\"}")), "doc.bad_text", "lone surrogate");
  ExpectRefused(AsStatus(ParseCappedJson(AsBytes("[1,1,]"), kRules)), "doc.malformed",
                "trailing comma");
}

TEST(StrictJson, NotJsonIsRefused) {
  const char* cases[] = {"{",
                         "{\"name\":}",
                         "{\"name\":\"a\",}",
                         "{'name':'a'}",
                         "{\"name\":\"a\"} {}",
                         "{\"name\":\"unterminated}"};
  for (const char* text : cases) {
    ExpectRefused(AsStatus(Parse(text)), "doc.malformed", text);
  }
}

TEST(StrictJson, CappedJsonTakesAnyValue) {
  auto array = ParseCappedJson(AsBytes("[1,\"x\"]"), kRules);
  ASSERT_THAT(array, IsOk());
  EXPECT_TRUE(array->is_array());
  auto number = ParseCappedJson(AsBytes("7"), kRules);
  ASSERT_THAT(number, IsOk());
  EXPECT_TRUE(number->is_number());
}

TEST(StrictJson, BadNamesTheDocumentAndField) {
  auto obj = Parse("{}");
  ASSERT_THAT(obj, IsOk());
  Error e = obj->Bad("name", "is wrong");
  EXPECT_EQ(e.code, "doc.name");
  EXPECT_EQ(e.kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(e.message, "doc is wrong");
  EXPECT_EQ(e.hint, "see the doc spec");
}

TEST(StrictJson, SameBytesComparesUnsignedBytes) {
  const std::string text =
      "\xC3\x9C"
      "ber \xE2\x82\xAC";
  EXPECT_TRUE(SameBytes(AsBytes(text), text));
  EXPECT_TRUE(SameBytes({}, ""));
  EXPECT_FALSE(SameBytes(AsBytes(text), text.substr(1)));
  EXPECT_FALSE(SameBytes(AsBytes(text + "x"), text));
  std::string other = text;
  other[0] = '\xC4';
  EXPECT_FALSE(SameBytes(AsBytes(other), text));
}

TEST(StrictJson, HexDigestsAreLowerCaseAndWhole) {
  Sha256Digest d;
  for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<uint8_t>(i * 7 + 1);
  auto back = ParseHexDigest(ToHex(d));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, d);
  std::string hex = ToHex(d);
  EXPECT_FALSE(ParseHexDigest(hex.substr(1)).has_value());
  EXPECT_FALSE(ParseHexDigest(hex + "0").has_value());
  EXPECT_FALSE(ParseHexDigest("").has_value());
  std::string upper = hex;
  upper[0] = 'A';
  upper[1] = 'F';
  EXPECT_FALSE(ParseHexDigest(upper).has_value());
  for (char bad : {'g', ' ', ':', '\0', '-'}) {
    std::string s = hex;
    s[10] = bad;
    EXPECT_FALSE(ParseHexDigest(s).has_value()) << static_cast<int>(bad);
  }
  EXPECT_EQ(ParseHexDigest(std::string(64, 'f'))->at(31), 0xff);
  EXPECT_EQ(ParseHexDigest(std::string(64, '0'))->at(0), 0x00);
}

}  // namespace
}  // namespace adtgw
