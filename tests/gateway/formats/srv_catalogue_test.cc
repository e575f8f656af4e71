#include "gateway/formats/srv_catalogue.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"
#include "tests/support/test_pki.h"

namespace adtgw {
namespace {

using ::testing::Not;

TEST(SrvCatalogue, LoadsTheDuisCatalogue) {
  ADTGW_REQUIRE_FIXTURES();
  auto c = SrvCatalogue::Load(testing::FixturePath("duis/srv-catalogue.csv"));
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->entries().size(), 129u);
  const SrvEntry* read = c->Find("4.1.1");
  ASSERT_NE(read, nullptr);
  EXPECT_EQ(read->name, "Read Instantaneous Import Registers");
  for (UserRole r : {UserRole::kIS, UserRole::kGS, UserRole::kED, UserRole::kGT}) {
    EXPECT_TRUE(read->Allows(r)) << UserRoleName(r);
  }
  EXPECT_FALSE(read->Allows(UserRole::kES));
  const SrvEntry* opt_out = c->Find("8.5");
  ASSERT_NE(opt_out, nullptr);
  EXPECT_EQ(opt_out->roles, 0);  // nobody may send it
  EXPECT_EQ(c->Find("99.9"), nullptr);
  EXPECT_EQ(c->Find(""), nullptr);
}

TEST(SrvCatalogue, RefusesMalformedCatalogues) {
  const std::string header = "srv,service_reference,name,eligible_user_roles,non_device_request\n";
  for (const std::string& bad : {std::string(""), std::string("srv,name\n1.1,x\n"), header,
                                 header + "1.1,1.1,x,IS,No\n1.1,1.1,y,IS,No\n",  // twice
                                 header + "1.1,1.1,x,XX,No\n",                   // unknown role
                                 header + "1..1,1.1,x,IS,No\n", header + "a.1,1.1,x,IS,No\n",
                                 header + "1.1,1.1,x,IS\n", header + "1.1,1.1,\"x,IS,No\n"}) {
    auto c = SrvCatalogue::Parse(bad, "test.csv");
    EXPECT_THAT(c, Not(IsOk())) << bad;
    if (!c.ok()) {
      EXPECT_THAT(c, StatusIs("srv_catalogue.malformed"));
    }
  }
  auto ok = SrvCatalogue::Parse(header + "1.1,1.1,\"Name, with comma\",IS GS,No\r\n", "test.csv");
  ASSERT_THAT(ok, IsOk());
  EXPECT_EQ(ok->Find("1.1")->name, "Name, with comma");
  EXPECT_EQ(ParseUserRole("RSA"), UserRole::kRSA);
  EXPECT_FALSE(ParseUserRole("is"));
}

}  // namespace
}  // namespace adtgw
