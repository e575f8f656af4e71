#include "policies/policy_evaluator.h"

#include <gtest/gtest.h>

#include <thread>

#include "certs/distinguished_name.h"
#include "crypto/encoding.h"
#include "policies/policy_holder.h"
#include "tests/policies/policy_fixture.h"
#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

using testing::FakeFingerprintDigest;
using testing::PolicyFixture;

Eui64 E(const char* text) { return Eui64::Parse(text).value(); }
std::time_t T(const char* text) { return ParseTime(text).value(); }

// The policy names supplier two by subject ("CN=supplier two"); a peer presenting a
// certificate with that subject is matched by the name's canonical key. Written
// differently here on purpose: spacing and case do not change a distinguished name.
std::string_view SupplierTwoSubjectKey() {
  static const std::string key = CanonicalNameKey("  cn = Supplier  Two ").value();
  return key;
}

// The request comes from party `n` (its fake TLS fingerprint and EUI-64 00-..-n).
void As(PolicyRequest& r, int n) {
  r.tls.fingerprint = FakeFingerprintDigest(n);
  char eui[32];
  std::snprintf(eui, sizeof eui, "00-00-00-00-00-00-00-%02X", n);
  r.signer = E(eui);
}

struct Case {
  const char* what;
  std::function<void(PolicyRequest&, std::vector<Eui64>&)> change;
  bool allow;
  const char* reason;
  const char* rule;
};

class PolicyEvaluatorTest : public ::testing::Test {
 protected:
  PolicyFixture fixture_;
  std::shared_ptr<const Policy> policy_ = fixture_.Parse(PolicyFixture::StandardYaml()).value();
};

TEST_F(PolicyEvaluatorTest, EveryReasonCodeAndRuleOrder) {
  const Case cases[] = {
      {"supplier sends an ADT file to the DCC", [](auto&, auto&) {}, true, "policy.allowed",
       "adt-to-dcc"},
      {"unknown TLS client",
       [](PolicyRequest& r, auto&) { r.tls.fingerprint = FakeFingerprintDigest(9); }, false,
       "policy.unknown_party", "tls-identity"},
      {"manifest signed by another party than the TLS client",
       [](PolicyRequest& r, auto&) { r.signer = E("00-00-00-00-00-00-00-03"); }, false,
       "policy.tls_signer_mismatch", "tls-identity"},
      {"auditor tries to send", [](PolicyRequest& r, auto&) { As(r, 0x7f); }, false,
       "policy.read_only", "auditors-read-only"},
      {"unknown file type", [](PolicyRequest& r, auto&) { r.file_type = "invoice"; }, false,
       "policy.unknown_file_type", "file_types"},
      {"no recipient", [](auto&, std::vector<Eui64>& to) { to.clear(); }, false,
       "policy.no_recipient", "recipients"},
      {"recipient outside the policy",
       [](auto&, std::vector<Eui64>& to) { to = {E("00-00-00-00-00-00-00-99")}; }, false,
       "policy.unknown_recipient", "recipients"},
      {"the DCC may not send ADT files", [](PolicyRequest& r, auto&) { As(r, 4); }, false,
       "policy.file_type_not_allowed", "default-deny"},
      {"ADT to a network operator is not allowed",
       [](auto&, std::vector<Eui64>& to) { to = {E("00-00-00-00-00-00-00-03")}; }, false,
       "policy.recipient_not_allowed", "default-deny"},
      {"over the file type's limit", [](PolicyRequest& r, auto&) { r.size = 2 << 20; }, false,
       "policy.too_large", "file_types.adt"},
      {"over the rule's tighter limit", [](PolicyRequest& r, auto&) { r.size = 600 << 10; }, false,
       "policy.too_large", "adt-to-dcc"},
      {"exactly at the rule's limit", [](PolicyRequest& r, auto&) { r.size = 512 << 10; }, true,
       "policy.allowed", "adt-to-dcc"},
      {"exit quarantine in office hours",
       [](PolicyRequest& r, auto&) { r.file_type = "exit-quarantine"; }, true, "policy.allowed",
       "exit-quarantine-office-hours"},
      {"exit quarantine after hours",
       [](PolicyRequest& r, auto&) {
         r.file_type = "exit-quarantine";
         r.at = T("2026-11-29T20:00:00Z");
       },
       false, "policy.outside_hours", "exit-quarantine-office-hours"},
      {"at the window's end (exclusive)",
       [](PolicyRequest& r, auto&) {
         r.file_type = "exit-quarantine";
         r.at = T("2026-11-29T18:00:00Z");
       },
       false, "policy.outside_hours", "exit-quarantine-office-hours"},
      {"the operator's own rule applies after hours (rule order)",
       [](PolicyRequest& r, auto&) {
         As(r, 3);
         r.file_type = "exit-quarantine";
         r.at = T("2026-11-29T20:00:00Z");
       },
       true, "policy.allowed", "operator-exit-quarantine"},
      {"TLS identity by subject name",
       [](PolicyRequest& r, auto&) {
         r.tls.fingerprint = FakeFingerprintDigest(2);  // not registered: subject decides
         r.tls.subject = SupplierTwoSubjectKey();
         r.signer = E("00-00-00-00-00-00-00-02");
         r.sent_today = 1;
       },
       true, "policy.allowed", "adt-to-dcc"},
      {"party's own daily limit",
       [](PolicyRequest& r, auto&) {
         r.tls.fingerprint = FakeFingerprintDigest(2);
         r.tls.subject = SupplierTwoSubjectKey();
         r.signer = E("00-00-00-00-00-00-00-02");
         r.sent_today = 2;
       },
       false, "policy.daily_limit", "daily_limit"},
      {"default daily limit, last one allowed", [](PolicyRequest& r, auto&) { r.sent_today = 9; },
       true, "policy.allowed", "adt-to-dcc"},
      {"default daily limit reached", [](PolicyRequest& r, auto&) { r.sent_today = 10; }, false,
       "policy.daily_limit", "daily_limit"},
      {"the DCC reports to two users",
       [](PolicyRequest& r, std::vector<Eui64>& to) {
         As(r, 4);
         r.file_type = "quarantine-report";
         to = {E("00-00-00-00-00-00-00-01"), E("00-00-00-00-00-00-00-03")};
       },
       true, "policy.allowed", "reports-to-users"},
      {"one recipient of several not allowed",
       [](PolicyRequest& r, std::vector<Eui64>& to) {
         As(r, 4);
         r.file_type = "quarantine-report";
         to = {E("00-00-00-00-00-00-00-01"), E("00-00-00-00-00-00-00-04")};
       },
       false, "policy.recipient_not_allowed", "default-deny"},
  };
  for (const Case& c : cases) {
    std::vector<Eui64> to = {E("00-00-00-00-00-00-00-04")};
    PolicyRequest r;
    As(r, 1);
    r.file_type = "adt";
    r.size = 1000;
    r.at = T("2026-11-29T12:00:00Z");
    c.change(r, to);
    r.recipients = to;
    PolicyDecision d = Decide(*policy_, r);
    EXPECT_EQ(d.allow, c.allow) << c.what;
    EXPECT_EQ(d.reason, c.reason) << c.what;
    EXPECT_EQ(d.rule, c.rule) << c.what;
    EXPECT_FALSE(ExplainDecision(*policy_, r, d).empty());
  }
}

