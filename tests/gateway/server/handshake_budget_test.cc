#include "gateway/server/handshake_budget.h"

#include <gtest/gtest.h>

#include <vector>

namespace adtgw {
namespace {

using Refusal = HandshakeBudget::Refusal;

TEST(HandshakeBudget, OneSourceGetsItsShareAndNoMore) {
  HandshakeBudget budget(/*overall=*/10, /*per_address=*/3);
  std::vector<std::unique_ptr<HandshakeBudget::Slot>> held;
  Refusal why = Refusal::kOverall;
  for (int i = 0; i < 3; ++i) {
    held.push_back(budget.Admit("192.0.2.1", &why));
    ASSERT_NE(held.back(), nullptr);
    EXPECT_EQ(why, Refusal::kNone);
  }
  EXPECT_EQ(budget.Admit("192.0.2.1", &why), nullptr);
  EXPECT_EQ(why, Refusal::kPerAddress);
  // Another source is not held up by the first one's flood.
  auto other = budget.Admit("192.0.2.2", &why);
  EXPECT_NE(other, nullptr);
  EXPECT_EQ(budget.in_handshake(), 4u);
  EXPECT_EQ(budget.in_handshake_from("192.0.2.1"), 3u);
}

TEST(HandshakeBudget, TheOverallBudgetHoldsAcrossSources) {
  HandshakeBudget budget(/*overall=*/4, /*per_address=*/2);
  std::vector<std::unique_ptr<HandshakeBudget::Slot>> held;
  Refusal why = Refusal::kNone;
  for (const char* source : {"192.0.2.1", "192.0.2.1", "192.0.2.2", "192.0.2.3"}) {
    held.push_back(budget.Admit(source, &why));
    ASSERT_NE(held.back(), nullptr) << source;
  }
  EXPECT_EQ(budget.Admit("192.0.2.4", &why), nullptr);
  EXPECT_EQ(why, Refusal::kOverall);
}

TEST(HandshakeBudget, ASlotEndingFreesItsPlace) {
  HandshakeBudget budget(/*overall=*/2, /*per_address=*/1);
  Refusal why = Refusal::kNone;
  auto first = budget.Admit("192.0.2.1", &why);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(budget.Admit("192.0.2.1", &why), nullptr);
  first.reset();
  EXPECT_EQ(budget.in_handshake(), 0u);
  EXPECT_EQ(budget.in_handshake_from("192.0.2.1"), 0u);
  auto again = budget.Admit("192.0.2.1", &why);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->source(), "192.0.2.1");
}

TEST(SourceKey, IPv4IsItselfAndIPv6CountsByItsSlash64) {
  namespace ip = boost::asio::ip;
  EXPECT_EQ(SourceKey(ip::make_address("127.0.0.2")), "127.0.0.2");
  EXPECT_EQ(SourceKey(ip::make_address("::ffff:192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(SourceKey(ip::make_address("2001:db8:1:2:aaaa:bbbb:cccc:dddd")), "2001:db8:1:2::/64");
  EXPECT_EQ(SourceKey(ip::make_address("2001:db8:1:2::1")),
            SourceKey(ip::make_address("2001:db8:1:2:ffff::9")));
  EXPECT_NE(SourceKey(ip::make_address("2001:db8:1:2::1")),
            SourceKey(ip::make_address("2001:db8:1:3::1")));
  EXPECT_EQ(SourceKey(ip::make_address("::1")), "::/64");
}

}  // namespace
}  // namespace adtgw
