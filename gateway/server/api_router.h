// ApiRouter: from a parsed request header to a handler's answer, for both listeners
// (docs/api.md; docs/architecture.md, section 7, "A route"). It identifies the caller
// (TransferService::Identify), finds the request's row in the route table (Routes()),
// applies the row's columns (who may call it, what it does with a body) and calls the
// row's handler with one RequestContext. The transport (https_server.cc) accepts,
// handshakes, reads headers and enforces timers and limits; it never routes.
//
// Refusals: every refusal the HTTP layer or the audit API makes (no route, method,
// body rules, bad audit queries, the auditor rule) is recorded in the audit log as a
// typed RequestRefusal, once. A TransferService error is answered without recording
// it again: the service records its own decisions.
//
// Ownership: borrows the service, the audit API and the connection environment, which
// outlive it. Thread safety: Handle may run on any number of connections at once; the
// router holds no mutable state.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "gateway/server/api_routes.h"
#include "gateway/server/audit_api.h"
#include "gateway/server/http_connection.h"
#include "gateway/server/route_table.h"
#include "gateway/server/transfer_service.h"

namespace adtgw {

// A request refused before or instead of reaching the service: who made it (a party,
// or, before one could be named, the TLS subject), which operation, and the reason
// code. Recorded as a request.refused audit entry.
struct RequestRefusal {
  std::optional<Eui64> party;
  std::string peer;     // the TLS subject, when no party was named
  std::string request;  // "GET audit", "PATCH request", ...
  std::string reason;   // the error code
};

class ApiRouter;
struct RequestContext;
using RouteHandler = http_io::awaitable<bool> (ApiRouter::*)(RequestContext&);

// What a handler is given: the connection, the authenticated caller, the route it
// matched (with the `{name}` segment and the query) and the request's body.
struct RequestContext {
  HttpConnection& connection;
  const Caller& caller;
  const RouteMatch<RouteHandler>& route;
  RequestBody& body;
  std::string what;  // "METHOD target", capped: names the request in the operational log

  const std::string& param() const { return route.param; }
  // The caller's EUI-64 and the request, as the operational log shows them.
  std::string label() const { return caller.eui64.ToString() + " " + what; }
};

class ApiRouter {
 public:
  ApiRouter(TransferService& service, AuditApi& audit, const ConnectionEnvironment& env)
      : service_(service), audit_(audit), env_(env) {}

  // The route table: every resource of both listeners, the rows of kApiRoutes
  // (api_routes.h) with their handlers.
  static std::span<const Route<RouteHandler>> Routes();

  // ResolveRoute (route_table.h) in Routes(): Handle records the refusal.
  static Result<RouteMatch<RouteHandler>> Resolve(const RouteRequest& request, const Caller& caller,
                                                  const Route<RouteHandler>** refused_route);

  // Serves one request whose header has been read; true when the connection may serve
  // another.
  http_io::awaitable<bool> Handle(HttpConnection& connection, RequestBody& body,
                                  const PeerCertificate& peer);

  // A request the transport refused before it could be routed (headers too large,
  // malformed): recorded for the TLS subject, then answered.
  http_io::awaitable<bool> RefuseUnrouted(HttpConnection& connection, const PeerCertificate& peer,
                                          const Error& error);

 private:
  // Logs a refusal under `label` and records it (request.refused). Not a coroutine:
  // with g++ 12, a RequestRefusal built inside a co_await expression and passed by
  // value to a coroutine was freed twice (free(): invalid size), so refusals are built
  // and recorded before the answer is awaited.
  void NoteRefusal(const std::string& label, const RequestRefusal& refusal, const Error& error);
  // Answers an error without recording it: the service records its own decisions, and
  // a signed document's malformed JSON wrapper is not an audit event (docs/audit-log.md).
  http_io::awaitable<bool> Answer(RequestContext& ctx, const Error& error, bool body_pending);
  // Refuses a request that matched a route, for a reason of the HTTP layer.
  http_io::awaitable<bool> RefuseRouted(RequestContext& ctx, const Error& error, bool body_pending);
  void Record(const RequestRefusal& refusal);

  // The parties' API (transfer_routes.cc).
  http_io::awaitable<bool> Inbox(RequestContext& ctx);
  http_io::awaitable<bool> OfferTransfer(RequestContext& ctx);
  http_io::awaitable<bool> TransferStatus(RequestContext& ctx);
  http_io::awaitable<bool> UploadOffset(RequestContext& ctx);
  http_io::awaitable<bool> Upload(RequestContext& ctx);
  http_io::awaitable<bool> DownloadEnvelope(RequestContext& ctx);
  http_io::awaitable<bool> AcknowledgeTransfer(RequestContext& ctx);
  http_io::awaitable<bool> PartyEntry(RequestContext& ctx);

  // The audit log's routes: answers with the row's audit resource.
  http_io::awaitable<bool> Audit(RequestContext& ctx);

  TransferService& service_;
  AuditApi& audit_;
  const ConnectionEnvironment& env_;
};

}  // namespace adtgw
