#include "gateway/transfer/acknowledgement.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <functional>

#include "crypto/byte_stream.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_pki.h"

namespace adtgw {
namespace {

using ::testing::Not;

Acknowledgement Accepted() {
  Acknowledgement a;
  a.transfer_id = "0123456789abcdef0123456789abcdef";
  a.recipient = Eui64::Parse("AD-7C-00-00-00-00-04-01").value();
  a.envelope_sha256.fill(0xab);
  a.accepted = true;
  a.created = 1764417600;  // 2025-11-29T12:00:00Z
  return a;
}

Acknowledgement Rejected() {
  Acknowledgement a = Accepted();
  a.accepted = false;
  a.reason = "format.bad_row";
  a.problems = {"row 3: \"MPAN\" is\tnot 13 digits", "row 9: empty"};
  return a;
}

// Written out by hand from docs' rules: keys sorted, no white space, minimal escapes.
const char kAcceptedJson[] =
    "{\"created\":\"2025-11-29T12:00:00Z\",\"decision\":\"accepted\",\"envelope_sha256\":"
    "\"abababababababababababababababababababababababababababababababab\",\"problems\":[],"
    "\"reason\":\"\",\"recipient\":\"AD-7C-00-00-00-00-04-01\",\"transfer_id\":"
    "\"0123456789abcdef0123456789abcdef\",\"version\":1}";

std::string Replaced(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  if (at == std::string::npos) ADD_FAILURE() << "no " << from << " in " << s;
  return at == std::string::npos ? s : s.replace(at, from.size(), to);
}

TEST(Acknowledgement, CanonicalFormMatchesTheVectorAndRoundTrips) {
  EXPECT_EQ(AcknowledgementToJson(Accepted()), kAcceptedJson);
  auto parsed = ParseAcknowledgement(AsBytes(kAcceptedJson));
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(*parsed, Accepted());

  std::string rejected = AcknowledgementToJson(Rejected());
  EXPECT_NE(rejected.find("\"problems\":[\"row 3: \\\"MPAN\\\" is\\u0009not 13 digits\","
                          "\"row 9: empty\"]"),
            std::string::npos)
      << rejected;
  EXPECT_NE(rejected.find("\"decision\":\"rejected\""), std::string::npos);
  auto back = ParseAcknowledgement(AsBytes(rejected));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back, Rejected());
}

TEST(Acknowledgement, ProblemsKeepTheirOrder) {
  Acknowledgement a = Rejected();
  a.problems = {"zz last-sorted first", "a \x7f b", "aa"};
  auto back = ParseAcknowledgement(AsBytes(AcknowledgementToJson(a)));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->problems, a.problems);
}

// Regression: the canonical check compared `char` (signed) with `uint8_t`, so any byte
// >= 0x80 made an acknowledgement "not canonical" and a rejection whose problem quoted
// UTF-8 (a file name, a certificate subject) could not be delivered.
TEST(Acknowledgement, ProblemsKeepTheirUtf8) {
  Acknowledgement a = Rejected();
  a.problems = {
      "\xC3\x9C"
      "berweisung.csv",
      "\xE2\x82\xAC 5", "\xF0\x9F\x98\x80"};
  auto back = ParseAcknowledgement(AsBytes(AcknowledgementToJson(a)));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->problems, a.problems);
}

TEST(Acknowledgement, OnlyTheCanonicalBytesAreAccepted) {
  const std::string canonical = kAcceptedJson;
  std::string reordered = Replaced(canonical, "\"created\":\"2025-11-29T12:00:00Z\",", "");
  reordered.insert(reordered.size() - 1, ",\"created\":\"2025-11-29T12:00:00Z\"");
  const std::pair<const char*, std::string> cases[] = {
      {"a space after a colon", Replaced(canonical, "\"version\":1", "\"version\": 1")},
      {"a trailing newline", canonical + "\n"},
      {"a leading space", " " + canonical},
      {"keys out of order", reordered},
      {"lower-case EUI-64",
       Replaced(canonical, "AD-7C-00-00-00-00-04-01", "ad-7c-00-00-00-00-04-01")},
      {"EUI-64 without hyphens",
       Replaced(canonical, "AD-7C-00-00-00-00-04-01", "AD7C000000000401")},
      {"an escaped letter",
       Replaced(canonical, "\"decision\":\"accepted\"", "\"decision\":\"\\u0061ccepted\"")},
      {"a non-existent date that normalises",
       Replaced(canonical, "2025-11-29T12:00:00Z", "2025-11-31T12:00:00Z")},
  };
  for (const auto& [what, text] : cases) {
    auto r = ParseAcknowledgement(AsBytes(text));
    ASSERT_THAT(r, StatusIs("ack.not_canonical")) << what;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput) << what;
  }
  // A repeated key is refused by the reader, before the canonical form is compared.
  EXPECT_THAT(ParseAcknowledgement(
                  AsBytes(Replaced(canonical, "\"version\":1}", "\"version\":1,\"version\":1}"))),
              StatusIs("ack.duplicate_key"));
  // Problems written with a needlessly escaped character are another byte form too.
  std::string rejected = AcknowledgementToJson(Rejected());
  auto escaped = ParseAcknowledgement(AsBytes(Replaced(rejected, "row 9", "row \\u0039")));
  ASSERT_THAT(escaped, StatusIs("ack.not_canonical"));
}

