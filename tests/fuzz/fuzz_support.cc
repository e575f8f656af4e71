#include "tests/fuzz/fuzz_support.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certs/cert_issuer.h"
#include "certs/eui64.h"
#include "crypto/envelope.h"
#include "crypto/ossl_string.h"
#include "crypto/sha256.h"

namespace adtgw::fuzz {
namespace {

// Test-only credentials, generated for this harness with
//   openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256
//   openssl req -new -x509 -subj "/CN=adtgw fuzz .../OU=02" -days 36500
//     -addext keyUsage=critical,keyAgreement|digitalSignature
//     -addext basicConstraints=critical,CA:FALSE
// They protect nothing: never trust them anywhere.
constexpr char kRecipientKeyPem[] = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgBfuqO7Id50Yp3udb
WTakDGN6Z1jbRX14Qm0QMTXTzPChRANCAAR4cannqcDYThM/cnkTi1H4jHw3+ixz
lMKsjdpxT9URPRmU7kU78dlVbuBl+gfJmNonfje6Hhii0E3ugcasE92K
-----END PRIVATE KEY-----
)";

constexpr char kRecipientCertPem[] = R"(-----BEGIN CERTIFICATE-----
MIIBwjCCAWigAwIBAgICEAEwCgYIKoZIzj0EAwIwODEpMCcGA1UEAwwgYWR0Z3cg
ZnV6eiByZWNpcGllbnQgKHRlc3Qgb25seSkxCzAJBgNVBAsMAjAyMCAXDTI2MTEy
OTE1MDMwN1oYDzIxMjYxMTA1MTUwMzA3WjA4MSkwJwYDVQQDDCBhZHRndyBmdXp6
IHJlY2lwaWVudCAodGVzdCBvbmx5KTELMAkGA1UECwwCMDIwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAAR4cannqcDYThM/cnkTi1H4jHw3+ixzlMKsjdpxT9URPRmU
7kU78dlVbuBl+gfJmNonfje6Hhii0E3ugcasE92Ko2AwXjAdBgNVHQ4EFgQURsYj
iwK+K2dkKway1Ap009/UTc4wHwYDVR0jBBgwFoAURsYjiwK+K2dkKway1Ap009/U
Tc4wDgYDVR0PAQH/BAQDAgMIMAwGA1UdEwEB/wQCMAAwCgYIKoZIzj0EAwIDSAAw
RQIgfSEMfxpTZVI70/BArPHExkNkEUD7dRtKSd/f2Jnz0voCIQDtREjeOv70/OM9
QmWoKnFB1lRhFLD3HyuRI2tFScnTag==
-----END CERTIFICATE-----
)";

constexpr char kSignerKeyPem[] = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgdZjjK66dymGby6wG
cmTZGRnn8JwKywFb2+nu4G+wR9GhRANCAATxjuUB43GtPl/aPQ76t6tTCWqHov9F
j+vq0qI/Xv9uxI3iMDFjLOeW025vvyTZyBo6R6bNKg2kQjn0mEIVDgrD
-----END PRIVATE KEY-----
)";

constexpr char kSignerCertPem[] = R"(-----BEGIN CERTIFICATE-----
MIIBvDCCAWKgAwIBAgICIAIwCgYIKoZIzj0EAwIwNTEmMCQGA1UEAwwdYWR0Z3cg
ZnV6eiBzaWduZXIgKHRlc3Qgb25seSkxCzAJBgNVBAsMAjAyMCAXDTI2MTEyOTE1
MDMwN1oYDzIxMjYxMTA1MTUwMzA3WjA1MSYwJAYDVQQDDB1hZHRndyBmdXp6IHNp
Z25lciAodGVzdCBvbmx5KTELMAkGA1UECwwCMDIwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAATxjuUB43GtPl/aPQ76t6tTCWqHov9Fj+vq0qI/Xv9uxI3iMDFjLOeW
025vvyTZyBo6R6bNKg2kQjn0mEIVDgrDo2AwXjAdBgNVHQ4EFgQUEQiNxaDOaayG
2MJF8xz7ksvSBDUwHwYDVR0jBBgwFoAUEQiNxaDOaayG2MJF8xz7ksvSBDUwDgYD
VR0PAQH/BAQDAgeAMAwGA1UdEwEB/wQCMAAwCgYIKoZIzj0EAwIDSAAwRQIhALYi
JdF7vQisyQ7pxuBwVosVT/no5jLABqaQPemTKhwjAiBCdQiGDYiIyJ2cBDA0eCE8
knRjbkMaTRunYCQJ5DDapg==
-----END CERTIFICATE-----
)";

