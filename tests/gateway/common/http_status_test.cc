#include "gateway/common/http_status.h"

#include <gtest/gtest.h>

namespace adtgw {
namespace {

constexpr ErrorKind kAllKinds[] = {ErrorKind::kUsage,           ErrorKind::kInvalidInput,
                                   ErrorKind::kIntegrity,       ErrorKind::kTrust,
                                   ErrorKind::kNotFound,        ErrorKind::kConflict,
                                   ErrorKind::kPermission,      ErrorKind::kIo,
                                   ErrorKind::kInternal,        ErrorKind::kDenied,
                                   ErrorKind::kUnauthenticated, ErrorKind::kTooLarge,
                                   ErrorKind::kUnavailable};

// The table of docs/api.md section 2.
TEST(HttpStatus, EachKindHasTheDocumentedStatus) {
  const std::pair<ErrorKind, int> table[] = {
      {ErrorKind::kUsage, 400},        {ErrorKind::kUnauthenticated, 401},
      {ErrorKind::kDenied, 403},       {ErrorKind::kTrust, 403},
      {ErrorKind::kPermission, 403},   {ErrorKind::kNotFound, 404},
      {ErrorKind::kConflict, 409},     {ErrorKind::kTooLarge, 413},
      {ErrorKind::kInvalidInput, 422}, {ErrorKind::kIntegrity, 422},
      {ErrorKind::kUnavailable, 503},  {ErrorKind::kIo, 500},
      {ErrorKind::kInternal, 500},
  };
  ASSERT_EQ(std::size(table), std::size(kAllKinds)) << "a kind is missing from the table";
  for (const auto& [kind, status] : table) {
    EXPECT_EQ(HttpStatusFor(kind), status) << static_cast<int>(kind);
  }
}

TEST(HttpStatus, TheClientMapsEveryStatusBackToAKindWithTheSameStatus) {
  // Several kinds share a status, so the way back gives one representative, whose
  // status is the same again: the exit code follows the status (docs/api.md).
  for (ErrorKind kind : kAllKinds) {
    int status = HttpStatusFor(kind);
    EXPECT_EQ(HttpStatusFor(ErrorKindForHttpStatus(status)), status) << status;
  }
  EXPECT_EQ(ErrorKindForHttpStatus(400), ErrorKind::kUsage);
  EXPECT_EQ(ErrorKindForHttpStatus(401), ErrorKind::kUnauthenticated);
  EXPECT_EQ(ErrorKindForHttpStatus(403), ErrorKind::kDenied);
  EXPECT_EQ(ErrorKindForHttpStatus(404), ErrorKind::kNotFound);
  EXPECT_EQ(ErrorKindForHttpStatus(409), ErrorKind::kConflict);
  EXPECT_EQ(ErrorKindForHttpStatus(413), ErrorKind::kTooLarge);
  EXPECT_EQ(ErrorKindForHttpStatus(431), ErrorKind::kTooLarge);
  EXPECT_EQ(ErrorKindForHttpStatus(422), ErrorKind::kInvalidInput);
  EXPECT_EQ(ErrorKindForHttpStatus(503), ErrorKind::kUnavailable);
  EXPECT_EQ(ErrorKindForHttpStatus(500), ErrorKind::kInternal);
}

TEST(HttpStatus, UnknownStatusesFallBackByClass) {
  for (int status : {402, 405, 410, 418, 429, 451, 499}) {
    EXPECT_EQ(ErrorKindForHttpStatus(status), ErrorKind::kInvalidInput) << status;
  }
  for (int status : {501, 502, 504, 599}) {
    EXPECT_EQ(ErrorKindForHttpStatus(status), ErrorKind::kInternal) << status;
  }
}

}  // namespace
}  // namespace adtgw
