// ClientTimeouts' two parsers (gateway/client/client_timeouts.h): a duration ("30",
// "30s", "1500ms", "2m") and the --timeout list ("connect=5s,idle=60s"), with the
// clear refusals of everything else.
#include "gateway/client/client_timeouts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

TEST(ClientTimeoutsTest, DurationsWithAndWithoutUnits) {
  EXPECT_EQ(ParseTimeoutDuration("30", "x").value(), milliseconds(30000));
  EXPECT_EQ(ParseTimeoutDuration("30s", "x").value(), milliseconds(30000));
  EXPECT_EQ(ParseTimeoutDuration("1500ms", "x").value(), milliseconds(1500));
  EXPECT_EQ(ParseTimeoutDuration("2m", "x").value(), milliseconds(120000));
  EXPECT_EQ(ParseTimeoutDuration("86400s", "x").value(), kMaxClientTimeout);
}

TEST(ClientTimeoutsTest, BadDurationsAreUsageErrorsNamingTheValue) {
  for (const char* bad : {"", "s", "0", "0ms", "-1", "1.5s", "5 s", "5h", "5sec", "86401",
                          "99999999999999999999", "1441m", " 5"}) {
    auto d = ParseTimeoutDuration(bad, "--timeout idle");
    ASSERT_THAT(d, StatusIs("usage")) << "'" << bad << "'";
    EXPECT_THAT(d.error().message, HasSubstr("--timeout idle")) << bad;
    EXPECT_FALSE(d.error().hint.empty());
  }
}

TEST(ClientTimeoutsTest, SpecSetsWhatItNamesAndKeepsTheRest) {
  ClientTimeouts t;
  ASSERT_THAT(ParseTimeoutSpec("handshake=2s", t), IsOk());
  EXPECT_EQ(t.connect, milliseconds(5000));
  EXPECT_EQ(t.handshake, milliseconds(2000));
  EXPECT_EQ(t.idle, milliseconds(60000));
  ASSERT_THAT(ParseTimeoutSpec("connect=1,handshake=250ms,idle=3m", t), IsOk());
  EXPECT_EQ(t.connect, milliseconds(1000));
  EXPECT_EQ(t.handshake, milliseconds(250));
  EXPECT_EQ(t.idle, milliseconds(180000));
  ASSERT_THAT(ParseTimeoutSpec("idle=5s,idle=7s", t), IsOk());
  EXPECT_EQ(t.idle, milliseconds(7000)) << "the last one named wins";
}

TEST(ClientTimeoutsTest, BadSpecsChangeNothing) {
  for (const char* bad : {"", "5s", "idle", "idle=", "read=5s", "connect=5s,", ",idle=5s",
                          "connect=5s,idle=soon", "IDLE=5s", "idle = 5s"}) {
    ClientTimeouts t;
    t.idle = milliseconds(1234);
    EXPECT_THAT(ParseTimeoutSpec(bad, t), StatusIs("usage")) << "'" << bad << "'";
    EXPECT_EQ(t.idle, milliseconds(1234)) << bad;
    EXPECT_EQ(t.connect, milliseconds(5000)) << bad;
  }
}

TEST(ClientTimeoutsTest, DescribedForMessages) {
  EXPECT_EQ(DescribeTimeout(milliseconds(5000)), "5 s");
  EXPECT_EQ(DescribeTimeout(milliseconds(1500)), "1.5 s");
  EXPECT_EQ(DescribeTimeout(milliseconds(1250)), "1.25 s");
  EXPECT_EQ(DescribeTimeout(milliseconds(250)), "250 ms");
}

}  // namespace
}  // namespace adtgw
