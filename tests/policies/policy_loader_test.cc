#include "policies/policy_loader.h"

#include <gtest/gtest.h>

#include "tests/policies/policy_fixture.h"
#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

using ::testing::Not;

using testing::PolicyFixture;

// Lines 1-17 of a minimal valid policy; cases replace or append lines.
std::vector<std::string> Minimal() {
  return {
      "version: 1",                                          // 1
      "deployment: t",                                       // 2
      "smki: {trust: trust.pem, policy_oids: [\"1.2.3\"]}",  // 3
      "file_types:",                                         // 4
      "  adt: {max_size: 1MiB}",                             // 5
      "parties:",                                            // 6
      "  - eui64: 00-00-00-00-00-00-00-01",                  // 7
      "    name: A",                                         // 8
      "    roles: [supplier]",                               // 9
      "  - eui64: 00-00-00-00-00-00-00-04",                  // 10
      "    name: D",                                         // 11
      "    roles: [dcc]",                                    // 12
      "rules:",                                              // 13
      "  - name: r",                                         // 14
      "    from: [role:supplier]",                           // 15
      "    to: [role:dcc]",                                  // 16
      "    types: [adt]",                                    // 17
  };
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

struct BadCase {
  const char* what;
  std::function<void(std::vector<std::string>&)> edit;
  const char* where;    // "policy.yaml:LINE:COLUMN:"
  const char* message;  // a part of the message
};

TEST(PolicyLoader, TheMinimalPolicyLoads) {
  PolicyFixture fixture;
  auto p = fixture.Parse(Join(Minimal()));
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ((*p)->parties.size(), 2u);
  EXPECT_EQ((*p)->rules.size(), 1u);
  EXPECT_EQ((*p)->retention_days, 90u);
}

TEST(PolicyLoader, EachMistakeIsNamedAtItsLineAndColumn) {
  const BadCase cases[] = {
      {"unknown top-level key", [](auto& l) { l.push_back("partys: []"); },
       "policy.yaml:18:1:", "unknown key 'partys' in the policy"},
      {"unknown key in a party", [](auto& l) { l[8] = "    rolez: [supplier]"; },
       "policy.yaml:9:5:", "unknown key 'rolez' in a party"},
      {"wrong type for a size", [](auto& l) { l[4] = "  adt: {max_size: big}"; },
       "policy.yaml:5:19:", "max_size must be a positive size"},
      {"list where a value belongs", [](auto& l) { l[7] = "    name: [A, B]"; },
       "policy.yaml:8:11:", "name must be a single value"},
      {"duplicate party", [](auto& l) { l[9] = "  - eui64: 00-00-00-00-00-00-00-01"; },
       "policy.yaml:10:12:", "duplicate party 00-00-00-00-00-00-00-01"},
      {"malformed EUI-64", [](auto& l) { l[6] = "  - eui64: 00-00-00-00-00-00-00-0Z"; },
       "policy.yaml:7:12:", "is not an EUI-64"},
      {"unreadable certificate file",
       [](auto& l) { l[2] = "smki: {trust: missing.pem, policy_oids: [\"1.2.3\"]}"; },
       "policy.yaml:3:15:", "missing.pem: cannot open"},
      {"duplicate key", [](auto& l) { l.insert(l.begin() + 2, "deployment: u"); },
       "policy.yaml:3:1:", "duplicate key 'deployment'"},
      {"rule larger than its file type (contradictory)",
       [](auto& l) { l.push_back("    max_size: 2MiB"); }, "policy.yaml:18:15:", "can never apply"},
      {"rule naming an unknown party", [](auto& l) { l[15] = "    to: [00-00-00-00-00-00-00-09]"; },
       "policy.yaml:16:10:", "not a party in this policy"},
      {"rule naming an undefined file type",
       [](auto& l) { l[16] = "    types: [exit-quarantine]"; },
       "policy.yaml:17:13:", "file_types does not define"},
      {"malformed hours", [](auto& l) { l.push_back("    hours: 25:00-26:00"); },
       "policy.yaml:18:12:", "hours must be HH:MM-HH:MM"},
      {"hours that end before they start", [](auto& l) { l.push_back("    hours: 18:00-08:00"); },
       "policy.yaml:18:12:", "end before they start"},
      {"auditor allowed to send (contradictory)",
       [](auto& l) {
         l[11] = "    roles: [auditor]";
         l[15] = "    to: [role:supplier]";
         l[14] = "    from: [role:auditor]";
       },
       "policy.yaml:15:11:", "auditors are read-only"},
      {"role with no party", [](auto& l) { l[15] = "    to: [role:network-operator]"; },
       "policy.yaml:16:10:", "no party has the role network-operator"},
      {"duplicate rule name",
       [](auto& l) {
         for (int i = 13; i < 17; ++i) l.push_back(l[i]);
       },
       "policy.yaml:18:11:", "duplicate rule name 'r'"},
      {"the same TLS certificate for two parties (contradictory)",
       [](auto& l) {
         l.insert(l.begin() + 9, "    tls: {subjects: [\"CN=x\"]}");
         l.insert(l.begin() + 13, "    tls: {subjects: [\"CN=x\"]}");
       },
       "policy.yaml:14:22:", "already identifies party 00-00-00-00-00-00-00-01"},
      {"missing required key", [](auto& l) { l.erase(l.begin() + 1); },
       "policy.yaml:1:1:", "the policy has no 'deployment'"},
      {"unsupported version", [](auto& l) { l[0] = "version: 2"; },
       "policy.yaml:1:10:", "unsupported policy version"},
      {"acts_for with a malformed EUI-64",
       [](auto& l) { l.insert(l.begin() + 9, "    acts_for: [00-00-00-00-00-00-00-0Z]"); },
       "policy.yaml:10:16:", "is not an EUI-64"},
      {"acts_for naming the party itself",
       [](auto& l) { l.insert(l.begin() + 9, "    acts_for: [00-00-00-00-00-00-00-01]"); },
       "policy.yaml:10:16:", "acts for itself already"},
      {"acts_for naming a user twice",
       [](auto& l) {
         l.insert(l.begin() + 9, "    acts_for: [00-00-00-00-00-00-00-09, 0000000000000009]");
       },
       "policy.yaml:10:41:", "lists 00-00-00-00-00-00-00-09 twice"},
      {"acts_for that is not a list",
       [](auto& l) { l.insert(l.begin() + 9, "    acts_for: {a: b}"); },
       "policy.yaml:10:15:", "acts_for"},
      {"not YAML", [](auto& l) { l[4] = "  adt: {max_size: [1MiB}"; },
       "policy.yaml:5:", "not valid YAML"},
  };
  PolicyFixture fixture;
  for (const BadCase& c : cases) {
    std::vector<std::string> lines = Minimal();
    c.edit(lines);
    auto p = fixture.Parse(Join(lines));
    ASSERT_THAT(p, StatusIs("policy.invalid")) << c.what;
    EXPECT_EQ(p.error().message.rfind(c.where, 0), 0u) << c.what << ": " << p.error().message;
    EXPECT_NE(p.error().message.find(c.message), std::string::npos)
        << c.what << ": " << p.error().message;
  }
}

TEST(PolicyLoader, RefusesOversizedAndEmptyInput) {
  PolicyFixture fixture;
  EXPECT_THAT(fixture.Parse(std::string(kMaxPolicyFileSize + 1, '#')), Not(IsOk()));
  auto empty = fixture.Parse("");
  ASSERT_THAT(empty, Not(IsOk()));
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos);
  EXPECT_THAT(fixture.Parse(std::string("version: 1\0", 11)), Not(IsOk()));
}

