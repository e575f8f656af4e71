// `adtgw policy check` and `adtgw policy explain` (docs/policy.md).
#include <cpprest/json.h>

#include <iostream>

#include "crypto/encoding.h"
#include "gateway/cli/commands.h"
#include "policies/policy_evaluator.h"
#include "policies/policy_loader.h"

namespace adtgw {
namespace {

using web::json::value;

struct CheckFlags {
  std::string file;
  bool json = false;
};

Status RunCheck(const CheckFlags& f) {
  ADTGW_ASSIGN(std::shared_ptr<const Policy> policy, LoadPolicyFile(f.file));
  size_t by_role[kPartyRoleCount] = {};
  for (const auto& p : policy->parties) {
    for (size_t r = 0; r < kPartyRoleCount; ++r) by_role[r] += p.roles.test(r) ? 1 : 0;
  }
  std::string hash = ToHex(policy->canonical_sha256);
  if (f.json) {
    value v = value::object();
    v["file"] = value::string(f.file);
    v["valid"] = value::boolean(true);
    v["deployment"] = value::string(policy->deployment);
    v["sha256"] = value::string(hash);
    v["parties"] = value::number(static_cast<uint64_t>(policy->parties.size()));
    v["rules"] = value::number(static_cast<uint64_t>(policy->rules.size()));
    v["retention_days"] = value::number(policy->retention_days);
    value roles = value::object();
    for (size_t r = 0; r < kPartyRoleCount; ++r) {
      roles[PartyRoleName(static_cast<PartyRole>(r))] =
          value::number(static_cast<uint64_t>(by_role[r]));
    }
    v["parties_by_role"] = roles;
    std::cout << v.serialize() << "\n";
    return OkStatus();
  }
  std::cout << "policy " << f.file << " is valid\n"
            << "  deployment:  " << policy->deployment << "\n"
            << "  sha256:      " << hash << "\n"
            << "  parties:     " << policy->parties.size() << " (";
  for (size_t r = 0; r < kPartyRoleCount; ++r) {
    std::cout << (r ? ", " : "") << by_role[r] << " " << PartyRoleName(static_cast<PartyRole>(r));
  }
  std::cout << ")\n  file types: ";
  for (const auto& ft : policy->file_types)
    std::cout << " " << ft.name << " (max " << ft.max_size << " bytes)";
  std::cout << "\n  rules:       " << policy->rules.size() << "\n";
  for (const auto& r : policy->rules) {
    size_t from = std::count(r.from.begin(), r.from.end(), true);
    size_t to = std::count(r.to.begin(), r.to.end(), true);
    std::cout << "    " << r.name << ": " << from << " sender(s) -> " << to
              << " recipient(s), hours " << r.hours.ToString() << "\n";
  }
  std::cout << "  retention:   " << policy->retention_days << " days\n";
  return OkStatus();
}

struct ExplainFlags {
  std::string file, from, type, at;
  std::vector<std::string> to;
  uint64_t size = 0;
  uint32_t sent_today = 0;
  bool json = false;
};

Status RunExplain(const ExplainFlags& f) {
  ADTGW_ASSIGN(std::shared_ptr<const Policy> policy, LoadPolicyFile(f.file));
  ADTGW_ASSIGN(Eui64 from, Eui64::Parse(f.from));
  std::vector<Eui64> to;
  for (const auto& t : f.to) {
    ADTGW_ASSIGN(Eui64 e, Eui64::Parse(t));
    to.push_back(e);
  }
  std::time_t at = std::time(nullptr);
  if (!f.at.empty()) {
    ADTGW_ASSIGN(at, ParseTime(f.at));
  }
  // The sender is taken to connect with its own TLS certificate.
  PolicyRequest req;
  auto party = policy->party_by_eui.find(from);
  if (party != policy->party_by_eui.end()) {
    const PolicyParty& p = policy->parties[party->second];
    if (!p.tls_fingerprints.empty())
      req.tls.fingerprint = p.tls_fingerprints.front();
    else if (!p.tls_subject_keys.empty())
      req.tls.subject = p.tls_subject_keys.front();
  }
  req.signer = from;
  req.file_type = f.type;
  req.size = f.size;
  req.recipients = to;
  req.at = at;
  req.sent_today = f.sent_today;
  PolicyDecision d = Decide(*policy, req);
  std::string text = ExplainDecision(*policy, req, d);
  if (f.json) {
    value v = value::object();
    v["allow"] = value::boolean(d.allow);
    v["reason"] = value::string(std::string(d.reason));
    v["rule"] = value::string(std::string(d.rule));
    v["explanation"] = value::string(text);
    v["policy_sha256"] = value::string(ToHex(policy->canonical_sha256));
    std::cout << v.serialize() << "\n";
  } else {
    std::cout << text << "\n";
  }
  if (d.allow) return OkStatus();
  // The denial is the answer (printed above); as an error of kind kDenied it also gets
  // the exit code scripts branch on (11, docs/cli.md).
  return MakeError(ErrorKind::kDenied, std::string(d.reason), "denied by " + std::string(d.rule),
                   "this is the policy's decision; docs/policy.md lists the checks in order");
}

}  // namespace

CommandAction AddPolicyCommand(CLI::App& app) {
  CLI::App* policy = app.add_subcommand("policy", "lint and explain gateway policies");
  policy->require_subcommand(1);
  auto check = std::make_shared<CheckFlags>();
  CLI::App* c = policy->add_subcommand("check", "validate a policy file and summarise it");
  c->add_option("FILE", check->file, "policy YAML")->required();
  c->add_flag("--json", check->json, "print the summary as JSON");
  c->footer(
      "Exit 0 only when the whole policy is valid.\nExample:\n  adtgw policy check "
      "/etc/adtgw/policy.yaml");

  auto explain = std::make_shared<ExplainFlags>();
  CLI::App* e =
      policy->add_subcommand("explain", "show the decision for one request, and its rule");
  e->add_option("FILE", explain->file, "policy YAML")->required();
  e->add_option("--from", explain->from, "sender EUI-64")->required();
  e->add_option("--type", explain->type, "adt, exit-quarantine or quarantine-report")->required();
  e->add_option("--to", explain->to, "recipient EUI-64")->required();
  e->add_option("--size", explain->size, "file size in bytes (default 0)");
  e->add_option("--at", explain->at, "time of the request (UTC, default now)");
  e->add_option("--sent-today", explain->sent_today, "transfers the sender already made today");
  e->add_flag("--json", explain->json, "print the decision as JSON");
  e->footer(
      "Exit 0 when allowed, 11 when denied.\nExample:\n"
      "  adtgw policy explain policy.yaml --from AD-7C-00-00-00-00-02-01 --type adt \\\n"
      "    --to AD-7C-00-00-00-00-04-01 --size 2048 --at 2026-11-29T12:00:00Z");
  return [c, check, explain]() -> Status {
    if (c->parsed()) return RunCheck(*check);
    return RunExplain(*explain);
  };
}

}  // namespace adtgw
