#include "policies/yaml_reader.h"

#include <algorithm>
#include <charconv>

#include "certs/credential_files.h"

namespace adtgw {
namespace {

constexpr size_t kMaxString = 1024;

}  // namespace

void YamlReader::Fail(const YAML::Node& at, const std::string& what,
                      const std::string& hint) const {
  YAML::Mark m = at.Mark();
  Fail(m.line, m.column, what, hint);
}

void YamlReader::Fail(int line, int column, const std::string& what,
                      const std::string& hint) const {
  std::string where = source_;
  if (line >= 0) where += ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1);
  throw YamlError{MakeError(ErrorKind::kInvalidInput, code_, where + ": " + what, hint)};
}

std::map<std::string, YAML::Node> YamlReader::Mapping(
    const YAML::Node& node, const char* what, std::initializer_list<const char*> known) const {
  return Mapping(node, what, std::vector<const char*>(known));
}

std::map<std::string, YAML::Node> YamlReader::Mapping(const YAML::Node& node, const char* what,
                                                      const std::vector<const char*>& known) const {
  if (!node.IsMap()) Fail(node, std::string(what) + " must be a mapping (key: value)");
  std::map<std::string, YAML::Node> out;
  // yaml-cpp iterators yield key/value pairs by value: bind the pair, copy the nodes.
  for (const auto& entry : node) {
    YAML::Node key = entry.first;
    if (!key.IsScalar()) Fail(key, std::string("a key in ") + what + " is not a plain name");
    std::string name = key.Scalar();
    if (std::find_if(known.begin(), known.end(), [&](const char* k) { return name == k; }) ==
        known.end()) {
      std::string list;
      for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      Fail(key, "unknown key '" + name.substr(0, 64) + "' in " + what, "known keys: " + list);
    }
    if (out.count(name) != 0) {
      Fail(key, "duplicate key '" + name + "' in " + what + " (first at line " +
                    std::to_string(out[name].Mark().line + 1) + ")");
    }
    out.emplace(name, entry.second);
  }
  return out;
}

std::string YamlReader::Scalar(const YAML::Node& node, const char* what) const {
  if (!node.IsScalar()) Fail(node, std::string(what) + " must be a single value");
  if (node.Scalar().size() > kMaxString) Fail(node, std::string(what) + " is too long");
  return node.Scalar();
}

uint64_t YamlReader::Number(const YAML::Node& node, const char* what, uint64_t max) const {
  std::string text = Scalar(node, what);
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > max) {
    Fail(node, std::string(what) + " must be a whole number from 0 to " + std::to_string(max) +
                   ", not '" + text.substr(0, 40) + "'");
  }
  return v;
}

uint64_t YamlReader::Size(const YAML::Node& node, const char* what) const {
  std::string text = Scalar(node, what);
  static const std::pair<const char*, uint64_t> kUnits[] = {
      {"GiB", 1ull << 30}, {"MiB", 1ull << 20}, {"KiB", 1ull << 10}, {"B", 1}};
  uint64_t unit = 1;
  std::string digits = text;
  for (const auto& [suffix, mult] : kUnits) {
    std::string s(suffix);
    if (text.size() > s.size() && text.compare(text.size() - s.size(), s.size(), s) == 0) {
      unit = mult;
      digits = text.substr(0, text.size() - s.size());
      while (!digits.empty() && digits.back() == ' ') digits.pop_back();
      break;
    }
  }
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || end != digits.data() + digits.size() || v == 0 ||
      v > (uint64_t{1} << 50) / unit) {
    Fail(node, std::string(what) +
                   " must be a positive size such as 10MiB, 512KiB or 1048576, "
                   "not '" +
                   text.substr(0, 40) + "'");
  }
  return v * unit;
}

std::vector<YAML::Node> YamlReader::List(const YAML::Node& node, const char* what) const {
  std::vector<YAML::Node> out;
  if (node.IsScalar()) {
    out.push_back(node);
    return out;
  }
  if (!node.IsSequence()) Fail(node, std::string(what) + " must be a list");
  for (const auto& item : node) out.push_back(item);
  return out;
}

std::vector<std::string> YamlReader::Strings(const YAML::Node& node, const char* what) const {
  std::vector<std::string> out;
  for (const auto& item : List(node, what)) out.push_back(Scalar(item, what));
  return out;
}

std::string YamlReader::Path(const std::string& relative) const {
  if (!relative.empty() && relative[0] == '/') return relative;
  return base_dir_ + "/" + relative;
}

std::vector<X509Ptr> YamlReader::Certificates(const YAML::Node& node, const char* what) const {
  std::vector<X509Ptr> out;
  for (const auto& item : List(node, what)) {
    std::string path = Path(Scalar(item, what));
    auto certs = LoadCertificates(path);
    if (!certs.ok()) Fail(item, certs.error().message, "check the path (relative to this file)");
    for (auto& c : *certs) out.push_back(std::move(c));
  }
  return out;
}

TrustConfig YamlReader::Smki(const YAML::Node& node,
                             std::initializer_list<const char*> other_keys) const {
  std::vector<const char*> known = {"trust", "pinned", "crls", "policy_oids"};
  known.insert(known.end(), other_keys.begin(), other_keys.end());
  auto m = Mapping(node, "smki", known);
  TrustConfig t;
  if (m.count("trust")) t.anchors = Certificates(m["trust"], "smki.trust");
  if (m.count("pinned")) t.pinned = Certificates(m["pinned"], "smki.pinned");
  if (m.count("crls")) {
    for (const auto& item : List(m["crls"], "smki.crls")) {
      auto crl = LoadCrl(Path(Scalar(item, "smki.crls")));
      if (!crl.ok()) Fail(item, crl.error().message, "check the path (relative to this file)");
      t.crls.push_back(std::move(*crl));
    }
  }
  if (m.count("policy_oids"))
    t.profile.accepted_policy_oids = Strings(m["policy_oids"], "policy_oids");
  if (t.anchors.empty() && t.pinned.empty()) {
    Fail(node, "smki names no trust anchor and no pinned certificate",
         "give smki.trust (the SMKI CA certificates) or smki.pinned (the party's DS/KA "
         "certificates)");
  }
  if (t.profile.accepted_policy_oids.empty()) {
    Fail(node, "smki names no accepted certificate policy OID", "add policy_oids: [OID]");
  }
  return t;
}

Status ReadYamlFile(const std::string& path, size_t max_size, const std::string& code,
                    const std::function<void(YamlReader&, const YAML::Node&)>& read) {
  ADTGW_ASSIGN(std::vector<uint8_t> bytes, ReadFileCapped(path, max_size));
  std::string text(bytes.begin(), bytes.end());
  if (text.find('\0') != std::string::npos) {
    return MakeError(ErrorKind::kInvalidInput, code, path + ": contains a NUL byte");
  }
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  YamlReader reader(path, dir, code);
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsDefined() || root.IsNull()) reader.Fail(-1, -1, "the file is empty");
    read(reader, root);
    return OkStatus();
  } catch (const YamlError& e) {
    return e.error;
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorKind::kInvalidInput, code,
                     path + ":" + std::to_string(e.mark.line + 1) + ":" +
                         std::to_string(e.mark.column + 1) + ": not valid YAML: " + e.msg);
  }
}

}  // namespace adtgw
