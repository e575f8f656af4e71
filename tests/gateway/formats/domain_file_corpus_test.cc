// The corpus in tests/gateway/formats/corpus/<format>/: every rule of docs/formats.md
// broken at least once, each file beside the exact problems (LINE:COLUMN: code) it must
// give. In a corpus file, `@COUNT` and `@DIGEST` stand for the T record's true count and
// digest, so that a case is about one rule, not about its trailer. Lines starting
// "# signer: ", "# recipient: " or "# may_act_for: none" in the .expected file change the
// options from their defaults (signed by supplier A, who may act for supplier B).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/sha256.h"
#include "gateway/formats/domain_file.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_pki.h"

namespace adtgw {
namespace {

constexpr const char* kSupplierA = "AD-7C-00-00-00-00-02-01";
constexpr const char* kSupplierB = "AD-7C-00-00-00-00-02-02";
constexpr const char* kDcc = "AD-7C-00-00-00-00-04-01";

Eui64 E(std::string_view s) { return Eui64::Parse(s).value(); }

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The T record's count and digest over the lines that start "D,", as the checker counts.
std::string FillTrailer(std::string text) {
  Sha256 digest;
  uint64_t count = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("T,", 0) == 0) break;  // nothing after the T record is read
    if (line.rfind("D,", 0) != 0) continue;
    ++count;
    line += '\n';
    digest.Update(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(line.data()), line.size()));
  }
  std::string hex = ToHex(digest.Finish());
  for (auto [key, value] :
       {std::pair<std::string, std::string>{"@COUNT", std::to_string(count)}, {"@DIGEST", hex}}) {
    for (size_t at; (at = text.find(key)) != std::string::npos;)
      text.replace(at, key.size(), value);
  }
  return text;
}

std::vector<std::string> Check(DomainFileType type, const std::string& bytes,
                               const DomainFileOptions& options, size_t piece) {
  auto rules = MakeDomainFileRules(type, options);
  EXPECT_THAT(rules, IsOk());
  if (!rules.ok()) return {};
  RecordFileChecker checker(**rules, RecordFileLimits{});
  for (size_t i = 0; i < bytes.size(); i += piece) {
    size_t n = std::min(piece, bytes.size() - i);
    checker.Feed(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()) + i, n));
  }
  RecordFileReport report = checker.Finish();
  std::vector<std::string> out;
  for (const FileProblem& p : report.problems) {
    out.push_back(std::to_string(p.line) + ":" + std::to_string(p.column) + ": " + p.code);
    EXPECT_FALSE(p.message.empty()) << p.code;
  }
  EXPECT_EQ(report.problems_total, report.problems.size());
  return out;
}

TEST(DomainFileCorpus, EveryCaseGivesExactlyItsProblems) {
  ADTGW_REQUIRE_FIXTURES();
  auto catalogue = SrvCatalogue::Load(testing::FixturePath("duis/srv-catalogue.csv"));
  ASSERT_THAT(catalogue, IsOk());
  const std::filesystem::path root =
      std::filesystem::path(ADTGW_SOURCE_DIR) / "tests/gateway/formats/corpus";
  const std::pair<const char*, DomainFileType> formats[] = {
      {"adt", DomainFileType::kAdt},
      {"exitq", DomainFileType::kExitQuarantine},
      {"qrep", DomainFileType::kQuarantineReport}};
  size_t cases = 0;
  for (const auto& [dir, type] : formats) {
    for (const auto& entry : std::filesystem::directory_iterator(root / dir)) {
      if (entry.path().extension() != ".csv") continue;
      SCOPED_TRACE(entry.path().string());
      ++cases;
      DomainFileOptions options;
      options.catalogue = &*catalogue;
      options.signer = E(kSupplierA);
      bool may_act = true;
      std::vector<std::string> expected;
      std::istringstream exp(
          Slurp(std::filesystem::path(entry.path()).replace_extension(".expected")));
      for (std::string line; std::getline(exp, line);) {
        if (line.rfind("# signer: ", 0) == 0)
          options.signer = E(line.substr(10));
        else if (line.rfind("# recipient: ", 0) == 0)
          options.recipient = E(line.substr(13));
        else if (line == "# may_act_for: none")
          may_act = false;
        else if (!line.empty())
          expected.push_back(line);
      }
      options.signer_is_dcc = *options.signer == E(kDcc);
      if (may_act) options.may_act_for = [](const Eui64& u) { return u == E(kSupplierB); };
      const std::string bytes = FillTrailer(Slurp(entry.path()));
      EXPECT_EQ(Check(type, bytes, options, bytes.size() + 1), expected);
      // Streamed a byte at a time, the answer is the same.
      EXPECT_EQ(Check(type, bytes, options, 1), expected);
    }
  }
  EXPECT_GE(cases, 29u);
}

}  // namespace
}  // namespace adtgw
