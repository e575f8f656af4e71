// LineSplitter: cuts text that arrives in pieces (a streamed HTTP answer, a file read in
// chunks) into lines, so that a line split across two pieces is seen whole. Lines are
// given without their '\n'; a line is held back only while its end has not arrived,
// and one longer than the cap is refused rather than buffered without bound.
//
// Ownership: holds at most one partial line. Thread safety: one thread at a time.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "crypto/result.h"

namespace adtgw {

class LineSplitter {
 public:
  // `what` names the text in errors ("the gateway's entries", a file name).
  LineSplitter(std::string what, size_t max_line) : what_(std::move(what)), max_line_(max_line) {}

  // Calls on_line(std::string_view) -> Status for every line completed by `piece`.
  template <class OnLine>
  Status Feed(std::string_view piece, OnLine&& on_line) {
    if (!carry_.empty()) {
      size_t nl = piece.find('\n');
      if (nl == std::string_view::npos) return Hold(piece);
      if (carry_.size() + nl > max_line_) return TooLong();
      carry_.append(piece.substr(0, nl));
      Status s = on_line(std::string_view(carry_));
      carry_.clear();
      if (!s.ok()) return s;
      piece.remove_prefix(nl + 1);
    }
    for (;;) {
      size_t nl = piece.find('\n');
      if (nl == std::string_view::npos) return Hold(piece);
      if (nl > max_line_) return TooLong();
      ADTGW_TRY(on_line(piece.substr(0, nl)));
      piece.remove_prefix(nl + 1);
    }
  }

  // After the last piece: the text's last line when it did not end with '\n' (the text
  // was cut, or its writer does not end lines), else nothing.
  template <class OnLine>
  Status Finish(OnLine&& on_line) {
    if (carry_.empty()) return OkStatus();
    std::string last = std::move(carry_);
    carry_.clear();
    return on_line(std::string_view(last));
  }

 private:
  Status Hold(std::string_view rest) {
    if (carry_.size() + rest.size() > max_line_) return TooLong();
    carry_.append(rest);
    return OkStatus();
  }
  Error TooLong() const {
    return MakeError(ErrorKind::kInvalidInput, "input.line_too_long",
                     what_ + " has a line longer than " + std::to_string(max_line_) + " bytes",
                     "no valid line is that long: the text is damaged or not what it claims");
  }

  std::string what_;
  size_t max_line_;
  std::string carry_;
};

}  // namespace adtgw
