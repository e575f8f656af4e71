#include "gateway/formats/record_file.h"

#include <gtest/gtest.h>

namespace adtgw {
namespace {

// A format with two fields and no rules of its own: the frame alone.
class FrameOnly final : public RecordRules {
 public:
  std::string_view format() const override { return "TEST/1"; }
  std::string_view header_row() const override { return "rec,value"; }
  size_t fields() const override { return 2; }
  void Header(std::span<const std::string_view>, uint64_t, FileProblems&) override {}
  void Detail(std::span<const std::string_view> f, uint64_t line, FileProblems& p) override {
    if (f[1] == "bad") p.Add(line, 2, "test.bad", "a bad value");
  }
};

RecordFileReport CheckText(const std::string& text, RecordFileLimits limits = {}) {
  FrameOnly rules;
  MemorySource source(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  return CheckRecordFile(source, rules, limits).value();
}

std::string Codes(const RecordFileReport& r) {
  std::string out;
  for (const auto& p : r.problems) {
    out += std::to_string(p.line) + ":" + std::to_string(p.column) + ":" + p.code + " ";
  }
  return out;
}

// Two D records, "D,1" and "D,2": SHA-256("D,1\nD,2\n").
const std::string kTwo =
    "rec,value\nH,x\nD,1\nD,2\nT,2,"
    "e408fc9b41615cb9051680ebbd218ce23717ee78d6c8da76c950a70dff5f7c26\n";

TEST(RecordFile, AFileWithItsTrailerPasses) {
  RecordFileReport r = CheckText(kTwo);
  EXPECT_TRUE(r.ok()) << Codes(r);
  EXPECT_EQ(r.details, 2u);
  EXPECT_EQ(r.lines, 5u);
  EXPECT_EQ(r.format, "TEST/1");
}

TEST(RecordFile, ProblemsPastTheCapAreCountedNotKept) {
  std::string text = "rec,value\nH,x\n";
  for (int i = 0; i < 500; ++i) text += "D,bad\n";
  RecordFileLimits limits;
  limits.max_problems = 10;
  RecordFileReport r = CheckText(
      text + "T,500,0000000000000000000000000000000000000000000000000000000000000000\n", limits);
  EXPECT_EQ(r.problems.size(), 10u);
  EXPECT_EQ(r.problems_total, 501u);  // 500 rows and the digest
  EXPECT_EQ(r.problems[0].line, 3u);
}

TEST(RecordFile, ALineLongerThanTheCapIsOneProblemAndReadingGoesOn) {
  RecordFileLimits limits;
  limits.max_line = 64;
  std::string text = "rec,value\nH,x\nD," + std::string(200, 'a') + "\nD,bad\nT,2,x\n";
  RecordFileReport r = CheckText(text, limits);
  EXPECT_EQ(Codes(r), "3:1:csv.line_too_long 4:2:test.bad 5:3:trailer.bad_digest ");
}

TEST(RecordFile, TheLineCapIsOnTheLineWithoutItsLineBreak) {
  RecordFileLimits limits;
  limits.max_line = 64;
  const std::string at_cap = "D," + std::string(62, 'a');  // 64 bytes
  for (const char* eol : {"\n", "\r\n"}) {
    SCOPED_TRACE(eol == std::string("\n") ? "LF" : "CRLF");
    std::string ok = "rec,value" + std::string(eol) + "H,x" + eol + at_cap + eol + "T,1,x" + eol;
    EXPECT_EQ(Codes(CheckText(ok, limits)), "4:3:trailer.bad_digest ");
    std::string over =
        "rec,value" + std::string(eol) + "H,x" + eol + at_cap + "a" + eol + "T,1,x" + eol;
    // Counted as a D record still; its digest is lost, so only the syntax is checked.
    EXPECT_EQ(Codes(CheckText(over, limits)), "3:1:csv.line_too_long 4:3:trailer.bad_digest ");
  }
  // The last line, without a line break, too.
  EXPECT_EQ(Codes(CheckText("rec,value\nH,x\nT,0," + std::string(64, 'a'), limits)),
            "3:1:csv.line_too_long ");
}

TEST(RecordFile, AnOverLongFirstLineIsNotARecord) {
  RecordFileLimits limits;
  limits.max_line = 64;
  EXPECT_EQ(Codes(CheckText("D," + std::string(100, 'a') + "\nH,x\nT,0,x\n", limits)),
            "1:1:csv.line_too_long 3:3:trailer.bad_digest ");
  // Only an over-long line: that, not an empty file.
  EXPECT_EQ(Codes(CheckText(std::string(10000, 'a'), limits)),
            "1:1:csv.line_too_long 2:1:file.no_header_record 2:1:file.no_trailer ");
}

TEST(RecordFile, TheSizeCapGivesTheSameAnswerWhateverThePieces) {
  RecordFileLimits limits;
  limits.max_bytes = 20;
  std::string whole;
  for (size_t piece : {size_t{1000}, size_t{1}, size_t{3}, size_t{7}}) {
    FrameOnly rules;
    RecordFileChecker checker(rules, limits);
    for (size_t i = 0; i < kTwo.size() && !checker.done(); i += piece) {
      checker.Feed(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(kTwo.data()) + i,
                                            std::min(piece, kTwo.size() - i)));
    }
    std::string codes = Codes(checker.Finish());
    if (whole.empty()) whole = codes;
    EXPECT_EQ(codes, whole) << piece;
  }
  EXPECT_EQ(whole, "4:1:file.too_large ");  // the line the cap cut
}

TEST(RecordFile, AFileLargerThanTheCapIsRefusedWithoutReadingOn) {
  RecordFileLimits limits;
  limits.max_bytes = 20;
  RecordFileReport r = CheckText(kTwo, limits);
  ASSERT_EQ(r.problems_total, 1u);
  EXPECT_EQ(r.problems[0].code, "file.too_large");
}

TEST(RecordFile, OnlyLineBreaksIsAnEmptyFile) {
  for (const std::string& text : {std::string(""), std::string("\n"), std::string("\r\n\n"),
                                  std::string("\xEF\xBB\xBF"), std::string("\xEF\xBB\xBF\r\n")}) {
    EXPECT_EQ(Codes(CheckText(text)), "1:1:file.empty ") << text.size();
  }
}

TEST(RecordFile, ProblemsAreFormattedLikeACompilers) {
  FileProblem p{12, 4, "adt.unknown_srv", "'99.9' is not an SRV"};
  EXPECT_EQ(FormatFileProblem("ADT_2026.csv", p),
            "ADT_2026.csv:12:4: adt.unknown_srv: '99.9' is not an SRV");
}

}  // namespace
}  // namespace adtgw
