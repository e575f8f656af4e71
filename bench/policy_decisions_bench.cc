// Decisions per second for a policy of 500 parties (issue: over 1,000,000/s on one
// core). Run: build/release/bench/adtgw_policy_bench (or `make bench`).
// The policy is generated: 500 parties in four roles, a rule per role pair and per
// file type, TLS identities by fingerprint; requests cycle through parties, types and
// recipients so that both allow and deny paths are measured.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <openssl/x509v3.h>
#include <cstdio>
#include <fstream>

#include "certs/cert_issuer.h"
#include "certs/credential_files.h"
#include "policies/policy_evaluator.h"
#include "policies/policy_loader.h"

namespace adtgw {
namespace {

constexpr int kParties = 500;

std::string Eui(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "AD-7C-00-00-00-00-%02X-%02X", i / 256, i % 256);
  return buf;
}

Sha256Digest Fingerprint(int i) {
  Sha256Digest d{};
  d[0] = static_cast<uint8_t>(i);
  d[1] = static_cast<uint8_t>(i >> 8);
  d[31] = 0x5a;
  return d;
}

std::shared_ptr<const Policy> MakePolicy() {
  char tmpl[] = "/tmp/adtgw-policy-bench-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  EvpPkeyPtr key = GenerateKey(KeyType::kP256).value();
  CertificateSpec spec;
  spec.common_name = "bench root";
  spec.not_before = 0;
  spec.not_after = 4102444800;
  spec.is_ca = true;
  spec.key_usage = KU_KEY_CERT_SIGN;
  X509Ptr root = IssueCertificate(spec, key.get(), nullptr, key.get()).value();
  std::ofstream(dir + "/trust.pem") << CertificateToPem(root.get()).value();
  std::string y =
      "version: 1\ndeployment: bench\nsmki: {trust: trust.pem, policy_oids: [\"1.2.3\"]}\n"
      "file_types:\n  adt: {max_size: 10MiB}\n  exit-quarantine: {max_size: 10MiB}\n"
      "  quarantine-report: {max_size: 50MiB}\nparties:\n";
  for (int i = 0; i < kParties; ++i) {
    const char* role = i == 0       ? "dcc"
                       : i % 3 == 0 ? "network-operator"
                       : i % 2 == 0 ? "other"
                                    : "supplier";
    y += "  - eui64: " + Eui(i) + "\n    name: party " + std::to_string(i) + "\n    roles: [" +
         role + "]\n    tls: {fingerprints: [\"" + ToHex(Fingerprint(i)) + "\"]}\n";
  }
  y += "rules:\n"
       "  - {name: adt, from: [role:supplier, role:network-operator, role:other], to: [role:dcc], "
       "types: [adt], hours: 06:00-22:00}\n"
       "  - {name: eq, from: [role:supplier, role:other], to: [role:dcc], types: "
       "[exit-quarantine]}\n"
       "  - {name: reports, from: [role:dcc], to: [role:supplier, role:network-operator, "
       "role:other], types: [quarantine-report]}\n";
  auto policy = ParsePolicy(y, "bench.yaml", dir);
  unlink((dir + "/trust.pem").c_str());
  rmdir(dir.c_str());
  if (!policy.ok()) {
    std::fprintf(stderr, "%s\n", policy.error().message.c_str());
    std::abort();
  }
  return *policy;
}

void BM_Decide500Parties(benchmark::State& state) {
  static std::shared_ptr<const Policy> policy = MakePolicy();
  const char* types[] = {"adt", "exit-quarantine", "quarantine-report"};
  std::vector<Eui64> dcc = {policy->parties[0].eui64};
  std::vector<std::vector<Eui64>> to(kParties);
  for (int i = 0; i < kParties; ++i) to[i] = {policy->parties[(i * 7 + 1) % kParties].eui64};
  uint64_t n = 0, allowed = 0;
  for (auto _ : state) {
    int i = static_cast<int>(n % kParties);
    PolicyRequest r;
    r.tls.fingerprint = Fingerprint(i);
    r.signer = policy->parties[static_cast<size_t>(i)].eui64;
    r.file_type = types[n % 3];
    r.size = 4096;
    r.recipients = (n & 1) ? dcc : to[static_cast<size_t>(i)];
    r.at = 1764417600 + static_cast<std::time_t>(n % 86400);
    r.sent_today = static_cast<uint32_t>(n % 7);
    PolicyDecision d = Decide(*policy, r);
    allowed += d.allow;
    benchmark::DoNotOptimize(d);
    ++n;
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
  state.counters["allowed_share"] = static_cast<double>(allowed) / static_cast<double>(n);
}
BENCHMARK(BM_Decide500Parties);

}  // namespace
}  // namespace adtgw

BENCHMARK_MAIN();
