// A throw-away SMKI-shaped PKI built in memory for unit tests: a root OCA, an issuing
// OCA, and conforming (or deliberately broken) organisation certificates, plus CRLs.
// Also where tests find ../shared/fixtures.
//
// Thread safety: one test at a time.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "certs/cert_issuer.h"
#include "certs/trust_store.h"

namespace adtgw::testing {

inline constexpr char kTestPolicyOid[] = "1.3.6.1.4.1.99999.1.2.3";

struct Credential {
  EvpPkeyPtr key;
  X509Ptr cert;
};

class TestPki {
 public:
  explicit TestPki(std::time_t now = std::time(nullptr));

  // A conforming organisation certificate spec for `eui` with role `ou` and usage `ku`.
  CertificateSpec OrganisationSpec(const std::string& eui, const std::string& ou,
                                   uint32_t ku) const;
  Credential Issue(const CertificateSpec& spec, KeyType type = KeyType::kP256) const;
  Credential Party(const std::string& eui, const std::string& ou, uint32_t ku) const;

  X509CrlPtr Crl(const std::vector<X509*>& revoked) const;  // by the issuing OCA
  X509CrlPtr Arl() const;                                   // by the root, empty

  // Anchors = root + issuing OCA; CRLs when asked.
  TrustConfig Trust(bool with_crls, const std::vector<X509*>& revoked = {}) const;

  std::time_t now;
  Credential root;
  Credential oca;
};

// ../shared/fixtures/<relative>, resolved from the source tree.
std::string FixturePath(const std::string& relative);
// Skips the current test when the fixtures are absent, unless ADTGW_REQUIRE_ALL=1.
bool FixturesAvailable();

// Copies a key into a fresh 0600 temporary file (fixture keys are world-readable).
std::string PrivateCopy(const std::string& path);

}  // namespace adtgw::testing

// Skips (or, with ADTGW_REQUIRE_ALL=1, fails) a test whose ../shared fixtures are absent.
#define ADTGW_REQUIRE_FIXTURES()                                                             \
  do {                                                                                       \
    if (!::adtgw::testing::FixturesAvailable()) {                                            \
      const char* all = std::getenv("ADTGW_REQUIRE_ALL");                                    \
      if (all != nullptr && std::string(all) == "1") FAIL() << "../shared/fixtures missing"; \
      GTEST_SKIP() << "../shared/fixtures missing (set up ../shared beside the repo)";       \
    }                                                                                        \
  } while (0)
