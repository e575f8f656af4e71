#include "policies/policy_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "certs/credential_files.h"
#include "certs/distinguished_name.h"
#include "crypto/byte_stream.h"
#include "crypto/canonical_json.h"
#include "crypto/ossl_string.h"
#include "policies/yaml_reader.h"

namespace adtgw {
namespace {

constexpr size_t kMaxRules = 4096;
constexpr uint32_t kDefaultDailyLimit = 1000;

class PolicyParser : public YamlReader {
 public:
  PolicyParser(std::string source, std::string base_dir)
      : YamlReader(std::move(source), std::move(base_dir), "policy.invalid") {}

  std::shared_ptr<const Policy> Parse(const YAML::Node& root);

 private:
  HoursWindow Hours(const YAML::Node& node) const;
  void Party(const YAML::Node& node);
  void ActsFor(const YAML::Node& node, PolicyParty& party);
  void FileTypes(const YAML::Node& node);
  void Rule(const YAML::Node& node);
  std::vector<bool> Parties(const YAML::Node& node, const char* what) const;
  std::string Canonical() const;
  cjson::Text CrlsJson(const std::vector<X509CrlPtr>& crls) const;

  std::shared_ptr<Policy> policy_ = std::make_shared<Policy>();
  std::optional<TrustConfig> default_smki_;
  uint32_t default_daily_limit_ = kDefaultDailyLimit;
  HoursWindow default_hours_;
};

HoursWindow PolicyParser::Hours(const YAML::Node& node) const {
  std::string text = Scalar(node, "hours");
  int h1, m1, h2, m2, n = 0;
  if (std::sscanf(text.c_str(), "%2d:%2d-%2d:%2d%n", &h1, &m1, &h2, &m2, &n) != 4 ||
      static_cast<size_t>(n) != text.size() || h1 > 23 || m1 > 59 || m2 > 59 || h2 > 24 ||
      (h2 == 24 && m2 != 0) || h1 < 0 || m1 < 0 || h2 < 0 || m2 < 0) {
    Fail(node,
         "hours must be HH:MM-HH:MM in UTC, such as 06:00-22:00, not '" + text.substr(0, 40) + "'");
  }
  HoursWindow w{static_cast<uint16_t>(h1 * 60 + m1), static_cast<uint16_t>(h2 * 60 + m2)};
  if (w.from_minute >= w.to_minute) {
    Fail(node, "hours " + text + " end before they start",
         "windows do not wrap midnight: write two rules, e.g. 22:00-24:00 and 00:00-06:00");
  }
  return w;
}

std::string RoleList() { return "supplier, network-operator, dcc, other, auditor"; }

std::optional<PartyRole> ParseRole(const std::string& name) {
  for (size_t i = 0; i < kPartyRoleCount; ++i) {
    if (name == PartyRoleName(static_cast<PartyRole>(i))) return static_cast<PartyRole>(i);
  }
  return std::nullopt;
}

std::optional<Sha256Digest> ParseFingerprint(std::string text) {
  text.erase(std::remove(text.begin(), text.end(), ':'), text.end());
  if (text.size() != 64) return std::nullopt;
  Sha256Digest d{};
  for (size_t i = 0; i < 32; ++i) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(text.data() + 2 * i, text.data() + 2 * i + 2, v, 16);
    if (ec != std::errc() || end != text.data() + 2 * i + 2) return std::nullopt;
    d[i] = static_cast<uint8_t>(v);
  }
  return d;
}

void PolicyParser::Party(const YAML::Node& node) {
  auto m = Mapping(node, "a party",
                   {"eui64", "name", "roles", "tls", "smki", "daily_limit", "acts_for"});
  for (const char* required : {"eui64", "name", "roles"}) {
    if (!m.count(required)) Fail(node, std::string("party without '") + required + "'");
  }
  PolicyParty p;
  auto eui = Eui64::Parse(Scalar(m["eui64"], "eui64"));
  if (!eui.ok()) Fail(m["eui64"], eui.error().message, eui.error().hint);
  p.eui64 = *eui;
  if (policy_->party_by_eui.count(p.eui64) != 0) {
    Fail(m["eui64"], "duplicate party " + p.eui64.ToString() + " (also party " +
                         policy_->parties[policy_->party_by_eui[p.eui64]].name + ")");
  }
  p.name = Scalar(m["name"], "name");
  for (const auto& item : List(m["roles"], "roles")) {
    auto role = ParseRole(Scalar(item, "role"));
    if (!role)
      Fail(item, "unknown role '" + item.Scalar().substr(0, 40) + "'", "roles: " + RoleList());
    p.roles.set(static_cast<size_t>(*role));
  }
  if (p.roles.none()) Fail(m["roles"], "a party needs at least one role", "roles: " + RoleList());
  uint32_t index = static_cast<uint32_t>(policy_->parties.size());
  if (m.count("tls")) {
    auto tls = Mapping(m["tls"], "tls", {"fingerprints", "subjects", "certificates"});
    std::vector<std::pair<Sha256Digest, YAML::Node>> fps;
    if (tls.count("fingerprints")) {
      for (const auto& item : List(tls["fingerprints"], "tls.fingerprints")) {
        auto fp = ParseFingerprint(Scalar(item, "fingerprint"));
        if (!fp) Fail(item, "a TLS fingerprint must be 64 hex digits (SHA-256), colons allowed");
        fps.emplace_back(*fp, item);
      }
    }
    if (tls.count("certificates")) {
      for (const auto& item : List(tls["certificates"], "tls.certificates")) {
        for (auto& cert : Certificates(item, "tls.certificates")) {
          fps.emplace_back(CertificateSha256(cert.get()), item);
        }
      }
    }
    for (const auto& [fp, at] : fps) {
      auto [it, fresh] = policy_->party_by_fingerprint.emplace(fp, index);
      if (!fresh && it->second != index) {
        Fail(at,
             "this TLS certificate already identifies party " +
                 policy_->parties[it->second].eui64.ToString(),
             "one DCCKI client certificate maps to exactly one party");
      }
      if (fresh) p.tls_fingerprints.push_back(fp);
    }
    if (tls.count("subjects")) {
      for (const auto& item : List(tls["subjects"], "tls.subjects")) {
        std::string subject = Scalar(item, "subject");
        Result<std::string> key = CanonicalNameKey(subject);
        if (!key.ok()) Fail(item, key.error().message, key.error().hint);
        auto [it, fresh] = policy_->party_by_subject.emplace(*key, index);
        if (!fresh && it->second != index) {
          Fail(item, "TLS subject '" + subject + "' already identifies party " +
                         policy_->parties[it->second].eui64.ToString());
        }
        if (fresh) {
          p.tls_subjects.push_back(subject);
          p.tls_subject_keys.push_back(*key);
        }
      }
    }
  }
  if (m.count("smki")) {
    p.smki = Smki(m["smki"]);
  } else if (default_smki_) {
    p.smki.anchors.clear();
    for (const auto& a : default_smki_->anchors) p.smki.anchors.push_back(UpRef(a.get()));
    for (const auto& a : default_smki_->pinned) p.smki.pinned.push_back(UpRef(a.get()));
    for (const auto& c : default_smki_->crls) {
      X509_CRL_up_ref(c.get());
      p.smki.crls.emplace_back(c.get());
    }
    p.smki.profile = default_smki_->profile;
  } else {
    Fail(node, "party " + p.eui64.ToString() + " has no SMKI trust",
         "give the party an smki: section, or a top-level smki: for every party");
  }
  p.daily_limit = m.count("daily_limit")
                      ? static_cast<uint32_t>(Number(m["daily_limit"], "daily_limit", 10000000))
                      : default_daily_limit_;
  if (m.count("acts_for")) ActsFor(m["acts_for"], p);
  policy_->party_by_eui.emplace(p.eui64, index);
  policy_->parties.push_back(std::move(p));
}

// The users a party may sign domain files for. They need not be parties themselves: a
// group's members may have no connection of their own.
void PolicyParser::ActsFor(const YAML::Node& node, PolicyParty& party) {
  auto items = List(node, "acts_for");
  if (items.size() > kMaxPolicyActsFor) {
    Fail(node, "acts_for lists more than " + std::to_string(kMaxPolicyActsFor) + " users");
  }
  std::set<Eui64> seen;
  for (const auto& item : items) {
    auto user = Eui64::Parse(Scalar(item, "acts_for"));
    if (!user.ok()) Fail(item, user.error().message, user.error().hint);
    if (*user == party.eui64) {
      Fail(item, "a party acts for itself already; acts_for lists the others",
           "remove " + user->ToString() + " from acts_for");
    }
    if (!seen.insert(*user).second) Fail(item, "acts_for lists " + user->ToString() + " twice");
  }
  party.acts_for.assign(seen.begin(), seen.end());
}

void PolicyParser::FileTypes(const YAML::Node& node) {
  auto m = Mapping(node, "file_types", {"adt", "exit-quarantine", "quarantine-report"});
  for (auto& [name, value] : m) {
    auto ft = Mapping(value, ("file type " + name).c_str(), {"max_size"});
    if (!ft.count("max_size")) Fail(value, "file type " + name + " needs max_size");
    policy_->file_types.push_back({name, Size(ft["max_size"], "max_size"), "file_types." + name});
  }
}

std::vector<bool> PolicyParser::Parties(const YAML::Node& node, const char* what) const {
  std::vector<bool> out(policy_->parties.size(), false);
  for (const auto& item : List(node, what)) {
    std::string text = Scalar(item, what);
    if (text.rfind("role:", 0) == 0) {
      auto role = ParseRole(text.substr(5));
      if (!role) Fail(item, "unknown role '" + text.substr(5, 40) + "'", "roles: " + RoleList());
      bool any = false;
      for (size_t i = 0; i < policy_->parties.size(); ++i) {
        if (policy_->parties[i].roles.test(static_cast<size_t>(*role))) out[i] = any = true;
      }
      if (!any) Fail(item, "no party has the role " + text.substr(5));
      continue;
    }
    auto eui = Eui64::Parse(text);
    if (!eui.ok()) Fail(item, eui.error().message, "name a party by EUI-64 or a role as role:NAME");
    auto it = policy_->party_by_eui.find(*eui);
    if (it == policy_->party_by_eui.end()) {
      Fail(item, "rule names " + eui->ToString() + ", which is not a party in this policy");
    }
    out[it->second] = true;
  }
  return out;
}

void PolicyParser::Rule(const YAML::Node& node) {
  auto m = Mapping(node, "a rule", {"name", "from", "to", "types", "hours", "max_size"});
  for (const char* required : {"name", "from", "to", "types"}) {
    if (!m.count(required)) Fail(node, std::string("rule without '") + required + "'");
  }
  PolicyRule r;
  r.name = Scalar(m["name"], "name");
  for (const auto& other : policy_->rules) {
    if (other.name == r.name) Fail(m["name"], "duplicate rule name '" + r.name + "'");
  }
  r.from = Parties(m["from"], "from");
  r.to = Parties(m["to"], "to");
  for (size_t i = 0; i < r.from.size(); ++i) {
    if (r.from[i] && policy_->parties[i].read_only()) {
      Fail(m["from"],
           "rule '" + r.name + "' lets auditor " + policy_->parties[i].eui64.ToString() +
               " send, but auditors are read-only",
           "remove the auditor from 'from'");
    }
  }
  uint64_t smallest_type_limit = UINT64_MAX;
  for (const auto& item : List(m["types"], "types")) {
    std::string t = Scalar(item, "type");
    int idx = policy_->FileTypeIndex(t);
    if (idx < 0)
      Fail(item,
           "rule names file type '" + t.substr(0, 40) + "', which file_types does not define");
    r.types.set(static_cast<size_t>(idx));
    smallest_type_limit =
        std::min(smallest_type_limit, policy_->file_types[static_cast<size_t>(idx)].max_size);
  }
  r.hours = m.count("hours") ? Hours(m["hours"]) : default_hours_;
  if (m.count("max_size")) {
    r.max_size = Size(m["max_size"], "max_size");
    if (r.max_size > smallest_type_limit) {
      Fail(m["max_size"],
           "rule max_size is larger than its file type's max_size, so it can never apply",
           "lower the rule's max_size or raise the file type's");
    }
  }
  policy_->rules.push_back(std::move(r));
}

cjson::Text CertsJson(const std::vector<X509Ptr>& certs) {
  std::vector<cjson::Text> fps;
  for (const auto& c : certs) fps.push_back(cjson::String(ToHex(CertificateSha256(c.get()))));
  return cjson::Array(fps, /*sort=*/true);
}

}  // namespace

