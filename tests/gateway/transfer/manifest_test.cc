#include "gateway/transfer/manifest.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "crypto/byte_stream.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_pki.h"

namespace adtgw {
namespace {

using ::testing::Not;

Manifest Example() {
  Manifest m;
  m.file_type = "adt";
  m.sender = Eui64::Parse("90-B3-D5-1F-30-01-00-00").value();
  m.recipients = {Eui64::Parse("90-B3-D5-1F-30-00-00-02").value()};
  m.file_name = "ADT_20261129.csv";
  m.envelope_sha256.fill(0xab);
  m.envelope_size = 1310;
  m.created = 1764417600;  // 2025-11-29T12:00:00Z
  m.idempotency_key = "0123456789abcdef-XYZ";
  return m;
}

// The test vector of docs/manifest.md.
const char kExampleJson[] =
    "{\"created\":\"2025-11-29T12:00:00Z\",\"envelope_sha256\":"
    "\"abababababababababababababababababababababababababababababababab\","
    "\"envelope_size\":1310,\"file_name\":\"ADT_20261129.csv\",\"file_type\":\"adt\","
    "\"idempotency_key\":\"0123456789abcdef-XYZ\",\"recipients\":[\"90-B3-D5-1F-30-00-00-02\"],"
    "\"sender\":\"90-B3-D5-1F-30-01-00-00\",\"version\":1}";

TEST(Manifest, CanonicalFormMatchesTheSpecifiedVector) {
  EXPECT_EQ(ManifestToJson(Example()), kExampleJson);
  auto parsed = ParseManifest(AsBytes(kExampleJson));
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(*parsed, Example());
}

TEST(Manifest, RecipientsAreEncodedSorted) {
  Manifest m = Example();
  m.recipients = {Eui64::Parse("90-B3-D5-1F-30-03-00-00").value(),
                  Eui64::Parse("90-B3-D5-1F-30-00-00-02").value()};
  std::string json = ManifestToJson(m);
  EXPECT_LT(json.find("30-00-00-02"), json.find("30-03-00-00"));
  ASSERT_THAT(ParseManifest(AsBytes(json)), IsOk());
}

TEST(Manifest, OnlyTheCanonicalBytesAreAccepted) {
  const std::string canonical = kExampleJson;
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string s = canonical;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  const std::string created = "\"created\":\"2025-11-29T12:00:00Z\",";
  std::string reordered = replaced(created, "");
  reordered.insert(reordered.size() - 1, "," + created.substr(0, created.size() - 1));
  const std::pair<const char*, std::string> cases[] = {
      {"a space", replaced(",\"version\"", ", \"version\"")},
      {"lower-case EUI-64", replaced("90-B3-D5-1F-30-01-00-00", "90-b3-d5-1f-30-01-00-00")},
      {"a trailing newline", canonical + "\n"},
      {"keys out of order", reordered},
  };
  for (const auto& [what, text] : cases) {
    auto r = ParseManifest(AsBytes(text));
    ASSERT_THAT(r, StatusIs("manifest.not_canonical")) << what;
  }
  // A repeated key is refused by the reader, before the canonical form is compared.
  EXPECT_THAT(ParseManifest(AsBytes(replaced("\"version\":1}", "\"version\":1,\"version\":1}"))),
              StatusIs("manifest.duplicate_key"));
  // Digests are lower-case hex only; upper case is refused as a malformed digest.
  auto upper = ParseManifest(AsBytes(replaced("abababab", "ABABABAB")));
  ASSERT_THAT(upper, StatusIs("manifest.envelope_sha256"));
}

TEST(Manifest, EachFieldIsValidated) {
  struct Case {
    const char* what;
    std::function<void(Manifest&)> change;
    const char* code;
  };
  const Case cases[] = {
      {"unknown type", [](Manifest& m) { m.file_type = "invoice"; }, "manifest.file_type"},
      {"no recipient", [](Manifest& m) { m.recipients.clear(); }, "manifest.recipients"},
      {"duplicate recipient", [](Manifest& m) { m.recipients.push_back(m.recipients[0]); },
       "manifest.recipients"},
      {"17 recipients",
       [](Manifest& m) {
         m.recipients.clear();
         for (int i = 0; i < 17; ++i) {
           char e[17];
           std::snprintf(e, sizeof e, "00000000000000%02X", i);
           m.recipients.push_back(Eui64::Parse(e).value());
         }
       },
       "manifest.recipients"},
      {"a path", [](Manifest& m) { m.file_name = "../etc/passwd"; }, "manifest.file_name"},
      {"a folder", [](Manifest& m) { m.file_name = "in/adt.csv"; }, "manifest.file_name"},
      {"a hidden name", [](Manifest& m) { m.file_name = ".adt.csv"; }, "manifest.file_name"},
      {"a NUL", [](Manifest& m) { m.file_name = std::string("adt\0.csv", 8); },
       "manifest.file_name"},
      {"a space", [](Manifest& m) { m.file_name = "adt file.csv"; }, "manifest.file_name"},
      {"an over-long name", [](Manifest& m) { m.file_name = std::string(129, 'a'); },
       "manifest.file_name"},
      {"empty name", [](Manifest& m) { m.file_name.clear(); }, "manifest.file_name"},
      {"zero size", [](Manifest& m) { m.envelope_size = 0; }, "manifest.envelope_size"},
      {"short idempotency key", [](Manifest& m) { m.idempotency_key = "short"; },
       "manifest.idempotency_key"},
      {"idempotency key with a slash", [](Manifest& m) { m.idempotency_key = "0123456789/abcdef"; },
       "manifest.idempotency_key"},
  };
  for (const Case& c : cases) {
    Manifest m = Example();
    c.change(m);
    Status s = ValidateManifest(m);
    ASSERT_THAT(s, StatusIs(c.code)) << c.what;
  }
}

TEST(Manifest, MalformedInputIsRefused) {
  const std::pair<const char*, std::string> cases[] = {
      {"empty", ""},
      {"not JSON", "hello"},
      {"an array", "[1,2]"},
      {"deep nesting", std::string(100, '[') + std::string(100, ']')},
      {"too large", "{\"file_name\":\"" + std::string(9000, 'a') + "\"}"},
      {"unknown key", std::string(kExampleJson).insert(1, "\"admin\":true,")},
      {"version 2",
       [] {
         std::string s = kExampleJson;
         s.replace(s.find("\"version\":1"), 11, "\"version\":2");
         return s;
       }()},
      {"size as a string",
       [] {
         std::string s = kExampleJson;
         s.replace(s.find("1310"), 4, "\"1310\"");
         return s;
       }()},
  };
  for (const auto& [what, text] : cases) {
    auto r = ParseManifest(AsBytes(text));
    ASSERT_THAT(r, Not(IsOk())) << what;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput) << what;
  }
}

TEST(Manifest, SignatureCoversExactlyTheCanonicalBytes) {
  testing::TestPki pki;
  testing::Credential ds = pki.Party("90-B3-D5-1F-30-01-00-00", "02", KU_DIGITAL_SIGNATURE);
  Manifest m = Example();
  auto sig = SignManifest(m, {ds.cert.get(), ds.key.get()}, 1764417600);
  ASSERT_THAT(sig, IsOk());
  std::string json = ManifestToJson(m);
  auto verified = VerifyManifest(AsBytes(json), *sig);
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(verified->manifest, m);
  EXPECT_EQ(X509_cmp(verified->signature.signer.get(), ds.cert.get()), 0);
  // The same manifest with another size is still canonical, but not what was signed.
  Manifest other = m;
  other.envelope_size = 1311;
  auto forged = VerifyManifest(AsBytes(ManifestToJson(other)), *sig);
  ASSERT_THAT(forged, StatusIs("signature.digest_mismatch"));
}

}  // namespace
}  // namespace adtgw
