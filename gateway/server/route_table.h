// The gateway's routes as data: one row per (method, path pattern) with who may call
// it, whether it reads a body, its handler and, for the audit log's routes, the
// resource it reads (docs/architecture.md, section 7, "A route"). The table is the API:
// a request that matches no row is refused, so a route that is not in the table does
// not exist.
//
// Patterns are literal paths with at most one `{name}` segment, which matches one
// non-empty path segment (no '/'); the segment's text is handed to the handler
// unchecked (each handler parses it: StorageKey::Parse, Eui64::Parse). A query string
// (after '?') is only accepted by routes that read one.
//
// Who may call a route is a column, not a position in an if-chain: CheckAudience
// applies it to the listener a request came to and the party that sent it.
//
// The matching is independent of the transport (no Beast types), so it is tested
// without a network (tests/gateway/server/route_table_test.cc). Thread safety: the
// tables are immutable; every function is pure.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "crypto/result.h"
#include "gateway/server/audit_api.h"
#include "gateway/server/transfer_service.h"

namespace adtgw {

// The two listeners of `adtgw serve` (docs/architecture.md, rule 4).
enum class Listener { kParties, kAuditors };

// Who may call a route.
enum class Audience {
  kParty,    // any party the policy names, on the parties' listener
  kWitness,  // any party, on either listener: what a client needs to witness the log
  kAuditor,  // a party with the auditor role, on the auditors' listener only
};

// What a route does with a request body.
enum class BodyUse {
  kIgnored,  // none is expected; one that is sent is left unread and the connection closes
  kRefused,  // a request with a body is refused (http.method_not_allowed)
  kJson,     // a small JSON document, read whole under the JSON body cap
  kStream,   // envelope bytes, streamed by the handler in constant memory
};

// Whether a route reads a query string.
enum class QueryUse { kRefused, kRead };

template <typename Handler>
struct Route {
  std::string_view method;   // "GET", "POST", ...
  std::string_view pattern;  // e.g. "/v1/transfers/{id}/envelope"
  Audience audience;
  BodyUse body;
  QueryUse query;
  Handler handler;
  // The auditors' column: the audit log resource an audit route reads (null for the
  // parties' API).
  AuditResource audit = nullptr;
};

// What a request target resolved to: the row, the text of its `{name}` segment and
// the query string (empty when there is none).
template <typename Handler>
struct RouteMatch {
  const Route<Handler>* route = nullptr;
  std::string param;
  std::string_view query;
};

// Whether `path` (without a query) fits `pattern`; `param` receives the `{name}`
// segment's text.
bool PathMatches(std::string_view pattern, std::string_view path, std::string* param);

// The refusals of the matcher, so that every caller words them alike.
Error NoRoute(std::string_view hint);
Error MethodNotAllowed(std::string_view method, std::string_view hint);

// Where docs/api.md describes a route (its hint on a refusal); `route` may be null.
template <typename Handler>
std::string_view RouteDocs(const Route<Handler>* route) {
  return route != nullptr && route->audience != Audience::kParty ? "see docs/api.md, Audit log"
                                                                 : "see docs/api.md";
}

// The row for `method` and `target`; http.no_route when no row's pattern fits the
// path (or a query is given to a route that reads none), http.method_not_allowed when
// some do but none for this method.
template <typename Handler>
Result<RouteMatch<Handler>> MatchRoute(std::span<const Route<Handler>> table,
                                       std::string_view method, std::string_view target) {
  const size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  // Longer paths are refused unread: no route has one. A query's size is its route's
  // concern (the audit resources cap each parameter).
  constexpr size_t kMaxPath = 256;
  if (path.size() > kMaxPath) return NoRoute(RouteDocs<Handler>(nullptr));
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  const Route<Handler>* path_only = nullptr;
  for (const Route<Handler>& route : table) {
    std::string param;
    if (!PathMatches(route.pattern, path, &param)) continue;
    if (question != std::string_view::npos && route.query == QueryUse::kRefused) continue;
    if (route.method != method) {
      path_only = &route;
      continue;
    }
    return RouteMatch<Handler>{&route, std::move(param), query};
  }
  if (path_only == nullptr) return NoRoute(RouteDocs<Handler>(nullptr));
  return MethodNotAllowed(method, RouteDocs(path_only));
}

// Whether `caller`, on `listener`, may call a route for `audience`:
// audit.auditor_listener_only or audit.not_auditor otherwise; `path` names the
// resource in the message.
Status CheckAudience(Audience audience, Listener listener, const Caller& caller,
                     std::string_view path);

// What routing looks at in a request.
struct RouteRequest {
  std::string_view method;
  std::string_view target;
  Listener listener;
  bool has_body = false;
  bool chunked = false;  // Transfer-Encoding was given
};

// The route `request` takes in `table` for `caller`, or why it is refused: the table's
// match, then the row's columns (who may call it, its body rule), then the request's
// framing (chunked bodies are refused). `refused_route`: the row a refusal concerns,
// or null. Pure: no I/O, no audit entry.
template <typename Handler>
Result<RouteMatch<Handler>> ResolveRoute(std::span<const Route<Handler>> table,
                                         const RouteRequest& request, const Caller& caller,
                                         const Route<Handler>** refused_route) {
  *refused_route = nullptr;
  ADTGW_ASSIGN(RouteMatch<Handler> match,
               MatchRoute<Handler>(table, request.method, request.target));
  const Route<Handler>& route = *match.route;
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

}  // namespace adtgw
