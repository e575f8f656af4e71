#include "crypto/envelope.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "crypto/ber_reader.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_pki.h"

namespace adtgw {
namespace {

using ::testing::Not;

using testing::Credential;
using testing::TestPki;

class EnvelopeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki();
    supplier_ds_ =
        new Credential(pki_->Party("90-B3-D5-1F-30-01-00-00", "02", KU_DIGITAL_SIGNATURE));
    dcc_ka_ = new Credential(pki_->Party("90-B3-D5-1F-30-00-00-02", "04", KU_KEY_AGREEMENT));
    no_ka_ = new Credential(pki_->Party("90-B3-D5-1F-30-02-00-00", "03", KU_KEY_AGREEMENT));
  }
  static void TearDownTestSuite() {
    delete supplier_ds_;
    delete dcc_ka_;
    delete no_ka_;
    delete pki_;
  }

  static std::vector<uint8_t> Seal(std::span<const uint8_t> content,
                                   std::vector<X509*> recipients = {}) {
    if (recipients.empty()) recipients = {dcc_ka_->cert.get()};
    SealRequest req{{supplier_ds_->cert.get(), supplier_ds_->key.get()}, recipients, 1700000000};
    MemorySource src(content);
    MemorySink out;
    SealedEnvelope sealed;
    Status s = SealEnvelope(req, src, content.size(), out, &sealed);
    EXPECT_THAT(s, IsOk());
    // The summary hashed on the side is the hash of exactly what was written.
    EXPECT_EQ(sealed.size, out.bytes().size());
    EXPECT_EQ(sealed.sha256, Sha256Of(out.bytes()));
    return out.bytes();
  }

  static Result<OpenedEnvelope> Open(std::span<const uint8_t> envelope, const Credential& who,
                                     std::vector<uint8_t>* plain = nullptr) {
    MemorySource src(envelope);
    MemorySink out;
    auto r = OpenEnvelope({who.cert.get(), who.key.get()}, src, out);
    if (plain != nullptr) *plain = out.bytes();
    return r;
  }

  static TestPki* pki_;
  static Credential* supplier_ds_;
  static Credential* dcc_ka_;
  static Credential* no_ka_;
};

TestPki* EnvelopeTest::pki_;
Credential* EnvelopeTest::supplier_ds_;
Credential* EnvelopeTest::dcc_ka_;
Credential* EnvelopeTest::no_ka_;

std::vector<uint8_t> Pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 131 + (i >> 9));
  return v;
}

// True when every length in the encoding is definite (DER, not BER).
bool AllDefinite(std::span<const uint8_t> der) {
  MemorySource src(der);
  BerReader r(src, "test");
  std::function<bool()> walk = [&]() -> bool {
    auto h = r.ReadHeader();
    if (!h.ok() || h->indefinite) return false;
    if (!h->constructed()) return r.SkipContent(*h, UINT64_MAX).ok();
    if (!r.Open(*h, "x").ok()) return false;
    for (;;) {
      auto more = r.More();
      if (!more.ok()) return false;
      if (!*more) break;
      if (!walk()) return false;
    }
    return r.Close().ok();
  };
  return walk() && r.AtEnd().value();
}

TEST_F(EnvelopeTest, RoundTripsContentOfManySizes) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{1000}, size_t{(3 << 20) + 17}}) {
    std::vector<uint8_t> content = Pattern(size);
    std::vector<uint8_t> env = Seal(content);
    std::vector<uint8_t> plain;
    auto opened = Open(env, *dcc_ka_, &plain);
    ASSERT_THAT(opened, IsOk());
    EXPECT_EQ(plain, content) << size;
    EXPECT_EQ(opened->content_size, size);
    EXPECT_EQ(opened->content_sha256, Sha256Of(content));
    EXPECT_EQ(opened->signing_time, 1700000000);
    EXPECT_EQ(X509_cmp(opened->signer.get(), supplier_ds_->cert.get()), 0);
    EXPECT_TRUE(AllDefinite(env)) << "envelope must be DER";
  }
}

TEST_F(EnvelopeTest, EveryRecipientCanOpen) {
  std::vector<uint8_t> content = Pattern(5000);
  std::vector<uint8_t> env = Seal(content, {dcc_ka_->cert.get(), no_ka_->cert.get()});
  std::vector<uint8_t> a, b;
  ASSERT_THAT(Open(env, *dcc_ka_, &a), IsOk());
  ASSERT_THAT(Open(env, *no_ka_, &b), IsOk());
  EXPECT_EQ(a, content);
  EXPECT_EQ(b, content);
}

TEST_F(EnvelopeTest, ANonRecipientIsToldSo) {
  std::vector<uint8_t> env = Seal(Pattern(100));
  auto r = Open(env, *no_ka_);
  ASSERT_THAT(r, StatusIs("envelope.not_a_recipient"));
}

TEST_F(EnvelopeTest, AKeyThatIsNotTheCertificatesIsRefused) {
  std::vector<uint8_t> env = Seal(Pattern(100));
  MemorySource src(env);
  MemorySink out;
  auto r = OpenEnvelope({dcc_ka_->cert.get(), no_ka_->key.get()}, src, out);
  ASSERT_THAT(r, StatusIs("key.mismatch"));
}