TEST(Acknowledgement, EachFieldIsValidated) {
  struct Case {
    const char* what;
    std::function<void(Acknowledgement&)> change;
    const char* code;
  };
  const Case cases[] = {
      {"short transfer id", [](Acknowledgement& a) { a.transfer_id.pop_back(); },
       "ack.transfer_id"},
      {"upper-case transfer id",
       [](Acknowledgement& a) { a.transfer_id = "0123456789ABCDEF0123456789abcdef"; },
       "ack.transfer_id"},
      {"path as transfer id",
       [](Acknowledgement& a) { a.transfer_id = "../../../../../../../../etc/pass"; },
       "ack.transfer_id"},
      {"acceptance with a reason", [](Acknowledgement& a) { a.reason = "format.bad_row"; },
       "ack.reason"},
      {"rejection without a reason",
       [](Acknowledgement& a) {
         a.accepted = false;
         a.reason.clear();
       },
       "ack.reason"},
      {"reason with upper case",
       [](Acknowledgement& a) {
         a.accepted = false;
         a.reason = "Format.bad";
       },
       "ack.reason"},
      {"reason with a space",
       [](Acknowledgement& a) {
         a.accepted = false;
         a.reason = "format bad";
       },
       "ack.reason"},
      {"reason of 65 characters",
       [](Acknowledgement& a) {
         a.accepted = false;
         a.reason = std::string(65, 'r');
       },
       "ack.reason"},
      {"101 problems", [](Acknowledgement& a) { a.problems.assign(101, "x"); }, "ack.problems"},
      {"a problem of 513 bytes", [](Acknowledgement& a) { a.problems = {std::string(513, 'p')}; },
       "ack.problems"},
      {"a problem with a byte that is not UTF-8",
       [](Acknowledgement& a) { a.problems = {"caf\xC3"}; }, "ack.problems"},
      {"a problem with U+0000", [](Acknowledgement& a) { a.problems = {std::string("a\0b", 3)}; },
       "ack.problems"},
      {"no time", [](Acknowledgement& a) { a.created = 0; }, "ack.created"},
      {"negative time", [](Acknowledgement& a) { a.created = -5; }, "ack.created"},
  };
  for (const Case& c : cases) {
    Acknowledgement a = Accepted();
    c.change(a);
    Status s = ValidateAcknowledgement(a);
    ASSERT_THAT(s, StatusIs(c.code)) << c.what;
    EXPECT_EQ(s.error().kind, ErrorKind::kInvalidInput) << c.what;
  }
  // The limits themselves are allowed.
  Acknowledgement most = Rejected();
  most.reason = std::string(64, 'r');
  most.problems.assign(100, std::string(512, 'p'));
  EXPECT_THAT(ValidateAcknowledgement(most), IsOk());
  auto back = ParseAcknowledgement(AsBytes(AcknowledgementToJson(most)));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back, most);
}

