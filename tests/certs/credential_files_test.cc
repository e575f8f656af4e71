#include "certs/credential_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/status_matchers.h"
#include "tests/support/test_pki.h"

namespace adtgw {
namespace {

using testing::FixturePath;
using testing::PrivateCopy;

TEST(CredentialFiles, RefusesGroupOrWorldReadableKeys) {
  ADTGW_REQUIRE_FIXTURES();
  std::string key = PrivateCopy(FixturePath("smki-zaz1/Z1-supplier-ds.key.pem"));
  EXPECT_THAT(LoadPrivateKey(key), IsOk());
  for (mode_t mode : {0640, 0604, 0644, 0660}) {
    chmod(key.c_str(), mode);
    auto r = LoadPrivateKey(key);
    ASSERT_THAT(r, StatusIs("key.unsafe_permissions")) << std::oct << mode;
    EXPECT_NE(r.error().hint.find("chmod 600"), std::string::npos);
  }
  unlink(key.c_str());
}

TEST(CredentialFiles, NamesTheFileThatIsNotACertificate) {
  char path[] = "/tmp/adtgw-notcert-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_EQ(write(fd, "hello", 5), 5);
  close(fd);
  auto r = LoadCertificate(path);
  ASSERT_THAT(r, StatusIs("input.bad_credential"));
  EXPECT_NE(r.error().message.find(path), std::string::npos);
  unlink(path);
  EXPECT_THAT(LoadCertificate("/nonexistent/x.pem"), StatusIs("input.not_found"));
}

TEST(CredentialFiles, LoadsPemAndDerAlike) {
  ADTGW_REQUIRE_FIXTURES();
  auto pem = LoadCertificate(FixturePath("smki-zaz1/Z1-supplier-ka.cert.pem"));
  ASSERT_THAT(pem, IsOk());
  unsigned char* der = nullptr;
  int n = i2d_X509(pem->get(), &der);
  char path[] = "/tmp/adtgw-der-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_EQ(write(fd, der, static_cast<size_t>(n)), n);
  close(fd);
  OPENSSL_free(der);
  auto loaded = LoadCertificate(path);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(X509_cmp(loaded->get(), pem->get()), 0);
  unlink(path);
}

}  // namespace
}  // namespace adtgw
