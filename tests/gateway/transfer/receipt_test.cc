#include "gateway/transfer/receipt.h"

#include <gtest/gtest.h>
#include "crypto/byte_stream.h"
#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

using ::testing::Not;

Eui64 E(const char* text) { return Eui64::Parse(text).value(); }

Receipt Example() {
  Receipt r;
  r.transfer_id = "0123456789abcdef0123456789abcdef";
  r.sender = E("AD-7C-00-00-00-00-02-01");
  r.recipients = {E("AD-7C-00-00-00-00-04-01")};
  r.file_type = "adt";
  r.file_name = "ADT_20261129.csv";
  r.envelope_sha256.fill(0xab);
  r.envelope_size = 1310;
  r.received_at = 1764417600;  // 2025-11-29T12:00:00Z
  r.policy_sha256.fill(0xcd);
  r.rule = "users-send-adt-to-dcc";
  r.log_index = 7;
  r.log_entry = "{\"event\":\"envelope.stored\"}";
  r.checkpoint = "o\n8\nr\n\n\u2014 o s\n";
  Sha256Digest p1, p2;
  p1.fill(0x01);
  p2.fill(0x02);
  r.inclusion_proof = {p1, p2};
  return r;
}

const char kExampleJson[] =
    "{\"checkpoint\":\"o\\u000a8\\u000ar\\u000a\\u000a\u2014 o s\\u000a\","
    "\"envelope_sha256\":\"abababababababababababababababababababababababababababababababab\","
    "\"envelope_size\":1310,\"file_name\":\"ADT_20261129.csv\",\"file_type\":\"adt\","
    "\"inclusion_proof\":[\"0101010101010101010101010101010101010101010101010101010101010101\","
    "\"0202020202020202020202020202020202020202020202020202020202020202\"],"
    "\"log_entry\":\"{\\\"event\\\":\\\"envelope.stored\\\"}\",\"log_index\":7,"
    "\"policy_sha256\":\"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd\","
    "\"received_at\":\"2025-11-29T12:00:00Z\",\"recipients\":[\"AD-7C-00-00-00-00-04-01\"],"
    "\"rule\":\"users-send-adt-to-dcc\",\"sender\":\"AD-7C-00-00-00-00-02-01\","
    "\"transfer_id\":\"0123456789abcdef0123456789abcdef\",\"version\":2}";

std::string Replaced(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  if (at == std::string::npos) ADD_FAILURE() << "no " << from << " in " << s;
  return at == std::string::npos ? s : s.replace(at, from.size(), to);
}

TEST(Receipt, CanonicalFormMatchesTheVectorAndRoundTrips) {
  EXPECT_EQ(ReceiptToJson(Example()), kExampleJson);
  auto parsed = ParseReceipt(AsBytes(kExampleJson));
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(*parsed, Example());
}

TEST(Receipt, RecipientsAreEncodedSortedAndEscapesAreMinimal) {
  Receipt r = Example();
  r.recipients = {E("AD-7C-00-00-00-00-04-02"), E("AD-7C-00-00-00-00-04-01")};
  r.rule = "rule \"quoted\"\\";
  std::string json = ReceiptToJson(r);
  EXPECT_LT(json.find("04-01"), json.find("04-02"));
  EXPECT_NE(json.find("\"rule\":\"rule \\\"quoted\\\"\\\\\""), std::string::npos) << json;
  auto back = ParseReceipt(AsBytes(json));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->rule, r.rule);
  EXPECT_EQ(back->recipients,
            (std::vector<Eui64>{E("AD-7C-00-00-00-00-04-01"), E("AD-7C-00-00-00-00-04-02")}));
  EXPECT_EQ(ReceiptToJson(*back), json);
  // The largest envelope size survives.
  r.envelope_size = UINT64_MAX;
  auto big = ParseReceipt(AsBytes(ReceiptToJson(r)));
  ASSERT_THAT(big, IsOk());
  EXPECT_EQ(big->envelope_size, UINT64_MAX);
}

