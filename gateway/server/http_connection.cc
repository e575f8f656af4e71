#include "gateway/server/http_connection.h"

#include <utility>  // std::exchange, used by asio's awaitable.hpp without including it

#include "gateway/common/http_status.h"
#include "gateway/server/request_gate.h"
#include "gateway/transfer/api_messages.h"

namespace adtgw {

using namespace http_io;  // NOLINT(google-build-using-namespace): this file's own types

awaitable<bool> HttpConnection::SendJson(http::status status, const std::string& body,
                                         bool keep_alive, Headers headers) {
  http::response<http::string_body> res{status, 11};
  res.set(http::field::content_type, "application/json");
  for (auto& [name, value] : headers) res.set(name, value);
  res.body() = body;
  co_return co_await Send(res, keep_alive);
}

awaitable<bool> HttpConnection::SendError(const Error& error, bool body_pending) {
  co_return co_await SendJson(static_cast<http::status>(HttpStatusFor(error.kind)),
                              ErrorToJson(error), !body_pending);
}

awaitable<bool> HttpConnection::SendStreamed(ApiResponse& answer, const std::string& label) {
  http::response<http::buffer_body> res{static_cast<http::status>(answer.status), 11};
  res.set(http::field::server, "adtgw");
  res.set(http::field::cache_control, "no-store");
  res.set(http::field::content_type, answer.content_type);
  res.chunked(true);
  res.keep_alive(!env.stopping);
  res.body().data = nullptr;
  res.body().more = true;
  http::response_serializer<http::buffer_body> serializer(res);
  beast::error_code ec;
  tcp().expires_after(env.limits.body_timeout);
  co_await http::async_write_header(stream, serializer, asio::redirect_error(use_awaitable, ec));
  if (ec) co_return false;
  uint64_t sent = 0;
  while (!serializer.is_done()) {
    auto chunk = answer.next_chunk();
    if (!chunk.ok()) {
      env.Log(label + " cut off after " + std::to_string(sent) + " bytes: " + chunk.error().code +
              ": " + chunk.error().message);
      co_return false;
    }
    if (!chunk->empty() && env.stopping) {
      env.Log(label + " cut off after " + std::to_string(sent) +
              " bytes: the gateway is shutting down");
      co_return false;
    }
    // The serializer only reads the chunk; buffer_body's pointer is not const.
    res.body().data = chunk->empty() ? nullptr : const_cast<char*>(chunk->data());
    res.body().size = chunk->size();
    res.body().more = !chunk->empty();
    sent += chunk->size();
    tcp().expires_after(env.limits.body_timeout);
    co_await http::async_write(stream, serializer, asio::redirect_error(use_awaitable, ec));
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return false;
  }
  env.Log(label + " -> " + std::to_string(answer.status) + " " + std::to_string(sent) + " bytes");
  co_return res.keep_alive();
}

awaitable<bool> HttpConnection::Continue(const http::request<http::empty_body>& request) {
  auto expect = request.find(http::field::expect);
  if (expect == request.end() || !beast::iequals(expect->value(), "100-continue")) co_return true;
  http::response<http::empty_body> res{http::status::continue_, 11};
  beast::error_code ec;
  co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
  co_return !ec;
}

awaitable<Result<std::string>> HttpConnection::ReadJsonBody(RequestBody& body) {
  const size_t cap = env.limits.json_body_limit;
  if (Status fits = CheckJsonBodyLength(body.header, cap); !fits.ok()) co_return fits.error();
  if (!co_await Continue(body.header.get())) {
    co_return MakeError(ErrorKind::kUnavailable, "net.broken", "the connection broke");
  }
  http::request_parser<http::string_body> parser(std::move(body.header));
  parser.body_limit(cap);
  beast::error_code ec;
  tcp().expires_after(env.limits.body_timeout);
  co_await http::async_read(stream, body.buffer, parser, asio::redirect_error(use_awaitable, ec));
  if (ec == http::error::body_limit) co_return JsonBodyTooLarge(cap);
  if (ec) co_return MakeError(ErrorKind::kUnavailable, "net.broken", ec.message());
  co_return std::move(parser.get().body());
}

}  // namespace adtgw
