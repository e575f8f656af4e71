#include "gateway/common/date_argument.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

constexpr std::time_t kMarch1 = 1772323200;  // 2026-03-01T00:00:00Z
constexpr std::time_t kNoon = kMarch1 + 12 * 3600;

std::time_t Parsed(const std::string& text) {
  auto t = ParseDate(text, "--since");
  EXPECT_THAT(t, IsOk()) << text;
  return t.ok() ? *t : -1;
}

TEST(DateArgument, ADateIsMidnightUtc) {
  EXPECT_EQ(Parsed("2026-03-01"), kMarch1);
  EXPECT_EQ(Parsed("2026-12-31"), kMarch1 + 305 * 86400);
}

TEST(DateArgument, ReadsRfc3339WithZOrAnOffset) {
  EXPECT_EQ(Parsed("2026-03-01T12:00:00Z"), kNoon);
  EXPECT_EQ(Parsed("2026-03-01t12:00:00z"), kNoon);
  EXPECT_EQ(Parsed("2026-03-01T13:00:00+01:00"), kNoon);
  EXPECT_EQ(Parsed("2026-03-01T11:30:00-00:30"), kNoon);
  EXPECT_EQ(Parsed("2026-03-01T00:00:00+00:00"), kMarch1);
  EXPECT_EQ(Parsed("2026-03-01T01:00:00+23:59"), kMarch1 + 3600 - 23 * 3600 - 59 * 60);
}

// Entries have whole seconds: a fraction moves the bound to the next whole second, so
// "at >= since" keeps only entries at or after the instant given.
TEST(DateArgument, RoundsFractionsOfASecondUp) {
  EXPECT_EQ(Parsed("2026-03-01T12:00:00.000Z"), kNoon);
  EXPECT_EQ(Parsed("2026-03-01T12:00:00.001Z"), kNoon + 1);
  EXPECT_EQ(Parsed("2026-03-01T12:00:00.5+01:00"), kNoon + 1 - 3600);
  EXPECT_EQ(Parsed("2026-03-01T12:00:00.999999999z"), kNoon + 1);
}

TEST(DateArgument, RefusesWhatIsNotADateOrAnRfc3339Time) {
  for (const char* text :
       {"", "yesterday", "2026-3-1", "2026-03-01T12:00:00", "2026-03-01 12:00:00Z",
        "2026-03-01T12:00Z", "2026-03-01T12:00:00.Z", "2026-03-01T12:00:00+1:00",
        "2026-03-01T12:00:00+0100", "2026-03-01T12:00:00+24:00", "2026-03-01T12:00:00+01:60",
        "2026-03-01T12:00:00+0a:00", "2026-03-01T12:00:00Zjunk", "2026-13-01",
        "2026-03-01T25:00:00Z"}) {
    SCOPED_TRACE(text);
    auto t = ParseDate(text, "--until");
    ASSERT_THAT(t, StatusIs("usage.bad_time"));
    EXPECT_EQ(t.error().message,
              std::string("--until '") + text + "' is not a date or an RFC 3339 time");
    EXPECT_EQ(t.error().hint,
              "write 2026-03-01, 2026-03-01T12:00:00Z or 2026-03-01T13:00:00+01:00");
  }
}

}  // namespace
}  // namespace adtgw
