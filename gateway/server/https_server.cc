#include "gateway/server/https_server.h"

#include <utility>  // std::exchange, used by asio's awaitable.hpp without including it

#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "certs/trust_store.h"
#include "crypto/byte_stream.h"
#include "gateway/common/http_status.h"
#include "gateway/server/transfer_view.h"
#include "gateway/transfer/api_messages.h"

namespace adtgw {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;
using Stream = beast::ssl_stream<beast::tcp_stream>;
using asio::awaitable;
using asio::use_awaitable;

constexpr size_t kMaxBusySessions = 64;
constexpr size_t kDownloadChunk = 256 * 1024;
constexpr char kTusVersion[] = "1.0.0";

// What a request names: /v1/inbox, /v1/transfers, /v1/transfers/ID[/envelope|/acknowledgement],
// /v1/parties/EUI64.
struct Route {
  enum class Kind {
    kNone,
    kInbox,
    kTransfers,
    kTransfer,
    kEnvelope,
    kAcknowledgement,
    kParty
  } kind = Kind::kNone;
  std::string id;
};

Route ParseRoute(std::string_view target) {
  Route r;
  if (target.size() > 256) return r;
  if (target == "/v1/inbox") return {Route::Kind::kInbox, {}};
  if (target == "/v1/transfers") return {Route::Kind::kTransfers, {}};
  constexpr std::string_view kParties = "/v1/parties/";
  if (target.substr(0, kParties.size()) == kParties) {
    // The EUI-64 is checked by the service (Eui64::Parse).
    return {Route::Kind::kParty, std::string(target.substr(kParties.size()))};
  }
  constexpr std::string_view kPrefix = "/v1/transfers/";
  if (target.substr(0, kPrefix.size()) != kPrefix) return r;
  std::string_view rest = target.substr(kPrefix.size());
  size_t slash = rest.find('/');
  std::string_view id = rest.substr(0, slash);
  std::string_view tail = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (id.empty()) return r;
  r.id = std::string(id);  // validated by the service (StorageKey::Parse)
  if (tail.empty()) {
    r.kind = Route::Kind::kTransfer;
  } else if (tail == "/envelope") {
    r.kind = Route::Kind::kEnvelope;
  } else if (tail == "/acknowledgement") {
    r.kind = Route::Kind::kAcknowledgement;
  }
  return r;
}

std::optional<uint64_t> ParseUint(std::string_view text) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

struct Session {
  Session(tcp::socket socket, asio::ssl::context& ctx, Strand on, bool for_auditors)
      : stream(beast::tcp_stream(std::move(socket)), ctx),
        strand(std::move(on)),
        auditor(for_auditors) {}
  Stream stream;
  Strand strand;
  const bool auditor;  // on the auditors' listener
  bool idle = false;   // waiting for the next request (touched on the strand only)
};

}  // namespace

class HttpsServer::Impl {
 public:
  Impl(Options options, asio::ssl::context ctx, TransferService& service, AuditApi& audit)
      : options_(std::move(options)),
        ctx_(std::move(ctx)),
        service_(service),
        audit_(audit),
        acceptor_(io_),
        auditor_acceptor_(io_),
        signals_(io_, SIGTERM, SIGINT, SIGHUP),
        sweep_timer_(io_),
        grace_timer_(io_),
        server_strand_(asio::make_strand(io_)) {
    for (size_t i = 1; i < options_.limits.threads; ++i) {
      session_ios_.push_back(std::make_unique<asio::io_context>(1));
      session_work_.push_back(asio::make_work_guard(*session_ios_.back()));
    }
  }

