// libFuzzer target: distinguished names (certs/distinguished_name.h), which the gateway
// uses to decide whether a TLS peer's certificate subject is a name the policy lists.
// The input is read twice: as the text a policy holds (CanonicalNameKey(text)), and as
// a DER Name (d2i_X509_NAME), whose key is taken and whose RFC 2253 text (what
// `adtgw certs show` and openssl print) is read back as a policy's text would be.
//
// Checks: the text reader is deterministic; a refusal is cert.bad_name with a message
// and a hint; for a DER name, when the text it prints is accepted, it has the name's own
// key (what OpenSSL prints of a name must match that name, and only a name written the
// same); the printed text in single quotes (adtgw's messages) has the same key.
//
// Seeds (ADTGW_FUZZ_WRITE_SEEDS=DIR): the subjects of the embedded test certificates in
// DER and as RFC 2253 text, and the written forms docs/policy.md lists.
#include <openssl/x509.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "certs/distinguished_name.h"
#include "crypto/ossl_ptr.h"
#include "crypto/ossl_string.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using adtgw::CanonicalNameKey;

void Require(bool ok) {
  if (!ok) std::abort();
}

void CheckText(std::string_view text) {
  adtgw::Result<std::string> key = CanonicalNameKey(text);
  adtgw::Result<std::string> again = CanonicalNameKey(text);
  Require(key.ok() == again.ok());
  if (!key.ok()) {
    Require(key.error().code == "cert.bad_name" && !key.error().message.empty() &&
            !key.error().hint.empty());
    return;
  }
  Require(!key->empty() && *key == *again);
}

void CheckDer(const uint8_t* data, size_t size) {
  const unsigned char* p = data;
  adtgw::X509NamePtr name(d2i_X509_NAME(nullptr, &p, static_cast<long>(size)));
  if (!name) return;
  std::string key = CanonicalNameKey(name.get());
  std::string printed = adtgw::NameText(name.get());
  adtgw::Result<std::string> from_text = CanonicalNameKey(printed);
  if (from_text.ok()) {
    Require(*from_text == key);
    adtgw::Result<std::string> quoted = CanonicalNameKey("'" + printed + "'");
    Require(quoted.ok() && *quoted == key);
  }
}

std::vector<adtgw::der::Bytes> MakeSeeds() {
  std::vector<adtgw::der::Bytes> seeds;
  for (const adtgw::der::Bytes& der : adtgw::fuzz::CertificateSeeds()) {
    const unsigned char* p = der.data();
    adtgw::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!cert) continue;
    const X509_NAME* subject = X509_get_subject_name(cert.get());
    adtgw::Result<std::vector<uint8_t>> name_der =
        adtgw::I2d(subject, i2d_X509_NAME, "a subject (i2d_X509_NAME)");
    if (name_der.ok()) seeds.push_back(*name_der);
    std::string text = adtgw::NameText(subject);
    seeds.emplace_back(text.begin(), text.end());
  }
  for (std::string_view text :
       {"CN=Supplier B,O=Smith\\, Jones \\+ Co,C=GB",
        "subject=C = GB, O = Example, CN = Supplier B", "/C=GB/O=Example/CN=Supplier B",
        "CN=a+O=b,C=GB", "2.5.4.3=\"quoted, value\""}) {
    seeds.emplace_back(text.begin(), text.end());
  }
  return seeds;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  adtgw::fuzz::MaybeWriteSeedsAndExit(MakeSeeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CheckText(std::string_view(reinterpret_cast<const char*>(data), size));
  CheckDer(data, size);
  return 0;
}
