// FileProblems: what is wrong with a domain file (docs/formats.md, "Problems"), each
// problem at a line and a column with a stable code, collected up to a cap so that a
// file with a million bad rows neither floods the terminal nor holds a million
// messages. Problems past the cap are still counted.
//
// Columns are 1-based field positions (1 is the record type), since that is what a
// person finds in a spreadsheet; a problem with a whole line or the whole file is put
// in column 1. Lines are 1-based lines of the file, the header row being line 1.
//
// Thread safety: one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace adtgw {

struct FileProblem {
  uint64_t line = 0;
  uint32_t column = 0;
  std::string code;  // stable, e.g. adt.bad_role
  std::string message;
  bool operator==(const FileProblem&) const = default;
};

class FileProblems {
 public:
  explicit FileProblems(size_t max_kept) : max_kept_(max_kept) {}

  void Add(uint64_t line, uint32_t column, std::string code, std::string message);
  // Problems found after the file was read (cross-record rules) may come in any order:
  // this puts the kept ones in (line, column) order, the order people read them in.
  void SortByPosition();

  const std::vector<FileProblem>& kept() const { return kept_; }
  uint64_t total() const { return total_; }
  bool empty() const { return total_ == 0; }

 private:
  size_t max_kept_;
  std::vector<FileProblem> kept_;
  uint64_t total_ = 0;
};

// "FILE:LINE:COLUMN: code: message", the form compilers use, so editors can jump to it.
std::string FormatFileProblem(const std::string& file, const FileProblem& problem);

}  // namespace adtgw
