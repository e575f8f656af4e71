#include "gateway/audit/checkpoint.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "certs/cert_issuer.h"
#include "certs/credential_files.h"
#include "crypto/ossl_string.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace adtgw {
namespace {

using ::testing::Not;

constexpr char kOrigin[] = "adtgw.demo.example/log";
// U+2014 EM DASH and a space, as UTF-8.
constexpr char kDash[] = "\xE2\x80\x94 ";

// MTH of the eight RFC 6962 test leaves (docs/audit-log.md section 5).
Sha256Digest EightLeafRoot() {
  const std::string hex = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328";
  Sha256Digest d{};
  for (size_t i = 0; i < d.size(); ++i) {
    d[i] = static_cast<uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  }
  return d;
}

Checkpoint Example(uint64_t size = 8) { return Checkpoint{kOrigin, size, EightLeafRoot()}; }

EvpPkeyPtr NewP256() {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) std::abort();
  return key;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Base64 by OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock, independent of the codec under
// test (the decoder is only given well-formed input here).
std::string B64(const std::vector<uint8_t>& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}
std::vector<uint8_t> UnB64(const std::string& text) {
  std::vector<uint8_t> out(text.size());
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) std::abort();
  size_t pad = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string SignatureLine(const std::string& name, const std::vector<uint8_t>& bytes) {
  return kDash + name + " " + B64(bytes) + "\n";
}

// A note split into its text and its signature lines.
struct Split {
  std::string text;
  std::vector<std::string> lines;  // with their "\n"
};

Split SplitNote(const std::string& note) {
  size_t blank = note.find("\n\n");
  Split s{note.substr(0, blank + 1), {}};
  for (size_t at = blank + 2; at < note.size();) {
    size_t end = note.find('\n', at) + 1;
    s.lines.push_back(note.substr(at, end - at));
    at = end;
  }
  return s;
}

std::string Join(const std::string& text, const std::vector<std::string>& lines) {
  std::string out = text + "\n";
  for (const auto& l : lines) out += l;
  return out;
}

// The decoded bytes of a signature line ("— name base64\n").
std::vector<uint8_t> SignatureBytes(const std::string& line) {
  size_t space = line.rfind(' ');
  return UnB64(line.substr(space + 1, line.size() - space - 2));
}

class CheckpointTest : public ::testing::Test {
 protected:
  CheckpointTest()
      : key_(NewP256()),
        signer_(LogSigner::FromKey(key_.get(), kOrigin).value()),
        note_(signer_.Sign(Example()).value()) {}

  const LogVerifier& verifier() const { return signer_.verifier(); }

  void ExpectCode(const std::string& note, const std::string& code, ErrorKind kind) {
    auto r = verifier().Verify(note);
    ASSERT_THAT(r, StatusIs(code)) << note;
    EXPECT_EQ(r.error().kind, kind) << r.error().message;
    EXPECT_FALSE(r.error().message.empty());
    EXPECT_FALSE(r.error().hint.empty());
  }

