#include "certs/credential_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/ossl_string.h"
#include "crypto/posix_file.h"
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
  UniqueFd fd(mkstemp(path));
  ASSERT_EQ(write(fd.get(), "hello", 5), 5);
  fd.reset();
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
  std::vector<uint8_t> der = I2d(pem->get(), i2d_X509, "the certificate").value();
  char path[] = "/tmp/adtgw-der-XXXXXX";
  UniqueFd fd(mkstemp(path));
  ASSERT_EQ(write(fd.get(), der.data(), der.size()), static_cast<ssize_t>(der.size()));
  fd.reset();
  auto loaded = LoadCertificate(path);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(X509_cmp(loaded->get(), pem->get()), 0);
  unlink(path);
}

}  // namespace
}  // namespace adtgw
