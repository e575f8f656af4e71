#include "crypto/signed_data.h"

#include <gtest/gtest.h>
#include <openssl/cms.h>
#include <openssl/x509v3.h>

#include "crypto/ossl_string.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_pki.h"

namespace adtgw {
namespace {

using testing::Credential;
using testing::TestPki;

std::vector<uint8_t> Bytes(const std::string& s) { return {s.begin(), s.end()}; }

class SignedDataTest : public ::testing::Test {
 protected:
  TestPki pki_;
  Credential ds_ = pki_.Party("90-B3-D5-1F-30-01-00-00", "02", KU_DIGITAL_SIGNATURE);
};

TEST_F(SignedDataTest, DetachedSignatureVerifiesAndNamesTheSigner) {
  auto content = Bytes("{\"manifest\":1}");
  auto sig = SignDetached({ds_.cert.get(), ds_.key.get()}, content, 1700000000);
  ASSERT_THAT(sig, IsOk());
  auto v = VerifyDetached(*sig, content);
  ASSERT_THAT(v, IsOk());
  EXPECT_EQ(X509_cmp(v->signer.get(), ds_.cert.get()), 0);
  EXPECT_EQ(v->signing_time, 1700000000);
}

TEST_F(SignedDataTest, SignaturesAreAlwaysTheAnnouncedLength) {
  auto content = Bytes("x");
  SignedDataWriter writer({ds_.cert.get(), ds_.key.get()}, 0, true, 0);
  for (int i = 0; i < 20; ++i) {
    auto sig = SignDetached({ds_.cert.get(), ds_.key.get()}, content, 0);
    ASSERT_THAT(sig, IsOk());
    EXPECT_EQ(sig->size(), writer.total_size());
  }
}

TEST_F(SignedDataTest, OtherContentIsADigestMismatch) {
  auto sig = SignDetached({ds_.cert.get(), ds_.key.get()}, Bytes("original"), 0);
  auto v = VerifyDetached(*sig, Bytes("changed!"));
  ASSERT_THAT(v, StatusIs("signature.digest_mismatch"));
}

TEST_F(SignedDataTest, AlteredSignatureBytesAreInvalid) {
  auto content = Bytes("original");
  auto sig = SignDetached({ds_.cert.get(), ds_.key.get()}, content, 0).value();
  sig[sig.size() - 3] ^= 0x01;  // inside the ECDSA signature value
  auto v = VerifyDetached(sig, content);
  ASSERT_THAT(v, StatusIs("signature.invalid"));
}

TEST_F(SignedDataTest, OpenSslVerifiesOurDetachedSignature) {
  auto content = Bytes("manifest bytes");
  auto sig = SignDetached({ds_.cert.get(), ds_.key.get()}, content, std::time(nullptr)).value();
  const unsigned char* p = sig.data();
  CMS_ContentInfo* cms = d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(sig.size()));
  ASSERT_NE(cms, nullptr);
  BIO* data = BIO_new_mem_buf(content.data(), static_cast<int>(content.size()));
  int ok = CMS_verify(cms, nullptr, nullptr, data, nullptr, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY);
  EXPECT_EQ(ok, 1);
  BIO_free(data);
  CMS_ContentInfo_free(cms);
}

TEST_F(SignedDataTest, WeVerifyOpenSslDetachedSignatures) {
  auto content = Bytes("signed by openssl");
  BIO* data = BIO_new_mem_buf(content.data(), static_cast<int>(content.size()));
  CMS_ContentInfo* cms =
      CMS_sign(ds_.cert.get(), ds_.key.get(), nullptr, data, CMS_DETACHED | CMS_BINARY);
  ASSERT_NE(cms, nullptr);
  std::vector<uint8_t> sig = I2d(cms, i2d_CMS_ContentInfo, "the CMS signature").value();
  CMS_ContentInfo_free(cms);
  BIO_free(data);
  auto v = VerifyDetached(sig, content);
  ASSERT_THAT(v, IsOk());
  EXPECT_EQ(X509_cmp(v->signer.get(), ds_.cert.get()), 0);
}

TEST_F(SignedDataTest, SignerMustHoldAP256KeyMatchingItsCertificate) {
  Credential other = pki_.Party("90-B3-D5-1F-30-01-00-01", "02", KU_DIGITAL_SIGNATURE);
  auto sig = SignDetached({ds_.cert.get(), other.key.get()}, Bytes("x"), 0);
  ASSERT_THAT(sig, StatusIs("key.mismatch"));
}

}  // namespace
}  // namespace adtgw