TEST_F(PolicyEvaluatorTest, FirstMatchingRuleDecidesWithoutFallThrough) {
  std::string yaml = PolicyFixture::StandardYaml();
  // Put a narrow ADT rule in front of the general one: its hours decide.
  yaml.replace(yaml.find("rules:\n"), 7,
               "rules:\n  - name: adt-mornings\n    from: [role:supplier]\n    to: [role:dcc]\n"
               "    types: [adt]\n    hours: 06:00-10:00\n");
  auto policy = fixture_.Parse(yaml);
  ASSERT_THAT(policy, IsOk());
  std::vector<Eui64> to = {E("00-00-00-00-00-00-00-04")};
  PolicyRequest r;
  As(r, 1);
  r.file_type = "adt";
  r.recipients = to;
  r.at = T("2026-11-29T12:00:00Z");
  PolicyDecision d = Decide(**policy, r);
  EXPECT_EQ(d.reason, "policy.outside_hours");
  EXPECT_EQ(d.rule, "adt-mornings");
  r.at = T("2026-11-29T07:00:00Z");
  EXPECT_EQ(Decide(**policy, r).rule, "adt-mornings");
}

TEST_F(PolicyEvaluatorTest, HolderSwapsWholePoliciesUnderConcurrentReaders) {
  PolicyHolder holder(policy_);
  auto stricter_yaml = PolicyFixture::StandardYaml();
  stricter_yaml.replace(stricter_yaml.find("default_daily_limit: 10"), 23,
                        "default_daily_limit: 1");
  auto stricter = fixture_.Parse(stricter_yaml).value();
  std::atomic<bool> stop{false};
  std::atomic<int> odd{0};
  std::vector<Eui64> to = {E("00-00-00-00-00-00-00-04")};
  std::thread reader([&] {
    while (!stop) {
      auto p = holder.Current();
      PolicyRequest r;
      As(r, 1);
      r.file_type = "adt";
      r.recipients = to;
      r.at = T("2026-11-29T12:00:00Z");
      r.sent_today = 5;
      bool allowed = Decide(*p, r).allow;
      // A snapshot is one whole policy: its limit and its decision always agree.
      if (allowed != (p->parties[0].daily_limit > 5)) ++odd;
    }
  });
  for (int i = 0; i < 2000; ++i) holder.Replace(i % 2 ? policy_ : stricter);
  stop = true;
  reader.join();
  EXPECT_EQ(odd.load(), 0);
}

}  // namespace
}  // namespace adtgw
