#include "gateway/server/api_router.h"

#include <utility>  // std::exchange, used by asio's awaitable.hpp without including it

#include <cstdlib>
#include <vector>

#include "gateway/audit/audit_entry.h"
#include "gateway/common/http_status.h"
#include "gateway/server/request_gate.h"

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
  const RouteRequest request = RouteRequestOf(body.header, connection.listener);
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
  return ResolveRoute<RouteHandler>(Routes(), request, caller, refused_route);
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

namespace {

// The handler of each operation of kApiRoutes and, for the audit log's, its resource.
struct Operation {
  RouteHandler handler;
  AuditResource audit = nullptr;
};

}  // namespace

std::span<const Route<RouteHandler>> ApiRouter::Routes() {
  // A lambda of a member: the handlers are private.
  auto operation_of = [](ApiOperation op) -> Operation {
    switch (op) {
      case ApiOperation::kInbox:
        return {&ApiRouter::Inbox};
      case ApiOperation::kOfferTransfer:
        return {&ApiRouter::OfferTransfer};
      case ApiOperation::kTransferStatus:
        return {&ApiRouter::TransferStatus};
      case ApiOperation::kUploadOffset:
        return {&ApiRouter::UploadOffset};
      case ApiOperation::kUpload:
        return {&ApiRouter::Upload};
      case ApiOperation::kDownloadEnvelope:
        return {&ApiRouter::DownloadEnvelope};
      case ApiOperation::kAcknowledgeTransfer:
        return {&ApiRouter::AcknowledgeTransfer};
      case ApiOperation::kPartyEntry:
        return {&ApiRouter::PartyEntry};
      case ApiOperation::kAuditCheckpoint:
        return {&ApiRouter::Audit, &AuditApi::Checkpoint};
      case ApiOperation::kAuditConsistency:
        return {&ApiRouter::Audit, &AuditApi::Consistency};
      case ApiOperation::kAuditInclusion:
        return {&ApiRouter::Audit, &AuditApi::Inclusion};
      case ApiOperation::kAuditEntries:
        return {&ApiRouter::Audit, &AuditApi::Entries};
      case ApiOperation::kAuditCheckpoints:
        return {&ApiRouter::Audit, &AuditApi::Checkpoints};
      case ApiOperation::kAuditQuery:
        return {&ApiRouter::Audit, &AuditApi::Query};
      case ApiOperation::kAuditTransferLife:
        return {&ApiRouter::Audit, &AuditApi::TransferLife};
      case ApiOperation::kAuditNoSuchResource:
        return {&ApiRouter::Audit, &AuditApi::NoSuchResource};
    }
    std::abort();  // every operation is above
  };

  static const std::vector<Route<RouteHandler>> routes = [&operation_of] {
    std::vector<Route<RouteHandler>> rows;
    for (const Route<ApiOperation>& row : kApiRoutes) {
      const Operation op = operation_of(row.handler);
      rows.push_back(
          {row.method, row.pattern, row.audience, row.body, row.query, op.handler, op.audit});
    }
    return rows;
  }();
  return routes;
}

}  // namespace adtgw
