// Loading a policy from YAML (docs/policy.md): strict, size-capped and all-or-nothing.
// Unknown keys, wrong types, duplicate keys or parties, malformed EUI-64s, unreadable
// certificate files and contradictory rules are each refused with
// "FILE:LINE:COLUMN: what is wrong" and, where one helps, a hint. Nothing is returned
// unless the whole file is valid, so a bad reload never half-applies.
//
// Certificate paths in the policy are relative to the policy file's folder.
//
// Thread safety: pure functions; the returned Policy is immutable and shareable.
#pragma once

#include <memory>
#include <string>

#include "crypto/result.h"
#include "policies/policy.h"

namespace adtgw {

inline constexpr size_t kMaxPolicyFileSize = 1 << 20;

// Parses `yaml`; `source` names it in messages, `base_dir` resolves relative paths.
Result<std::shared_ptr<const Policy>> ParsePolicy(const std::string& yaml,
                                                  const std::string& source,
                                                  const std::string& base_dir);

Result<std::shared_ptr<const Policy>> LoadPolicyFile(const std::string& path);

}  // namespace adtgw
