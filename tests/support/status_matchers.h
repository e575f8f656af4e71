// GoogleMock matchers for crypto/result.h's Status and Result<T>, so that a failed check
// says which error it met instead of "Value of: x.ok(), Actual: false":
//
//   ASSERT_THAT(r, IsOk());                       // prints the error's code, message, hint
//   EXPECT_THAT(r, StatusIs("cert.revoked"));     // not ok, with exactly this code
//   EXPECT_THAT(r, StatusIs(HasSubstr("cert."))); // not ok, with a code the matcher accepts
//   EXPECT_THAT(r, Not(IsOk()));                  // not ok, whatever the code
//
// Both match anything with ok() and error() (Status, every Result<T>); a Result's value
// is never copied or printed, so they work for move-only values too. A failed match
// explains itself with the error's code, message and hint.
//
// They live in namespace adtgw, beside the types they match, so that tests inside the
// namespace or with `using namespace adtgw` name them unqualified.
//
// Thread safety: stateless; matchers may be used from any thread GoogleTest allows.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <utility>

#include "crypto/result.h"

namespace adtgw {
namespace status_matchers_internal {

// `error` as one line: code, message and, when there is one, hint.
inline void PrintError(const Error& error, std::ostream* os) {
  *os << "error " << ::testing::PrintToString(error.code) << ": " << error.message;
  if (!error.hint.empty()) *os << " (hint: " << error.hint << ")";
}

class IsOkMatcher {
 public:
  template <typename StatusOrResult>
  bool MatchAndExplain(const StatusOrResult& actual,
                       ::testing::MatchResultListener* listener) const {
    if (actual.ok()) return true;
    if (listener->IsInterested()) {
      *listener << "which is ";
      PrintError(actual.error(), listener->stream());
    }
    return false;
  }
  void DescribeTo(std::ostream* os) const { *os << "is OK"; }
  void DescribeNegationTo(std::ostream* os) const { *os << "is an error"; }
};

class StatusIsMatcher {
 public:
  explicit StatusIsMatcher(::testing::Matcher<const std::string&> code) : code_(std::move(code)) {}

  template <typename StatusOrResult>
  bool MatchAndExplain(const StatusOrResult& actual,
                       ::testing::MatchResultListener* listener) const {
    if (actual.ok()) {
      *listener << "which is OK";
      return false;
    }
    const Error& error = actual.error();
    ::testing::StringMatchResultListener code_listener;
    bool matched = code_.MatchAndExplain(error.code, &code_listener);
    if (listener->IsInterested()) {
      *listener << "which is ";
      PrintError(error, listener->stream());
      if (!code_listener.str().empty()) *listener << ", whose code " << code_listener.str();
    }
    return matched;
  }
  void DescribeTo(std::ostream* os) const {
    *os << "is an error whose code ";
    code_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "is OK or an error whose code ";
    code_.DescribeNegationTo(os);
  }

 private:
  ::testing::Matcher<const std::string&> code_;
};

}  // namespace status_matchers_internal

// Matches a Status or Result<T> that is ok.
inline ::testing::PolymorphicMatcher<status_matchers_internal::IsOkMatcher> IsOk() {
  return ::testing::MakePolymorphicMatcher(status_matchers_internal::IsOkMatcher());
}

// Matches a Status or Result<T> that holds an error whose code matches `code`: a string
// (equality) or any string matcher.
inline ::testing::PolymorphicMatcher<status_matchers_internal::StatusIsMatcher> StatusIs(
    ::testing::Matcher<const std::string&> code) {
  return ::testing::MakePolymorphicMatcher(
      status_matchers_internal::StatusIsMatcher(std::move(code)));
}

// How GoogleTest prints a Status or Result<T> as a value (found by argument-dependent
// lookup): "OK" or the error's code, briefly, since the matchers' explanations above add
// the message and hint.
inline void PrintTo(const Status& status, std::ostream* os) {
  *os << (status.ok() ? std::string("OK")
                      : "error " + ::testing::PrintToString(status.error().code));
}
template <typename T>
void PrintTo(const Result<T>& result, std::ostream* os) {
  *os << (result.ok() ? std::string("OK")
                      : "error " + ::testing::PrintToString(result.error().code));
}

}  // namespace adtgw
