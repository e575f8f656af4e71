#include "gateway/server/route_table.h"

namespace adtgw {

bool PathMatches(std::string_view pattern, std::string_view path, std::string* param) {
  const size_t open = pattern.find('{');
  if (open == std::string_view::npos) return pattern == path;
  const size_t close = pattern.find('}', open);
  const std::string_view before = pattern.substr(0, open);
  const std::string_view after = pattern.substr(close + 1);
  if (path.size() <= before.size() + after.size()) return false;  // the segment is not empty
  if (path.substr(0, before.size()) != before) return false;
  if (path.substr(path.size() - after.size()) != after) return false;
  const std::string_view segment =
      path.substr(before.size(), path.size() - before.size() - after.size());
  if (segment.find('/') != std::string_view::npos) return false;
  *param = std::string(segment);
  return true;
}

Error NoRoute(std::string_view hint) {
  return MakeError(ErrorKind::kNotFound, "http.no_route", "no such API resource",
                   std::string(hint));
}

Error MethodNotAllowed(std::string_view method, std::string_view hint) {
  return MakeError(ErrorKind::kUsage, "http.method_not_allowed",
                   std::string(method.substr(0, 20)) + " is not allowed here", std::string(hint));
}

Status CheckAudience(Audience audience, Listener listener, const Caller& caller,
                     std::string_view path) {
  switch (audience) {
    case Audience::kWitness:
      return OkStatus();
    case Audience::kParty:
      if (listener == Listener::kParties) return OkStatus();
      return MakeError(ErrorKind::kNotFound, "http.no_route",
                       "the auditors' listener serves /v1/audit/ only",
                       "see docs/api.md, Audit log");
    case Audience::kAuditor:
      break;
  }
  if (listener != Listener::kAuditors) {
    return MakeError(ErrorKind::kDenied, "audit.auditor_listener_only",
                     std::string(path.substr(0, 50)) + " is served on the auditors' listener only",
                     "auditors use the gateway's auditor_listen address (adtgw audit ...)");
  }
  const PolicyParty& party = caller.policy->parties[caller.party];
  if (!party.roles.test(static_cast<size_t>(PartyRole::kAuditor))) {
    return MakeError(ErrorKind::kDenied, "audit.not_auditor",
                     caller.eui64.ToString() + " does not have the auditor role in the policy",
                     "the audit log's entries are for DCC auditors");
  }
  return OkStatus();
}

}  // namespace adtgw