// A CRL is named by the SHA-256 of its DER. One that was read but does not encode again
// is refused rather than named by something else.
cjson::Text PolicyParser::CrlsJson(const std::vector<X509CrlPtr>& crls) const {
  std::vector<cjson::Text> out;
  for (const auto& c : crls) {
    Result<std::vector<uint8_t>> der = I2d(c.get(), i2d_X509_CRL, "a CRL (i2d_X509_CRL)");
    if (!der.ok()) Fail(1, 1, der.error().message, "re-export the CRL from its issuer");
    out.push_back(cjson::String(ToHex(Sha256Of(*der))));
  }
  return cjson::Array(out, /*sort=*/true);
}

namespace {

cjson::Text StringsJson(const std::vector<std::string>& items) {
  std::vector<cjson::Text> out;
  for (const auto& s : items) out.push_back(cjson::String(s));
  return cjson::Array(out, /*sort=*/true);
}

// The canonical JSON form (crypto/canonical_json.h): certificates and CRLs by their
// SHA-256, parties sorted by EUI-64, rules in their (meaningful) order. Its SHA-256
// names the policy.
std::string PolicyParser::Canonical() const {
  const Policy& p = *policy_;
  std::map<std::string, cjson::Text> types;
  for (const auto& ft : p.file_types) {
    types[ft.name] = cjson::Object({{"max_size", cjson::Integer(ft.max_size)}});
  }
  std::map<std::string, cjson::Text> parties;  // by EUI-64: file order is not meaningful
  for (const auto& party : p.parties) {
    std::vector<std::string> roles, fps;
    for (size_t i = 0; i < kPartyRoleCount; ++i) {
      if (party.roles.test(i)) roles.push_back(PartyRoleName(static_cast<PartyRole>(i)));
    }
    for (const auto& fp : party.tls_fingerprints) fps.push_back(ToHex(fp));
    std::vector<std::string> acts_for;
    for (const auto& user : party.acts_for) acts_for.push_back(user.ToString());
    parties[party.eui64.ToString()] = cjson::Object({
        {"acts_for", StringsJson(acts_for)},
        {"daily_limit", cjson::Integer(party.daily_limit)},
        {"eui64", cjson::String(party.eui64.ToString())},
        {"name", cjson::String(party.name)},
        {"roles", StringsJson(roles)},
        {"smki",
         cjson::Object({{"anchors", CertsJson(party.smki.anchors)},
                        {"crls", CrlsJson(party.smki.crls)},
                        {"pinned", CertsJson(party.smki.pinned)},
                        {"policy_oids", StringsJson(party.smki.profile.accepted_policy_oids)}})},
        {"tls_fingerprints", StringsJson(fps)},
        {"tls_subjects", StringsJson(party.tls_subjects)},
    });
  }
  std::vector<cjson::Text> sorted_parties;
  for (auto& [eui, text] : parties) sorted_parties.push_back(std::move(text));
  auto members = [&p](const std::vector<bool>& set) {
    std::vector<std::string> out;
    for (size_t i = 0; i < set.size(); ++i) {
      if (set[i]) out.push_back(p.parties[i].eui64.ToString());
    }
    return StringsJson(out);
  };
  std::vector<cjson::Text> rules;
  for (const auto& r : p.rules) {
    std::vector<std::string> ts;
    for (size_t i = 0; i < p.file_types.size(); ++i) {
      if (r.types.test(i)) ts.push_back(p.file_types[i].name);
    }
    rules.push_back(cjson::Object({{"from", members(r.from)},
                                   {"hours", cjson::String(r.hours.ToString())},
                                   {"max_size", cjson::Integer(r.max_size)},
                                   {"name", cjson::String(r.name)},
                                   {"to", members(r.to)},
                                   {"types", StringsJson(ts)}}));
  }
  return cjson::Object({{"deployment", cjson::String(p.deployment)},
                        {"file_types", cjson::Object(types)},
                        {"parties", cjson::Array(sorted_parties)},
                        {"retention_days", cjson::Integer(p.retention_days)},
                        {"rules", cjson::Array(rules)},
                        {"version", cjson::Integer(1)}});
}

std::shared_ptr<const Policy> PolicyParser::Parse(const YAML::Node& root) {
  auto m = Mapping(root, "the policy",
                   {"version", "deployment", "retention_days", "default_daily_limit",
                    "allowed_hours", "smki", "file_types", "parties", "rules"});
  for (const char* required : {"version", "deployment", "file_types", "parties", "rules"}) {
    if (!m.count(required)) Fail(root, std::string("the policy has no '") + required + "'");
  }
  if (Number(m["version"], "version", 1000) != 1) {
    Fail(m["version"], "unsupported policy version", "this adtgw reads version: 1");
  }
  policy_->source = source_;
  policy_->deployment = Scalar(m["deployment"], "deployment");
  policy_->retention_days =
      m.count("retention_days")
          ? static_cast<uint32_t>(Number(m["retention_days"], "retention_days", 36500))
          : 90;
  if (m.count("default_daily_limit")) {
    default_daily_limit_ =
        static_cast<uint32_t>(Number(m["default_daily_limit"], "default_daily_limit", 10000000));
  }
  if (m.count("allowed_hours")) default_hours_ = Hours(m["allowed_hours"]);
  if (m.count("smki")) default_smki_ = Smki(m["smki"]);
  FileTypes(m["file_types"]);
  if (!m["parties"].IsSequence()) Fail(m["parties"], "parties must be a list");
  if (m["parties"].size() > kMaxPolicyParties) Fail(m["parties"], "more than 4096 parties");
  for (const auto& party : m["parties"]) Party(party);
  if (!m["rules"].IsSequence()) Fail(m["rules"], "rules must be a list");
  if (m["rules"].size() > kMaxRules) Fail(m["rules"], "more than 4096 rules");
  for (const auto& rule : m["rules"]) Rule(rule);
  policy_->canonical_json = Canonical();
  policy_->canonical_sha256 = Sha256Of(AsBytes(policy_->canonical_json));
  return policy_;
}

}  // namespace

