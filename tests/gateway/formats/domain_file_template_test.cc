#include "gateway/formats/domain_file_template.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"
#include "tests/support/test_pki.h"

namespace adtgw {
namespace {

RecordFileReport CheckString(DomainFileType type, const std::string& text,
                             const DomainFileOptions& options) {
  auto rules = MakeDomainFileRules(type, options).value();
  RecordFileChecker checker(*rules, RecordFileLimits{});
  checker.Feed(AsBytes(text));
  return checker.Finish();
}

TEST(DomainFileTemplate, EveryTemplatePassesItsOwnFormat) {
  ADTGW_REQUIRE_FIXTURES();
  auto catalogue = SrvCatalogue::Load(testing::FixturePath("duis/srv-catalogue.csv")).value();
  const Eui64 user = Eui64::Parse("AD-7C-00-00-00-00-02-01").value();
  DomainFileOptions options;
  options.catalogue = &catalogue;
  options.signer = user;
  options.signer_is_dcc = true;        // the QREP template is the DCC's own here
  const std::time_t now = 1767657600;  // 2026-01-06T00:00:00Z
  for (auto type :
       {DomainFileType::kAdt, DomainFileType::kExitQuarantine, DomainFileType::kQuarantineReport}) {
    for (UserRole role : {UserRole::kIS, UserRole::kES, UserRole::kED, UserRole::kOU}) {
      SCOPED_TRACE(std::string(DomainFileTypeName(type)) + " " + UserRoleName(role));
      auto text = DomainFileTemplate(type, user, role, &catalogue, now);
      ASSERT_THAT(text, IsOk());
      RecordFileReport r = CheckString(type, *text, options);
      EXPECT_TRUE(r.ok()) << (r.problems.empty() ? "" : FormatFileProblem("t", r.problems[0]));
      if (type != DomainFileType::kAdt) {
        EXPECT_EQ(r.details, 0u);
        continue;
      }
      size_t eligible = 0;
      for (const SrvEntry& e : catalogue.entries()) eligible += e.Allows(role) ? 1 : 0;
      EXPECT_EQ(r.details, eligible);
      EXPECT_NE(text->find(",2026-01-07T00:00:00Z,fmt=ADT/1;ref=FILL-IN\n"), std::string::npos);
    }
  }
  EXPECT_THAT(DomainFileTemplate(DomainFileType::kAdt, user, std::nullopt, &catalogue, now),
              StatusIs("usage"));
}

TEST(DomainFileTemplate, TheTrailerCountsAndHashesTheLinesAsWritten) {
  EXPECT_EQ(TrailerRecord({}),
            "T,0,e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(TrailerRecord({"D,1", "D,2"}),
            "T,2,e408fc9b41615cb9051680ebbd218ce23717ee78d6c8da76c950a70dff5f7c26");
}

}  // namespace
}  // namespace adtgw
