#include "tests/policies/policy_fixture.h"

#include <unistd.h>

#include <cstdlib>

#include "certs/credential_files.h"
#include "gateway/common/atomic_file.h"

namespace adtgw::testing {

std::string FakeFingerprint(int n) {
  char hex[3];
  std::snprintf(hex, sizeof hex, "%02X", n);
  std::string out;
  for (int i = 0; i < 32; ++i) out += std::string(i ? ":" : "") + hex;
  return out;
}

Sha256Digest FakeFingerprintDigest(int n) {
  Sha256Digest d;
  d.fill(static_cast<uint8_t>(n));
  return d;
}

PolicyFixture::PolicyFixture() {
  char tmpl[] = "/tmp/adtgw-policy-XXXXXX";
  dir_ = mkdtemp(tmpl);
  TestPki pki;
  std::string pem = CertificateToPem(pki.root.cert.get()).value();
  if (!WriteFileAtomically(dir_ + "/trust.pem", pem, 0644, false).ok()) std::abort();
}

PolicyFixture::~PolicyFixture() {
  unlink((dir_ + "/trust.pem").c_str());
  rmdir(dir_.c_str());
}

std::string PolicyFixture::StandardYaml() {
  return R"(version: 1
deployment: test
retention_days: 30
default_daily_limit: 10
smki:
  trust: trust.pem
  policy_oids: ["1.3.6.1.4.1.99999.1.2.3"]
file_types:
  adt: { max_size: 1MiB }
  exit-quarantine: { max_size: 1MiB }
  quarantine-report: { max_size: 4MiB }
parties:
  - eui64: 00-00-00-00-00-00-00-01
    name: Supplier One
    roles: [supplier]
    tls: { fingerprints: [")" +
         FakeFingerprint(1) + R"("] }
  - eui64: 00-00-00-00-00-00-00-02
    name: Supplier Two
    roles: [supplier]
    tls: { subjects: ["CN=supplier two"] }
    daily_limit: 2
  - eui64: 00-00-00-00-00-00-00-03
    name: Network Operator
    roles: [network-operator]
    tls: { fingerprints: [")" +
         FakeFingerprint(3) + R"("] }
  - eui64: 00-00-00-00-00-00-00-04
    name: DCC
    roles: [dcc]
    tls: { fingerprints: [")" +
         FakeFingerprint(4) + R"("] }
  - eui64: 00-00-00-00-00-00-00-7F
    name: Auditor
    roles: [auditor]
    tls: { fingerprints: [")" +
         FakeFingerprint(0x7f) + R"("] }
rules:
  - name: adt-to-dcc
    from: [role:supplier, role:network-operator]
    to: [role:dcc]
    types: [adt]
    max_size: 512KiB
  - name: exit-quarantine-office-hours
    from: [role:supplier]
    to: [role:dcc]
    types: [exit-quarantine]
    hours: 08:00-18:00
  - name: operator-exit-quarantine
    from: [00-00-00-00-00-00-00-03]
    to: [role:dcc]
    types: [exit-quarantine]
  - name: reports-to-users
    from: [role:dcc]
    to: [role:supplier, role:network-operator]
    types: [quarantine-report]
)";
}

Result<std::shared_ptr<const Policy>> PolicyFixture::Parse(const std::string& yaml) const {
  return ParsePolicy(yaml, "policy.yaml", dir_);
}

}  // namespace adtgw::testing