Result<std::shared_ptr<const Policy>> ParsePolicy(const std::string& yaml,
                                                  const std::string& source,
                                                  const std::string& base_dir) {
  if (yaml.size() > kMaxPolicyFileSize) {
    return MakeError(ErrorKind::kInvalidInput, "policy.invalid",
                     source + ": larger than the 1 MiB limit for a policy");
  }
  if (yaml.find('\0') != std::string::npos) {
    return MakeError(ErrorKind::kInvalidInput, "policy.invalid", source + ": contains a NUL byte");
  }
  PolicyParser parser(source, base_dir);
  try {
    YAML::Node root = YAML::Load(yaml);
    if (!root.IsDefined() || root.IsNull()) parser.Fail(-1, -1, "the policy is empty");
    return parser.Parse(root);
  } catch (const YamlError& e) {
    return e.error;
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorKind::kInvalidInput, "policy.invalid",
                     source + ":" + std::to_string(e.mark.line + 1) + ":" +
                         std::to_string(e.mark.column + 1) + ": not valid YAML: " + e.msg);
  }
}

Result<std::shared_ptr<const Policy>> LoadPolicyFile(const std::string& path) {
  ADTGW_ASSIGN(std::vector<uint8_t> bytes, ReadFileCapped(path, kMaxPolicyFileSize));
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  return ParsePolicy(std::string(bytes.begin(), bytes.end()), path, dir);
}

}  // namespace adtgw
