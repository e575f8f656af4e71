#include "gateway/formats/record_file.h"

#include <algorithm>

#include "crypto/encoding.h"
#include "gateway/formats/field_syntax.h"

namespace adtgw {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr size_t kDigestBuffer = 64 * 1024;
// More than any format has, so that a record with a few too many is reported as such
// (record.field_count) rather than as a damaged line.
constexpr size_t kMaxFields = 64;

// The 1-based field where `line` first differs from `expected`, both split at commas.
uint32_t FirstDifferentField(std::string_view line, std::string_view expected) {
  uint32_t column = 1;
  for (size_t i = 0; i < line.size() && i < expected.size(); ++i) {
    if (line[i] != expected[i]) return column;
    if (line[i] == ',') ++column;
  }
  return column;
}

}  // namespace

RecordFileChecker::RecordFileChecker(RecordRules& rules, RecordFileLimits limits)
    : rules_(rules), limits_(limits), problems_(limits.max_problems), splitter_(kMaxFields) {
  digest_buffer_.reserve(kDigestBuffer + limits.max_line + 1);
}

void RecordFileChecker::Problem(uint32_t column, const char* code, std::string message) {
  problems_.Add(line_, column, code, std::move(message));
}

void RecordFileChecker::Feed(std::span<const uint8_t> piece) {
  if (stopped_) return;
  // Up to the size cap, then stop: the same answer whatever the pieces' sizes.
  const bool over = piece.size() > limits_.max_bytes - bytes_;
  if (over) piece = piece.first(static_cast<size_t>(limits_.max_bytes - bytes_));
  bytes_ += piece.size();
  Lines(std::string_view(reinterpret_cast<const char*>(piece.data()), piece.size()));
  if (over && !stopped_) {
    line_ += 1;
    Problem(1, "file.too_large",
            "the file is larger than " + std::to_string(limits_.max_bytes) +
                " bytes; nothing past that was read");
    saw_text_ = true;
    stopped_ = true;
  }
}

void RecordFileChecker::TooLong(std::string_view start) {
  line_ += 1;
  saw_text_ = true;
  if (seen_t_) {
    Problem(1, "file.data_after_trailer",
            "the file goes on after its T record; nothing after the T record was read");
    stopped_ = true;
    return;
  }
  Problem(1, "csv.line_too_long",
          "the line is longer than " + std::to_string(limits_.max_line) +
              " bytes; no valid line is that long");
  if (line_ == 1) return;
  // Still a record of its type for the frame's checks; a D line's bytes are gone, so
  // the digest cannot be checked (rather than reported wrong).
  start = start.substr(0, 2);
  if (start == "D,") {
    ++details_;
    digest_lost_ = true;
  } else if (start == "H,") {
    seen_h_ = true;
  } else if (start == "T,") {
    seen_t_ = true;
  }
}

void RecordFileChecker::Lines(std::string_view p) {
  // A line may end in CRLF: the cap is on the line without its line break.
  const size_t cap = limits_.max_line + 1;
  while (!p.empty() && !stopped_) {
    size_t nl = p.find('\n');
    if (skipping_) {
      if (nl == std::string_view::npos) return;
      skipping_ = false;
      p.remove_prefix(nl + 1);
      continue;
    }
    size_t have = carry_.size() + (nl == std::string_view::npos ? p.size() : nl);
    if (have > cap) {
      TooLong(carry_.substr(0, 2) + std::string(p.substr(0, 2)));
      if (stopped_) return;
      carry_.clear();
      if (nl == std::string_view::npos) {
        skipping_ = true;
        return;
      }
      p.remove_prefix(nl + 1);
      continue;
    }
    if (nl == std::string_view::npos) {
      carry_.append(p);
      return;
    }
    if (carry_.empty()) {
      Line(p.substr(0, nl));
    } else {
      carry_.append(p.substr(0, nl));
      Line(carry_);
      carry_.clear();
    }
    p.remove_prefix(nl + 1);
  }
}

void RecordFileChecker::Line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > limits_.max_line) {  // the cap left room for a CR there was not
    TooLong(line);
    return;
  }
  line_ += 1;
  if (line_ == 1 && line.substr(0, kBom.size()) == kBom) line.remove_prefix(kBom.size());
  if (!line.empty()) saw_text_ = true;
  if (line_ == 1) {
    if (line != rules_.header_row()) {
      Problem(FirstDifferentField(line, rules_.header_row()), "file.bad_header",
              "line 1 must be the " + std::string(rules_.format()) + " header row '" +
                  std::string(rules_.header_row()) + "'");
    }
    return;
  }
  Record(line);
}

