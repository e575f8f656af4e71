// RecordFileChecker: the frame the three domain formats share (docs/formats.md,
// "Records"), checked while the file streams past: an optional UTF-8 byte order mark,
// the format's header row, one H record, any number of D records, and one T record,
// `T,<number of D records>,<SHA-256 of the D lines as written, each followed by LF>`,
// last. Lines end in LF or CRLF. Each format adds its own rules for H and D records and
// across them (RecordRules), and sees only records whose fields split cleanly.
//
// Memory stays bounded by the line cap whatever the file's size, plus what a format's
// rules keep across records. Work is linear in the file's size.
//
// Ownership: the checker refers to the rules it is given, which must outlive it.
// Thread safety: one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/byte_stream.h"
#include "crypto/result.h"
#include "crypto/sha256.h"
#include "gateway/formats/csv_line.h"
#include "gateway/formats/file_problems.h"

namespace adtgw {

struct RecordFileLimits {
  uint64_t max_bytes = 512ull << 20;  // reading stops here, with a problem
  size_t max_line = 4096;             // bytes, without the line break
  size_t max_problems = 100;          // kept; the rest are counted
};

// One format's rules. Called only for well-formed records of the right field count.
class RecordRules {
 public:
  virtual ~RecordRules() = default;
  virtual std::string_view format() const = 0;      // "ADT/1"
  virtual std::string_view header_row() const = 0;  // line 1, exactly
  virtual size_t fields() const = 0;                // of every H and D record
  virtual void Header(std::span<const std::string_view> fields, uint64_t line,
                      FileProblems& problems) = 0;
  virtual void Detail(std::span<const std::string_view> fields, uint64_t line,
                      FileProblems& problems) = 0;
  // After the last line: the rules that span records.
  virtual void Finish(FileProblems& problems) { (void)problems; }
};

struct RecordFileReport {
  std::string format;
  uint64_t lines = 0;
  uint64_t details = 0;  // D records seen
  std::vector<FileProblem> problems;
  uint64_t problems_total = 0;
  bool ok() const { return problems_total == 0; }
};

class RecordFileChecker {
 public:
  RecordFileChecker(RecordRules& rules, RecordFileLimits limits);

  // The file in pieces of any size.
  void Feed(std::span<const uint8_t> piece);
  // Nothing more will be read (the size cap, data after the T record): stop feeding.
  bool done() const { return stopped_; }
  RecordFileReport Finish();

 private:
  void Lines(std::string_view piece);
  void Line(std::string_view line);
  void TooLong(std::string_view start);
  void Record(std::string_view line);
  void Trailer(std::span<const std::string_view> fields);
  void Problem(uint32_t column, const char* code, std::string message);
  void FlushDigest();

  RecordRules& rules_;
  RecordFileLimits limits_;
  FileProblems problems_;
  CsvLineSplitter splitter_;
  std::string carry_;      // a line whose end has not arrived yet
  bool skipping_ = false;  // inside a line longer than the cap, until its end
  bool stopped_ = false;   // nothing after this can be judged (size cap, data after T)
  uint64_t bytes_ = 0;
  uint64_t line_ = 0;  // the line being looked at, 1-based
  bool seen_h_ = false;
  bool seen_t_ = false;
  bool saw_text_ = false;  // a line with anything in it
  bool told_before_header_ = false;
  uint64_t details_ = 0;
  bool digest_lost_ = false;  // a D line was too long to keep
  Sha256 digest_;
  std::string digest_buffer_;  // D lines waiting to be hashed in one call
};

// Reads `source` to its end through a checker.
Result<RecordFileReport> CheckRecordFile(ByteSource& source, RecordRules& rules,
                                         const RecordFileLimits& limits);

}  // namespace adtgw
