// DomainFileCheck, its sink and source, and the lines and error a bad file gives. The
// check watching bytes pass must see exactly what CheckDomainFile sees reading the same
// bytes, whatever the pieces, and must never change or stop the bytes themselves.
#include "gateway/formats/domain_file_check.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/byte_stream.h"
#include "crypto/sha256.h"
#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

constexpr const char* kSupplierA = "AD-7C-00-00-00-00-02-01";
constexpr const char* kSupplierB = "AD-7C-00-00-00-00-02-02";
constexpr const char* kSupplierC = "AD-7C-00-00-00-00-02-03";

constexpr const char* kAdtHeader =
    "rec,user_id,user_role,srv,threshold_type,period,max_count,effective_from,note\n";

constexpr const char* kCatalogue =
    "srv,service_reference,name,eligible_user_roles,non_device_request\n"
    "1.1.1,1.1,Update Import Tariff (Primary Element),IS GS,No\n"
    "4.1.1,4.1,Read Instantaneous Import Registers,IS GS ED GT,No\n"
    "8.1.1,8.1,Commission Device,,No\n";

Eui64 E(std::string_view s) { return Eui64::Parse(s).value(); }

// The D lines each followed by LF, then the T record of their true count and digest.
std::string WithTrailer(const std::string& head, const std::vector<std::string>& details) {
  std::string body;
  for (const std::string& d : details) body += d + "\n";
  return head + body + "T," + std::to_string(details.size()) + "," +
         ToHex(Sha256Of(AsBytes(body))) + "\n";
}

std::string AdtFile(const std::vector<std::string>& details) {
  return WithTrailer(std::string(kAdtHeader) + "H," + kSupplierA +
                         ",IS,,,,,2026-01-06T00:00:00Z,fmt=ADT/1;ref=SM-2026-0042\n",
                     details);
}

std::string ValidAdt() {
  const std::string a = kSupplierA;
  const std::string b = kSupplierB;
  return AdtFile({
      "D," + a + ",IS,1.1.1,WARNING,PT1H,100,2026-01-06T00:00:00Z,tariff updates per hour",
      "D," + a + ",IS,1.1.1,QUARANTINE,PT1H,200,2026-01-06T00:00:00Z,tariff updates per hour",
      "D," + b + ",GS,4.1.1,WARNING,PT24H,5000,2026-01-06T00:00:00Z,\"daily reads, all meters\"",
      "D," + a + ",IS,*,QUARANTINE,P7D,250000,2026-01-06T00:00:00Z,any request in a week",
  });
}

// Line 3: a role that is not one; line 4: an SRV not in the catalogue; line 5: an SRV no
// role may send; line 7: a QUARANTINE below the WARNING of line 6; line 8: a user the
// signer may not act for; line 9: the T record counts one row too many.
std::string BadAdt() {
  const std::string a = kSupplierA;
  std::string text = AdtFile({
      "D," + a + ",XX,1.1.1,WARNING,PT1H,100,2026-01-06T00:00:00Z,",
      "D," + a + ",IS,9.9.9,WARNING,PT1H,100,2026-01-06T00:00:00Z,",
      "D," + a + ",IS,8.1.1,WARNING,PT1H,100,2026-01-06T00:00:00Z,",
      "D," + a + ",IS,4.1.1,WARNING,PT24H,500,2026-01-06T00:00:00Z,",
      "D," + a + ",IS,4.1.1,QUARANTINE,PT24H,400,2026-01-06T00:00:00Z,",
      "D," + std::string(kSupplierC) + ",IS,1.1.1,WARNING,PT1H,1,2026-01-06T00:00:00Z,",
  });
  const std::string count = "\nT,6,";
  return text.replace(text.find(count), count.size(), "\nT,7,");
}

std::vector<std::string> Positions(const RecordFileReport& report) {
  std::vector<std::string> out;
  for (const FileProblem& p : report.problems) {
    out.push_back(std::to_string(p.line) + ":" + std::to_string(p.column) + ": " + p.code);
  }
  return out;
}

void ExpectSameReport(const RecordFileReport& got, const RecordFileReport& want) {
  EXPECT_EQ(got.format, want.format);
  EXPECT_EQ(got.lines, want.lines);
  EXPECT_EQ(got.details, want.details);
  EXPECT_EQ(got.problems, want.problems);
  EXPECT_EQ(got.problems_total, want.problems_total);
}

class DomainFileCheckTest : public ::testing::Test {
 protected:
  DomainFileCheckTest() : catalogue_(SrvCatalogue::Parse(kCatalogue, "catalogue").value()) {
    options_.catalogue = &catalogue_;
    options_.signer = E(kSupplierA);
    options_.may_act_for = [](const Eui64& user) { return user == E(kSupplierB); };
  }

  RecordFileReport Whole(const std::string& bytes, const RecordFileLimits& limits = {},
                         DomainFileType type = DomainFileType::kAdt) {
    MemorySource source(AsBytes(bytes));
    auto report = CheckDomainFile(source, type, options_, limits);
    EXPECT_THAT(report, IsOk());
    return report.ok() ? *report : RecordFileReport{};
  }