[[noreturn]] void SetupFailed(const std::string& what) {
  std::fprintf(stderr, "adtgw fuzz harness setup failed: %s\n", what.c_str());
  std::abort();
}

template <typename T>
T Must(Result<T> result, const char* what) {
  if (!result.ok()) SetupFailed(std::string(what) + ": " + result.error().message);
  return std::move(result).value();
}

Credential LoadEmbedded(const char* key_pem, const char* cert_pem) {
  BioPtr key_bio(BIO_new_mem_buf(key_pem, -1));
  BioPtr cert_bio(BIO_new_mem_buf(cert_pem, -1));
  if (!key_bio || !cert_bio) SetupFailed("BIO_new_mem_buf");
  Credential c;
  c.key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  c.cert.reset(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!c.key || !c.cert || X509_check_private_key(c.cert.get(), c.key.get()) != 1) {
    SetupFailed("embedded test credential does not load");
  }
  return c;
}

der::Bytes CertDer(X509* cert) {
  Result<der::Bytes> der = I2d(cert, i2d_X509, "a certificate (i2d_X509)");
  if (!der.ok()) SetupFailed("i2d_X509");
  return std::move(der).value();
}

}  // namespace

const Credential& FixedRecipient() {
  static const Credential c = LoadEmbedded(kRecipientKeyPem, kRecipientCertPem);
  return c;
}

const Credential& FixedSigner() {
  static const Credential c = LoadEmbedded(kSignerKeyPem, kSignerCertPem);
  return c;
}

const adtgw::LogSigner& FixedLogSigner() {
  static const adtgw::LogSigner signer = [] {
    auto s = adtgw::LogSigner::FromKey(FixedSigner().key.get(), kFuzzLogOrigin);
    if (!s.ok()) InvariantFailed("the fixed log key does not load");
    return std::move(s).value();
  }();
  return signer;
}

adtgw::Signer FixedSignerRef() {
  return adtgw::Signer{FixedSigner().cert.get(), FixedSigner().key.get()};
}

std::span<const uint8_t> FixedContent() {
  static const std::vector<uint8_t> content = [] {
    std::vector<uint8_t> v(256);
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint8_t>((i * 37 + 11) & 0xff);
    return v;
  }();
  return content;
}

der::Bytes Concat(std::initializer_list<std::span<const uint8_t>> parts) {
  der::Bytes out;
  for (auto p : parts) der::Append(out, p);
  return out;
}

der::Bytes BytesOf(std::string_view text) { return der::Bytes(text.begin(), text.end()); }

der::Bytes EnvelopeSeed(std::span<const uint8_t> content, int extra_recipients) {
  std::vector<Credential> others;
  for (int i = 0; i < extra_recipients; ++i) {
    Credential other;
    other.key = Must(GenerateKey(KeyType::kP256), "GenerateKey");
    CertificateSpec spec;
    spec.common_name = "adtgw fuzz other recipient " + std::to_string(i);
    spec.organisational_unit = "02";
    spec.serial = 0x3000 + static_cast<uint64_t>(i);
    spec.not_before = kSeedSigningTime;
    spec.not_after = kSeedSigningTime + 3650L * 86400;
    spec.key_usage = KU_KEY_AGREEMENT;
    other.cert =
        Must(IssueCertificate(spec, other.key.get(), nullptr, other.key.get()), "IssueCertificate");
    others.push_back(std::move(other));
  }
  SealRequest request;
  request.signer = FixedSignerRef();
  for (const auto& o : others) request.recipients.push_back(o.cert.get());
  request.recipients.push_back(FixedRecipient().cert.get());
  request.signing_time = kSeedSigningTime;
  MemorySource src(content);
  MemorySink out;
  Status sealed = SealEnvelope(request, src, content.size(), out);
  if (!sealed.ok()) SetupFailed("SealEnvelope: " + sealed.error().message);
  return std::move(out.bytes());
}

der::Bytes DetachedSignature(std::span<const uint8_t> content) {
  return Must(SignDetached(FixedSignerRef(), content, kSeedSigningTime), "SignDetached");
}

der::Bytes AttachedSignature(std::span<const uint8_t> content) {
  SignedDataWriter writer(FixedSignerRef(), kSeedSigningTime, /*detached=*/false, content.size());
  der::Bytes suffix = Must(writer.Suffix(Sha256Of(content)), "SignedDataWriter::Suffix");
  der::Bytes out = Concat({writer.prefix(), content, suffix});
  if (out.size() != writer.total_size()) SetupFailed("attached SignedData size");
  return out;
}