TEST(PolicyLoader, CanonicalHashIgnoresFormattingButNotContent) {
  PolicyFixture fixture;
  std::string a = Join(Minimal());
  std::vector<std::string> reordered = Minimal();
  std::swap(reordered[0], reordered[1]);               // key order
  reordered.insert(reordered.begin(), "# a comment");  // comments
  reordered[5] = "  adt:   { max_size: 1048576 }";     // spacing and units
  auto pa = fixture.Parse(a).value();
  auto pb = fixture.Parse(Join(reordered)).value();
  EXPECT_EQ(pa->canonical_sha256, pb->canonical_sha256) << pa->canonical_json << "\n"
                                                        << pb->canonical_json;
  std::vector<std::string> changed = Minimal();
  changed[4] = "  adt: {max_size: 2MiB}";
  auto pc = fixture.Parse(Join(changed)).value();
  EXPECT_NE(pa->canonical_sha256, pc->canonical_sha256);
  EXPECT_EQ(pa->canonical_json.find(' '), std::string::npos);
}

TEST(PolicyLoader, ActsForIsSortedCanonicalAndPartOfThePolicysIdentity) {
  PolicyFixture fixture;
  std::vector<std::string> lines = Minimal();
  lines.insert(lines.begin() + 9,
               "    acts_for: [00-00-00-00-00-00-00-0b, 00-00-00-00-00-00-00-0A]");
  auto p = fixture.Parse(Join(lines));
  ASSERT_THAT(p, IsOk());
  const PolicyParty& a = (*p)->parties[0];
  ASSERT_EQ(a.acts_for.size(), 2u);
  EXPECT_EQ(a.acts_for[0].ToString(), "00-00-00-00-00-00-00-0A");
  EXPECT_EQ(a.acts_for[1].ToString(), "00-00-00-00-00-00-00-0B");
  EXPECT_TRUE(a.MayActFor(Eui64::Parse("000000000000000b").value()));
  EXPECT_FALSE(a.MayActFor(Eui64::Parse("00-00-00-00-00-00-00-0C").value()));
  EXPECT_FALSE(a.MayActFor(a.eui64));  // itself is the signer, not a user it acts for
  EXPECT_TRUE((*p)->parties[1].acts_for.empty());
  EXPECT_NE((*p)->canonical_json.find(
                "\"acts_for\":[\"00-00-00-00-00-00-00-0A\",\"00-00-00-00-00-00-00-0B\"]"),
            std::string::npos)
      << (*p)->canonical_json;
  auto plain = fixture.Parse(Join(Minimal())).value();
  EXPECT_NE(plain->canonical_sha256, (*p)->canonical_sha256);
  // The order it is written in does not matter.
  lines[9] = "    acts_for: [00-00-00-00-00-00-00-0A, 00-00-00-00-00-00-00-0B]";
  EXPECT_EQ(fixture.Parse(Join(lines)).value()->canonical_sha256, (*p)->canonical_sha256);
}

TEST(PolicyLoader, StandardExampleLoads) {
  PolicyFixture fixture;
  auto p = fixture.Parse(PolicyFixture::StandardYaml());
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ((*p)->parties.size(), 5u);
  EXPECT_TRUE((*p)->parties[4].read_only());
  EXPECT_EQ((*p)->parties[1].daily_limit, 2u);
  EXPECT_EQ((*p)->parties[0].daily_limit, 10u);
}

}  // namespace
}  // namespace adtgw
