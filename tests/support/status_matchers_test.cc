#include "tests/support/status_matchers.h"

#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "crypto/result.h"

namespace adtgw {
namespace {

using ::testing::DescribeMatcher;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

Error Revoked() {
  return MakeError(ErrorKind::kTrust, "cert.revoked", "the signer's certificate is revoked",
                   "ask the issuer for a new certificate");
}

// What `matcher` says about `value` when asked why it matched or not.
template <typename M, typename T>
std::string Explain(const M& matcher, const T& value) {
  ::testing::StringMatchResultListener listener;
  ::testing::ExplainMatchResult(matcher, value, &listener);
  return listener.str();
}

TEST(StatusMatchersTest, IsOkMatchesOkStatusAndResult) {
  EXPECT_THAT(OkStatus(), IsOk());
  EXPECT_THAT(Result<int>(7), IsOk());
  // A move-only value is neither copied nor printed.
  EXPECT_THAT(Result<std::unique_ptr<int>>(std::make_unique<int>(7)), IsOk());
  EXPECT_FALSE(::testing::Matches(IsOk())(Status(Revoked())));
  EXPECT_FALSE(::testing::Matches(IsOk())(Result<int>(Revoked())));
  EXPECT_THAT(Status(Revoked()), Not(IsOk()));
}

TEST(StatusMatchersTest, IsOkExplainsTheErrorItMet) {
  std::string why = Explain(IsOk(), Result<std::string>(Revoked()));
  EXPECT_THAT(why, HasSubstr("\"cert.revoked\""));
  EXPECT_THAT(why, HasSubstr("the signer's certificate is revoked"));
  EXPECT_THAT(why, HasSubstr("ask the issuer for a new certificate"));
  Error no_hint = Revoked();
  no_hint.hint.clear();
  EXPECT_THAT(Explain(IsOk(), Status(no_hint)), Not(HasSubstr("hint")));
  EXPECT_EQ(DescribeMatcher<Status>(IsOk()), "is OK");
  EXPECT_EQ(DescribeMatcher<Status>(IsOk(), /*negation=*/true), "is an error");
}

TEST(StatusMatchersTest, StatusIsMatchesTheCode) {
  EXPECT_THAT(Status(Revoked()), StatusIs("cert.revoked"));
  EXPECT_THAT(Result<int>(Revoked()), StatusIs(std::string("cert.revoked")));
  EXPECT_THAT(Result<int>(Revoked()), StatusIs(StartsWith("cert.")));
  EXPECT_THAT(Status(Revoked()), Not(StatusIs("cert.expired")));
  // An ok value has no code: it never matches, whatever the code matcher accepts.
  EXPECT_THAT(OkStatus(), Not(StatusIs("cert.revoked")));
  EXPECT_THAT(Result<int>(7), Not(StatusIs(::testing::_)));
}

TEST(StatusMatchersTest, StatusIsExplainsWhatItMet) {
  std::string why = Explain(StatusIs("cert.expired"), Status(Revoked()));
  EXPECT_THAT(why, HasSubstr("\"cert.revoked\""));
  EXPECT_THAT(why, HasSubstr("the signer's certificate is revoked"));
  EXPECT_THAT(why, HasSubstr("ask the issuer for a new certificate"));
  EXPECT_EQ(Explain(StatusIs("cert.expired"), Result<int>(7)), "which is OK");
  EXPECT_EQ(DescribeMatcher<Status>(StatusIs("cert.expired")),
            "is an error whose code is equal to \"cert.expired\"");
  EXPECT_EQ(DescribeMatcher<Status>(StatusIs(StartsWith("cert.")), /*negation=*/true),
            "is OK or an error whose code doesn't start with \"cert.\"");
}

TEST(StatusMatchersTest, AFailedAssertionReportsTheError) {
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(Result<int>(Revoked()), IsOk()),
                          "which is error \"cert.revoked\": the signer's certificate is "
                          "revoked (hint: ask the issuer for a new certificate)");
  EXPECT_FATAL_FAILURE(ASSERT_THAT(Status(Revoked()), StatusIs("cert.expired")),
                       "the signer's certificate is revoked");
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(OkStatus(), StatusIs("cert.expired")),
                          "Actual: OK (of type adtgw::Status), which is OK");
  EXPECT_EQ(::testing::PrintToString(Result<int>(7)), "OK");
}

}  // namespace
}  // namespace adtgw
