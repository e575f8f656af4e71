#include "certs/eui64.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

TEST(Eui64, CanonicalisesAcceptedForms) {
  for (const char* text : {"90-B3-D5-1F-30-01-00-00", "90-b3-d5-1f-30-01-00-00", "90B3D51F30010000",
                           "90b3d51f30010000"}) {
    auto e = Eui64::Parse(text);
    ASSERT_THAT(e, IsOk()) << text;
    EXPECT_EQ(e->ToString(), "90-B3-D5-1F-30-01-00-00");
  }
  EXPECT_EQ(Eui64::Parse("90b3d51f30010000").value(),
            Eui64::Parse("90-B3-D5-1F-30-01-00-00").value());
}

TEST(Eui64, RefusesEverythingElse) {
  for (const char* text :
       {"", "90-B3-D5-1F-30-01-00", "90:B3:D5:1F:30:01:00:00", "90-B3-D5-1F-30-01-00-0G",
        "90B3D51F3001000", "90-B3D5-1F-30-01-00-00-", "90B3D51F300100000", " 90B3D51F30010000"}) {
    auto e = Eui64::Parse(text);
    ASSERT_THAT(e, StatusIs("input.bad_eui64")) << text;
    EXPECT_FALSE(e.error().hint.empty());
  }
}

}  // namespace
}  // namespace adtgw