  EvpPkeyPtr key_;
  LogSigner signer_;
  std::string note_;
};

TEST(CheckpointText, IsTheC2spLayout) {
  EXPECT_EQ(CheckpointText(Example()),
            "adtgw.demo.example/log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n");
  Checkpoint empty{"example.com/log", 0, Sha256Of({})};
  EXPECT_EQ(CheckpointText(empty),
            "example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
  Checkpoint big{"x", UINT64_MAX, {}};
  EXPECT_EQ(CheckpointText(big),
            "x\n18446744073709551615\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
}

TEST_F(CheckpointTest, SignThenVerifyRoundTrips) {
  auto verified = verifier().Verify(note_);
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(*verified, Example());

  // The layout: text, blank line, one signature line by the log's origin.
  Split s = SplitNote(note_);
  EXPECT_EQ(s.text, CheckpointText(Example()));
  ASSERT_EQ(s.lines.size(), 1u);
  EXPECT_TRUE(s.lines[0].starts_with(std::string(kDash) + kOrigin + " ")) << s.lines[0];
  EXPECT_EQ(note_, Join(s.text, s.lines));

  auto parsed = ParseCheckpointNote(note_);
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(*parsed, Example());

  for (uint64_t size : {uint64_t{0}, uint64_t{1}, uint64_t{10}, UINT64_MAX}) {
    Checkpoint c = Example(size);
    c.root[31] = static_cast<uint8_t>(size);
    auto note = signer_.Sign(c);
    ASSERT_THAT(note, IsOk());
    auto back = verifier().Verify(*note);
    ASSERT_THAT(back, IsOk());
    EXPECT_EQ(*back, c);
  }

  // A verifier made from the PEM of the public key accepts it too.
  auto from_pem = LogVerifier::FromPublicKeyPem(verifier().PublicKeyPem(), kOrigin);
  ASSERT_THAT(from_pem, IsOk());
  EXPECT_EQ(from_pem->key_id(), verifier().key_id());
  EXPECT_THAT(from_pem->Verify(note_), IsOk());
}

TEST_F(CheckpointTest, KeyIdIsTheFirstFourBytesOfSha256OfTheSpki) {
  auto der = I2d(key_.get(), i2d_PUBKEY, "the log public key");
  ASSERT_THAT(der, IsOk());
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(der->data(), der->size(), digest);
  uint32_t expected = (uint32_t{digest[0]} << 24) | (uint32_t{digest[1]} << 16) |
                      (uint32_t{digest[2]} << 8) | digest[3];
  EXPECT_EQ(verifier().key_id(), expected);

  // The signature starts with the key ID, big-endian, then a DER ECDSA-Sig-Value.
  std::vector<uint8_t> sig = SignatureBytes(SplitNote(note_).lines[0]);
  ASSERT_GT(sig.size(), 8u);
  EXPECT_EQ(std::vector<uint8_t>(sig.begin(), sig.begin() + 4),
            std::vector<uint8_t>(digest, digest + 4));
  EXPECT_EQ(sig[4], 0x30);  // SEQUENCE
  const unsigned char* p = sig.data() + 4;
  ECDSA_SIG* ecdsa = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size() - 4));
  ASSERT_NE(ecdsa, nullptr);
  EXPECT_EQ(p, sig.data() + sig.size());
  ECDSA_SIG_free(ecdsa);
}

TEST_F(CheckpointTest, AnotherKeyIsUnknownKey) {
  EvpPkeyPtr other_key = NewP256();
  auto other = LogSigner::FromKey(other_key.get(), kOrigin);
  ASSERT_THAT(other, IsOk());
  auto note = other->Sign(Example());
  ASSERT_THAT(note, IsOk());
  ExpectCode(*note, "checkpoint.unknown_key", ErrorKind::kIntegrity);
  auto r = verifier().Verify(*note);
  char ours[16], theirs[16];
  std::snprintf(ours, sizeof ours, "%08x", verifier().key_id());
  std::snprintf(theirs, sizeof theirs, "%08x", other->verifier().key_id());
  EXPECT_NE(r.error().message.find(std::string(kOrigin) + " " + ours), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find(theirs), std::string::npos) << r.error().message;

  // Our signature bytes under another key name, or another key ID under our name: not ours.
  Split s = SplitNote(note_);
  std::vector<uint8_t> sig = SignatureBytes(s.lines[0]);
  ExpectCode(Join(s.text, {SignatureLine("adtgw.other.example/log", sig)}),
             "checkpoint.unknown_key", ErrorKind::kIntegrity);
  sig[3] ^= 1;
  ExpectCode(Join(s.text, {SignatureLine(kOrigin, sig)}), "checkpoint.unknown_key",
             ErrorKind::kIntegrity);
}

TEST_F(CheckpointTest, TamperingIsDetected) {
  Split s = SplitNote(note_);
  const std::string root = "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=";
  // Size and root: the same key name and ID, a signature over other text.
  ExpectCode(Join(std::string(kOrigin) + "\n9\n" + root + "\n", s.lines),
             "checkpoint.bad_signature", ErrorKind::kIntegrity);
  ExpectCode(Join(std::string(kOrigin) + "\n8\n" + "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyk=\n",
                  s.lines),
             "checkpoint.bad_signature", ErrorKind::kIntegrity);
  // The origin line: no longer this log's checkpoint.
  ExpectCode(Join("adtgw.demo.example/log2\n8\n" + root + "\n", s.lines), "checkpoint.wrong_origin",
             ErrorKind::kIntegrity);
  // Signature bytes: a flipped bit in r, a truncated and an extended DER value.
  std::vector<uint8_t> sig = SignatureBytes(s.lines[0]);
  for (size_t at : {size_t{12}, sig.size() - 1}) {
    std::vector<uint8_t> bad = sig;
    bad[at] ^= 0x01;
    ExpectCode(Join(s.text, {SignatureLine(kOrigin, bad)}), "checkpoint.bad_signature",
               ErrorKind::kIntegrity);
  }
  std::vector<uint8_t> shorter(sig.begin(), sig.end() - 1);
  ExpectCode(Join(s.text, {SignatureLine(kOrigin, shorter)}), "checkpoint.bad_signature",
             ErrorKind::kIntegrity);
  std::vector<uint8_t> longer = sig;
  longer.push_back(0);
  ExpectCode(Join(s.text, {SignatureLine(kOrigin, longer)}), "checkpoint.bad_signature",
             ErrorKind::kIntegrity);
  // One good and one bad signature by the log's key: the note is refused.
  std::vector<uint8_t> bad = sig;
  bad[12] ^= 0x01;
  ExpectCode(Join(s.text, {s.lines[0], SignatureLine(kOrigin, bad)}), "checkpoint.bad_signature",
             ErrorKind::kIntegrity);
  // Parsing alone does not notice.
  EXPECT_THAT(ParseCheckpointNote(Join(s.text, {SignatureLine(kOrigin, bad)})), IsOk());
}

TEST_F(CheckpointTest, WrongOriginNamesBothOrigins) {
  auto other = LogVerifier::FromKey(key_.get(), "adtgw.elsewhere.example/log");
  ASSERT_THAT(other, IsOk());
  EXPECT_EQ(other->key_id(), verifier().key_id());
  auto r = other->Verify(note_);
  ASSERT_THAT(r, StatusIs("checkpoint.wrong_origin"));
  EXPECT_EQ(r.error().kind, ErrorKind::kIntegrity);
  EXPECT_NE(r.error().message.find(kOrigin), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("adtgw.elsewhere.example/log"), std::string::npos);

  auto refused = signer_.Sign(Checkpoint{"adtgw.elsewhere.example/log", 1, {}});
  ASSERT_THAT(refused, StatusIs("checkpoint.wrong_origin"));
}

TEST_F(CheckpointTest, SignaturesByOtherKeysAreIgnored) {
  Split s = SplitNote(note_);
  EvpPkeyPtr witness_key = NewP256();
  auto witness = LogSigner::FromKey(witness_key.get(), "witness.example/w1");
  ASSERT_THAT(witness, IsOk());
  std::string witness_line =
      SplitNote(witness->Sign(Checkpoint{"witness.example/w1", 8, EightLeafRoot()}).value())
          .lines[0];
  // Made-up Ed25519-sized signature by another name, and another key under our name.
  std::vector<uint8_t> junk(68, 0xA5);
  std::vector<uint8_t> same_name = SignatureBytes(s.lines[0]);
  same_name[0] ^= 0x80;
  for (const auto& lines : std::vector<std::vector<std::string>>{
           {witness_line, s.lines[0]},
           {s.lines[0], witness_line},
           {SignatureLine("ed25519.example/x", junk), s.lines[0],
            SignatureLine(kOrigin, same_name)},
       }) {
    auto r = verifier().Verify(Join(s.text, lines));
    ASSERT_THAT(r, IsOk());
    EXPECT_EQ(*r, Example());
  }
  // Sixteen signature lines is the most accepted.
  std::vector<std::string> sixteen(15, witness_line);
  sixteen.push_back(s.lines[0]);
  EXPECT_THAT(verifier().Verify(Join(s.text, sixteen)), IsOk());
}

TEST_F(CheckpointTest, MalformedNotesAreRefused) {
  Split s = SplitNote(note_);
  const std::string text = s.text;
  const std::string good = s.lines[0];
  const std::string root = "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=";
  auto with = [&](const std::string& size_line, const std::string& root_line) {
    return std::string(kOrigin) + "\n" + size_line + "\n" + root_line + "\n\n" + good;
  };
  const std::vector<uint8_t> sig = SignatureBytes(good);
  const std::string sig64 = B64(sig);
  struct Case {
    const char* name;
    std::string note;
    const char* says;  // a part of the message
  };
  const std::vector<Case> cases = {
      {"empty", "", "newline"},
      {"no final newline", note_.substr(0, note_.size() - 1), "newline"},
      {"text only", text, "no blank line"},
      {"missing blank line", text + good, "line 4"},
      {"no signatures", text + "\n", "no signature lines"},
      {"17 signatures", Join(text, std::vector<std::string>(17, good)), "17 signature lines"},
      {"extension line", text + "extension\n\n" + good, "extension"},
      {"blank line in signatures", text + "\n" + good + "\n" + good, "line 6"},
      {"two lines", std::string(kOrigin) + "\n8\n", "2 lines"},
      {"empty origin", "\n8\n" + root + "\n\n" + good, "origin"},
      {"tab", std::string("adtgw\tdemo\n8\n") + root + "\n\n" + good, "U+0009"},
      {"carriage return", std::string(kOrigin) + "\r\n8\n" + root + "\n\n" + good, "U+000D"},
      {"NUL", std::string(kOrigin) + std::string(1, '\0') + "\n8\n" + root + "\n\n" + good,
       "U+0000"},
      {"DEL", std::string(kOrigin) + "\x7f\n8\n" + root + "\n\n" + good, "U+007F"},
      {"C1 control", std::string(kOrigin) + "\xC2\x85\n8\n" + root + "\n\n" + good, "U+0085"},
      {"non-UTF-8 byte", std::string(kOrigin) + "\xFF\n8\n" + root + "\n\n" + good, "UTF-8"},
      {"overlong UTF-8", std::string(kOrigin) + "\xC0\xAF\n8\n" + root + "\n\n" + good, "UTF-8"},
      {"UTF-16 surrogate", std::string(kOrigin) + "\xED\xA0\x80\n8\n" + root + "\n\n" + good,
       "UTF-8"},
      {"truncated UTF-8", text + "\n" + good.substr(0, 2), "UTF-8"},
      {"leading zero size", with("08", root), "leading zero"},
      {"zero zero size", with("00", root), "leading zero"},
      {"signed size", with("+8", root), "decimal"},
      {"size with space", with("8 ", root), "decimal"},
      {"empty size", with("", root), "empty"},
      {"size over 64 bits", with("18446744073709551616", root), "64 bits"},
      {"hex size", with("0x8", root), "decimal"},
      {"root too short", with("8", root.substr(0, 40)), "root"},
      {"root unpadded", with("8", root.substr(0, 43)), "root"},
      {"root with space", with("8", " " + root.substr(1)), "root"},
      {"root URL alphabet", with("8", "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz-Nw7_RgQyg="), "root"},
      {"root non-canonical bits", with("8", "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh="),
       "root"},
      {"root 33 bytes", with("8", B64(std::vector<uint8_t>(33, 1))), "root"},
      {"root hex", with("8", "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
       "root"},
      {"hyphen instead of em dash", text + "\n- " + kOrigin + " " + sig64 + "\n", "em dash"},
      {"en dash", text + "\n\xE2\x80\x93 " + kOrigin + " " + sig64 + "\n", "em dash"},
      {"em dash without space", text + "\n\xE2\x80\x94" + kOrigin + " " + sig64 + "\n", "em dash"},
      {"no key name", text + "\n" + kDash + " " + sig64 + "\n", "key name"},
      {"plus in key name", text + "\n" + kDash + "a+b " + sig64 + "\n", "key name"},
      {"NBSP in key name",
       text + "\n" + kDash +
           "a\xC2\xA0"
           "b " +
           sig64 + "\n",
       "key name"},
      {"no signature", text + "\n" + kDash + kOrigin + "\n", "no space"},
      {"two spaces", text + "\n" + kDash + kOrigin + "  " + sig64 + "\n", "base64"},
      {"trailing space", text + "\n" + kDash + kOrigin + " " + sig64 + " \n", "base64"},
      {"signature not base64", text + "\n" + kDash + kOrigin + " " + sig64.substr(1) + "\n",
       "base64"},
      {"signature only a key ID",
       text + "\n" + kDash + kOrigin + " " + B64({sig[0], sig[1], sig[2], sig[3]}) + "\n",
       "4-byte key ID"},
      {"oversize", std::string(kMaxCheckpointNoteSize - note_.size() + 1, 'a') + note_, "16384"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto parsed = ParseCheckpointNote(c.note);
    ASSERT_THAT(parsed, StatusIs("checkpoint.malformed"));
    EXPECT_EQ(parsed.error().kind, ErrorKind::kInvalidInput);
    EXPECT_NE(parsed.error().message.find(c.says), std::string::npos) << parsed.error().message;
    EXPECT_FALSE(parsed.error().hint.empty());
    auto verified = verifier().Verify(c.note);
    ASSERT_THAT(verified, StatusIs("checkpoint.malformed"));
  }
  // A long origin that keeps the note at the limit is still accepted.
  auto at_limit =
      ParseCheckpointNote(std::string(kMaxCheckpointNoteSize - note_.size(), 'a') + note_);
  ASSERT_THAT(at_limit, IsOk());
  EXPECT_EQ(ParseCheckpointNote(with("18446744073709551615", root))->size, UINT64_MAX);
  EXPECT_EQ(ParseCheckpointNote(with("0", root))->size, 0u);
}

TEST(LogVerifier, RefusesKeysOtherThanP256) {
  EvpPkeyPtr p384 = GenerateKey(KeyType::kP384).value();
  EvpPkeyPtr ed25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  EvpPkeyPtr rsa = GenerateKey(KeyType::kRsa2048).value();
  ASSERT_TRUE(ed25519);
  for (EVP_PKEY* key : {p384.get(), ed25519.get(), rsa.get()}) {
    auto verifier = LogVerifier::FromKey(key, kOrigin);
    ASSERT_THAT(verifier, StatusIs("log_key.not_p256"));
    EXPECT_FALSE(verifier.error().hint.empty());
    auto signer = LogSigner::FromKey(key, kOrigin);
    ASSERT_THAT(signer, StatusIs("log_key.not_p256"));
  }
  auto p384_error = LogVerifier::FromKey(p384.get(), kOrigin).error();
  EXPECT_NE(p384_error.message.find("secp384r1"), std::string::npos) << p384_error.message;

  // The same through PEM.
  BioPtr bio(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_PUBKEY(bio.get(), p384.get()), 1);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  auto from_pem = LogVerifier::FromPublicKeyPem(std::string(data, static_cast<size_t>(n)), kOrigin);
  ASSERT_THAT(from_pem, StatusIs("log_key.not_p256"));
}

TEST(LogVerifier, RefusesWhatIsNotAPublicKey) {
  for (const std::string& pem : {std::string(), std::string("hello"),
                                 std::string("-----BEGIN PUBLIC KEY-----\nAAAA\n"
                                             "-----END PUBLIC KEY-----\n")}) {
    auto r = LogVerifier::FromPublicKeyPem(pem, kOrigin);
    ASSERT_THAT(r, StatusIs("log_key.unreadable"));
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput);
  }
  EvpPkeyPtr key = NewP256();
  std::string private_pem = PrivateKeyToPem(key.get()).value();
  auto r = LogVerifier::FromPublicKeyPem(private_pem, kOrigin);
  ASSERT_THAT(r, StatusIs("log_key.unreadable"));
  EXPECT_NE(r.error().message.find("private key"), std::string::npos);

  auto missing = LogVerifier::LoadPublicKey("/nonexistent/log-key.pub.pem", kOrigin);
  ASSERT_THAT(missing, Not(IsOk()));
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
}

TEST(LogVerifier, RefusesOriginsThatAreNotKeyNames) {
  EvpPkeyPtr key = NewP256();
  for (const char* origin :
       {"", "adtgw demo", "a+b", "line\nbreak", "tab\there", "nbsp\xC2\xA0x", "\xFF"}) {
    SCOPED_TRACE(origin);
    auto r = LogVerifier::FromKey(key.get(), origin);
    ASSERT_THAT(r, StatusIs("log_key.bad_origin"));
    EXPECT_THAT(LogSigner::FromKey(key.get(), origin), StatusIs("log_key.bad_origin"));
  }
  EXPECT_THAT(LogVerifier::FromKey(key.get(), "adtgw.exämple/log"), IsOk());
}

TEST(LogSigner, LoadsItsKeyFromAPrivateFile) {
  testing::TempDir dir;
  EvpPkeyPtr key = NewP256();
  const std::string path = dir.path() + "/log-key.pem";
  {
    std::ofstream f(path);
    f << PrivateKeyToPem(key.get()).value();
  }
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  auto unsafe = LogSigner::Load(path, kOrigin);
  ASSERT_THAT(unsafe, StatusIs("key.unsafe_permissions"));

  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  auto signer = LogSigner::Load(path, kOrigin);
  ASSERT_THAT(signer, IsOk());
  auto expected = LogVerifier::FromKey(key.get(), kOrigin);
  EXPECT_EQ(signer->verifier().key_id(), expected->key_id());
  EXPECT_THAT(expected->Verify(signer->Sign(Example()).value()), IsOk());
  // The verifier holds only the public half.
  EXPECT_EQ(signer->verifier().PublicKeyPem(), expected->PublicKeyPem());

  const std::string junk = dir.path() + "/junk.pem";
  {
    std::ofstream f(junk);
    f << "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  }
  ASSERT_EQ(chmod(junk.c_str(), 0600), 0);
  auto unreadable = LogSigner::Load(junk, kOrigin);
  ASSERT_THAT(unreadable, StatusIs("log_key.unreadable"));
  EXPECT_EQ(LogSigner::Load(dir.path() + "/missing.pem", kOrigin).error().kind,
            ErrorKind::kNotFound);
}

// docs/audit-log.md section 6.6: the published test vector, made with stock openssl.
TEST(CheckpointTestVector, PublishedNoteVerifies) {
  const std::string dir = ADTGW_TEST_VECTORS;
  auto verifier = LogVerifier::LoadPublicKey(dir + "/checkpoint-log-key-1.pub.pem", kOrigin);
  ASSERT_THAT(verifier, IsOk());
  EXPECT_EQ(verifier->key_id(), 0x1f361cbcu);
  EXPECT_EQ(verifier->PublicKeyPem(), ReadText(dir + "/checkpoint-log-key-1.pub.pem"));

  const std::string note = ReadText(dir + "/checkpoint-1.note");
  EXPECT_EQ(note.substr(0, note.find("\n\n") + 1),
            "adtgw.demo.example/log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n");
  auto verified = verifier->Verify(note);
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(*verified, Example());

  // The same note for size 9: the signature no longer verifies.
  std::string modified = note;
  modified.replace(modified.find("\n8\n"), 3, "\n9\n");
  auto refused = verifier->Verify(modified);
  ASSERT_THAT(refused, StatusIs("checkpoint.bad_signature"));
}

}  // namespace
}  // namespace adtgw
