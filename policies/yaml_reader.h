// YamlReader: strict reading of adtgw's YAML files (the policy, the gateway and the
// client configuration). Every problem is reported as "FILE:LINE:COLUMN: what is
// wrong" with a hint, under the caller's error code (policy.invalid, config.invalid);
// mappings accept only their known keys, once each; scalars are length-capped; paths
// are relative to the file's directory; SMKI trust sections load their certificates
// and CRLs at once, so a file that loads is a file whose every reference works.
//
// The helpers throw YamlError, which ReadYamlFile/ReadYaml turn into a Result: the
// exception never leaves a loader.
//
// Thread safety: a reader is used by one thread, during one load.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "certs/trust_store.h"
#include "crypto/ossl_ptr.h"
#include "crypto/result.h"

namespace adtgw {

struct YamlError {
  Error error;
};

class YamlReader {
 public:
  YamlReader(std::string source, std::string base_dir, std::string error_code)
      : source_(std::move(source)), base_dir_(std::move(base_dir)), code_(std::move(error_code)) {}

  [[noreturn]] void Fail(const YAML::Node& at, const std::string& what,
                         const std::string& hint = {}) const;
  [[noreturn]] void Fail(int line, int column, const std::string& what,
                         const std::string& hint = {}) const;

  // Requires a mapping whose keys are all in `known` and unique; returns key -> node.
  std::map<std::string, YAML::Node> Mapping(const YAML::Node& node, const char* what,
                                            std::initializer_list<const char*> known) const;
  std::map<std::string, YAML::Node> Mapping(const YAML::Node& node, const char* what,
                                            const std::vector<const char*>& known) const;
  std::string Scalar(const YAML::Node& node, const char* what) const;
  uint64_t Number(const YAML::Node& node, const char* what, uint64_t max) const;
  // "10MiB", "512KiB", "1GiB" or a plain byte count.
  uint64_t Size(const YAML::Node& node, const char* what) const;
  std::vector<YAML::Node> List(const YAML::Node& node, const char* what) const;
  std::vector<std::string> Strings(const YAML::Node& node, const char* what) const;
  // A path from the file, made absolute against the file's directory.
  std::string Path(const std::string& relative) const;
  std::string PathAt(const YAML::Node& node, const char* what) const {
    return Path(Scalar(node, what));
  }
  std::vector<X509Ptr> Certificates(const YAML::Node& node, const char* what) const;
  // An smki: section (trust, pinned, crls, policy_oids), docs/policy.md; `other_keys`
  // are allowed beside them (and left to the caller).
  TrustConfig Smki(const YAML::Node& node,
                   std::initializer_list<const char*> other_keys = {}) const;

  const std::string& source() const { return source_; }

 protected:
  std::string source_;
  std::string base_dir_;
  std::string code_;
};

// Reads FILE (at most `max_size` bytes), parses it as YAML and hands the root mapping to
// `read`; every failure, including YAML syntax errors, becomes an Error with `code`.
Status ReadYamlFile(const std::string& path, size_t max_size, const std::string& code,
                    const std::function<void(YamlReader&, const YAML::Node&)>& read);

}  // namespace adtgw
