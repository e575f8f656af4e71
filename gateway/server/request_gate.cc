#include "gateway/server/request_gate.h"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <charconv>
#include <limits>
#include <string>
#include <string_view>

namespace adtgw {

namespace http = boost::beast::http;

namespace {

constexpr char kTusVersion[] = "1.0.0";

std::optional<uint64_t> ParseUint(std::string_view text) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::string_view View(boost::beast::string_view text) { return {text.data(), text.size()}; }

}  // namespace

void LimitRequestHeader(RequestHeaderParser& parser, const ServerLimits& limits) {
  parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
}

std::optional<Error> HeaderReadRefusal(const boost::beast::error_code& ec, size_t header_bytes,
                                       const ServerLimits& limits) {
  if (ec == http::error::header_limit || (!ec && header_bytes > limits.header_limit)) {
    return MakeError(
        ErrorKind::kTooLarge, "http.header_too_large",
        "the request's headers exceed " + std::to_string(limits.header_limit) + " bytes");
  }
  const bool malformed =
      ec.category() == http::make_error_code(http::error::bad_target).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message;
  if (!malformed) return std::nullopt;
  return MakeError(ErrorKind::kUsage, "http.bad_request",
                   "malformed HTTP request: " + ec.message());
}

RouteRequest RouteRequestOf(const RequestHeaderParser& parser, Listener listener) {
  const auto& req = parser.get();
  return RouteRequest{View(req.method_string()), View(req.target()), listener, !parser.is_done(),
                      req.find(http::field::transfer_encoding) != req.end()};
}

Result<UploadRange> CheckUploadHeaders(const RequestHeaderParser& parser) {
  const auto& req = parser.get();
  const auto offset = ParseUint(View(req["Upload-Offset"]));
  const auto length = parser.content_length();
  Error bad;
  if (req[http::field::content_type] != "application/offset+octet-stream") {
    bad = MakeError(ErrorKind::kUsage, "http.content_type",
                    "PATCH needs Content-Type: application/offset+octet-stream");
  } else if (req["Tus-Resumable"] != kTusVersion) {
    bad = MakeError(ErrorKind::kUsage, "http.tus_version", "PATCH needs Tus-Resumable: 1.0.0");
  } else if (!offset || !length) {
    bad = MakeError(ErrorKind::kUsage, "http.upload_offset",
                    "PATCH needs Upload-Offset and Content-Length");
  } else {
    return UploadRange{*offset, *length};
  }
  bad.hint = "see docs/api.md, Upload";
  return bad;
}

Error JsonBodyTooLarge(uint64_t cap) {
  return MakeError(ErrorKind::kTooLarge, "http.body_too_large",
                   "the request body is larger than " + std::to_string(cap) + " bytes");
}

Status CheckJsonBodyLength(const RequestHeaderParser& parser, uint64_t cap) {
  const auto length = parser.content_length();
  if (length && *length > cap) return JsonBodyTooLarge(cap);
  return OkStatus();
}

}  // namespace adtgw
