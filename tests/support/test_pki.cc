#include "tests/support/test_pki.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <openssl/x509v3.h>

#include "crypto/posix_file.h"

namespace adtgw::testing {
namespace {

constexpr std::time_t kDay = 86400;
uint64_t next_serial = 1000;

Credential Make(const CertificateSpec& spec, KeyType type, const Credential* issuer) {
  EvpPkeyPtr key = GenerateKey(type).value();
  X509Ptr cert = IssueCertificate(spec, key.get(), issuer ? issuer->cert.get() : nullptr,
                                  issuer ? issuer->key.get() : key.get())
                     .value();
  return Credential{std::move(key), std::move(cert)};
}

CertificateSpec CaSpec(const char* cn, const char* ou, std::time_t now) {
  CertificateSpec spec;
  spec.common_name = cn;
  spec.organisational_unit = ou;
  spec.serial = ++next_serial;
  spec.not_before = now - 10 * kDay;
  spec.not_after = now + 3650 * kDay;
  spec.is_ca = true;
  spec.key_usage = KU_KEY_CERT_SIGN | KU_CRL_SIGN;
  spec.policy_oids = {kTestPolicyOid};
  return spec;
}

}  // namespace

TestPki::TestPki(std::time_t now_in) : now(now_in) {
  root = Make(CaSpec("test root OCA", "00", now), KeyType::kP256, nullptr);
  oca = Make(CaSpec("test issuing OCA", "07", now), KeyType::kP256, &root);
}

CertificateSpec TestPki::OrganisationSpec(const std::string& eui, const std::string& ou,
                                          uint32_t ku) const {
  CertificateSpec spec;
  spec.common_name = "party " + eui;
  spec.organisational_unit = ou;
  spec.eui64 = Eui64::Parse(eui).value();
  spec.serial = ++next_serial;
  spec.not_before = now - kDay;
  spec.not_after = now + 365 * kDay;
  spec.key_usage = ku;
  spec.policy_oids = {kTestPolicyOid};
  return spec;
}

Credential TestPki::Issue(const CertificateSpec& spec, KeyType type) const {
  return Make(spec, type, &oca);
}

Credential TestPki::Party(const std::string& eui, const std::string& ou, uint32_t ku) const {
  return Issue(OrganisationSpec(eui, ou, ku));
}

X509CrlPtr TestPki::Crl(const std::vector<X509*>& revoked) const {
  std::vector<uint64_t> serials;
  for (X509* c : revoked) {
    uint64_t s = 0;
    ASN1_INTEGER_get_uint64(&s, X509_get0_serialNumber(c));
    serials.push_back(s);
  }
  return IssueCrl(oca.cert.get(), oca.key.get(), serials, now - 3600, now + 30 * kDay).value();
}

X509CrlPtr TestPki::Arl() const {
  return IssueCrl(root.cert.get(), root.key.get(), {}, now - 3600, now + 30 * kDay).value();
}

TrustConfig TestPki::Trust(bool with_crls, const std::vector<X509*>& revoked) const {
  TrustConfig config;
  config.anchors.push_back(UpRef(root.cert.get()));
  config.anchors.push_back(UpRef(oca.cert.get()));
  if (with_crls) {
    config.crls.push_back(Crl(revoked));
    config.crls.push_back(Arl());
  }
  config.profile.accepted_policy_oids = {kTestPolicyOid};
  config.at = now;
  return config;
}

std::string FixturePath(const std::string& relative) {
  return std::string(ADTGW_SHARED_FIXTURES) + "/" + relative;
}

bool FixturesAvailable() { return access(FixturePath("smki-zaz1/README.md").c_str(), R_OK) == 0; }

std::string PrivateCopy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  char tmpl[] = "/tmp/adtgw-test-key-XXXXXX";
  UniqueFd fd(mkstemp(tmpl));
  if (!fd.valid()) std::abort();
  std::string data = ss.str();
  if (write(fd.get(), data.data(), data.size()) != static_cast<ssize_t>(data.size())) std::abort();
  fchmod(fd.get(), 0600);
  fd.reset();
  return tmpl;
}

}  // namespace adtgw::testing
