#include "gateway/formats/field_syntax.h"

#include <gtest/gtest.h>

namespace adtgw {
namespace {

TEST(FieldSyntax, UtcTimesAreExactAndRealDates) {
  EXPECT_TRUE(IsUtcTime("2026-01-06T00:00:00Z"));
  EXPECT_TRUE(IsUtcTime("2028-02-29T23:59:59Z"));  // leap year
  EXPECT_TRUE(IsUtcTime("2000-02-29T12:00:00Z"));  // divisible by 400
  for (const char* bad :
       {"2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
        "2026-13-01T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-06T24:00:00Z",
        "2026-01-06T00:60:00Z", "2026-01-06T00:00:60Z", "2026-01-06 00:00:00Z",
        "2026-01-06T00:00:00", "2026-01-06T00:00:00+00:00", "2026-01-06", "2026-1-06T00:00:00Z",
        "+026-01-06T00:00:00Z", "1969-12-31T23:59:59Z", ""}) {
    EXPECT_FALSE(IsUtcTime(bad)) << bad;
  }
}

TEST(FieldSyntax, DurationsAreDaysHoursMinutesSecondsOrWeeks) {
  EXPECT_EQ(ParseIsoDuration("PT1H"), 3600u);
  EXPECT_EQ(ParseIsoDuration("PT24H"), 86400u);
  EXPECT_EQ(ParseIsoDuration("P7D"), 7u * 86400);
  EXPECT_EQ(ParseIsoDuration("P1DT12H"), 36u * 3600);
  EXPECT_EQ(ParseIsoDuration("PT1H30M15S"), 5415u);
  EXPECT_EQ(ParseIsoDuration("P2W"), 14u * 86400);
  EXPECT_EQ(ParseIsoDuration("P400D"), 400u * 86400);
  // The bound is the period's, not its digits' (scripts/make-adt-file.sh writes
  // PT<n>S for millions of rows).
  EXPECT_EQ(ParseIsoDuration("PT1000000S"), 1000000u);
  EXPECT_EQ(ParseIsoDuration("PT34560000S"), 400u * 86400);
  EXPECT_EQ(ParseIsoDuration("PT9600H"), 400u * 86400);
  EXPECT_EQ(ParseIsoDuration("P0000007D"), 7u * 86400);
  EXPECT_FALSE(ParseIsoDuration("PT34560001S"));
  EXPECT_FALSE(ParseIsoDuration("PT99999999999999999999999999S")) << "no overflow";
  EXPECT_FALSE(ParseIsoDuration("P399DT24H1S"));
  for (const char* bad : {"",       "P",     "PT",   "P1M",    "P1Y",   "PT0H",       "P0D",
                          "P1H",    "PT1D",  "P1DT", "PT1.5H", "P-1D",  "P1W1D",      "P1WT1H",
                          "PT1M1H", "P1D1D", "p7d",  "7D",     "P401D", "PT9999999H", "P1DT1H1H"}) {
    EXPECT_FALSE(ParseIsoDuration(bad)) << bad;
  }
}

TEST(FieldSyntax, CountsAreUint32WithoutLeadingZeros) {
  EXPECT_EQ(ParseCount32("0"), 0u);
  EXPECT_EQ(ParseCount32("4294967295"), 4294967295u);
  for (const char* bad : {"", "4294967296", "99999999999", "007", "-1", "+1", "1.0", "1e3", " 1"}) {
    EXPECT_FALSE(ParseCount32(bad)) << bad;
  }
}

TEST(FieldSyntax, RequestIdsNameTheirOriginator) {
  auto id = ParseRequestId("AD-7C-00-00-00-00-02-01:00-DB-12-34-56-78-90-A1:17");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->ToString(), "AD-7C-00-00-00-00-02-01");
  EXPECT_TRUE(ParseRequestId("ad7c000000000201:00db1234567890a1:18446744073709551615"));
  for (const char* bad : {"AD-7C-00-00-00-00-02-01:00-DB-12-34-56-78-90-A1",
                          "AD-7C-00-00-00-00-02-01:00-DB-12-34-56-78-90-A1:",
                          "AD-7C-00-00-00-00-02-01:00-DB-12-34-56-78-90-A1:01",
                          "AD-7C-00-00-00-00-02-01:00-DB-12-34-56-78-90-A1:18446744073709551616",
                          "AD-7C-00-00-00-00-02:00-DB-12-34-56-78-90-A1:1",
                          "AD-7C-00-00-00-00-02-01:00-DB-12-34-56-78-90-A1:1:2", ""}) {
    EXPECT_FALSE(ParseRequestId(bad)) << bad;
  }
}

TEST(FieldSyntax, FormatTagsStartWithFmtAndNameEachKeyOnce) {
  auto tag = ParseFormatTag("fmt=ADT/1;ref=SM-1;note=");
  ASSERT_TRUE(tag);
  EXPECT_EQ(tag->fmt, "ADT/1");
  EXPECT_EQ(tag->Get("ref"), "SM-1");
  EXPECT_EQ(tag->Get("note"), "");
  EXPECT_FALSE(tag->Get("missing"));
  EXPECT_TRUE(ParseFormatTag("fmt=QREP/1"));
  for (const char* bad : {"", "ADT/1", "ref=1;fmt=ADT/1", "fmt=ADT/1;ref=1;ref=2",
                          "fmt=ADT/1;fmt=ADT/1", "fmt=ADT/1;=x", "fmt=ADT/1;Ref=1", "fmt=ADT/1;"}) {
    EXPECT_FALSE(ParseFormatTag(bad)) << bad;
  }
}

}  // namespace
}  // namespace adtgw
