#include "gateway/server/https_server.h"

#include <utility>  // std::exchange, used by asio's awaitable.hpp without including it

#include <openssl/ssl.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "certs/distinguished_name.h"
#include "certs/trust_store.h"
#include "gateway/server/api_router.h"
#include "gateway/server/handshake_budget.h"
#include "gateway/server/handshake_refusals.h"
#include "gateway/server/http_connection.h"
#include "gateway/server/request_gate.h"
#include "gateway/transfer/api_messages.h"

namespace adtgw {

using namespace http_io;  // NOLINT(google-build-using-namespace): this file's own types

namespace {

constexpr size_t kMaxBusySessions = 64;
// Pre-authentication refusals are summarised once a window (handshake_refusals.h).
constexpr std::chrono::seconds kRefusalWindow{60};
// Descriptors the gateway needs besides its connections: databases, logs, listeners.
constexpr rlim_t kDescriptorReserve = 64;

// accept() failures that last until a connection ends: the pending connection stays
// queued, so accepting again at once would fail again at once.
bool OutOfDescriptors(const boost::system::error_code& ec) {
  return ec == boost::asio::error::no_descriptors || ec.value() == ENFILE ||
         ec == boost::asio::error::no_buffer_space || ec == boost::asio::error::no_memory;
}

}  // namespace

class HttpsServer::Impl {
 public:
  Impl(Options options, asio::ssl::context ctx, TransferService& service, AuditApi& audit)
      : options_(std::move(options)),
        handshakes_(options_.limits.max_handshakes, options_.limits.max_handshakes_per_address),
        ctx_(std::move(ctx)),
        service_(service),
        router_(service, audit, env_),
        acceptor_(io_),
        auditor_acceptor_(io_),
        signals_(io_, SIGTERM, SIGINT, SIGHUP),
        sweep_timer_(io_),
        grace_timer_(io_),
        refusal_timer_(io_),
        server_strand_(asio::make_strand(io_)) {
    env_.limits = options_.limits;
    env_.log = options_.log;
    for (size_t i = 1; i < options_.limits.threads; ++i) {
      session_ios_.push_back(std::make_unique<asio::io_context>(1));
      session_work_.push_back(asio::make_work_guard(*session_ios_.back()));
      // Makes the context's reactor now. Made lazily, by the first connection dealt to
      // it, it would need descriptors (epoll, eventfd, timerfd) just when they may have
      // run out, and its failure would throw out of the accept loop and end the server.
      tcp::socket reactor_now(*session_ios_.back());
    }
  }

