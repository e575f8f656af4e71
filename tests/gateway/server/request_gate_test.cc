#include "gateway/server/request_gate.h"

#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>
#include <string>

#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

namespace http = boost::beast::http;

// Feeds `text` to a header parser with the server's caps, as a socket would in one
// piece; the bytes it took, and the error.
struct HeaderRead {
  size_t bytes = 0;
  boost::beast::error_code ec;
};

HeaderRead ReadHeader(RequestHeaderParser& parser, const std::string& text,
                      const ServerLimits& limits) {
  LimitRequestHeader(parser, limits);
  HeaderRead read;
  read.bytes = parser.put(boost::asio::buffer(text), read.ec);
  return read;
}

std::string RefusalCode(const HeaderRead& read, const ServerLimits& limits) {
  auto refusal = HeaderReadRefusal(read.ec, read.bytes, limits);
  return refusal ? refusal->code : "none";
}

TEST(RequestGate, TheHeaderCapHoldsForRequestLineAndFieldsTogether) {
  ServerLimits limits;
  limits.header_limit = 1024;
  const std::string line = "GET /v1/inbox?" + std::string(700, 'q') + " HTTP/1.1\r\n";
  const std::string fields = "Host: gw\r\nX-Padding: " + std::string(700, 'a') + "\r\n\r\n";
  RequestHeaderParser parser;
  HeaderRead read = ReadHeader(parser, line + fields, limits);
  // Beast takes it: its limit bounds each part alone.
  ASSERT_FALSE(read.ec) << read.ec.message();
  EXPECT_GT(read.bytes, limits.header_limit);
  EXPECT_EQ(RefusalCode(read, limits), "http.header_too_large");

  RequestHeaderParser small;
  HeaderRead fits = ReadHeader(small, "GET /v1/inbox HTTP/1.1\r\nHost: gw\r\n\r\n", limits);
  ASSERT_FALSE(fits.ec);
  EXPECT_EQ(RefusalCode(fits, limits), "none");
}

TEST(RequestGate, FailedReadsAreAnsweredOnlyWhenTheClientSpoke) {
  ServerLimits limits;
  EXPECT_EQ(RefusalCode({0, http::error::header_limit}, limits), "http.header_too_large");
  EXPECT_EQ(RefusalCode({0, http::error::bad_method}, limits), "http.bad_request");
  EXPECT_EQ(RefusalCode({0, http::error::end_of_stream}, limits), "none");
  EXPECT_EQ(RefusalCode({0, http::error::partial_message}, limits), "none");
  EXPECT_EQ(RefusalCode({0, boost::asio::error::operation_aborted}, limits), "none");
}

TEST(RequestGate, UploadHeadersAreCheckedInOrder) {
  auto code = [](const std::string& headers) {
    RequestHeaderParser parser;
    HeaderRead read = ReadHeader(
        parser, "PATCH /v1/transfers/x/envelope HTTP/1.1\r\n" + headers + "\r\n", ServerLimits{});
    EXPECT_FALSE(read.ec) << read.ec.message();
    auto range = CheckUploadHeaders(parser);
    return range.ok() ? std::to_string(range->offset) + "+" + std::to_string(range->length)
                      : range.error().code;
  };
  const std::string type = "Content-Type: application/offset+octet-stream\r\n";
  const std::string tus = "Tus-Resumable: 1.0.0\r\n";
  EXPECT_EQ(code(tus + "Upload-Offset: 5\r\nContent-Length: 3\r\n"), "http.content_type");
  EXPECT_EQ(code(type + "Upload-Offset: 5\r\nContent-Length: 3\r\n"), "http.tus_version");
  EXPECT_EQ(code(type + tus + "Upload-Offset: -5\r\nContent-Length: 3\r\n"), "http.upload_offset");
  EXPECT_EQ(code(type + tus + "Upload-Offset: 5 \r\nContent-Length: 3\r\n"), "5+3");
  EXPECT_EQ(code(type + tus + "Upload-Offset: 5x\r\nContent-Length: 3\r\n"), "http.upload_offset");
  EXPECT_EQ(code(type + tus + "Content-Length: 3\r\n"), "http.upload_offset");
  EXPECT_EQ(code(type + tus + "Upload-Offset: 5\r\n"), "http.upload_offset");
  EXPECT_EQ(code(type + tus + "Upload-Offset: 5\r\nContent-Length: 3\r\n"), "5+3");
}

TEST(RequestGate, JsonBodiesAreCappedByTheirDeclaredLength) {
  RequestHeaderParser parser;
  HeaderRead read = ReadHeader(
      parser, "POST /v1/transfers HTTP/1.1\r\nContent-Length: 2049\r\n\r\n", ServerLimits{});
  ASSERT_FALSE(read.ec);
  EXPECT_THAT(CheckJsonBodyLength(parser, 2048), StatusIs("http.body_too_large"));
  EXPECT_THAT(CheckJsonBodyLength(parser, 2049), IsOk());
}

}  // namespace
}  // namespace adtgw