TEST(Acknowledgement, EachFieldIsCheckedWhenParsed) {
  const std::string canonical = kAcceptedJson;
  const struct {
    const char* what;
    std::string text;
    const char* code;
  } cases[] = {
      {"version 2", Replaced(canonical, "\"version\":1", "\"version\":2"), "ack.version"},
      {"version as text", Replaced(canonical, "\"version\":1", "\"version\":\"1\""), "ack.version"},
      {"version as a fraction", Replaced(canonical, "\"version\":1", "\"version\":1.0"),
       "ack.bad_number"},
      {"no version", Replaced(canonical, ",\"version\":1", ""), "ack.version"},
      {"decision maybe", Replaced(canonical, "\"accepted\"", "\"maybe\""), "ack.decision"},
      {"decision as a boolean", Replaced(canonical, "\"accepted\"", "true"), "ack.decision"},
      {"digest in upper case", Replaced(canonical, "abababab", "ABABABAB"), "ack.envelope_sha256"},
      {"short digest", Replaced(canonical, "abababab\"", "ababab\""), "ack.envelope_sha256"},
      {"bad EUI-64", Replaced(canonical, "AD-7C-00-00-00-00-04-01", "AD-7C-00-00-00-00-04"),
       "input.bad_eui64"},
      {"recipient as a list",
       Replaced(canonical, "\"AD-7C-00-00-00-00-04-01\"", "[\"AD-7C-00-00-00-00-04-01\"]"),
       "ack.recipient"},
      {"problems not a list", Replaced(canonical, "\"problems\":[]", "\"problems\":\"x\""),
       "ack.problems"},
      {"a problem that is a number", Replaced(canonical, "\"problems\":[]", "\"problems\":[1]"),
       "ack.problems"},
      {"a date without a time", Replaced(canonical, "2025-11-29T12:00:00Z", "2025-11-29"),
       "ack.created"},
      {"a time with fractions", Replaced(canonical, "12:00:00Z", "12:00:00.5Z"), "ack.created"},
      {"a local time", Replaced(canonical, "12:00:00Z", "12:00:00+01:00"), "ack.created"},
      {"no transfer id",
       Replaced(canonical, ",\"transfer_id\":\"0123456789abcdef0123456789abcdef\"", ""),
       "ack.transfer_id"},
      {"a path as transfer id", Replaced(canonical, "0123456789abcdef0123456789abcdef", "../../x"),
       "ack.transfer_id"},
  };
  for (const auto& c : cases) {
    auto r = ParseAcknowledgement(AsBytes(c.text));
    ASSERT_THAT(r, StatusIs(c.code)) << c.what;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput) << c.what;
  }
}

TEST(Acknowledgement, MalformedAndOversizedInputIsRefused) {
  const std::string canonical = kAcceptedJson;
  const struct {
    const char* what;
    std::string text;
    const char* code;
  } cases[] = {
      {"empty", "", "ack.empty"},
      {"not JSON", "accepted", "ack.malformed"},
      {"an array", "[1,2]", "ack.malformed"},
      {"a string", "\"x\"", "ack.malformed"},
      {"truncated", canonical.substr(0, canonical.size() - 1), "ack.malformed"},
      {"nested too deeply", Replaced(canonical, "\"problems\":[]", "\"problems\":[[\"x\"]]"),
       "ack.malformed"},
      {"100000 brackets", std::string(100000, '['), "ack.too_large"},
      {"an unknown key", Replaced(canonical, "{", "{\"admin\":true,"), "ack.unknown_key"},
      {"over 64 KiB",
       Replaced(canonical, "\"problems\":[]",
                "\"problems\":[\"" + std::string(kMaxAcknowledgementSize, 'p') + "\"]"),
       "ack.too_large"},
  };
  for (const auto& c : cases) {
    auto r = ParseAcknowledgement(AsBytes(c.text));
    ASSERT_THAT(r, StatusIs(c.code)) << c.what;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput) << c.what;
  }
  // 50 levels under the size cap: refused by the nesting cap, before any recursion.
  auto deep = ParseAcknowledgement(AsBytes(std::string(50, '[') + std::string(50, ']')));
  ASSERT_THAT(deep, StatusIs("ack.malformed"));
}