  // Writes `bytes` through a checked sink in pieces of `piece` bytes; returns what
  // reached the sink beneath and the check's report.
  std::pair<std::string, RecordFileReport> ThroughSink(const std::string& bytes, size_t piece,
                                                       DomainFileType type = DomainFileType::kAdt) {
    auto check = DomainFileCheck::New(type, options_);
    EXPECT_THAT(check, IsOk());
    if (!check.ok()) return {};
    MemorySink memory;
    DomainFileCheckedSink sink(memory, *check);
    for (size_t at = 0; at < bytes.size(); at += piece) {
      Status written = sink.Write(AsBytes(std::string_view(bytes).substr(at, piece)));
      EXPECT_THAT(written, IsOk()) << "at " << at;
    }
    return {std::string(memory.bytes().begin(), memory.bytes().end()), check->Finish()};
  }

  // Reads `bytes` through a checked source into a buffer of `piece` bytes.
  std::pair<std::string, RecordFileReport> ThroughSource(const std::string& bytes, size_t piece) {
    auto check = DomainFileCheck::New(DomainFileType::kAdt, options_);
    EXPECT_THAT(check, IsOk());
    if (!check.ok()) return {};
    MemorySource memory(AsBytes(bytes));
    DomainFileCheckedSource source(memory, *check);
    std::string out;
    std::vector<uint8_t> buffer(piece);
    for (;;) {
      auto n = source.Read(buffer);
      EXPECT_THAT(n, IsOk());
      if (!n.ok() || *n == 0) break;
      out.append(reinterpret_cast<const char*>(buffer.data()), *n);
    }
    return {out, check->Finish()};
  }

  SrvCatalogue catalogue_;
  DomainFileOptions options_;
};

TEST_F(DomainFileCheckTest, TheFilesAreWhatTheTestsSayTheyAre) {
  RecordFileReport valid = Whole(ValidAdt());
  EXPECT_TRUE(valid.ok()) << ::testing::PrintToString(Positions(valid));
  EXPECT_EQ(valid.format, "ADT/1");
  EXPECT_EQ(valid.details, 4u);
  EXPECT_EQ(valid.lines, 7u);

  RecordFileReport bad = Whole(BadAdt());
  EXPECT_EQ(Positions(bad), (std::vector<std::string>{
                                "3:3: field.bad_role",
                                "4:4: adt.unknown_srv",
                                "5:4: adt.role_not_eligible",
                                "7:7: adt.quarantine_below_warning",
                                "8:2: binding.not_signer",
                                "9:2: trailer.wrong_count",
                            }));
  EXPECT_EQ(bad.problems_total, 6u);
  EXPECT_EQ(bad.details, 6u);
}

TEST_F(DomainFileCheckTest, TheSinkPassesEveryByteAndReportsAsTheWholeFileCheck) {
  for (const std::string& file : {ValidAdt(), BadAdt()}) {
    const RecordFileReport want = Whole(file);
    for (size_t piece : {size_t{1}, file.size()}) {
      SCOPED_TRACE("pieces of " + std::to_string(piece) + " bytes, " +
                   std::to_string(want.problems_total) + " problems");
      auto [written, report] = ThroughSink(file, piece);
      EXPECT_EQ(written, file);
      ExpectSameReport(report, want);
    }
  }
}

TEST_F(DomainFileCheckTest, AnExitQuarantineFileNeedsNoCatalogue) {
  options_.catalogue = nullptr;
  const std::string a = kSupplierA;
  const std::string head = "rec,quarantine_event_ref,request_id,action,reason\nH,," + a +
                           ",,fmt=EXITQ/1;generated=2026-01-07T09:30:00Z\n";
  const std::string valid =
      WithTrailer(head, {"D,1001," + a + ":00-DB-12-34-56-78-90-A1:17,RELEASE,planned",
                         "D,1002," + a + ":00-DB-12-34-56-78-90-A2:18,DELETE,sent twice"});
  // Line 4: the same event reference again; line 5: another user's request.
  const std::string bad = WithTrailer(
      head, {"D,1001," + a + ":00-DB-12-34-56-78-90-A1:17,RELEASE,",
             "D,1001," + a + ":00-DB-12-34-56-78-90-A2:18,DELETE,",
             "D,1003," + std::string(kSupplierC) + ":00-DB-12-34-56-78-90-A3:19,DELETE,"});
  const RecordFileReport valid_report = Whole(valid, {}, DomainFileType::kExitQuarantine);
  EXPECT_TRUE(valid_report.ok()) << ::testing::PrintToString(Positions(valid_report));
  EXPECT_EQ(valid_report.format, "EXITQ/1");
  const RecordFileReport bad_report = Whole(bad, {}, DomainFileType::kExitQuarantine);
  EXPECT_EQ(Positions(bad_report), (std::vector<std::string>{"4:2: exitq.duplicate_event_ref",
                                                             "5:3: exitq.not_originator"}));
  for (const std::string& file : {valid, bad}) {
    const RecordFileReport want = Whole(file, {}, DomainFileType::kExitQuarantine);
    auto [written, report] = ThroughSink(file, 1, DomainFileType::kExitQuarantine);
    EXPECT_EQ(written, file);
    ExpectSameReport(report, want);
  }
}

