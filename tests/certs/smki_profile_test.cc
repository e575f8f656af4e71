#include "certs/smki_profile.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "certs/credential_files.h"
#include "certs/trust_store.h"
#include "crypto/encoding.h"
#include "crypto/ossl_string.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_pki.h"

namespace adtgw {
namespace {

using ::testing::Not;

using testing::Credential;
using testing::FixturePath;
using testing::TestPki;

constexpr char kZaz1Policy[] = "1.2.826.0.1.8641679.1.2.1.4";

struct Zaz1Case {
  const char* stem;
  const char* eui;
  RemotePartyRole role;
};

const Zaz1Case kZaz1[] = {
    {"Z1-supplier", "90-B3-D5-1F-30-01-00-00", RemotePartyRole::kSupplier},
    {"Z1-supplier2", "90-B3-D5-1F-30-03-00-00", RemotePartyRole::kSupplier},
    {"Z1-networkOperator", "90-B3-D5-1F-30-02-00-00", RemotePartyRole::kNetworkOperator},
    {"Z1-accessControlBroker", "90-B3-D5-1F-30-00-00-02", RemotePartyRole::kAccessControlBroker},
    {"otherUser", "00-DB-12-34-56-78-00-04", RemotePartyRole::kOther},
};

TEST(SmkiProfile, Zaz1CertificatesConformAndNameTheirParty) {
  ADTGW_REQUIRE_FIXTURES();
  SmkiProfileOptions options{{kZaz1Policy}, true};
  for (const auto& c : kZaz1) {
    for (const char* kind : {"ds", "ka"}) {
      std::string path = FixturePath(std::string("smki-zaz1/") + c.stem + "-" + kind + ".cert.pem");
      auto cert = LoadCertificate(path);
      ASSERT_THAT(cert, IsOk()) << path;
      auto id = CheckSmkiProfile(cert->get(), options);
      ASSERT_THAT(id, IsOk()) << path;
      EXPECT_EQ(id->eui64.ToString(), c.eui) << path;
      EXPECT_EQ(id->role, c.role) << path;
      EXPECT_EQ(id->usage, std::string(kind) == "ds" ? SmkiKeyUsage::kDigitalSignature
                                                     : SmkiKeyUsage::kKeyAgreement);
    }
  }
}

TEST(SmkiProfile, Zaz1PassesPinnedAtItsTimeAndIsExpiredNow) {
  ADTGW_REQUIRE_FIXTURES();
  for (const auto& c : kZaz1) {
    std::string path = FixturePath(std::string("smki-zaz1/") + c.stem + "-ds.cert.pem");
    X509Ptr cert = LoadCertificate(path).value();
    TrustConfig trust;
    trust.pinned.push_back(LoadCertificate(path).value());
    trust.profile.accepted_policy_oids = {kZaz1Policy};
    trust.at = ParseTime("2020-01-01T00:00:00Z").value();
    auto then = VerifySmkiCertificate(cert.get(), trust);
    ASSERT_THAT(then, IsOk());
    EXPECT_EQ(then->decision.mode, TrustDecision::Mode::kPinned);
    trust.at.reset();
    auto now = VerifySmkiCertificate(cert.get(), trust);
    ASSERT_THAT(now, StatusIs("cert.expired"));
    EXPECT_NE(now.error().message.find("expired on 2025-"), std::string::npos)
        << now.error().message;
  }
}

TEST(SmkiProfile, UnacceptedPolicyIsNamed) {
  ADTGW_REQUIRE_FIXTURES();
  X509Ptr cert = LoadCertificate(FixturePath("smki-zaz1/Z1-supplier-ds.cert.pem")).value();
  auto r = CheckSmkiProfile(cert.get(), {{"1.2.3"}, true});
  ASSERT_THAT(r, StatusIs("cert.profile.policy_not_accepted"));
  EXPECT_NE(r.error().message.find(kZaz1Policy), std::string::npos);
  EXPECT_THAT(CheckSmkiProfile(cert.get(), {{}, true}),
              StatusIs("cert.profile.policy_not_configured"));
}

// Each deviation from the profile is refused with its own code.
struct BrokenCase {
  const char* code;
  std::function<void(CertificateSpec&, KeyType&)> mutate;
};

TEST(SmkiProfile, EachDeviationHasItsOwnReason) {
  TestPki pki;
  const BrokenCase cases[] = {
      {"cert.profile.key_not_p256", [](CertificateSpec&, KeyType& t) { t = KeyType::kP384; }},
      {"cert.profile.rsa_key", [](CertificateSpec&, KeyType& t) { t = KeyType::kRsa2048; }},
      {"cert.profile.key_usage_missing", [](CertificateSpec& s, KeyType&) { s.key_usage.reset(); }},
      {"cert.profile.key_usage_not_critical",
       [](CertificateSpec& s, KeyType&) { s.key_usage_critical = false; }},
      {"cert.profile.key_usage_bits",
       [](CertificateSpec& s, KeyType&) { s.key_usage = KU_DIGITAL_SIGNATURE | KU_KEY_AGREEMENT; }},
      {"cert.profile.key_usage_bits",
       [](CertificateSpec& s, KeyType&) { s.key_usage = KU_KEY_ENCIPHERMENT; }},
      {"cert.profile.policies_missing",
       [](CertificateSpec& s, KeyType&) { s.policy_oids.clear(); }},
      {"cert.profile.policies_not_critical",
       [](CertificateSpec& s, KeyType&) { s.policies_critical = false; }},
      {"cert.profile.policy_not_accepted",
       [](CertificateSpec& s, KeyType&) { s.policy_oids = {"1.2.3.4"}; }},
      {"cert.profile.role_missing",
       [](CertificateSpec& s, KeyType&) { s.organisational_unit.reset(); }},
      {"cert.profile.role_malformed",
       [](CertificateSpec& s, KeyType&) { s.organisational_unit = "supplier"; }},
      {"cert.profile.role_not_organisation",
       [](CertificateSpec& s, KeyType&) { s.organisational_unit = "07"; }},
      {"cert.profile.eui64_missing", [](CertificateSpec& s, KeyType&) { s.eui64.reset(); }},
      {"cert.profile.ski_length", [](CertificateSpec& s, KeyType&) { s.key_id_length = 20; }},
      {"cert.profile.ski_length", [](CertificateSpec& s, KeyType&) { s.key_id_length = 0; }},
      {"cert.profile.is_ca", [](CertificateSpec& s, KeyType&) { s.is_ca = true; }},
  };
  for (const auto& c : cases) {
    CertificateSpec spec =
        pki.OrganisationSpec("90-B3-D5-1F-30-01-00-00", "02", KU_DIGITAL_SIGNATURE);
    KeyType type = KeyType::kP256;
    c.mutate(spec, type);
    Credential cred = pki.Issue(spec, type);
    std::vector<Error> problems =
        SmkiProfileProblems(cred.cert.get(), {{testing::kTestPolicyOid}, true});
    bool found = false;
    for (const auto& p : problems) found = found || p.code == c.code;
    EXPECT_TRUE(found) << "expected " << c.code;
    for (const auto& p : problems) {
      EXPECT_EQ(p.kind, ErrorKind::kTrust);
      EXPECT_FALSE(p.message.empty());
    }
  }
  // And a conforming one has no problems at all.
  Credential good = pki.Party("90-B3-D5-1F-30-01-00-00", "02", KU_KEY_AGREEMENT);
  EXPECT_TRUE(SmkiProfileProblems(good.cert.get(), {{testing::kTestPolicyOid}, true}).empty());
}

TEST(SmkiProfile, Eui64IsAFullSixtyFourBitBitString) {
  TestPki pki;
  // Trailing zero bytes must survive: 90-B3-D5-1F-30-01-00-00 ends in two.
  Credential c = pki.Party("90-B3-D5-1F-30-01-00-00", "02", KU_DIGITAL_SIGNATURE);
  std::vector<uint8_t> name =
      I2d(X509_get_subject_name(c.cert.get()), i2d_X509_NAME, "the subject name").value();
  const std::vector<uint8_t> expected{0x03, 0x09, 0x00, 0x90, 0xB3, 0xD5,
                                      0x1F, 0x30, 0x01, 0x00, 0x00};
  EXPECT_NE(std::search(name.begin(), name.end(), expected.begin(), expected.end()), name.end());
  EXPECT_EQ(SubjectEui64(c.cert.get())->ToString(), "90-B3-D5-1F-30-01-00-00");
}

TEST(SmkiProfile, UsageIsEnforcedBothWays) {
  SmkiIdentity ka{Eui64::Parse("90B3D51F30010000").value(), RemotePartyRole::kSupplier,
                  SmkiKeyUsage::kKeyAgreement};
  Status s = RequireUsage(ka, SmkiKeyUsage::kDigitalSignature, "signer");
  ASSERT_THAT(s, StatusIs("cert.wrong_usage"));
  EXPECT_NE(s.error().message.find("cannot sign"), std::string::npos);
  SmkiIdentity ds = ka;
  ds.usage = SmkiKeyUsage::kDigitalSignature;
  s = RequireUsage(ds, SmkiKeyUsage::kKeyAgreement, "recipient");
  ASSERT_THAT(s, Not(IsOk()));
  EXPECT_NE(s.error().message.find("cannot receive"), std::string::npos);
}

}  // namespace
}  // namespace adtgw
