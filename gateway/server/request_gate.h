// The decisions the gateway's HTTP front door takes on a request's bytes, before and
// besides routing, without any I/O: how a request header is parsed (the caps), what a
// failed header read is answered, what routing is given of a header, and the header
// checks of the upload and of a JSON body. https_server.cc, http_connection.cc and
// transfer_routes.cc take these decisions here, so that the front door's fuzz target
// (tests/fuzz/http_front_door_fuzz.cc) runs the same code from raw bytes, without
// TLS and without coroutines. Routing itself is route_table.h and api_routes.h.
//
// Thread safety: every function is pure.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstdint>
#include <optional>

#include "crypto/result.h"
#include "gateway/server/gateway_config.h"
#include "gateway/server/route_table.h"

namespace adtgw {

using RequestHeaderParser = boost::beast::http::request_parser<boost::beast::http::empty_body>;

// Gives a parser of a request header the server's caps: header_limit for the request
// line and headers. Its body limit is lifted: Beast checks Content-Length against it
// while reading the header (1 MiB by default), and each route sets the real limit
// before reading a body.
void LimitRequestHeader(RequestHeaderParser& parser, const ServerLimits& limits);

// The answer to a header read that failed (`ec`) or took `header_bytes` bytes:
// http.header_too_large beyond the header cap, http.bad_request for a malformed
// request; none for a header within the cap, or (the connection just closes) for a
// closed, stalled or cancelled connection. Beast's header limit bounds the request line
// and the fields each on their own, so a header it accepts may still be up to twice
// the cap: the bytes it took are checked here, against the cap on both together.
std::optional<Error> HeaderReadRefusal(const boost::beast::error_code& ec, size_t header_bytes,
                                       const ServerLimits& limits);

// What routing is given of a parsed header (string views into it) that came to
// `listener`; `has_body`: a body follows the header unread.
RouteRequest RouteRequestOf(const RequestHeaderParser& parser, Listener listener);

// The envelope bytes a PATCH says it carries (docs/api.md, "Upload").
struct UploadRange {
  uint64_t offset = 0;
  uint64_t length = 0;
};

// The headers of a PATCH upload: Content-Type (http.content_type), Tus-Resumable
// (http.tus_version), Upload-Offset and Content-Length (http.upload_offset), checked in
// that order.
Result<UploadRange> CheckUploadHeaders(const RequestHeaderParser& parser);

// http.body_too_large: a JSON body beyond `cap`.
Error JsonBodyTooLarge(uint64_t cap);

// Whether a JSON body's declared length fits `cap` (before it is read; a body without
// Content-Length is checked while it is read, by the body parser's limit).
Status CheckJsonBodyLength(const RequestHeaderParser& parser, uint64_t cap);

}  // namespace adtgw
