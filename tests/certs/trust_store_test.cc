#include "certs/trust_store.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "tests/support/status_matchers.h"
#include "tests/support/test_pki.h"

namespace adtgw {
namespace {

using ::testing::Not;

using testing::Credential;
using testing::TestPki;

constexpr std::time_t kDay = 86400;

class TrustStoreTest : public ::testing::Test {
 protected:
  TestPki pki_;
  Credential ds_ = pki_.Party("90-B3-D5-1F-30-01-00-00", "02", KU_DIGITAL_SIGNATURE);
};

TEST_F(TrustStoreTest, ChainsToTheRootWithRevocationChecked) {
  auto r = VerifySmkiCertificate(ds_.cert.get(), pki_.Trust(true));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->decision.mode, TrustDecision::Mode::kChain);
  EXPECT_TRUE(r->decision.revocation_checked);
  EXPECT_EQ(r->decision.chain.size(), 3u);
  EXPECT_EQ(r->identity.eui64.ToString(), "90-B3-D5-1F-30-01-00-00");
}

TEST_F(TrustStoreTest, WithoutCrlsRevocationIsNotClaimed) {
  auto r = VerifyTrust(ds_.cert.get(), pki_.Trust(false));
  ASSERT_THAT(r, IsOk());
  EXPECT_FALSE(r->revocation_checked);
}

TEST_F(TrustStoreTest, RevokedCertificateIsRefused) {
  auto r = VerifyTrust(ds_.cert.get(), pki_.Trust(true, {ds_.cert.get()}));
  ASSERT_THAT(r, StatusIs("cert.revoked"));
}

TEST_F(TrustStoreTest, RevokedIssuingCaIsRefusedThroughTheArl) {
  TrustConfig trust = pki_.Trust(false);
  trust.crls.push_back(pki_.Crl({}));
  uint64_t serial = 0;
  ASN1_INTEGER_get_uint64(&serial, X509_get0_serialNumber(pki_.oca.cert.get()));
  trust.crls.push_back(
      IssueCrl(pki_.root.cert.get(), pki_.root.key.get(), {serial}, pki_.now - 60, pki_.now + kDay)
          .value());
  auto r = VerifyTrust(ds_.cert.get(), trust);
  ASSERT_THAT(r, StatusIs("cert.revoked"));
  EXPECT_NE(r.error().message.find("issuing certificate"), std::string::npos);
}

TEST_F(TrustStoreTest, MissingArlIsNamed) {
  TrustConfig trust = pki_.Trust(false);
  trust.crls.push_back(pki_.Crl({}));  // the issuing OCA's CRL only
  auto r = VerifyTrust(ds_.cert.get(), trust);
  ASSERT_THAT(r, StatusIs("cert.crl_missing"));
}

TEST_F(TrustStoreTest, ExpiredAndNotYetValidAreDistinct) {
  TrustConfig later = pki_.Trust(false);
  later.at = pki_.now + 400 * kDay;
  auto expired = VerifyTrust(ds_.cert.get(), later);
  ASSERT_THAT(expired, StatusIs("cert.expired"));
  EXPECT_NE(expired.error().message.find("checked at"), std::string::npos);
  TrustConfig earlier = pki_.Trust(false);
  earlier.at = pki_.now - 3 * kDay;
  EXPECT_THAT(VerifyTrust(ds_.cert.get(), earlier), StatusIs("cert.not_yet_valid"));
}

TEST_F(TrustStoreTest, AnotherPkiIsUntrusted) {
  TestPki other;
  auto r = VerifyTrust(ds_.cert.get(), other.Trust(false));
  ASSERT_THAT(r, StatusIs("cert.untrusted"));
  EXPECT_FALSE(r.error().hint.empty());
}

TEST_F(TrustStoreTest, NothingConfiguredFailsClosed) {
  TrustConfig empty;
  auto r = VerifyTrust(ds_.cert.get(), empty);
  ASSERT_THAT(r, StatusIs("cert.untrusted"));
}

TEST_F(TrustStoreTest, PinnedModeTrustsExactlyThePinnedCertificate) {
  TrustConfig pinned;
  pinned.pinned.push_back(UpRef(ds_.cert.get()));
  pinned.at = pki_.now;
  auto ok = VerifyTrust(ds_.cert.get(), pinned);
  ASSERT_THAT(ok, IsOk());
  EXPECT_EQ(ok->mode, TrustDecision::Mode::kPinned);
  Credential sibling = pki_.Party("90-B3-D5-1F-30-01-00-00", "02", KU_DIGITAL_SIGNATURE);
  EXPECT_THAT(VerifyTrust(sibling.cert.get(), pinned), StatusIs("cert.untrusted"));
  pinned.at = pki_.now + 400 * kDay;
  EXPECT_THAT(VerifyTrust(ds_.cert.get(), pinned), StatusIs("cert.expired"));
}

TEST_F(TrustStoreTest, IssuingCaAloneIsAPartialChainAnchor) {
  TrustConfig trust;
  trust.anchors.push_back(UpRef(pki_.oca.cert.get()));
  trust.at = pki_.now;
  EXPECT_THAT(VerifyTrust(ds_.cert.get(), trust), IsOk());
}

}  // namespace
}  // namespace adtgw
