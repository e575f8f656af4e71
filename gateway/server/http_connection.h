// HttpConnection: one accepted TLS connection of the gateway and what every route
// does on it: send a whole, JSON or streamed answer, answer `Expect: 100-continue`,
// read a small JSON body under its cap. Each write and read arms the connection's
// timer from the server's limits, so no handler forgets one (docs/architecture.md,
// section 6).
//
// ConnectionEnvironment is what all connections of one server share: the limits, the
// shutdown flag (an answer sent while stopping closes the connection) and the
// operational log.
//
// Ownership: the server owns the environment, which outlives every connection; a
// connection is shared by its coroutine and the server's list of open connections.
// Thread safety: a connection is used on its strand only (its I/O thread); `idle` is
// read there too (through a post).
#pragma once

#include <utility>  // std::exchange, used by asio's awaitable.hpp without including it

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "crypto/result.h"
#include "gateway/server/audit_api.h"
#include "gateway/server/gateway_config.h"
#include "gateway/server/route_table.h"

namespace adtgw {

namespace http_io {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;
using Stream = beast::ssl_stream<beast::tcp_stream>;
using asio::awaitable;
using asio::use_awaitable;
using Headers = std::vector<std::pair<std::string, std::string>>;
}  // namespace http_io

struct ConnectionEnvironment {
  ServerLimits limits;
  std::atomic<bool> stopping{false};
  std::function<void(const std::string&)> log;  // one line per event; may be empty

  void Log(const std::string& line) const {
    if (log) log(line);
  }
};

// The request being served: its parsed header and the connection's read buffer, which
// may already hold the first bytes of the body (or of the next request).
struct RequestBody {
  http_io::beast::flat_buffer& buffer;
  http_io::http::request_parser<http_io::http::empty_body>& header;

  // Whether a body follows the header that has not been read.
  bool pending() const { return !header.is_done(); }
};

class HttpConnection {
 public:
  HttpConnection(http_io::tcp::socket socket, http_io::asio::ssl::context& tls, http_io::Strand on,
                 Listener at, const ConnectionEnvironment& environment)
      : stream(http_io::beast::tcp_stream(std::move(socket)), tls),
        strand(std::move(on)),
        listener(at),
        env(environment) {}

  http_io::Stream stream;
  const http_io::Strand strand;
  const Listener listener;
  const ConnectionEnvironment& env;
  bool idle = false;  // waiting for the next request (touched on the strand only)

  http_io::beast::tcp_stream& tcp() { return http_io::beast::get_lowest_layer(stream); }

  // Sends a whole answer; true when the connection may serve another request.
  template <class Body>
  http_io::awaitable<bool> Send(http_io::http::response<Body>& res, bool keep_alive) {
    res.set(http_io::http::field::server, "adtgw");
    res.set(http_io::http::field::cache_control, "no-store");
    res.keep_alive(keep_alive && !env.stopping);
    res.prepare_payload();
    http_io::beast::error_code ec;
    tcp().expires_after(env.limits.body_timeout);
    co_await http_io::http::async_write(stream, res,
                                        http_io::asio::redirect_error(http_io::use_awaitable, ec));
    co_return !ec && res.keep_alive();
  }

  http_io::awaitable<bool> SendJson(http_io::http::status status, const std::string& body,
                                    bool keep_alive, http_io::Headers headers = {});

  // An error's JSON answer (docs/api.md, "Errors") with the status of its kind.
  // `body_pending`: the request's body was not read, so the connection cannot be reused.
  http_io::awaitable<bool> SendError(const Error& error, bool body_pending);

  // A streamed answer (ApiResponse::next_chunk), in chunked transfer encoding: its
  // length is known only at its end. A read failure or shutdown midway ends the
  // connection without the last (empty) chunk, so that the client sees a broken
  // answer, never a short one; a stream may last long, and shutdown does not wait for
  // it. `label` names the request in the operational log.
  http_io::awaitable<bool> SendStreamed(ApiResponse& answer, const std::string& label);

  // Answers `Expect: 100-continue`, if the request asks for it; false when the
  // connection broke.
  http_io::awaitable<bool> Continue(
      const http_io::http::request<http_io::http::empty_body>& request);

  // Reads a small JSON body (a manifest or an acknowledgement) under the JSON body cap:
  // http.body_too_large beyond it.
  http_io::awaitable<Result<std::string>> ReadJsonBody(RequestBody& body);
};

}  // namespace adtgw