// Regression: ValidateAcknowledgement capped problems by their raw length while
// ParseAcknowledgement caps the encoded document at 64 KiB, so characters that canonical
// JSON escapes made a valid, signed acknowledgement that the gateway refused.
TEST(Acknowledgement, ProblemLinesAreMadeTextThatTheGatewayReads) {
  EXPECT_EQ(AcknowledgementProblem("row 3: \xC3\x9C ok"), "row 3: \xC3\x9C ok");
  // Bytes that are not UTF-8 and NUL become U+FFFD.
  EXPECT_EQ(AcknowledgementProblem(std::string("a\xFF\0b", 4)),
            "a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b");
  // Cut at 512 bytes, never inside a character: 511 ASCII bytes and a 2-byte character
  // leave 511 bytes.
  const std::string cut = AcknowledgementProblem(std::string(511, 'x') + "\xC3\x9C" + "tail");
  EXPECT_EQ(cut, std::string(511, 'x'));
  EXPECT_EQ(AcknowledgementProblem(std::string(600, 'y')), std::string(512, 'y'));
  // Whatever the input, the line validates, and the acknowledgement reads back.
  Acknowledgement a = Rejected();
  a.problems = {AcknowledgementProblem(std::string(300, '\xE2') + std::string("\0\x80", 2)),
                AcknowledgementProblem(std::string(510, 'z') + "\xF0\x9F\x98\x80")};
  ASSERT_THAT(ValidateAcknowledgement(a), IsOk());
  auto back = ParseAcknowledgement(AsBytes(AcknowledgementToJson(a)));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->problems, a.problems);
}

TEST(Acknowledgement, WhatValidatesIsExactlyWhatParsesBack) {
  // Each problem of 512 '"' encodes to 1027 bytes: about 63 of them fit in 64 KiB.
  testing::TestPki pki;
  testing::Credential ds = pki.Party("AD-7C-00-00-00-00-04-01", "04", KU_DIGITAL_SIGNATURE);
  int valid = 0, refused = 0;
  for (size_t n = 58; n <= 68; ++n) {
    Acknowledgement a = Rejected();
    a.problems.assign(n, std::string(512, '"'));  // e.g. quoted CSV cells in row errors
    std::string json = AcknowledgementToJson(a);
    Status validated = ValidateAcknowledgement(a);
    auto back = ParseAcknowledgement(AsBytes(json));
    auto sig = SignAcknowledgement(a, {ds.cert.get(), ds.key.get()}, a.created);
    EXPECT_EQ(validated.ok(), back.ok()) << n << " problems, " << json.size() << " bytes";
    EXPECT_EQ(validated.ok(), sig.ok()) << n << " problems";
    EXPECT_EQ(validated.ok(), json.size() <= kMaxAcknowledgementSize) << n << " problems";
    if (validated.ok()) {
      ++valid;
    } else {
      ++refused;
      EXPECT_THAT(validated, StatusIs("ack.too_large")) << n;
    }
  }
  EXPECT_GT(valid, 0);
  EXPECT_GT(refused, 0);
}

TEST(Acknowledgement, TheSignatureCoversExactlyTheCanonicalBytes) {
  testing::TestPki pki;
  testing::Credential ds = pki.Party("AD-7C-00-00-00-00-04-01", "04", KU_DIGITAL_SIGNATURE);
  Acknowledgement a = Rejected();
  auto sig = SignAcknowledgement(a, {ds.cert.get(), ds.key.get()}, a.created);
  ASSERT_THAT(sig, IsOk());
  std::string json = AcknowledgementToJson(a);
  auto verified = VerifyAcknowledgement(AsBytes(json), *sig);
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(verified->ack, a);
  EXPECT_EQ(X509_cmp(verified->signature.signer.get(), ds.cert.get()), 0);

  Acknowledgement accepted_instead = a;
  accepted_instead.accepted = true;
  accepted_instead.reason.clear();
  accepted_instead.problems.clear();
  auto forged = VerifyAcknowledgement(AsBytes(AcknowledgementToJson(accepted_instead)), *sig);
  ASSERT_THAT(forged, StatusIs("signature.digest_mismatch"));

  auto no_signature = VerifyAcknowledgement(AsBytes(json), {});
  EXPECT_THAT(no_signature, Not(IsOk()));
  std::vector<uint8_t> cut(sig->begin(), sig->begin() + static_cast<long>(sig->size() / 2));
  EXPECT_THAT(VerifyAcknowledgement(AsBytes(json), cut), Not(IsOk()));
  // The document is parsed (and refused) before the signature is looked at.
  std::string spaced = json + " ";
  auto loose = VerifyAcknowledgement(AsBytes(spaced), *sig);
  ASSERT_THAT(loose, StatusIs("ack.not_canonical"));

  Acknowledgement invalid = a;
  invalid.reason.clear();
  auto refused = SignAcknowledgement(invalid, {ds.cert.get(), ds.key.get()}, a.created);
  ASSERT_THAT(refused, StatusIs("ack.reason"));
}

}  // namespace
}  // namespace adtgw
