// HttpsServer: the gateway's transport: two mutual-TLS HTTP/1.1 listeners on
// Boost.Beast (docs/architecture.md, section 6) that accept, handshake, read request headers and
// enforce timers, limits, threads and shutdown. It never routes: each request header
// goes to an ApiRouter (api_router.h), whose route table maps it to a handler that
// calls the TransferService or the AuditApi (docs/architecture.md, section 6).
//
// Every connection: TLS handshake within the handshake timer, with a client certificate
// that chains to the DCCKI anchors (crypto/tls_context.h); its certificate is mapped to
// a party per request under the current policy, so a policy reload applies at once.
// Requests: headers capped (16 KiB by default) and read within the header timer; JSON
// bodies capped; envelope bodies streamed to the document store in constant memory,
// with `Expect: 100-continue` answered only after the request has been authorised;
// the body timer ends a stalled upload (what arrived stays durable, for resumption).
// Until its handshake completes, a connection holds a slot of the handshake budget
// (max_handshakes, max_handshakes_per_address; handshake_budget.h), and one it cannot
// admit is closed at once, before any TLS work; only an authenticated connection takes
// one of the max_connections session slots, and beyond them a client gets 503. When
// accept() runs out of descriptors, the loop waits instead of spinning.
//
// Signals: SIGTERM and SIGINT begin a graceful shutdown (stop accepting, close idle
// connections, let requests in flight finish for shutdown_grace, then cut them: an
// upload cut short stays resumable); SIGHUP calls on_reload.
//
// A second listener serves the auditors (docs/architecture.md, rule 4): read-only
// resources of the audit log (audit_api.h), nothing else; which routes each listener
// serves is a column of the route table. Malformed requests of authenticated peers are
// recorded in the audit log (http.busy is not: under overload the log would only add
// load); refusals before authentication (failed handshakes, connections over the
// handshake budget) are counted and summarised once a minute, in at most 9 audit
// entries (handshake_refusals.h, docs/audit-log.md, "What the log records").
//
// Threads: Run() blocks on the calling thread plus limits.threads - 1 others, each with
// its own asio context; connections are dealt to them in turn and stay on theirs, so a
// connection's completions never hop between threads (each hop is a thread wake-up,
// and on a small VM a stream of 16 KiB TLS records cost three times the CPU that way).
// The price: a connection's blocking work (an fsync, the audit log's commit) holds up
// the other connections dealt to the same thread until it is done, hence a default of
// more threads than cores (gateway_config.h).
//
// Ownership: the server borrows the TransferService and the AuditApi. Thread safety:
// BeginShutdown() may be called from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "crypto/ossl_ptr.h"
#include "crypto/result.h"
#include "gateway/server/audit_api.h"
#include "gateway/server/gateway_config.h"
#include "gateway/server/transfer_service.h"

namespace adtgw {

class HttpsServer {
 public:
  struct Options {
    std::string host;
    uint16_t port = 0;
    std::string auditor_host;  // the auditors' listener
    uint16_t auditor_port = 0;
    ServerLimits limits;
    std::function<void()> on_reload;              // SIGHUP, on an I/O thread
    std::function<void()> periodic;               // every limits.retention_sweep
    std::function<void(const std::string&)> log;  // one line per event
  };

  // Binds and listens (port 0: any free port); `tls` is a server context from
  // NewTlsServerContext.
  static Result<std::unique_ptr<HttpsServer>> New(Options options, SslCtxPtr tls,
                                                  TransferService& service, AuditApi& audit);
  ~HttpsServer();

  uint16_t port() const;
  uint16_t auditor_port() const;
  void Run();
  void BeginShutdown();

 private:
  class Impl;
  explicit HttpsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace adtgw