TEST_F(EnvelopeTest, AnyFlippedByteIsRefused) {
  std::vector<uint8_t> content = Pattern(2000);
  std::vector<uint8_t> env = Seal(content);
  int tampered = 0;
  for (size_t i = 0; i < env.size(); i += 7) {
    std::vector<uint8_t> bad = env;
    bad[i] ^= 0x01;
    auto r = Open(bad, *dcc_ka_);
    ASSERT_THAT(r, Not(IsOk())) << "flipping byte " << i << " went unnoticed";
    if (r.error().code == "envelope.tampered") ++tampered;
  }
  EXPECT_GT(tampered, 0);
}

TEST_F(EnvelopeTest, TamperedCiphertextIsReportedAsTampered) {
  std::vector<uint8_t> content = Pattern(4000);
  std::vector<uint8_t> env = Seal(content);
  std::vector<uint8_t> bad = env;
  bad[env.size() / 2] ^= 0x80;  // inside the encrypted content
  auto r = Open(bad, *dcc_ka_);
  ASSERT_THAT(r, StatusIs("envelope.tampered"));
  EXPECT_EQ(r.error().kind, ErrorKind::kIntegrity);
  bad = env;
  bad.back() ^= 0x01;  // the GCM tag
  EXPECT_THAT(Open(bad, *dcc_ka_), StatusIs("envelope.tampered"));
}

TEST_F(EnvelopeTest, EveryTruncationIsRefused) {
  std::vector<uint8_t> env = Seal(Pattern(300));
  for (size_t len = 0; len < env.size(); ++len) {
    auto r = Open(std::span<const uint8_t>(env.data(), len), *dcc_ka_);
    ASSERT_THAT(r, Not(IsOk())) << "a " << len << "-byte prefix was accepted";
  }
  EXPECT_THAT(Open(std::span<const uint8_t>(env.data(), 0), *dcc_ka_), StatusIs("envelope.empty"));
  EXPECT_THAT(Open(std::span<const uint8_t>(env.data(), env.size() - 5), *dcc_ka_),
              StatusIs("envelope.truncated"));
}

TEST_F(EnvelopeTest, TrailingDataIsRefused) {
  std::vector<uint8_t> env = Seal(Pattern(300));
  env.push_back(0);
  EXPECT_THAT(Open(env, *dcc_ka_), StatusIs("envelope.malformed"));
}

TEST_F(EnvelopeTest, GarbageIsNotAnEnvelope) {
  std::vector<uint8_t> garbage = Pattern(1000);
  garbage[0] = 'G';
  EXPECT_THAT(Open(garbage, *dcc_ka_), StatusIs("envelope.not_an_envelope"));
  std::string pem = "-----BEGIN CMS-----\nMIIB\n-----END CMS-----\n";
  EXPECT_THAT(
      Open(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(pem.data()), pem.size()),
           *dcc_ka_),
      StatusIs("envelope.not_an_envelope"));
}

TEST_F(EnvelopeTest, ASourceThatChangesSizeIsRefused) {
  std::vector<uint8_t> content = Pattern(1000);
  SealRequest req{{supplier_ds_->cert.get(), supplier_ds_->key.get()}, {dcc_ka_->cert.get()}, 0};
  MemorySource shorter(content);
  MemorySink out;
  Status s = SealEnvelope(req, shorter, content.size() + 1, out);
  ASSERT_THAT(s, StatusIs("io.changed_while_reading"));
  MemorySource longer(content);
  s = SealEnvelope(req, longer, content.size() - 1, out);
  ASSERT_THAT(s, StatusIs("io.changed_while_reading"));
}

TEST_F(EnvelopeTest, SealingRefusesKeysOutsideTheProfile) {
  std::vector<uint8_t> content = Pattern(10);
  Credential p384 = pki_->Issue(
      pki_->OrganisationSpec("90-B3-D5-1F-30-01-00-09", "02", KU_KEY_AGREEMENT), KeyType::kP384);
  Credential rsa =
      pki_->Issue(pki_->OrganisationSpec("90-B3-D5-1F-30-01-00-08", "02", KU_DIGITAL_SIGNATURE),
                  KeyType::kRsa2048);
  MemorySink out;
  MemorySource src1(content);
  Status s =
      SealEnvelope({{supplier_ds_->cert.get(), supplier_ds_->key.get()}, {p384.cert.get()}, 0},
                   src1, content.size(), out);
  ASSERT_THAT(s, StatusIs("cert.profile.key_not_p256"));
  MemorySource src2(content);
  s = SealEnvelope({{rsa.cert.get(), rsa.key.get()}, {dcc_ka_->cert.get()}, 0}, src2,
                   content.size(), out);
  ASSERT_THAT(s, StatusIs("cert.profile.key_not_p256"));
  MemorySource src3(content);
  s = SealEnvelope({{supplier_ds_->cert.get(), supplier_ds_->key.get()}, {}, 0}, src3,
                   content.size(), out);
  EXPECT_THAT(s, StatusIs("usage.no_recipient"));
}

}  // namespace
}  // namespace adtgw
