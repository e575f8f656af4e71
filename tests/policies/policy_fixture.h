// A small policy over a throw-away PKI for the policy tests: a folder holding the
// test PKI's trust anchors, and a YAML text that parties and rules are added to.
#pragma once

#include <string>

#include "policies/policy_loader.h"
#include "tests/support/test_pki.h"

namespace adtgw::testing {

// Fingerprint text of the n-th fake TLS client certificate ("01...01", "02...02").
std::string FakeFingerprint(int n);
Sha256Digest FakeFingerprintDigest(int n);

class PolicyFixture {
 public:
  PolicyFixture();
  ~PolicyFixture();
  const std::string& dir() const { return dir_; }
  // The standard example: suppliers 01/02, network operator 03, DCC 04, auditor 7F,
  // with rules as in docs/policy.md's walk-through.
  static std::string StandardYaml();
  Result<std::shared_ptr<const Policy>> Parse(const std::string& yaml) const;

 private:
  std::string dir_;
};

}  // namespace adtgw::testing