  Status Listen() {
    ADTGW_TRY(Listen(acceptor_, options_.host, options_.port));
    return Listen(auditor_acceptor_, options_.auditor_host, options_.auditor_port);
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  uint16_t auditor_port() const { return auditor_acceptor_.local_endpoint().port(); }

  void Run() {
    asio::co_spawn(server_strand_, Accept(acceptor_, false), asio::detached);
    asio::co_spawn(server_strand_, Accept(auditor_acceptor_, true), asio::detached);
    WaitForSignal();
    ScheduleSweep();
    std::vector<std::thread> threads;
    for (auto& io : session_ios_) threads.emplace_back([&io] { io->run(); });
    io_.run();
    for (auto& t : threads) t.join();
  }

  void BeginShutdown() {
    asio::post(server_strand_, [this] {
      if (stopping_.exchange(true)) return;
      Log("shutting down: no new connections; " + std::to_string(active_.load()) +
          " connection(s) finishing");
      beast::error_code ec;
      acceptor_.close(ec);
      auditor_acceptor_.close(ec);
      signals_.cancel(ec);
      sweep_timer_.cancel();
      CloseSessions(/*idle_only=*/true);
      WaitForSessions(std::chrono::steady_clock::now() + options_.limits.shutdown_grace);
    });
  }

 private:
  Status Listen(tcp::acceptor& acceptor, const std::string& host, uint16_t port) {
    beast::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) {
      return MakeError(ErrorKind::kUsage, "config.bad_listen",
                       "'" + host + "' is not an IP address", "use e.g. 127.0.0.1");
    }
    tcp::endpoint endpoint(address, port);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return MakeError(
          ErrorKind::kIo, "net.listen",
          "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message(),
          "is another process using the port?");
    }
    return OkStatus();
  }

  void Log(const std::string& line) {
    if (options_.log) options_.log(line);
  }

  // A refusal the HTTP layer made itself (the service logs its own decisions).
  void Audit(const char* event, const std::string& who, const std::string& request,
             const std::string& reason) {
    AuditEntry e;
    e.at = std::time(nullptr);
    e.event = event;
    if (auto party = Eui64::Parse(who); party.ok()) {
      e.actor = *party;
    } else {
      e.peer = who.substr(0, 200);
    }
    e.request = request;
    e.reason = reason;
    Status logged = service_.RecordEvent(std::move(e));
    if (!logged.ok()) Log("audit log: " + logged.error().code + ": " + logged.error().message);
  }

  // Shutdown: polls (bounded by the grace period, then by the cut connections ending)
  // until no connection is left, so that io_.run() returns.
  void WaitForSessions(std::chrono::steady_clock::time_point deadline) {
    grace_timer_.expires_after(std::chrono::milliseconds(100));
    grace_timer_.async_wait(
        asio::bind_executor(server_strand_, [this, deadline](beast::error_code) {
          if (active_ + busy_ == 0) {
            for (auto& w : session_work_) w.reset();  // their run() may return now
            return;
          }
          if (std::chrono::steady_clock::now() >= deadline && !cut_) {
            cut_ = true;
            Log("grace period over: closing " + std::to_string(active_.load()) + " connection(s)");
            CloseSessions(/*idle_only=*/false);
          }
          WaitForSessions(deadline);
        }));
  }

  void WaitForSignal() {
    signals_.async_wait(
        asio::bind_executor(server_strand_, [this](beast::error_code ec, int signal) {
          if (ec) return;
          if (signal == SIGHUP) {
            if (options_.on_reload) options_.on_reload();
            WaitForSignal();
            return;
          }
          BeginShutdown();
        }));
  }

  void ScheduleSweep() {
    if (!options_.periodic) return;
    options_.periodic();
    sweep_timer_.expires_after(options_.limits.retention_sweep);
    sweep_timer_.async_wait(asio::bind_executor(server_strand_, [this](beast::error_code ec) {
      if (!ec && !stopping_) ScheduleSweep();
    }));
  }

  void CloseSessions(bool idle_only) {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    for (auto& weak : sessions_) {
      std::shared_ptr<Session> s = weak.lock();
      if (!s) continue;
      asio::post(s->strand, [s, idle_only] {
        if (idle_only && !s->idle) return;
        beast::get_lowest_layer(s->stream).close();
      });
    }
  }

  awaitable<void> Accept(tcp::acceptor& acceptor, bool auditor) {
    for (;;) {
      // Each connection lives on one I/O thread's own context: its completions never hop
      // to another thread.
      size_t pick = next_io_++ % (session_ios_.size() + 1);
      Strand strand = asio::make_strand(pick == 0 ? io_ : *session_ios_[pick - 1]);
      beast::error_code ec;
      tcp::socket socket =
          co_await acceptor.async_accept(strand, asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (stopping_ || ec == asio::error::operation_aborted) co_return;
        continue;  // e.g. EMFILE: the next accept may succeed
      }
      socket.set_option(tcp::no_delay(true), ec);  // answers are whole; send them at once
      if (active_ >= options_.limits.max_connections) {
        if (busy_ >= kMaxBusySessions) continue;  // the socket closes here
        auto s = std::make_shared<Session>(std::move(socket), ctx_, strand, auditor);
        asio::co_spawn(strand, Busy(s), asio::detached);
        continue;
      }
      auto s = std::make_shared<Session>(std::move(socket), ctx_, strand, auditor);
      {
        std::lock_guard<std::mutex> lock(sessions_mu_);
        sessions_.remove_if([](const std::weak_ptr<Session>& w) { return w.expired(); });
        sessions_.push_back(s);
      }
      asio::co_spawn(strand, Serve(s), asio::detached);
    }
  }

  // ---- responses ---------------------------------------------------------------------

  template <class Body>
  awaitable<bool> Send(Session& s, http::response<Body>& res, bool keep_alive) {
    res.set(http::field::server, "adtgw");
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(keep_alive && !stopping_);
    res.prepare_payload();
    beast::error_code ec;
    beast::get_lowest_layer(s.stream).expires_after(options_.limits.body_timeout);
    co_await http::async_write(s.stream, res, asio::redirect_error(use_awaitable, ec));
    co_return !ec && res.keep_alive();
  }

  awaitable<bool> SendJson(Session& s, http::status status, const std::string& body,
                           bool keep_alive,
                           std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::response<http::string_body> res{status, 11};
    res.set(http::field::content_type, "application/json");
    for (auto& [name, value] : headers) res.set(name, value);
    res.body() = body;
    co_return co_await Send(s, res, keep_alive);
  }

  // An error answer. `body_pending`: the request's body was not read, so the
  // connection cannot be reused.
  awaitable<bool> SendError(Session& s, const std::string& who, const std::string& what,
                            const Error& error, bool body_pending) {
    int status = HttpStatusFor(error.kind);
    Log(who + " " + what + " -> " + std::to_string(status) + " " + error.code);
    if (error.code.rfind("http.", 0) == 0) {
      Audit(audit_event::kRequestRefused, who, what.substr(0, what.find(' ')) + " request",
            error.code);
    }
    co_return co_await SendJson(s, static_cast<http::status>(status), ErrorToJson(error),
                                !body_pending);
  }

  // A streamed answer (ApiResponse::next_chunk), in chunked transfer encoding: its
  // length is known only at its end. A read failure or shutdown midway ends the
  // connection without the last (empty) chunk, so that the client sees a broken answer,
  // never a short one; a stream may last long, and shutdown does not wait for it.
  awaitable<bool> SendStreamed(Session& s, ApiResponse& answer, const std::string& who,
                               const std::string& what) {
    http::response<http::buffer_body> res{static_cast<http::status>(answer.status), 11};
    res.set(http::field::server, "adtgw");
    res.set(http::field::cache_control, "no-store");
    res.set(http::field::content_type, answer.content_type);
    res.chunked(true);
    res.keep_alive(!stopping_);
    res.body().data = nullptr;
    res.body().more = true;
    http::response_serializer<http::buffer_body> serializer(res);
    beast::error_code ec;
    auto& tcp_stream = beast::get_lowest_layer(s.stream);
    tcp_stream.expires_after(options_.limits.body_timeout);
    co_await http::async_write_header(s.stream, serializer,
                                      asio::redirect_error(use_awaitable, ec));
    if (ec) co_return false;
    uint64_t sent = 0;
    while (!serializer.is_done()) {
      auto chunk = answer.next_chunk();
      if (!chunk.ok()) {
        Log(who + " " + what + " cut off after " + std::to_string(sent) +
            " bytes: " + chunk.error().code + ": " + chunk.error().message);
        co_return false;
      }
      if (!chunk->empty() && stopping_) {
        Log(who + " " + what + " cut off after " + std::to_string(sent) +
            " bytes: the gateway is shutting down");
        co_return false;
      }
      // The serializer only reads the chunk; buffer_body's pointer is not const.
      res.body().data = chunk->empty() ? nullptr : const_cast<char*>(chunk->data());
      res.body().size = chunk->size();
      res.body().more = !chunk->empty();
      sent += chunk->size();
      tcp_stream.expires_after(options_.limits.body_timeout);
      co_await http::async_write(s.stream, serializer, asio::redirect_error(use_awaitable, ec));
      if (ec == http::error::need_buffer) ec = {};
      if (ec) co_return false;
    }
    Log(who + " " + what + " -> " + std::to_string(answer.status) + " " + std::to_string(sent) +
        " bytes");
    co_return res.keep_alive();
  }

  // ---- connections -------------------------------------------------------------------

  // Over the connection limit: complete the handshake, read the request, answer 503
  // and close cleanly (closing with the request unread would reset the connection
  // before the client could read the answer).
  awaitable<void> Busy(std::shared_ptr<Session> s) {
    ++busy_;
    beast::error_code ec;
    auto& tcp_stream = beast::get_lowest_layer(s->stream);
    tcp_stream.expires_after(options_.limits.handshake_timeout);
    co_await s->stream.async_handshake(asio::ssl::stream_base::server,
                                       asio::redirect_error(use_awaitable, ec));
    if (!ec) {
      beast::flat_buffer buffer;
      http::request_parser<http::empty_body> header;
      header.header_limit(static_cast<std::uint32_t>(options_.limits.header_limit));
      header.body_limit(std::numeric_limits<std::uint64_t>::max());
      tcp_stream.expires_after(options_.limits.header_timeout);
      co_await http::async_read_header(s->stream, buffer, header,
                                       asio::redirect_error(use_awaitable, ec));
    }
    if (!ec) {
      std::string body = ErrorToJson(MakeError(
          ErrorKind::kUnavailable, "http.busy",
          "the gateway is serving its maximum number of connections", "retry in a few seconds"));
      std::vector<std::pair<std::string, std::string>> headers;
      headers.emplace_back("Retry-After", "5");
      co_await SendJson(*s, http::status::service_unavailable, body, false, std::move(headers));
      tcp_stream.expires_after(std::chrono::seconds(2));
      co_await s->stream.async_shutdown(asio::redirect_error(use_awaitable, ec));
    }
    --busy_;
  }

  awaitable<void> Serve(std::shared_ptr<Session> s) {
    struct Count {
      std::atomic<size_t>& n;
      explicit Count(std::atomic<size_t>& c) : n(c) { ++n; }
      ~Count() { --n; }
    } count(active_);
    beast::error_code ec;
    auto& tcp_stream = beast::get_lowest_layer(s->stream);
    tcp_stream.expires_after(options_.limits.handshake_timeout);
    co_await s->stream.async_handshake(asio::ssl::stream_base::server,
                                       asio::redirect_error(use_awaitable, ec));
    if (ec) {
      // Unknown CA, no certificate, old protocol, timeout: the TLS alert told the client.
      Log("tls handshake refused: " + ec.message());
      X509* presented = SSL_get0_peer_certificate(s->stream.native_handle());
      Audit(audit_event::kTlsClientRefused, presented ? SubjectText(presented) : std::string(), "",
            "tls.handshake_failed");
      co_return;
    }
    X509* cert = SSL_get0_peer_certificate(s->stream.native_handle());
    if (cert == nullptr) co_return;  // the context requires one; fail closed regardless
    PeerCertificate peer{CertificateSha256(cert), SubjectText(cert)};

    beast::flat_buffer buffer;
    buffer.reserve(options_.limits.read_buffer);
    bool first = true;
    for (;;) {
      if (buffer.size() == 0) {
        s->idle = true;
        if (stopping_) break;
        tcp_stream.expires_after(first ? options_.limits.header_timeout
                                       : options_.limits.idle_timeout);
        size_t n = co_await s->stream.async_read_some(buffer.prepare(options_.limits.read_buffer),
                                                      asio::redirect_error(use_awaitable, ec));
        s->idle = false;
        if (ec) break;
        buffer.commit(n);
      }
      first = false;
      http::request_parser<http::empty_body> header;
      header.header_limit(static_cast<std::uint32_t>(options_.limits.header_limit));
      // Beast checks Content-Length against the body limit while reading the header
      // (1 MiB by default); each route sets the real limit before reading a body.
      header.body_limit(std::numeric_limits<std::uint64_t>::max());
      tcp_stream.expires_after(options_.limits.header_timeout);
      co_await http::async_read_header(s->stream, buffer, header,
                                       asio::redirect_error(use_awaitable, ec));
      if (ec == http::error::header_limit) {
        co_await SendError(*s, peer.subject, "request",
                           MakeError(ErrorKind::kTooLarge, "http.header_too_large",
                                     "the request's headers exceed " +
                                         std::to_string(options_.limits.header_limit) + " bytes"),
                           true);
        break;
      }
      if (ec) {
        // A malformed request gets a 400; a closed, stalled or cancelled connection nothing.
        bool malformed =
            ec.category() == beast::http::make_error_code(http::error::bad_target).category() &&
            ec != http::error::end_of_stream && ec != http::error::partial_message;
        if (malformed) {
          co_await SendError(*s, peer.subject, "request",
                             MakeError(ErrorKind::kUsage, "http.bad_request",
                                       "malformed HTTP request: " + ec.message()),
                             true);
        }
        break;
      }
      bool keep = co_await Handle(*s, buffer, header, peer);
      if (!keep) break;
    }
    tcp_stream.expires_after(std::chrono::seconds(2));
    co_await s->stream.async_shutdown(asio::redirect_error(use_awaitable, ec));
  }

  // ---- requests ----------------------------------------------------------------------

  awaitable<bool> Handle(Session& s, beast::flat_buffer& buffer,
                         http::request_parser<http::empty_body>& header,
                         const PeerCertificate& peer) {
    auto& req = header.get();
    std::string what = std::string(req.method_string()) + " " + std::string(req.target());
    if (what.size() > 300) what.resize(300);
    bool has_body = !header.is_done();
    auto caller = service_.Identify(peer);
    if (!caller.ok()) co_return co_await SendError(s, peer.subject, what, caller.error(), has_body);
    std::string who = caller->eui64.ToString();
    std::string_view target(req.target().data(), req.target().size());
    http::verb method = req.method();
    if (s.auditor || AuditApi::Serves(target)) {
      if (!AuditApi::Serves(target)) {
        co_return co_await SendError(s, who, what,
                                     MakeError(ErrorKind::kNotFound, "http.no_route",
                                               "the auditors' listener serves /v1/audit/ only",
                                               "see docs/api.md, Audit log"),
                                     has_body);
      }
      if (method != http::verb::get || has_body) {
        co_return co_await SendError(
            s, who, what,
            MakeError(ErrorKind::kUsage, "http.method_not_allowed",
                      "the audit log is read with GET only", "see docs/api.md, Audit log"),
            has_body);
      }
      auto answer = audit_.Get(target, *caller, s.auditor);
      if (!answer.ok()) co_return co_await SendError(s, who, what, answer.error(), false);
      if (answer->next_chunk) co_return co_await SendStreamed(s, *answer, who, what);
      http::response<http::string_body> res{static_cast<http::status>(answer->status), 11};
      res.set(http::field::content_type, answer->content_type);
      res.body() = std::move(answer->body);
      co_return co_await Send(s, res, true);
    }
    Route route = ParseRoute(target);
    if (req.find(http::field::transfer_encoding) != req.end()) {
      co_return co_await SendError(
          s, who, what,
          MakeError(ErrorKind::kUsage, "http.length_required",
                    "chunked request bodies are not accepted; send Content-Length"),
          true);
    }
    switch (route.kind) {
      case Route::Kind::kInbox:
        if (method == http::verb::get) co_return co_await Inbox(s, *caller, who, what, has_body);
        break;
      case Route::Kind::kTransfers:
        if (method == http::verb::post) {
          co_return co_await OfferTransfer(s, buffer, header, *caller, who, what);
        }
        break;
      case Route::Kind::kTransfer:
        if (method == http::verb::get) {
          co_return co_await TransferStatus(s, *caller, route.id, who, what, has_body);
        }
        break;
      case Route::Kind::kEnvelope:
        if (method == http::verb::head) {
          co_return co_await UploadOffset(s, *caller, route.id, who, what, has_body);
        }
        if (method == http::verb::patch) {
          co_return co_await Upload(s, buffer, header, *caller, route.id, who, what);
        }
        if (method == http::verb::get) {
          co_return co_await DownloadEnvelope(s, *caller, route.id, who, what, has_body);
        }
        break;
      case Route::Kind::kAcknowledgement:
        if (method == http::verb::post) {
          co_return co_await AcknowledgeTransfer(s, buffer, header, *caller, route.id, who, what);
        }
        break;
      case Route::Kind::kParty:
        if (method == http::verb::get) {
          co_return co_await PartyEntry(s, *caller, route.id, who, what, has_body);
        }
        break;
      case Route::Kind::kNone:
        co_return co_await SendError(s, who, what,
                                     MakeError(ErrorKind::kNotFound, "http.no_route",
                                               "no such API resource", "see docs/api.md"),
                                     has_body);
    }
    co_return co_await SendError(
        s, who, what,
        MakeError(ErrorKind::kUsage, "http.method_not_allowed",
                  std::string(req.method_string()) + " is not allowed here", "see docs/api.md"),
        has_body);
  }

  // Answers `Expect: 100-continue` once the request has been authorised.
  awaitable<bool> Continue(Session& s, const http::request<http::empty_body>& req) {
    auto expect = req.find(http::field::expect);
    if (expect == req.end() || !beast::iequals(expect->value(), "100-continue")) co_return true;
    http::response<http::empty_body> res{http::status::continue_, 11};
    beast::error_code ec;
    co_await http::async_write(s.stream, res, asio::redirect_error(use_awaitable, ec));
    co_return !ec;
  }

  // Reads a small JSON body (manifest or acknowledgement) under the JSON body cap.
  awaitable<Result<std::string>> ReadJsonBody(Session& s, beast::flat_buffer& buffer,
                                              http::request_parser<http::empty_body>& header) {
    auto length = header.content_length();
    if (length && *length > options_.limits.json_body_limit) {
      co_return MakeError(ErrorKind::kTooLarge, "http.body_too_large",
                          "the request body is larger than " +
                              std::to_string(options_.limits.json_body_limit) + " bytes");
    }
    if (!co_await Continue(s, header.get())) {
      co_return MakeError(ErrorKind::kUnavailable, "net.broken", "the connection broke");
    }
    http::request_parser<http::string_body> parser(std::move(header));
    parser.body_limit(options_.limits.json_body_limit);
    beast::error_code ec;
    beast::get_lowest_layer(s.stream).expires_after(options_.limits.body_timeout);
    co_await http::async_read(s.stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
    if (ec == http::error::body_limit) {
      co_return MakeError(ErrorKind::kTooLarge, "http.body_too_large",
                          "the request body is larger than " +
                              std::to_string(options_.limits.json_body_limit) + " bytes");
    }
    if (ec) co_return MakeError(ErrorKind::kUnavailable, "net.broken", ec.message());
    co_return std::move(parser.get().body());
  }

  awaitable<bool> OfferTransfer(Session& s, beast::flat_buffer& buffer,
                                http::request_parser<http::empty_body>& header,
                                const Caller& caller, const std::string& who,
                                const std::string& what) {
    auto body = co_await ReadJsonBody(s, buffer, header);
    if (!body.ok()) co_return co_await SendError(s, who, what, body.error(), true);
    auto doc = ParseSignedDocument(AsBytes(*body), "manifest");
    if (!doc.ok()) co_return co_await SendError(s, who, what, doc.error(), false);
    auto offer =
        service_.Offer(caller, AsBytes(doc->document), AsBytes(doc->signature), std::time(nullptr));
    if (!offer.ok()) co_return co_await SendError(s, who, what, offer.error(), false);
    const TransferRecord& r = offer->progress.record;
    Log(who + " " + what + " -> " + (offer->is_new ? "201" : "200") + " transfer " + r.id + " (" +
        r.file_type + ", " + std::to_string(r.envelope_size) + " bytes, rule " + r.rule + ")");
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Location", "/v1/transfers/" + r.id + "/envelope"},
        {"Upload-Offset", std::to_string(offer->progress.offset)},
        {"Upload-Length", std::to_string(r.envelope_size)},
        {"Tus-Resumable", kTusVersion}};
    std::string view = TransferViewToJson(ViewOf(r, offer->progress.offset), /*full=*/false);
    co_return co_await SendJson(s, offer->is_new ? http::status::created : http::status::ok, view,
                                true, std::move(headers));
  }

  awaitable<bool> UploadOffset(Session& s, const Caller& caller, const std::string& id,
                               const std::string& who, const std::string& what, bool has_body) {
    auto progress = service_.Progress(caller, id);
    if (!progress.ok()) co_return co_await SendError(s, who, what, progress.error(), has_body);
    http::response<http::empty_body> res{http::status::ok, 11};
    res.set("Upload-Offset", std::to_string(progress->offset));
    res.set("Upload-Length", std::to_string(progress->record.envelope_size));
    res.set("Tus-Resumable", kTusVersion);
    co_return co_await Send(s, res, !has_body);
  }

  awaitable<bool> Upload(Session& s, beast::flat_buffer& buffer,
                         http::request_parser<http::empty_body>& header, const Caller& caller,
                         const std::string& id, const std::string& who, const std::string& what) {
    const auto& req = header.get();
    auto offset =
        ParseUint(std::string_view(req["Upload-Offset"].data(), req["Upload-Offset"].size()));
    auto length = header.content_length();
    std::optional<Error> bad;
    if (req[http::field::content_type] != "application/offset+octet-stream") {
      bad = MakeError(ErrorKind::kUsage, "http.content_type",
                      "PATCH needs Content-Type: application/offset+octet-stream");
    } else if (req["Tus-Resumable"] != kTusVersion) {
      bad = MakeError(ErrorKind::kUsage, "http.tus_version", "PATCH needs Tus-Resumable: 1.0.0");
    } else if (!offset || !length) {
      bad = MakeError(ErrorKind::kUsage, "http.upload_offset",
                      "PATCH needs Upload-Offset and Content-Length");
    }
    if (bad) {
      bad->hint = "see docs/api.md, Upload";
      co_return co_await SendError(s, who, what, *bad, !header.is_done());
    }
    auto writer = service_.BeginAppend(caller, id, *offset, *length);
    if (!writer.ok()) {
      co_return co_await SendError(s, who, what, writer.error(), !header.is_done());
    }
    if (!co_await Continue(s, req)) co_return false;
    http::request_parser<http::buffer_body> parser(std::move(header));
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    // Uninitialised and no larger than the body: zeroing a 256 KiB buffer for every
    // 10 KiB upload (and glibc trimming the heap when it was freed) cost more CPU than
    // reading the body (bench/gateway_load.cc).
    const size_t chunk_size =
        static_cast<size_t>(std::clamp<uint64_t>(*length, 1, options_.limits.read_buffer));
    auto chunk = std::make_unique_for_overwrite<uint8_t[]>(chunk_size);
    beast::error_code ec;
    while (!parser.is_done()) {
      parser.get().body().data = chunk.get();
      parser.get().body().size = chunk_size;
      beast::get_lowest_layer(s.stream).expires_after(options_.limits.body_timeout);
      co_await http::async_read(s.stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        // The connection broke or stalled: what arrived is kept (the writer's destructor
        // makes it durable) and the sender resumes from HEAD's offset.
        Log(who + " " + what + " interrupted at " + std::to_string((*writer)->offset()) + ": " +
            ec.message());
        co_return false;
      }
      size_t got = chunk_size - parser.get().body().size;
      Status wrote = (*writer)->Write(std::span<const uint8_t>(chunk.get(), got));
      if (!wrote.ok()) co_return co_await SendError(s, who, what, wrote.error(), true);
    }
    auto finished = (*writer)->Finish(std::time(nullptr));
    writer->reset();
    if (!finished.ok()) co_return co_await SendError(s, who, what, finished.error(), false);
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Upload-Offset", std::to_string(finished->offset)}, {"Tus-Resumable", kTusVersion}};
    if (finished->receipt) {
      Log(who + " " + what + " -> 201 received " + id);
      co_return co_await SendJson(s, http::status::created, *finished->receipt, true, headers);
    }
    http::response<http::empty_body> res{http::status::no_content, 11};
    for (auto& [name, value] : headers) res.set(name, value);
    co_return co_await Send(s, res, true);
  }

  awaitable<bool> TransferStatus(Session& s, const Caller& caller, const std::string& id,
                                 const std::string& who, const std::string& what, bool has_body) {
    auto record = service_.Status(caller, id);
    if (!record.ok()) co_return co_await SendError(s, who, what, record.error(), has_body);
    uint64_t offset = record->state == TransferState::kReceiving ? 0 : record->envelope_size;
    if (record->state == TransferState::kReceiving && record->sender == caller.eui64) {
      auto progress = service_.Progress(caller, id);
      if (progress.ok()) offset = progress->offset;
    }
    co_return co_await SendJson(s, http::status::ok, TransferViewToJson(ViewOf(*record, offset)),
                                !has_body);
  }

  awaitable<bool> PartyEntry(Session& s, const Caller& caller, const std::string& eui64,
                             const std::string& who, const std::string& what, bool has_body) {
    auto party = service_.Party(caller, eui64);
    if (!party.ok()) co_return co_await SendError(s, who, what, party.error(), has_body);
    co_return co_await SendJson(s, http::status::ok, PartyViewToJson(*party), !has_body);
  }

  awaitable<bool> Inbox(Session& s, const Caller& caller, const std::string& who,
                        const std::string& what, bool has_body) {
    auto records = service_.Inbox(caller);
    if (!records.ok()) co_return co_await SendError(s, who, what, records.error(), has_body);
    std::vector<TransferView> views;
    for (const auto& r : *records) views.push_back(ViewOf(r, r.envelope_size));
    co_return co_await SendJson(s, http::status::ok, InboxToJson(views), !has_body);
  }

  awaitable<bool> DownloadEnvelope(Session& s, const Caller& caller, const std::string& id,
                                   const std::string& who, const std::string& what, bool has_body) {
    auto download = service_.OpenDownload(caller, id);
    if (!download.ok()) co_return co_await SendError(s, who, what, download.error(), has_body);
    http::response<http::buffer_body> res{http::status::ok, 11};
    res.set(http::field::server, "adtgw");
    res.set(http::field::cache_control, "no-store");
    res.set(http::field::content_type, "application/pkcs7-mime");
    res.content_length(download->record.envelope_size);
    res.keep_alive(!has_body && !stopping_);
    http::response_serializer<http::buffer_body> serializer(res);
    beast::error_code ec;
    auto& tcp_stream = beast::get_lowest_layer(s.stream);
    tcp_stream.expires_after(options_.limits.body_timeout);
    res.body().data = nullptr;
    res.body().more = true;
    co_await http::async_write_header(s.stream, serializer,
                                      asio::redirect_error(use_awaitable, ec));
    if (ec) co_return false;
    auto chunk = std::make_unique_for_overwrite<uint8_t[]>(kDownloadChunk);
    uint64_t sent = 0;
    while (!serializer.is_done()) {
      auto n = download->envelope->Read(std::span<uint8_t>(chunk.get(), kDownloadChunk));
      if (!n.ok()) {
        Log(who + " " + what + " read failed: " + n.error().message);
        co_return false;  // the client sees a short body and retries
      }
      res.body().data = *n == 0 ? nullptr : chunk.get();
      res.body().size = *n;
      res.body().more = *n != 0;
      sent += *n;
      tcp_stream.expires_after(options_.limits.body_timeout);
      co_await http::async_write(s.stream, serializer, asio::redirect_error(use_awaitable, ec));
      if (ec == http::error::need_buffer) ec = {};
      if (ec) co_return false;
    }
    if (sent != download->record.envelope_size) co_return false;
    Status marked = service_.MarkDownloaded(caller, id, std::time(nullptr));
    Log(who + " " + what + " -> 200 " + std::to_string(sent) + " bytes" +
        (marked.ok() ? "" : " (" + marked.error().code + ")"));
    co_return res.keep_alive();
  }

  awaitable<bool> AcknowledgeTransfer(Session& s, beast::flat_buffer& buffer,
                                      http::request_parser<http::empty_body>& header,
                                      const Caller& caller, const std::string& id,
                                      const std::string& who, const std::string& what) {
    auto body = co_await ReadJsonBody(s, buffer, header);
    if (!body.ok()) co_return co_await SendError(s, who, what, body.error(), true);
    auto doc = ParseSignedDocument(AsBytes(*body), "acknowledgement");
    if (!doc.ok()) co_return co_await SendError(s, who, what, doc.error(), false);
    auto record = service_.Acknowledge(caller, id, AsBytes(doc->document), AsBytes(doc->signature),
                                       std::time(nullptr));
    if (!record.ok()) co_return co_await SendError(s, who, what, record.error(), false);
    Log(who + " " + what + " -> 200 " + TransferStateName(record->state));
    co_return co_await SendJson(s, http::status::ok,
                                TransferViewToJson(ViewOf(*record, record->envelope_size)), true);
  }

  Options options_;
  asio::io_context io_;
  std::vector<std::unique_ptr<asio::io_context>> session_ios_;  // one per other I/O thread
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> session_work_;
  size_t next_io_ = 0;  // on server_strand_
  asio::ssl::context ctx_;
  TransferService& service_;
  AuditApi& audit_;
  tcp::acceptor acceptor_;
  tcp::acceptor auditor_acceptor_;
  asio::signal_set signals_;
  asio::steady_timer sweep_timer_;
  asio::steady_timer grace_timer_;
  Strand server_strand_;  // the acceptor, signals and timers live on it
  bool cut_ = false;      // on server_strand_
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> active_{0};
  std::atomic<size_t> busy_{0};
  std::mutex sessions_mu_;
  std::list<std::weak_ptr<Session>> sessions_;
};

HttpsServer::HttpsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpsServer::~HttpsServer() = default;

Result<std::unique_ptr<HttpsServer>> HttpsServer::New(Options options, SslCtxPtr tls,
                                                      TransferService& service, AuditApi& audit) {
  // asio's context takes ownership of the SSL_CTX (and frees it).
  asio::ssl::context ctx(tls.release());
  auto impl = std::make_unique<Impl>(std::move(options), std::move(ctx), service, audit);
  ADTGW_TRY(impl->Listen());
  return std::unique_ptr<HttpsServer>(new HttpsServer(std::move(impl)));
}

uint16_t HttpsServer::port() const { return impl_->port(); }
uint16_t HttpsServer::auditor_port() const { return impl_->auditor_port(); }
void HttpsServer::Run() { impl_->Run(); }
void HttpsServer::BeginShutdown() { impl_->BeginShutdown(); }

}  // namespace adtgw