void RecordFileChecker::Record(std::string_view line) {
  if (seen_t_) {
    Problem(1, "file.data_after_trailer",
            "the file goes on after its T record; nothing after the T record was read");
    stopped_ = true;
    return;
  }
  if (line.empty()) {
    Problem(1, "file.blank_line", "a blank line; every line after the header is a record");
    return;
  }
  // A D line counts and is hashed as written even when it does not split, so that one
  // damaged field is one problem rather than three (field, count, digest).
  const bool detail = line.substr(0, 2) == "D,";
  if (detail) {
    ++details_;
    digest_buffer_.append(line);
    digest_buffer_ += '\n';
    if (digest_buffer_.size() >= kDigestBuffer) FlushDigest();
  }
  if (!splitter_.Split(line)) {
    Problem(splitter_.error_column(), splitter_.error_code().c_str(), splitter_.error_message());
    if (line.substr(0, 2) == "H,") seen_h_ = true;  // damaged, but there
    if (line.substr(0, 2) == "T,") seen_t_ = true;
    return;
  }
  const auto& fields = splitter_.fields();
  const std::string_view type = fields[0];
  // The type is written bare: the frame counts and hashes D lines by their first bytes.
  if (line.substr(0, type.size()) != type) {
    Problem(1, "record.unknown_type", "the record type is written bare (H, D or T), not quoted");
    return;
  }
  if (type == "T") {
    seen_t_ = true;
    Trailer(fields);
    return;
  }
  if (type != "H" && type != "D") {
    Problem(1, "record.unknown_type",
            "a record starts with H, D or T, not '" + std::string(type.substr(0, 16)) + "'");
    return;
  }
  if (fields.size() != rules_.fields()) {
    Problem(static_cast<uint32_t>(std::min(fields.size(), rules_.fields()) + 1),
            "record.field_count",
            "the record has " + std::to_string(fields.size()) + " fields; " +
                std::string(rules_.format()) + " " + std::string(type) + " records have " +
                std::to_string(rules_.fields()));
    if (type == "H") seen_h_ = true;
    return;
  }
  if (type == "H") {
    if (seen_h_) {
      Problem(1, "record.second_header", "a second H record; a file has one, first");
      return;
    }
    if (details_ > 0) {
      Problem(1, "record.header_not_first", "the H record comes after D records; it comes first");
    }
    seen_h_ = true;
    rules_.Header(fields, line_, problems_);
    return;
  }
  if (!seen_h_ && !told_before_header_) {
    told_before_header_ = true;
    Problem(1, "record.before_header", "a D record before the H record");
  }
  rules_.Detail(fields, line_, problems_);
}

void RecordFileChecker::Trailer(std::span<const std::string_view> fields) {
  if (fields.size() != 3) {
    Problem(static_cast<uint32_t>(std::min<size_t>(fields.size(), 3) + 1), "trailer.field_count",
            "the T record has " + std::to_string(fields.size()) +
                " fields; it is T,<number of D records>,<SHA-256 of the D lines>");
    return;
  }
  auto count = ParseCount32(fields[1]);  // a file under the size cap has fewer rows
  if (!count) {
    Problem(2, "trailer.bad_count", "the T record's count is not a whole number");
  } else if (*count != details_) {
    Problem(2, "trailer.wrong_count",
            "the T record says " + std::to_string(*count) + " D records; the file has " +
                std::to_string(details_) + ": records were lost or added");
  }
  if (fields[2].size() != 64 || !IsLowerHex(fields[2])) {
    Problem(3, "trailer.bad_digest", "the T record's digest is not 64 lower-case hex digits");
    return;
  }
  FlushDigest();
  if (!digest_lost_ && ToHex(digest_.Finish()) != fields[2]) {
    Problem(3, "trailer.wrong_digest",
            "the SHA-256 of the D lines (each followed by LF) is not the T record's: the records "
            "were changed after the trailer was written");
  }
}

void RecordFileChecker::FlushDigest() {
  digest_.Update(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(digest_buffer_.data()),
                                          digest_buffer_.size()));
  digest_buffer_.clear();
}

RecordFileReport RecordFileChecker::Finish() {
  if (!stopped_ && !skipping_ && !carry_.empty()) {
    std::string last = std::move(carry_);
    carry_.clear();
    Line(last);  // the last line, without a line break
  }
  if (!saw_text_ && !stopped_) {
    // Nothing but line breaks (and a byte order mark): one problem says it all.
    problems_ = FileProblems(limits_.max_problems);
    line_ = 1;
    Problem(1, "file.empty", "the file is empty");
  } else {
    if (!stopped_) {
      line_ += 1;  // where the missing records were expected
      if (!seen_h_) Problem(1, "file.no_header_record", "the file has no H record");
      if (!seen_t_) {
        Problem(1, "file.no_trailer",
                "the file ends without its T record: it may have been cut short");
      }
      line_ -= 1;
    }
    rules_.Finish(problems_);  // on what was read, even when reading stopped early
  }
  problems_.SortByPosition();
  RecordFileReport report;
  report.format = std::string(rules_.format());
  report.lines = line_;
  report.details = details_;
  report.problems = problems_.kept();
  report.problems_total = problems_.total();
  return report;
}

Result<RecordFileReport> CheckRecordFile(ByteSource& source, RecordRules& rules,
                                         const RecordFileLimits& limits) {
  RecordFileChecker checker(rules, limits);
  std::vector<uint8_t> buffer(256 * 1024);
  while (!checker.done()) {
    ADTGW_ASSIGN(size_t n, source.Read(buffer));
    if (n == 0) break;
    checker.Feed(std::span<const uint8_t>(buffer.data(), n));
  }
  return checker.Finish();
}

}  // namespace adtgw
