#include "crypto/encoding.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

// ---- Base64 ----

TEST(Base64, Rfc4648TestVectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(Bytes(plain)), encoded) << plain;
    auto decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(*decoded, Bytes(plain)) << encoded;
  }
}

TEST(Base64, RoundTripsEveryByteAtEveryPaddingLength) {
  std::vector<uint8_t> all(256);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint8_t>(i);
  for (size_t n = 0; n <= all.size(); n += (n < 8 ? 1 : 61)) {
    std::vector<uint8_t> part(all.begin(), all.begin() + static_cast<long>(n));
    std::string text = Base64Encode(part);
    EXPECT_EQ(text.size() % 4, 0u);
    auto back = Base64Decode(text);
    ASSERT_TRUE(back.has_value()) << n;
    EXPECT_EQ(*back, part) << n;
  }
}

TEST(Base64, RefusesWhiteSpaceAndLineBreaks) {
  for (const char* bad : {"Zm9v\n", " Zm9v", "Zm9v ", "Zm 9v", "Zm9v\r\nYmFy", "Zm9v\tYmFy"}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
}

TEST(Base64, RefusesLengthsThatAreNotAMultipleOfFour) {
  for (const char* bad : {"Z", "Zg", "Zg=", "Zm9", "Zm9vY", "Zg==="}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
}

TEST(Base64, RefusesPaddingAnywhereButTheEnd) {
  for (const char* bad :
       {"====", "=Zg=", "Z=g=", "Zg=a", "Zg==Zm9v", "Zm8=Zm9v", "Z===", "Zm9v===="}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
}

TEST(Base64, RefusesNonCanonicalTrailingBits) {
  // "f" is Zg==; Zh== to Zv== carry the same byte with non-zero unused bits.
  for (const char* bad : {"Zh==", "Zv==", "Zm9=", "Zm/="}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
  EXPECT_TRUE(Base64Decode("Zm8=").has_value());
}

TEST(Base64, RefusesOtherAlphabets) {
  EXPECT_TRUE(Base64Decode("+/+/").has_value());
  for (const std::string& bad : {std::string("-_-_"), std::string("Zm9v-A=="),
                                 std::string("Zm9\x80"), std::string("Zm9\0", 4)}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
}

// ---- Hex ----

TEST(Hex, EncodesLowerCaseAndDecodesBack) {
  const std::vector<uint8_t> bytes{0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
  EXPECT_EQ(ToHex(bytes), "00017f80abff");
  EXPECT_EQ(FromHex("00017f80abff"), bytes);
  EXPECT_EQ(ToHex({}), "");
  EXPECT_EQ(FromHex(""), std::vector<uint8_t>{});
}

TEST(Hex, DecoderRefusesWhatToHexNeverWrites) {
  for (const char* bad : {"0", "abc", "AB", "0G", "0x00", " 00", "00 ", "0-"}) {
    EXPECT_FALSE(FromHex(bad).has_value()) << bad;
  }
}

TEST(Hex, LowerHexAndDigitValues) {
  EXPECT_TRUE(IsLowerHex(""));
  EXPECT_TRUE(IsLowerHex("0123456789abcdef"));
  EXPECT_FALSE(IsLowerHex("0123456789abcdeF"));
  EXPECT_FALSE(IsLowerHex("g"));
  EXPECT_EQ(HexDigitValue('0'), 0);
  EXPECT_EQ(HexDigitValue('9'), 9);
  EXPECT_EQ(HexDigitValue('a'), 10);
  EXPECT_EQ(HexDigitValue('F'), 15);
  EXPECT_EQ(HexDigitValue('g'), -1);
  EXPECT_EQ(HexDigitValue(' '), -1);
}

// ---- UTF-8 ----

TEST(Utf8, AcceptsWellFormedSequencesAtTheEdgesOfEachRange) {
  for (const char* good :
       {"", "plain ASCII", "\x7F", "\xC2\x80", "\xC3\xA9", "\xDF\xBF", "\xE0\xA0\x80",
        "\xE2\x82\xAC", "\xED\x9F\xBF", "\xEE\x80\x80", "\xEF\xBF\xBF", "\xF0\x90\x80\x80",
        "\xF0\x9D\x84\x9E", "\xF4\x8F\xBF\xBF"}) {
    EXPECT_TRUE(IsValidUtf8(good)) << good;
  }
}

TEST(Utf8, RefusesEveryKindOfMalformedSequence) {
  const std::pair<const char*, const char*> bad[] = {
      {"\x80", "a stray continuation byte"},
      {"\xBF", "a stray continuation byte"},
      {"\xC0\x80", "an overlong NUL"},
      {"\xC1\xBF", "an overlong two-byte form"},
      {"\xE0\x80\x80", "an overlong three-byte form"},
      {"\xE0\x9F\xBF", "an overlong three-byte form"},
      {"\xF0\x80\x80\x80", "an overlong four-byte form"},
      {"\xF0\x8F\xBF\xBF", "an overlong four-byte form"},
      {"\xED\xA0\x80", "a high surrogate"},
      {"\xED\xBF\xBF", "a low surrogate"},
      {"\xF4\x90\x80\x80", "past U+10FFFF"},
      {"\xF5\x80\x80\x80", "past U+10FFFF"},
      {"\xFF", "never a UTF-8 byte"},
      {"\xE2\x82", "truncated"},
      {"\xF0\x9D\x84", "truncated"},
      {"\xC3", "truncated"},
      {"\xC3\x28", "a lead byte without its continuation"},
      {"ok\xE2\x28\xA1", "a bad continuation after good text"},
  };
  for (const auto& [bytes, why] : bad) EXPECT_FALSE(IsValidUtf8(bytes)) << why;
}

TEST(Utf8, DecodesCodePointsAndAdvances) {
  const std::string s = "A\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E";
  size_t i = 0;
  EXPECT_EQ(DecodeUtf8(s, i), U'A');
  EXPECT_EQ(i, 1u);
  EXPECT_EQ(DecodeUtf8(s, i), U'\u00E9');
  EXPECT_EQ(i, 3u);
  EXPECT_EQ(DecodeUtf8(s, i), U'\u20AC');
  EXPECT_EQ(i, 6u);
  EXPECT_EQ(DecodeUtf8(s, i), U'\U0001D11E');
  EXPECT_EQ(i, s.size());
}

TEST(Utf8, DecodeLeavesThePositionAtAMalformedSequence) {
  const std::string s = "a\xED\xA0\x80";
  size_t i = 1;
  EXPECT_FALSE(DecodeUtf8(s, i).has_value());
  EXPECT_EQ(i, 1u);
  EXPECT_EQ(Utf8SequenceLength(s, 0), 1u);
  EXPECT_EQ(Utf8SequenceLength(s, 1), 0u);
  EXPECT_EQ(Utf8SequenceLength("\xF4\x8F\xBF\xBF", 0), 4u);
}

// ---- RFC 3339 ----

TEST(Rfc3339, ParsesUtcTimesAndBareDates) {
  EXPECT_EQ(ParseTime("2020-01-01T00:00:00Z").value(), 1577836800);
  EXPECT_EQ(ParseTime("2020-01-01").value(), 1577836800);
  EXPECT_EQ(ParseTime("1970-01-01T00:00:00Z").value(), 0);
  EXPECT_EQ(ParseTime("2024-02-29T23:59:59Z").value(), 1709251199);
  // A leap second is accepted and counts as the next second.
  EXPECT_EQ(ParseTime("2016-12-31T23:59:60Z").value(), 1483228800);
}

TEST(Rfc3339, FormatsWholeSecondsInUtc) {
  EXPECT_EQ(FormatTime(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTime(1577836800), "2020-01-01T00:00:00Z");
  EXPECT_EQ(FormatTime(1709251199), "2024-02-29T23:59:59Z");
  for (const char* text : {"2026-11-29T12:00:01Z", "1999-12-31T23:59:59Z"}) {
    EXPECT_EQ(FormatTime(ParseTime(text).value()), text);
  }
}

TEST(Rfc3339, RefusesOtherSpellings) {
  for (const char* bad : {
           "",
           "yesterday",
           "2020-01-01T00:00:00",        // no zone
           "2020-01-01T00:00:00+01:00",  // an offset, not UTC
           "2020-01-01T00:00:00+00:00",  // UTC, but not written Z
           "2020-01-01T00:00:00z",       // lower-case zone
           "2020-01-01t00:00:00Z",       // lower-case separator
           "2020-01-01 00:00:00Z",       // space separator
           "2020-01-01T00:00:00.5Z",     // fractional seconds
           "2020-01-01T00:00:00Z ",      // trailing text
           "2020-01-01T00:00Z",          // no seconds
           "2020-1-01",                  // short month
           "2020-01-01x",
           "2020-13-01",
           "2020-00-01",
           "2020-01-00",
           "2020-01-32",
           "2020-01-01T24:00:00Z",
           "2020-01-01T00:60:00Z",
           "2020-01-01T00:00:61Z",
       }) {
    EXPECT_FALSE(ParseTime(bad).ok()) << bad;
  }
}

TEST(Rfc3339, RefusalSaysWhatToWrite) {
  auto t = ParseTime("next tuesday");
  ASSERT_THAT(t, StatusIs("usage.bad_time"));
  EXPECT_EQ(t.error().kind, ErrorKind::kUsage);
  EXPECT_EQ(t.error().message, "'next tuesday' is not a UTC time");
  EXPECT_EQ(t.error().hint, "write it as 2020-01-01T00:00:00Z or 2020-01-01");
}

}  // namespace
}  // namespace adtgw

namespace adtgw {
namespace {

TEST(ToValidUtf8, KeepsWellFormedTextAndReplacesEachStrayByte) {
  const std::string kBad = "\xEF\xBF\xBD";
  EXPECT_EQ(ToValidUtf8("plain"), "plain");
  EXPECT_EQ(ToValidUtf8("\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80"),
            "\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(ToValidUtf8("a\xFF"
                        "b"),
            "a" + kBad + "b");
  EXPECT_EQ(ToValidUtf8("\xC3"), kBad);                        // truncated
  EXPECT_EQ(ToValidUtf8("\xC0\xAF"), kBad + kBad);             // overlong
  EXPECT_EQ(ToValidUtf8("\xED\xA0\x80"), kBad + kBad + kBad);  // a surrogate
  EXPECT_TRUE(IsValidUtf8(ToValidUtf8("\x80\x80\xF5\xF8 ok")));
}

}  // namespace
}  // namespace adtgw