std::vector<der::Bytes> CertificateSeeds() {
  std::vector<der::Bytes> seeds;
  seeds.push_back(CertDer(FixedRecipient().cert.get()));
  seeds.push_back(CertDer(FixedSigner().cert.get()));

  EvpPkeyPtr ca_key = Must(GenerateKey(KeyType::kP256), "GenerateKey");
  CertificateSpec ca_spec;
  ca_spec.common_name = "adtgw fuzz issuing CA";
  ca_spec.organisational_unit = "07";
  ca_spec.eui64 = Must(Eui64::Parse("90-B3-D5-1F-30-00-00-02"), "Eui64::Parse");
  ca_spec.serial = 7;
  ca_spec.not_before = kSeedSigningTime;
  ca_spec.not_after = kSeedSigningTime + 3650L * 86400;
  ca_spec.is_ca = true;
  ca_spec.key_usage = KU_KEY_CERT_SIGN | KU_CRL_SIGN;
  ca_spec.policy_oids = {kSeedPolicyOid};
  X509Ptr ca = Must(IssueCertificate(ca_spec, ca_key.get(), nullptr, ca_key.get()), "CA");
  seeds.push_back(CertDer(ca.get()));

  CertificateSpec org;
  org.common_name = "adtgw fuzz organisation";
  org.organisational_unit = "02";
  org.eui64 = Must(Eui64::Parse("90-B3-D5-1F-30-01-00-00"), "Eui64::Parse");
  org.serial = 0x1234;
  org.not_before = kSeedSigningTime;
  org.not_after = kSeedSigningTime + 365L * 86400;
  org.key_usage = KU_KEY_AGREEMENT;
  org.policy_oids = {kSeedPolicyOid};

  auto issue = [&](const CertificateSpec& spec, KeyType type) {
    EvpPkeyPtr key = Must(GenerateKey(type), "GenerateKey");
    X509Ptr cert = Must(IssueCertificate(spec, key.get(), ca.get(), ca_key.get()), "Issue");
    seeds.push_back(CertDer(cert.get()));
  };
  issue(org, KeyType::kP256);  // conforming KA
  CertificateSpec ds = org;
  ds.key_usage = KU_DIGITAL_SIGNATURE;
  ds.organisational_unit = "7f";
  issue(ds, KeyType::kP256);  // conforming DS
  CertificateSpec odd = org;
  odd.key_usage = KU_DIGITAL_SIGNATURE | KU_KEY_AGREEMENT;
  odd.key_usage_critical = false;
  odd.policies_critical = false;
  odd.policy_oids = {"1.2.3.4", "2.25.329800735698586629295641978511506172918"};
  odd.key_id_length = 20;
  odd.organisational_unit = "05";
  issue(odd, KeyType::kP384);
  CertificateSpec bare;
  bare.common_name = "bare";
  bare.not_before = kSeedSigningTime;
  bare.not_after = kSeedSigningTime + 86400;
  bare.key_id_length = 0;
  issue(bare, KeyType::kP256);
  CertificateSpec tls;
  tls.common_name = "adtgw.example";
  tls.not_before = kSeedSigningTime;
  tls.not_after = kSeedSigningTime + 86400;
  tls.key_usage = KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT;
  tls.extended_key_usage = {NID_server_auth, NID_client_auth};
  tls.dns_names = {"adtgw.example", "*.adtgw.example"};
  tls.ip_addresses = {"192.0.2.1", "2001:db8::1"};
  issue(tls, KeyType::kRsa2048);
  return seeds;
}

void MaybeWriteSeedsAndExit(const std::function<std::vector<der::Bytes>()>& make) {
  const char* dir = std::getenv("ADTGW_FUZZ_WRITE_SEEDS");
  if (dir == nullptr || *dir == '\0') return;
  std::vector<der::Bytes> seeds = make();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) SetupFailed(std::string("cannot create ") + dir + ": " + ec.message());
  for (size_t i = 0; i < seeds.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "seed-%03zu", i);
    std::filesystem::path path = std::filesystem::path(dir) / name;
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(seeds[i].data()),
            static_cast<std::streamsize>(seeds[i].size()));
    if (!f) SetupFailed("cannot write " + path.string());
  }
  std::printf("wrote %zu seeds to %s\n", seeds.size(), dir);
  std::exit(0);
}

Result<size_t> ChunkedSource::Read(std::span<uint8_t> out) {
  size_t n = std::min({out.size(), chunk_, data_.size() - pos_});
  if (n > 0) std::copy_n(data_.begin() + static_cast<std::ptrdiff_t>(pos_), n, out.begin());
  pos_ += n;
  return n;
}

void InvariantFailed(const char* what) {
  std::fprintf(stderr, "adtgw fuzz invariant failed: %s\n", what);
  std::abort();
}

}  // namespace adtgw::fuzz
