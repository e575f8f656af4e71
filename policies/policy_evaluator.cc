#include "policies/policy_evaluator.h"

#include <algorithm>

#include <cstdio>

namespace adtgw {
namespace {

int32_t Lookup(const Policy& policy, const Eui64& eui) {
  auto it = policy.party_by_eui.find(eui);
  return it == policy.party_by_eui.end() ? -1 : static_cast<int32_t>(it->second);
}

int32_t TlsParty(const Policy& policy, const TlsIdentity& tls) {
  auto f = policy.party_by_fingerprint.find(tls.fingerprint);
  if (f != policy.party_by_fingerprint.end()) return static_cast<int32_t>(f->second);
  if (tls.subject.empty()) return -1;
  auto s = policy.party_by_subject.find(tls.subject);
  return s == policy.party_by_subject.end() ? -1 : static_cast<int32_t>(s->second);
}

}  // namespace

int Policy::FileTypeIndex(std::string_view name) const {
  for (size_t i = 0; i < file_types.size(); ++i) {
    if (file_types[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

PolicyDecision Decide(const Policy& policy, const PolicyRequest& request) {
  PolicyDecision d;
  auto deny = [&d](std::string_view reason, std::string_view rule) {
    d.allow = false;
    d.reason = reason;
    d.rule = rule;
    return d;
  };
  int32_t party = TlsParty(policy, request.tls);
  if (party < 0) return deny("policy.unknown_party", "tls-identity");
  d.party = party;
  const PolicyParty& sender = policy.parties[static_cast<size_t>(party)];
  if (sender.eui64 != request.signer) return deny("policy.tls_signer_mismatch", "tls-identity");
  if (sender.read_only()) return deny("policy.read_only", "auditors-read-only");
  int type = policy.FileTypeIndex(request.file_type);
  if (type < 0) return deny("policy.unknown_file_type", "file_types");
  if (request.recipients.empty()) return deny("policy.no_recipient", "recipients");
  for (const Eui64& r : request.recipients) {
    int32_t idx = Lookup(policy, r);
    if (idx < 0) return deny("policy.unknown_recipient", "recipients");
  }

  bool any_rule = false;
  for (const PolicyRule& rule : policy.rules) {
    if (rule.from[static_cast<size_t>(party)] && rule.types.test(static_cast<size_t>(type))) {
      any_rule = true;
      break;
    }
  }
  if (!any_rule) return deny("policy.file_type_not_allowed", "default-deny");

  const PolicyFileType& ft = policy.file_types[static_cast<size_t>(type)];
  const PolicyRule* first_covering = nullptr;
  for (const Eui64& r : request.recipients) {
    size_t idx = static_cast<size_t>(Lookup(policy, r));
    const PolicyRule* covering = nullptr;
    for (const PolicyRule& rule : policy.rules) {
      if (rule.from[static_cast<size_t>(party)] && rule.types.test(static_cast<size_t>(type)) &&
          rule.to[idx]) {
        covering = &rule;
        break;
      }
    }
    if (covering == nullptr) {
      d.subject = static_cast<int32_t>(idx);
      return deny("policy.recipient_not_allowed", "default-deny");
    }
    if (first_covering == nullptr) first_covering = covering;
    if (request.size > ft.max_size) return deny("policy.too_large", ft.limit_label);
    if (covering->max_size != 0 && request.size > covering->max_size) {
      return deny("policy.too_large", covering->name);
    }
    if (!covering->hours.Contains(request.at)) return deny("policy.outside_hours", covering->name);
  }
  if (request.sent_today >= sender.daily_limit) return deny("policy.daily_limit", "daily_limit");
  d.allow = true;
  d.reason = "policy.allowed";
  d.rule = first_covering->name;
  return d;
}

bool AnyRuleLetsSend(const Policy& policy, uint32_t from, uint32_t to) {
  for (const auto& rule : policy.rules) {
    if (rule.from[from] && rule.to[to]) return true;
  }
  return false;
}

bool PolicyParty::MayActFor(const Eui64& user) const {
  return std::binary_search(acts_for.begin(), acts_for.end(), user);
}

bool HoursWindow::Contains(std::time_t t) const {
  long minute = static_cast<long>((t % 86400 + 86400) % 86400) / 60;
  return minute >= from_minute && minute < to_minute;
}

std::string HoursWindow::ToString() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d-%02d:%02d", from_minute / 60, from_minute % 60,
                to_minute / 60, to_minute % 60);
  return buf;
}

const char* PartyRoleName(PartyRole role) {
  switch (role) {
    case PartyRole::kSupplier:
      return "supplier";
    case PartyRole::kNetworkOperator:
      return "network-operator";
    case PartyRole::kDcc:
      return "dcc";
    case PartyRole::kOther:
      return "other";
    case PartyRole::kAuditor:
      return "auditor";
  }
  return "unknown";
}

std::string ExplainDecision(const Policy& policy, const PolicyRequest& request,
                            const PolicyDecision& d) {
  std::string who = d.party >= 0
                        ? policy.parties[static_cast<size_t>(d.party)].eui64.ToString() + " (" +
                              policy.parties[static_cast<size_t>(d.party)].name + ")"
                        : "an unknown TLS client";
  std::string head = std::string(d.allow ? "allowed" : "denied") + ": " + std::string(d.reason) +
                     " (rule " + std::string(d.rule) + "): ";
  std::string type(request.file_type);
  if (d.allow) return head + who + " may send " + type + " to every recipient";
  std::string_view r = d.reason;
  if (r == "policy.unknown_party") return head + "the TLS client certificate is not a party's";
  if (r == "policy.tls_signer_mismatch") {
    return head + "the file is signed by " + request.signer.ToString() +
           " but the TLS connection is " + who;
  }
  if (r == "policy.read_only") return head + who + " is an auditor: read-only";
  if (r == "policy.unknown_file_type") return head + "no file type '" + type + "' in the policy";
  if (r == "policy.no_recipient") return head + "no recipient named";
  if (r == "policy.unknown_recipient") return head + "a recipient is not a party in the policy";
  if (r == "policy.file_type_not_allowed") return head + who + " may not send " + type + " files";
  if (r == "policy.recipient_not_allowed") {
    const PolicyParty& to = policy.parties[static_cast<size_t>(d.subject)];
    return head + who + " may not send " + type + " to " + to.eui64.ToString() + " (" + to.name +
           ")";
  }
  if (r == "policy.too_large") {
    return head + std::to_string(request.size) + " bytes is over the limit of " +
           std::string(d.rule);
  }
  if (r == "policy.outside_hours") return head + "outside the hours the rule allows (UTC)";
  if (r == "policy.daily_limit") {
    return head + who + " has already sent " + std::to_string(request.sent_today) +
           " transfers today (limit " +
           std::to_string(policy.parties[static_cast<size_t>(d.party)].daily_limit) + ")";
  }
  return head;
}

}  // namespace adtgw
