#include "gateway/formats/file_problems.h"

#include <algorithm>

namespace adtgw {

void FileProblems::Add(uint64_t line, uint32_t column, std::string code, std::string message) {
  ++total_;
  if (kept_.size() < max_kept_) {
    kept_.push_back(FileProblem{line, column, std::move(code), std::move(message)});
  }
}

void FileProblems::SortByPosition() {
  std::stable_sort(kept_.begin(), kept_.end(), [](const FileProblem& a, const FileProblem& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
}

std::string FormatFileProblem(const std::string& file, const FileProblem& p) {
  return file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) + ": " + p.code +
         ": " + p.message;
}

}  // namespace adtgw
