#include "certs/dccki_profile.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "tests/support/test_pki.h"

namespace adtgw {
namespace {

using testing::TestPki;

CertificateSpec TlsSpec(int eku) {
  CertificateSpec spec;
  spec.common_name = "tls";
  spec.not_before = std::time(nullptr) - 60;
  spec.not_after = std::time(nullptr) + 86400;
  spec.key_usage = KU_DIGITAL_SIGNATURE;
  spec.key_id_length = 20;
  spec.extended_key_usage = {eku};
  return spec;
}

TEST(DcckiProfile, RsaAndEcdsaClientsAreBothAccepted) {
  TestPki pki;
  for (KeyType type : {KeyType::kRsa2048, KeyType::kP256, KeyType::kP384}) {
    auto c = pki.Issue(TlsSpec(NID_client_auth), type);
    EXPECT_TRUE(DcckiProfileProblems(c.cert.get(), TlsRole::kClient).empty());
    EXPECT_FALSE(LooksLikeSmki(c.cert.get()));
  }
}

TEST(DcckiProfile, RoleMustMatchExtendedKeyUsage) {
  TestPki pki;
  auto server = pki.Issue(TlsSpec(NID_server_auth));
  EXPECT_TRUE(DcckiProfileProblems(server.cert.get(), TlsRole::kServer).empty());
  auto problems = DcckiProfileProblems(server.cert.get(), TlsRole::kClient);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].code, "cert.dccki.extended_key_usage");
}

TEST(DcckiProfile, SmkiCertificateIsRecognised) {
  TestPki pki;
  auto smki = pki.Party("90-B3-D5-1F-30-01-00-00", "02", KU_DIGITAL_SIGNATURE);
  EXPECT_TRUE(LooksLikeSmki(smki.cert.get()));
}

}  // namespace
}  // namespace adtgw