  Status Listen() {
    RaiseDescriptorLimit();
    ADTGW_TRY(Listen(acceptor_, options_.host, options_.port));
    return Listen(auditor_acceptor_, options_.auditor_host, options_.auditor_port);
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  uint16_t auditor_port() const { return auditor_acceptor_.local_endpoint().port(); }

  void Run() {
    asio::co_spawn(server_strand_, Accept(acceptor_, Listener::kParties), asio::detached);
    asio::co_spawn(server_strand_, Accept(auditor_acceptor_, Listener::kAuditors), asio::detached);
    WaitForSignal();
    ScheduleSweep();
    ScheduleRefusalSummary();
    std::vector<std::thread> threads;
    for (auto& io : session_ios_) threads.emplace_back([&io] { io->run(); });
    io_.run();
    for (auto& t : threads) t.join();
    // The last window's refusals, so that no count is lost at a stop.
    SummariseRefusals();
    HandshakeRefusals::Counts totals = refusals_.totals();
    if (totals.total() > 0) {
      Log("refused before authentication since the start: " + std::to_string(totals.failed) +
          " failed TLS handshake(s), " +
          std::to_string(totals.over_budget + totals.over_address_budget) +
          " connection(s) closed over the handshake budget");
    }
  }

  void BeginShutdown() {
    asio::post(server_strand_, [this] {
      if (env_.stopping.exchange(true)) return;
      Log("shutting down: no new connections; " + std::to_string(active_.load()) +
          " connection(s) finishing");
      beast::error_code ec;
      acceptor_.close(ec);
      auditor_acceptor_.close(ec);
      signals_.cancel(ec);
      sweep_timer_.cancel();
      refusal_timer_.cancel();
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

  void Log(const std::string& line) { env_.Log(line); }

  // Shutdown: polls (bounded by the grace period, then by the cut connections ending)
  // until no connection is left, so that io_.run() returns.
  void WaitForSessions(std::chrono::steady_clock::time_point deadline) {
    grace_timer_.expires_after(std::chrono::milliseconds(100));
    grace_timer_.async_wait(
        asio::bind_executor(server_strand_, [this, deadline](beast::error_code) {
          if (active_ + busy_ + handshakes_.in_handshake() == 0) {
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
      if (!ec && !env_.stopping) ScheduleSweep();
    }));
  }

  // Every window: one line of the operational log and at most
  // HandshakeRefusals::kSourcesPerWindow + 1 audit entries (docs/audit-log.md).
  void ScheduleRefusalSummary() {
    refusal_timer_.expires_after(kRefusalWindow);
    refusal_timer_.async_wait(asio::bind_executor(server_strand_, [this](beast::error_code ec) {
      if (ec || env_.stopping) return;
      SummariseRefusals();
      ScheduleRefusalSummary();
    }));
  }

  void SummariseRefusals() {
    HandshakeRefusals::Window window = refusals_.Take();
    if (accept_failures_ > 0) {
      Log("accept failed " + std::to_string(accept_failures_.exchange(0)) +
          " time(s) for want of file descriptors or memory; connections waited in the queue");
    }
    if (window.empty()) return;
    Log(HandshakeSummaryLine(window));
    for (AuditEntry& e : HandshakeSummaryEntries(window, std::time(nullptr))) {
      Status logged = service_.RecordEvent(std::move(e));
      if (!logged.ok()) {
        Log("audit log: " + logged.error().code + ": " + logged.error().message);
        break;
      }
    }
  }

  // The connections the limits allow hold a descriptor each, a session up to two (its
  // socket and the envelope it reads or writes): raise the soft limit that far if the
  // hard limit allows, and say so if it does not, since accept() then fails for want of
  // descriptors before the budgets are reached.
  void RaiseDescriptorLimit() {
    const ServerLimits& l = options_.limits;
    const rlim_t wanted = 2 * l.max_connections + l.max_handshakes + kMaxBusySessions +
                          2 * l.threads + kDescriptorReserve;
    rlimit now{};
    if (getrlimit(RLIMIT_NOFILE, &now) != 0 || now.rlim_cur >= wanted) return;
    rlimit raised = now;
    raised.rlim_cur = std::min(wanted, now.rlim_max);
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) now = raised;
    if (now.rlim_cur < wanted) {
      Log("warning: at most " + std::to_string(now.rlim_cur) +
          " open files, and the limits can use " + std::to_string(wanted) +
          ": raise the limit (LimitNOFILE=) or lower max_connections and max_handshakes");
    }
  }

  // Before any TLS work: the socket is reset (no TIME_WAIT left behind) and counted.
  void RefuseBeforeHandshake(tcp::socket& socket, const std::string& source,
                             HandshakeBudget::Refusal why) {
    const bool per_address = why == HandshakeBudget::Refusal::kPerAddress;
    if (refusals_.Count(source, per_address ? HandshakeRefusal::kOverAddressBudget
                                            : HandshakeRefusal::kOverBudget)) {
      Log("connection from " + source + " closed before its handshake: " +
          (per_address
               ? std::to_string(options_.limits.max_handshakes_per_address) +
                     " handshakes from its address in progress"
               : std::to_string(options_.limits.max_handshakes) + " handshakes in progress"));
    }
    beast::error_code ec;
    socket.set_option(asio::socket_base::linger(true, 0), ec);
    socket.close(ec);
  }

  void CloseSessions(bool idle_only) {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    for (auto& weak : sessions_) {
      std::shared_ptr<HttpConnection> s = weak.lock();
      if (!s) continue;
      asio::post(s->strand, [s, idle_only] {
        if (idle_only && !s->idle) return;
        beast::get_lowest_layer(s->stream).close();
      });
    }
  }

  awaitable<void> Accept(tcp::acceptor& acceptor, Listener listener) {
    for (;;) {
      // Each connection lives on one I/O thread's own context: its completions never hop
      // to another thread.
      size_t pick = next_io_++ % (session_ios_.size() + 1);
      Strand strand = asio::make_strand(pick == 0 ? io_ : *session_ios_[pick - 1]);
      beast::error_code ec;
      tcp::socket socket =
          co_await acceptor.async_accept(strand, asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (env_.stopping || ec == asio::error::operation_aborted) co_return;
        if (OutOfDescriptors(ec)) {
          // Wait for connections to end rather than spin; counted, summarised per window.
          if (accept_failures_++ == 0) Log("accept failed: " + ec.message());
          asio::steady_timer pause(server_strand_, std::chrono::milliseconds(100));
          co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
        }
        continue;  // e.g. a connection reset while queued: the next accept may succeed
      }
      tcp::endpoint peer = socket.remote_endpoint(ec);
      if (ec) continue;  // gone already
      const std::string source = SourceKey(peer.address());
      // Until its handshake completes a connection holds a slot of the handshake budget,
      // never a session's (handshake_budget.h).
      HandshakeBudget::Refusal why = HandshakeBudget::Refusal::kNone;
      std::unique_ptr<HandshakeBudget::Slot> slot = handshakes_.Admit(source, &why);
      if (!slot) {
        RefuseBeforeHandshake(socket, source, why);
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);  // answers are whole; send them at once
      auto s = std::make_shared<HttpConnection>(std::move(socket), ctx_, strand, listener, env_);
      {
        std::lock_guard<std::mutex> lock(sessions_mu_);
        sessions_.remove_if([](const std::weak_ptr<HttpConnection>& w) { return w.expired(); });
        sessions_.push_back(s);
      }
      asio::co_spawn(strand, Serve(s, std::move(slot)), asio::detached);
    }
  }

  // ---- connections -------------------------------------------------------------------

  // An authenticated connection over the session limit: read the request, answer 503
  // and close cleanly (closing with the request unread would reset the connection
  // before the client could read the answer); beyond kMaxBusySessions, just close.
  awaitable<void> Busy(HttpConnection& s) {
    if (busy_.fetch_add(1) >= kMaxBusySessions) {
      --busy_;
      co_return;
    }
    beast::error_code ec;
    auto& tcp_stream = beast::get_lowest_layer(s.stream);
    {
      beast::flat_buffer buffer;
      RequestHeaderParser header;
      LimitRequestHeader(header, options_.limits);
      tcp_stream.expires_after(options_.limits.header_timeout);
      co_await http::async_read_header(s.stream, buffer, header,
                                       asio::redirect_error(use_awaitable, ec));
    }
    if (!ec) {
      std::string body = ErrorToJson(MakeError(
          ErrorKind::kUnavailable, "http.busy",
          "the gateway is serving its maximum number of connections", "retry in a few seconds"));
      Headers retry;
      retry.emplace_back("Retry-After", "5");
      co_await s.SendJson(http::status::service_unavailable, body, false, std::move(retry));
      tcp_stream.expires_after(std::chrono::seconds(2));
      co_await s.stream.async_shutdown(asio::redirect_error(use_awaitable, ec));
    }
    --busy_;
  }

  // A handshake that failed proves nothing about who tried (a certificate that did not
  // verify names whoever its maker chose): pre-authentication noise, counted and
  // summarised, never an audit entry of its own (docs/audit-log.md).
  void NoteHandshakeFailed(HttpConnection& s, const std::string& source,
                           const beast::error_code& ec) {
    if (!refusals_.Count(source, HandshakeRefusal::kFailed)) return;
    std::string line = "tls handshake refused from " + source + ": " + ec.message();
    X509* presented = SSL_get0_peer_certificate(s.stream.native_handle());
    if (presented != nullptr) {
      line += " (unverified certificate " + SubjectText(presented).substr(0, 200) + ")";
    }
    Log(line);
  }

  awaitable<void> Serve(std::shared_ptr<HttpConnection> s,
                        std::unique_ptr<HandshakeBudget::Slot> slot) {
    beast::error_code ec;
    auto& tcp_stream = beast::get_lowest_layer(s->stream);
    tcp_stream.expires_after(options_.limits.handshake_timeout);
    s->idle = true;  // a shutdown closes connections still in their handshake
    co_await s->stream.async_handshake(asio::ssl::stream_base::server,
                                       asio::redirect_error(use_awaitable, ec));
    s->idle = false;
    const std::string source = slot->source();
    slot.reset();  // the handshake is over, either way
    if (ec) {
      // Unknown CA, no certificate, old protocol, timeout: the TLS alert told the client.
      NoteHandshakeFailed(*s, source, ec);
      co_return;
    }
    X509* cert = SSL_get0_peer_certificate(s->stream.native_handle());
    if (cert == nullptr) co_return;  // the context requires one; fail closed regardless
    PeerCertificate peer{CertificateSha256(cert), SubjectText(cert),
                         CanonicalNameKey(X509_get_subject_name(cert))};
    // Authenticated: from here the connection is a session, and takes a session slot.
    if (active_.fetch_add(1) >= options_.limits.max_connections) {
      --active_;
      co_await Busy(*s);
      co_return;
    }
    struct Session {
      std::atomic<size_t>& n;
      explicit Session(std::atomic<size_t>& count) : n(count) {}
      ~Session() { --n; }
    } session(active_);

    beast::flat_buffer buffer;
    buffer.reserve(options_.limits.read_buffer);
    bool first = true;
    for (;;) {
      if (buffer.size() == 0) {
        s->idle = true;
        if (env_.stopping) break;
        tcp_stream.expires_after(first ? options_.limits.header_timeout
                                       : options_.limits.idle_timeout);
        size_t n = co_await s->stream.async_read_some(buffer.prepare(options_.limits.read_buffer),
                                                      asio::redirect_error(use_awaitable, ec));
        s->idle = false;
        if (ec) break;
        buffer.commit(n);
      }
      first = false;
      RequestHeaderParser header;
      LimitRequestHeader(header, options_.limits);
      tcp_stream.expires_after(options_.limits.header_timeout);
      const size_t header_bytes = co_await http::async_read_header(
          s->stream, buffer, header, asio::redirect_error(use_awaitable, ec));
      // Too large or malformed gets an answer; a closed, stalled or cancelled
      // connection nothing.
      if (auto refusal = HeaderReadRefusal(ec, header_bytes, options_.limits)) {
        co_await router_.RefuseUnrouted(*s, peer, *refusal);
        break;
      }
      if (ec) break;
      RequestBody body{buffer, header};
      bool keep = co_await router_.Handle(*s, body, peer);
      if (!keep) break;
    }
    tcp_stream.expires_after(std::chrono::seconds(2));
    co_await s->stream.async_shutdown(asio::redirect_error(use_awaitable, ec));
  }

  Options options_;
  // Before the I/O contexts: a connection's coroutine, destroyed with its context,
  // releases its handshake slot and may count a refusal.
  HandshakeBudget handshakes_;
  HandshakeRefusals refusals_;
  asio::io_context io_;
  std::vector<std::unique_ptr<asio::io_context>> session_ios_;  // one per other I/O thread
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> session_work_;
  size_t next_io_ = 0;  // on server_strand_
  asio::ssl::context ctx_;
  ConnectionEnvironment env_;  // shared by every connection; before router_, which borrows it
  TransferService& service_;   // records the refusal summaries
  ApiRouter router_;
  std::atomic<size_t> accept_failures_{0};  // for want of descriptors, this window
  tcp::acceptor acceptor_;
  tcp::acceptor auditor_acceptor_;
  asio::signal_set signals_;
  asio::steady_timer sweep_timer_;
  asio::steady_timer grace_timer_;
  asio::steady_timer refusal_timer_;
  Strand server_strand_;  // the acceptor, signals and timers live on it
  bool cut_ = false;      // on server_strand_
  std::atomic<size_t> active_{0};
  std::atomic<size_t> busy_{0};
  std::mutex sessions_mu_;
  std::list<std::weak_ptr<HttpConnection>> sessions_;
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
