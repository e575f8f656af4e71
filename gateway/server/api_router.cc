#include "gateway/server/api_router.h"

#include <utility>  // std::exchange, used by asio's awaitable.hpp without including it

#include "gateway/audit/audit_entry.h"
#include "gateway/common/http_status.h"

namespace adtgw {

using namespace http_io;  // NOLINT(google-build-using-namespace): this file's own types

namespace {

// The `request` of a refusal's audit entry (docs/audit-log.md, "Entries").
std::string RefusedRequest(std::string_view method, const Route<RouteHandler>* route) {
  if (route != nullptr && route->audience != Audience::kParty) return "GET audit";
  return std::string(method.empty() ? std::string_view("HTTP") : method.substr(0, 20)) + " request";
}

}  // namespace

awaitable<bool> ApiRouter::Handle(HttpConnection& connection, RequestBody& body,
                                  const PeerCertificate& peer) {
  const auto& req = body.header.get();
  const std::string_view method(req.method_string().data(), req.method_string().size());
  const std::string_view target(req.target().data(), req.target().size());
  std::string what = std::string(method) + " " + std::string(target);
  if (what.size() > 300) what.resize(300);
  const bool has_body = body.pending();

  auto caller = service_.Identify(peer);
  if (!caller.ok()) {
    // The service recorded the unknown client (tls.client_refused).
    env_.Log(peer.subject + " " + what + " -> " +
             std::to_string(HttpStatusFor(caller.error().kind)) + " " + caller.error().code);
    co_return co_await connection.SendError(caller.error(), has_body);
  }
  RouteRequest request{method, target, connection.listener, has_body,
                       req.find(http::field::transfer_encoding) != req.end()};
  const Route<RouteHandler>* refused_route = nullptr;
  auto match = Resolve(request, *caller, &refused_route);
  if (!match.ok()) {
    NoteRefusal(caller->eui64.ToString() + " " + what,
                RequestRefusal{
                    caller->eui64, {}, RefusedRequest(method, refused_route), match.error().code},
                match.error());
    co_return co_await connection.SendError(match.error(), has_body);
  }
  RequestContext ctx{connection, *caller, *match, body, std::move(what)};
  co_return co_await (this->*match->route->handler)(ctx);
}

Result<RouteMatch<RouteHandler>> ApiRouter::Resolve(const RouteRequest& request,
                                                    const Caller& caller,
                                                    const Route<RouteHandler>** refused_route) {
  ADTGW_ASSIGN(RouteMatch<RouteHandler> match,
               MatchRoute<RouteHandler>(Routes(), request.method, request.target));
  const Route<RouteHandler>& route = *match.route;
  *refused_route = &route;
  const std::string_view path = request.target.substr(0, request.target.find('?'));
  ADTGW_TRY(CheckAudience(route.audience, request.listener, caller, path));
  if (route.body == BodyUse::kRefused && request.has_body) {
    return MakeError(ErrorKind::kUsage, "http.method_not_allowed",
                     "this resource is read with a GET without a body",
                     std::string(RouteDocs(&route)));
  }
  if (request.chunked) {
    return MakeError(ErrorKind::kUsage, "http.length_required",
                     "chunked request bodies are not accepted; send Content-Length");
  }
  *refused_route = nullptr;
  return match;
}

awaitable<bool> ApiRouter::RefuseUnrouted(HttpConnection& connection, const PeerCertificate& peer,
                                          const Error& error) {
  NoteRefusal(peer.subject + " request",
              RequestRefusal{std::nullopt, peer.subject.substr(0, 200), RefusedRequest({}, nullptr),
                             error.code},
              error);
  co_return co_await connection.SendError(error, /*body_pending=*/true);
}

void ApiRouter::NoteRefusal(const std::string& label, const RequestRefusal& refusal,
                            const Error& error) {
  env_.Log(label + " -> " + std::to_string(HttpStatusFor(error.kind)) + " " + error.code);
  Record(refusal);
}

awaitable<bool> ApiRouter::RefuseRouted(RequestContext& ctx, const Error& error,
                                        bool body_pending) {
  NoteRefusal(ctx.label(),
              RequestRefusal{ctx.caller.eui64,
                             {},
                             RefusedRequest(ctx.route.route->method, ctx.route.route),
                             error.code},
              error);
  co_return co_await ctx.connection.SendError(error, body_pending);
}

awaitable<bool> ApiRouter::Answer(RequestContext& ctx, const Error& error, bool body_pending) {
  env_.Log(ctx.label() + " -> " + std::to_string(HttpStatusFor(error.kind)) + " " + error.code);
  co_return co_await ctx.connection.SendError(error, body_pending);
}

void ApiRouter::Record(const RequestRefusal& refusal) {
  AuditEntry e;
  e.at = std::time(nullptr);
  e.event = audit_event::kRequestRefused;
  e.actor = refusal.party;
  e.peer = refusal.peer;
  e.request = refusal.request;
  e.reason = refusal.reason;
  Status logged = service_.RecordEvent(std::move(e));
  if (!logged.ok()) env_.Log("audit log: " + logged.error().code + ": " + logged.error().message);
}

awaitable<bool> ApiRouter::Audit(RequestContext& ctx) {
  auto answer = (audit_.*ctx.route.route->audit)(AuditRequest{ctx.route.query, ctx.route.param});
  if (!answer.ok()) co_return co_await RefuseRouted(ctx, answer.error(), false);
  if (answer->next_chunk) {
    const std::string label = ctx.label();
    co_return co_await ctx.connection.SendStreamed(*answer, label);
  }
  http::response<http::string_body> res{static_cast<http::status>(answer->status), 11};
  res.set(http::field::content_type, answer->content_type);
  res.body() = std::move(answer->body);
  co_return co_await ctx.connection.Send(res, true);
}

// The whole API of both listeners (docs/api.md). A request no row matches does not
// reach any handler.
const Route<RouteHandler> ApiRouter::kRoutes[] = {
    // method, pattern, who may call it, request body, query string, handler[, audit resource]
    {"GET", "/v1/inbox", Audience::kParty, BodyUse::kIgnored, QueryUse::kRefused,
     &ApiRouter::Inbox},
    {"POST", "/v1/transfers", Audience::kParty, BodyUse::kJson, QueryUse::kRefused,
     &ApiRouter::OfferTransfer},
    {"GET", "/v1/transfers/{id}", Audience::kParty, BodyUse::kIgnored, QueryUse::kRefused,
     &ApiRouter::TransferStatus},
    {"HEAD", "/v1/transfers/{id}/envelope", Audience::kParty, BodyUse::kIgnored, QueryUse::kRefused,
     &ApiRouter::UploadOffset},
    {"PATCH", "/v1/transfers/{id}/envelope", Audience::kParty, BodyUse::kStream, QueryUse::kRefused,
     &ApiRouter::Upload},
    {"GET", "/v1/transfers/{id}/envelope", Audience::kParty, BodyUse::kIgnored, QueryUse::kRefused,
     &ApiRouter::DownloadEnvelope},
    {"POST", "/v1/transfers/{id}/acknowledgement", Audience::kParty, BodyUse::kJson,
     QueryUse::kRefused, &ApiRouter::AcknowledgeTransfer},
    {"GET", "/v1/parties/{eui64}", Audience::kParty, BodyUse::kIgnored, QueryUse::kRefused,
     &ApiRouter::PartyEntry},
    // The audit log: witnessed by every party, read whole by auditors.
    {"GET", "/v1/audit/checkpoint", Audience::kWitness, BodyUse::kRefused, QueryUse::kRead,
     &ApiRouter::Audit, &AuditApi::Checkpoint},
    {"GET", "/v1/audit/consistency", Audience::kWitness, BodyUse::kRefused, QueryUse::kRead,
     &ApiRouter::Audit, &AuditApi::Consistency},
    {"GET", "/v1/audit/inclusion", Audience::kAuditor, BodyUse::kRefused, QueryUse::kRead,
     &ApiRouter::Audit, &AuditApi::Inclusion},
    {"GET", "/v1/audit/entries", Audience::kAuditor, BodyUse::kRefused, QueryUse::kRead,
     &ApiRouter::Audit, &AuditApi::Entries},
    {"GET", "/v1/audit/checkpoints", Audience::kAuditor, BodyUse::kRefused, QueryUse::kRead,
     &ApiRouter::Audit, &AuditApi::Checkpoints},
    {"GET", "/v1/audit/query", Audience::kAuditor, BodyUse::kRefused, QueryUse::kRead,
     &ApiRouter::Audit, &AuditApi::Query},
    {"GET", "/v1/audit/transfers/{id}", Audience::kAuditor, BodyUse::kRefused, QueryUse::kRead,
     &ApiRouter::Audit, &AuditApi::TransferLife},
    // Last: an audit resource that is not above is still the auditors' to be told so.
    {"GET", "/v1/audit/{name}", Audience::kAuditor, BodyUse::kRefused, QueryUse::kRead,
     &ApiRouter::Audit, &AuditApi::NoSuchResource},
};

std::span<const Route<RouteHandler>> ApiRouter::Routes() { return kRoutes; }

}  // namespace adtgw