TEST_F(DomainFileCheckTest, TheSourceYieldsEveryByteAndReportsAsTheWholeFileCheck) {
  for (const std::string& file : {ValidAdt(), BadAdt()}) {
    const RecordFileReport want = Whole(file);
    for (size_t piece : {size_t{1}, size_t{7}, file.size() + 1}) {
      SCOPED_TRACE("reads of " + std::to_string(piece) + " bytes, " +
                   std::to_string(want.problems_total) + " problems");
      auto [read, report] = ThroughSource(file, piece);
      EXPECT_EQ(read, file);
      ExpectSameReport(report, want);
    }
  }
}

TEST_F(DomainFileCheckTest, DataAfterTheTrailerIsWrittenAndReported) {
  const std::string valid = ValidAdt();
  // Lines 8 and on: another record, a blank line, and text with no line break.
  const std::string file = valid + "D,junk\n\nmore junk, never checked";
  for (size_t piece : {size_t{1}, file.size()}) {
    SCOPED_TRACE("pieces of " + std::to_string(piece) + " bytes");
    auto [written, report] = ThroughSink(file, piece);
    EXPECT_EQ(written, file);
    EXPECT_EQ(Positions(report), std::vector<std::string>{"8:1: file.data_after_trailer"});
    EXPECT_EQ(report.problems_total, 1u);
    EXPECT_EQ(report.details, 4u);
    ExpectSameReport(report, Whole(file));
  }
  // The same bytes without the junk are a valid file: the junk is the only problem.
  EXPECT_TRUE(ThroughSink(valid, 1).second.ok());
}

TEST_F(DomainFileCheckTest, ProblemLinesAreFileLineColumnCodeMessage) {
  RecordFileReport report = Whole(BadAdt());
  std::vector<std::string> lines = DomainFileProblemLines("adt.csv", report);
  ASSERT_EQ(lines.size(), 6u);
  for (size_t i = 0; i < lines.size(); ++i) {
    const FileProblem& p = report.problems[i];
    EXPECT_EQ(lines[i], "adt.csv:" + std::to_string(p.line) + ":" + std::to_string(p.column) +
                            ": " + p.code + ": " + p.message);
  }
  EXPECT_EQ(lines[0].rfind("adt.csv:3:3: field.bad_role: 'XX' is not a User Role", 0), 0u)
      << lines[0];

  EXPECT_TRUE(DomainFileProblemLines("adt.csv", Whole(ValidAdt())).empty());
}

TEST_F(DomainFileCheckTest, ProblemLinesCountThoseNotKept) {
  std::vector<std::string> rows;
  for (int i = 0; i < 5; ++i) {
    rows.push_back(std::string("D,") + kSupplierA + ",XX,1.1.1,WARNING,PT" + std::to_string(i + 1) +
                   "H,1,2026-01-06T00:00:00Z,");
  }
  RecordFileReport report = Whole(AdtFile(rows), RecordFileLimits{.max_problems = 2});
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_EQ(report.problems_total, 5u);
  EXPECT_EQ(DomainFileProblemLines("big.csv", report),
            (std::vector<std::string>{
                "big.csv:3:3: field.bad_role: " + report.problems[0].message,
                "big.csv:4:3: field.bad_role: " + report.problems[1].message,
                "big.csv: 3 more problems not listed",
            }));
  // The error counts every problem, not only those kept.
  EXPECT_EQ(InvalidDomainFileError("big.csv", report, "").message,
            "big.csv is not a valid ADT/1 file: 5 problems");
}

TEST(DomainFileCheckError, NamesTheFileTheFormatAndHowManyProblems) {
  RecordFileReport one;
  one.format = "ADT/1";
  one.problems_total = 1;
  Error e = InvalidDomainFileError("F", one, "fix it and send again");
  EXPECT_EQ(e.code, "format.invalid");
  EXPECT_EQ(e.kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(e.message, "F is not a valid ADT/1 file: 1 problem");
  EXPECT_EQ(e.hint, "fix it and send again");

  RecordFileReport three = one;
  three.problems_total = 3;
  three.problems.resize(2);  // kept or not, every problem counts
  Error plural = InvalidDomainFileError("F", three, "hint");
  EXPECT_EQ(plural.code, "format.invalid");
  EXPECT_EQ(plural.kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(plural.message, "F is not a valid ADT/1 file: 3 problems");
  EXPECT_EQ(plural.hint, "hint");
}

}  // namespace
}  // namespace adtgw
