// libFuzzer target: the policy YAML loader (policies/policy_loader.h) on arbitrary
// text. It must never crash, hang or leak, must refuse with a positioned message,
// and whatever it accepts must decide requests without crashing. The folder it
// resolves paths in holds one certificate, trust.pem, so seeds can name it.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "certs/credential_files.h"
#include "policies/policy_evaluator.h"
#include "policies/policy_loader.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

const std::string& BaseDir() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/adtgw-policy-fuzz-XXXXXX";
    std::string d = mkdtemp(tmpl);
    std::ofstream(d + "/trust.pem")
        << adtgw::CertificateToPem(adtgw::fuzz::FixedSigner().cert.get()).value();
    return d;
  }();
  return dir;
}

const char kSeed[] = R"(version: 1
deployment: fuzz
retention_days: 30
default_daily_limit: 5
allowed_hours: 00:00-24:00
smki: {trust: trust.pem, crls: [], policy_oids: ["1.3.6.1.4.1.99999.1.1"]}
file_types:
  adt: {max_size: 1MiB}
  exit-quarantine: {max_size: 2MiB}
  quarantine-report: {max_size: 512KiB}
parties:
  - eui64: 00-00-00-00-00-00-00-01
    name: S
    roles: [supplier, other]
    tls: {fingerprints: ["0101010101010101010101010101010101010101010101010101010101010101"], subjects: ["CN=s"]}
    daily_limit: 3
  - eui64: 0000000000000004
    name: D
    roles: [dcc]
    smki: {pinned: [trust.pem], policy_oids: ["1.2.3"]}
  - eui64: 00-00-00-00-00-00-00-7f
    name: A
    roles: [auditor]
rules:
  - name: r1
    from: [role:supplier]
    to: [role:dcc, 00-00-00-00-00-00-00-04]
    types: [adt, exit-quarantine]
    hours: 06:00-22:00
    max_size: 100KiB
  - name: r2
    from: [role:dcc]
    to: [role:supplier]
    types: quarantine-report
)";

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  adtgw::fuzz::MaybeWriteSeedsAndExit([] {
    return std::vector<adtgw::der::Bytes>{adtgw::fuzz::BytesOf(kSeed),
                                          adtgw::fuzz::BytesOf("version: 1\n")};
  });
  BaseDir();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string yaml(reinterpret_cast<const char*>(data), size);
  auto policy = adtgw::ParsePolicy(yaml, "fuzz.yaml", BaseDir());
  if (!policy.ok()) {
    if (policy.error().message.rfind("fuzz.yaml", 0) != 0) {
      adtgw::fuzz::InvariantFailed("a policy error does not start with the file name");
    }
    return 0;
  }
  const adtgw::Policy& p = **policy;
  if (p.canonical_json.empty())
    adtgw::fuzz::InvariantFailed("accepted policy without canonical form");
  std::vector<adtgw::Eui64> to;
  for (const auto& party : p.parties) to.push_back(party.eui64);
  for (const auto& party : p.parties) {
    adtgw::PolicyRequest r;
    if (!party.tls_fingerprints.empty()) r.tls.fingerprint = party.tls_fingerprints[0];
    r.signer = party.eui64;
    r.recipients = std::span<const adtgw::Eui64>(to).first(std::min<size_t>(to.size(), 3));
    r.at = 1764417600;
    for (const auto& ft : p.file_types) {
      r.file_type = ft.name;
      r.size = ft.max_size;
      adtgw::PolicyDecision d = adtgw::Decide(p, r);
      if (d.reason.empty() || d.rule.empty())
        adtgw::fuzz::InvariantFailed("decision without reason");
    }
  }
  return 0;
}