TEST(Receipt, EachFieldIsChecked) {
  const std::string canonical = kExampleJson;
  const struct {
    const char* what;
    std::string text;
    const char* code;
  } cases[] = {
      {"version 1", Replaced(canonical, "\"version\":2", "\"version\":1"), "receipt.version"},
      {"no version", Replaced(canonical, ",\"version\":2", ""), "receipt.version"},
      {"no log index", Replaced(canonical, "\"log_index\":7,", ""), "receipt.log_index"},
      {"no checkpoint",
       Replaced(canonical, "\"checkpoint\":\"o\\u000a8\\u000ar\\u000a\\u000a\u2014 o s\\u000a\",",
                ""),
       "receipt.checkpoint"},
      {"a proof hash in upper case", Replaced(canonical, "0101010101", "0A01010101"),
       "receipt.inclusion_proof"},
      {"a proof that is text", Replaced(canonical, "[\"0101", "\"x\",\"y\":[\"0101"),
       "receipt.unknown_key"},
      {"transfer id as a number", Replaced(canonical, "\"0123456789abcdef0123456789abcdef\"", "12"),
       "receipt.transfer_id"},
      {"bad sender", Replaced(canonical, "AD-7C-00-00-00-00-02-01", "nobody"), "input.bad_eui64"},
      {"bad recipient", Replaced(canonical, "[\"AD-7C-00-00-00-00-04-01\"]", "[\"x\"]"),
       "input.bad_eui64"},
      {"recipients not a list",
       Replaced(canonical, "[\"AD-7C-00-00-00-00-04-01\"]", "\"AD-7C-00-00-00-00-04-01\""),
       "receipt.recipients"},
      {"a recipient that is a number", Replaced(canonical, "[\"AD-7C-00-00-00-00-04-01\"]", "[1]"),
       "receipt.recipients"},
      {"no file type", Replaced(canonical, "\"file_type\":\"adt\",", ""), "receipt.file_type"},
      {"file name as a list", Replaced(canonical, "\"ADT_20261129.csv\"", "[]"),
       "receipt.file_name"},
      {"upper-case envelope digest", Replaced(canonical, "abababab", "ABABABAB"),
       "receipt.envelope_sha256"},
      {"short policy digest", Replaced(canonical, "cdcd\"", "cd\""), "receipt.policy_sha256"},
      {"negative size", Replaced(canonical, "1310", "-1310"), "receipt.envelope_size"},
      {"fractional size", Replaced(canonical, "1310", "1310.5"), "receipt.bad_number"},
      {"size as text", Replaced(canonical, "1310", "\"1310\""), "receipt.envelope_size"},
      {"size past 64 bits", Replaced(canonical, "1310", "18446744073709551616"),
       "receipt.bad_number"},
      {"no rule", Replaced(canonical, "\"rule\":\"users-send-adt-to-dcc\",", ""), "receipt.rule"},
  };
  for (const auto& c : cases) {
    auto r = ParseReceipt(AsBytes(c.text));
    ASSERT_THAT(r, StatusIs(c.code)) << c.what;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput) << c.what;
  }
  // A time that is not RFC 3339 UTC is refused (its code comes from the time parser).
  for (const char* bad : {"yesterday", "2025-11-29T12:00:00+01:00", "2025-11-29T12:00:00.5Z",
                          "2025-13-01T00:00:00Z"}) {
    EXPECT_THAT(ParseReceipt(AsBytes(Replaced(canonical, "2025-11-29T12:00:00Z", bad))),
                Not(IsOk()))
        << bad;
  }
}

TEST(Receipt, MalformedAndOversizedInputIsRefused) {
  const std::string canonical = kExampleJson;
  const struct {
    const char* what;
    std::string text;
    const char* code;
  } cases[] = {
      {"empty", "", "receipt.empty"},
      {"not JSON", "stored", "receipt.malformed"},
      {"an array", "[]", "receipt.malformed"},
      {"truncated", canonical.substr(0, 40), "receipt.malformed"},
      {"nested too deeply", Replaced(canonical, "[\"AD-7C-00-00-00-00-04-01\"]", "[[\"x\"]]"),
       "receipt.malformed"},
      {"an unknown key", Replaced(canonical, "{", "{\"signed_by\":\"gateway\","),
       "receipt.unknown_key"},
      {"over 64 KiB", Replaced(canonical, "users-send-adt-to-dcc", std::string(64 * 1024, 'r')),
       "receipt.too_large"},
  };
  for (const auto& c : cases) {
    auto r = ParseReceipt(AsBytes(c.text));
    ASSERT_THAT(r, StatusIs(c.code)) << c.what;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput) << c.what;
  }
}

}  // namespace
}  // namespace adtgw
