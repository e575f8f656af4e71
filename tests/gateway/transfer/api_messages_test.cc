#include "gateway/transfer/api_messages.h"

#include <gtest/gtest.h>
#include "crypto/byte_stream.h"
#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

using ::testing::Not;

// Every byte value, so that base64 round trips are tested on binary data.
std::string AllBytes() {
  std::string out;
  for (int i = 0; i < 256; ++i) out += static_cast<char>(i);
  return out;
}

// A view as the server writes one: two recipients, one accepted and one rejected with
// its signed acknowledgement, binary signature bytes.
TransferView View(uint64_t upload_offset) {
  TransferView v;
  v.id = "0123456789abcdef0123456789abcdef";
  v.state = "rejected";
  v.sender = "AD-7C-00-00-00-00-02-01";
  v.recipients = {"AD-7C-00-00-00-00-04-01", "AD-7C-00-00-00-00-04-02"};
  DeliveryView a;
  a.recipient = v.recipients[0];
  a.state = "accepted";
  DeliveryView b;
  b.recipient = v.recipients[1];
  b.state = "rejected";
  b.reason = "format.bad_row";
  b.acknowledgement =
      "{\"decision\":\"rejected\",\"problems\":[\"x.csv:3:2: adt.bad_role: \\\"QQ\\\"\"]}";
  b.acknowledgement_signature = AllBytes();
  v.deliveries = {a, b};
  v.file_type = "adt";
  v.file_name = "ADT_20261129.csv";
  v.envelope_sha256 = std::string(64, 'a');
  v.envelope_size = 1310;
  v.upload_offset = upload_offset;
  v.created = "2025-11-29T12:00:00Z";
  v.updated = "2025-11-29T12:00:01Z";
  v.reason = "format.bad_row";
  v.manifest = "{\"version\":1}";
  v.signature = AllBytes();
  v.receipt = "{\"receipt\":true}";
  return v;
}

void ExpectSameView(const TransferView& a, const TransferView& b, bool full) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.sender, b.sender);
  EXPECT_EQ(a.recipients, b.recipients);
  ASSERT_EQ(a.deliveries.size(), b.deliveries.size());
  for (size_t i = 0; i < a.deliveries.size(); ++i) {
    EXPECT_EQ(a.deliveries[i].recipient, b.deliveries[i].recipient);
    EXPECT_EQ(a.deliveries[i].state, b.deliveries[i].state);
    EXPECT_EQ(a.deliveries[i].reason, b.deliveries[i].reason);
    if (full) {
      EXPECT_EQ(a.deliveries[i].acknowledgement, b.deliveries[i].acknowledgement);
      EXPECT_EQ(a.deliveries[i].acknowledgement_signature,
                b.deliveries[i].acknowledgement_signature);
    } else {
      EXPECT_TRUE(b.deliveries[i].acknowledgement.empty());
      EXPECT_TRUE(b.deliveries[i].acknowledgement_signature.empty());
    }
  }
  EXPECT_EQ(a.file_type, b.file_type);
  EXPECT_EQ(a.file_name, b.file_name);
  EXPECT_EQ(a.envelope_sha256, b.envelope_sha256);
  EXPECT_EQ(a.envelope_size, b.envelope_size);
  EXPECT_EQ(a.upload_offset, b.upload_offset);
  EXPECT_EQ(a.created, b.created);
  EXPECT_EQ(a.updated, b.updated);
  EXPECT_EQ(a.reason, b.reason);
  if (full) {
    EXPECT_EQ(a.manifest, b.manifest);
    EXPECT_EQ(a.signature, b.signature);
    EXPECT_EQ(a.receipt, b.receipt);
  } else {
    EXPECT_TRUE(b.manifest.empty());
    EXPECT_TRUE(b.signature.empty());
    EXPECT_TRUE(b.receipt.empty());
  }
}

// ---------------------------------------------------------------------------------------
// Signed documents (request bodies)

TEST(ApiMessages, SignedDocumentsRoundTripBinaryBytes) {
  SignedDocument doc{"{\"version\":1}", AllBytes()};
  for (const char* name : {"manifest", "acknowledgement"}) {
    std::string body = SignedDocumentToJson(doc, name);
    EXPECT_NE(body.find(std::string("\"") + name + "\""), std::string::npos);
    auto back = ParseSignedDocument(AsBytes(body), name);
    ASSERT_THAT(back, IsOk());
    EXPECT_EQ(back->document, doc.document);
    EXPECT_EQ(back->signature, doc.signature);
  }
  SignedDocument empty{"", ""};
  auto back = ParseSignedDocument(AsBytes(SignedDocumentToJson(empty, "manifest")), "manifest");
  ASSERT_THAT(back, IsOk());
  EXPECT_TRUE(back->document.empty());
}

TEST(ApiMessages, SignedDocumentsAreReadStrictly) {
  const std::string good = SignedDocumentToJson({"doc", "sig"}, "manifest");
  const struct {
    const char* what;
    std::string body;
    const char* code;
  } cases[] = {
      {"empty", "", "request.empty"},
      {"not JSON", "manifest=abc", "request.malformed"},
      {"an array", "[\"ZG9j\",\"c2ln\"]", "request.malformed"},
      {"the other document's name", SignedDocumentToJson({"doc", "sig"}, "acknowledgement"),
       "request.unknown_key"},
      {"an extra key", "{\"manifest\":\"ZG9j\",\"signature\":\"c2ln\",\"x\":\"\"}",
       "request.unknown_key"},
      {"no signature", "{\"manifest\":\"ZG9j\"}", "request.signature"},
      {"no document", "{\"signature\":\"c2ln\"}", "request.manifest"},
      {"document as a number", "{\"manifest\":1,\"signature\":\"c2ln\"}", "request.manifest"},
      {"nested", "{\"manifest\":[\"ZG9j\"],\"signature\":\"c2ln\"}", "request.malformed"},
      {"not base64", "{\"manifest\":\"!!!!\",\"signature\":\"c2ln\"}", "request.bad_base64"},
      {"signature not base64", "{\"manifest\":\"ZG9j\",\"signature\":\"c2l*\"}",
       "request.bad_base64"},
      {"over 256 KiB",
       "{\"manifest\":\"" + std::string(kMaxSignedDocumentBody, 'A') + "\",\"signature\":\"\"}",
       "request.too_large"},
  };
  ASSERT_THAT(ParseSignedDocument(AsBytes(good), "manifest"), IsOk());
  for (const auto& c : cases) {
    auto r = ParseSignedDocument(AsBytes(c.body), "manifest");
    ASSERT_THAT(r, StatusIs(c.code)) << c.what;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput) << c.what;
  }
}

// ---------------------------------------------------------------------------------------
// Transfer views and the inbox (response bodies)

TEST(ApiMessages, TransferViewsRoundTrip) {
  TransferView v = View(1310);
  auto full = ParseTransferView(AsBytes(TransferViewToJson(v, /*full=*/true)));
  ASSERT_THAT(full, IsOk());
  ExpectSameView(v, *full, true);
  EXPECT_EQ(full->deliveries[1].acknowledgement_signature, AllBytes());  // every byte value
  auto brief = ParseTransferView(AsBytes(TransferViewToJson(v, /*full=*/false)));
  ASSERT_THAT(brief, IsOk());
  ExpectSameView(v, *brief, false);
  v.envelope_size = UINT64_MAX;
  v.upload_offset = UINT64_MAX - 1;
  auto big = ParseTransferView(AsBytes(TransferViewToJson(v)));
  ASSERT_THAT(big, IsOk());
  EXPECT_EQ(big->envelope_size, UINT64_MAX);
  EXPECT_EQ(big->upload_offset, UINT64_MAX - 1);
}

TEST(ApiMessages, ViewsIgnoreUnknownKeysButNeedAnIdAndAState) {
  auto extra = ParseTransferView(
      AsBytes("{\"id\":\"0123456789abcdef0123456789abcdef\",\"state\":\"received\","
              "\"new_field\":{\"x\":[1,2]},\"recipients\":[1,\"A\"]}"));
  ASSERT_THAT(extra, IsOk());
  EXPECT_EQ(extra->state, "received");
  EXPECT_EQ(extra->envelope_size, 0u) << "an absent size is 0";
  EXPECT_EQ(extra->recipients, std::vector<std::string>{"A"});
  const struct {
    const char* what;
    std::string body;
    const char* code;
  } cases[] = {
      {"empty", "", "response.empty"},
      {"an HTML error page", "<html>502 Bad Gateway</html>", "response.malformed"},
      {"an array", "[]", "response.malformed"},
      {"no id", "{\"state\":\"received\"}", "response.malformed"},
      {"no state", "{\"id\":\"0123456789abcdef0123456789abcdef\"}", "response.malformed"},
      {"id as a number", "{\"id\":5,\"state\":\"received\"}", "response.malformed"},
      {"manifest not base64", "{\"id\":\"x\",\"state\":\"y\",\"manifest\":\"!!!!\"}",
       "request.bad_base64"},
      {"a negative size", "{\"id\":\"x\",\"state\":\"y\",\"envelope_size\":-4}",
       "response.malformed"},
      {"a size as text", "{\"id\":\"x\",\"state\":\"y\",\"envelope_size\":\"4\"}",
       "response.malformed"},
      {"a fractional offset", "{\"id\":\"x\",\"state\":\"y\",\"upload_offset\":1.5}",
       "response.bad_number"},
      {"more uploaded than the envelope holds",
       "{\"id\":\"x\",\"state\":\"y\",\"envelope_size\":4,\"upload_offset\":5}",
       "response.malformed"},
      {"a size beyond uint64",
       "{\"id\":\"x\",\"state\":\"y\",\"envelope_size\":18446744073709551616}",
       "response.bad_number"},
      {"a repeated key", "{\"id\":\"x\",\"state\":\"y\",\"state\":\"z\"}",
       "response.duplicate_key"},
      {"a comment", "{\"id\":\"x\",/* c */\"state\":\"y\"}", "response.malformed"},
      {"nested too deeply", "{\"id\":\"x\",\"state\":\"y\",\"a\":[[[[[[1]]]]]]}",
       "response.malformed"},
      {"over 4 MiB",
       "{\"id\":\"x\",\"state\":\"y\",\"receipt\":\"" + std::string(kMaxTransferViewBody, 'r') +
           "\"}",
       "response.too_large"},
  };
  for (const auto& c : cases) {
    auto r = ParseTransferView(AsBytes(c.body));
    ASSERT_THAT(r, StatusIs(c.code)) << c.what;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput) << c.what;
  }
  // Depth 6 is the cap: an extra key holding 5 levels is fine.
  EXPECT_THAT(ParseTransferView(AsBytes("{\"id\":\"x\",\"state\":\"y\",\"a\":[[[[[1]]]]]}")),
              IsOk());
}

TEST(ApiMessages, TheInboxRoundTripsWithoutManifests) {
  std::vector<TransferView> views;
  for (int i = 0; i < 3; ++i) {
    TransferView v = View(0);
    v.id[0] = static_cast<char>('a' + i);
    views.push_back(v);
  }
  std::string json = InboxToJson(views);
  auto back = ParseInbox(AsBytes(json));
  ASSERT_THAT(back, IsOk());
  ASSERT_EQ(back->size(), 3u);
  for (size_t i = 0; i < 3; ++i) ExpectSameView(views[i], (*back)[i], false);
  auto empty = ParseInbox(AsBytes(InboxToJson({})));
  ASSERT_THAT(empty, IsOk());
  EXPECT_TRUE(empty->empty());

  const struct {
    const char* what;
    std::string body;
    const char* code;
  } cases[] = {
      {"empty", "", "response.empty"},
      {"a bare list", "[]", "response.malformed"},
      {"no transfers", "{\"items\":[]}", "response.malformed"},
      {"transfers not a list", "{\"transfers\":{}}", "response.malformed"},
      {"an entry that is not an object", "{\"transfers\":[1]}", "response.malformed"},
      {"an entry without an id", "{\"transfers\":[{\"state\":\"received\"}]}",
       "response.malformed"},
  };
  for (const auto& c : cases) {
    auto r = ParseInbox(AsBytes(c.body));
    ASSERT_THAT(r, StatusIs(c.code)) << c.what;
  }
  std::string huge = "{\"transfers\":[],\"pad\":\"" + std::string(kMaxInboxBody, ' ') + "\"}";
  auto too_large = ParseInbox(AsBytes(huge));
  ASSERT_THAT(too_large, StatusIs("response.too_large"));
}

// ---------------------------------------------------------------------------------------
// Error bodies

TEST(ApiMessages, PartyViewsRoundTripAndAreReadStrictly) {
  PartyView p;
  p.eui64 = Eui64::Parse("AD-7C-00-00-00-00-02-01").value();
  p.name = "Supplier \"A\"";
  p.roles = {"supplier", "other"};
  p.acts_for = {Eui64::Parse("AD-7C-00-00-00-00-77-01").value()};
  std::string json = PartyViewToJson(p);
  auto back = ParsePartyView(AsBytes(json));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back, p);
  EXPECT_NE(json.find("\"acts_for\":[\"AD-7C-00-00-00-00-77-01\"]"), std::string::npos) << json;
  for (const char* bad : {
           "[]",
           R"({"name":"x","roles":[],"acts_for":[]})",
           R"({"eui64":"AD-7C","name":"x","roles":[],"acts_for":[]})",
           R"({"eui64":"AD-7C-00-00-00-00-02-01","name":"x","acts_for":[]})",
           R"({"eui64":"AD-7C-00-00-00-00-02-01","name":"x","roles":[],"acts_for":{}})",
           R"({"eui64":"AD-7C-00-00-00-00-02-01","name":"x","roles":[],"acts_for":[1]})",
           R"({"eui64":"AD-7C-00-00-00-00-02-01","name":"x","roles":[],"acts_for":["nope"]})",
       }) {
    auto parsed = ParsePartyView(AsBytes(std::string(bad)));
    ASSERT_THAT(parsed, StatusIs("response.malformed")) << bad;
  }
  EXPECT_THAT(ParsePartyView(AsBytes(std::string(kMaxPartyViewBody + 1, ' '))), Not(IsOk()));
}

TEST(ApiMessages, ErrorBodiesRoundTripWithTheKindFromTheStatus) {
  Error e = MakeError(ErrorKind::kDenied, "policy.too_large", "too big: \"1 GiB\"", "send less");
  Error back = ParseErrorJson(AsBytes(ErrorToJson(e)), ErrorKind::kTooLarge, 413);
  EXPECT_EQ(back.code, "policy.too_large");
  EXPECT_EQ(back.message, e.message);
  EXPECT_EQ(back.hint, "send less");
  EXPECT_EQ(back.kind, ErrorKind::kTooLarge);
}

TEST(ApiMessages, AnythingElseBecomesAnHttpStatusError) {
  for (const std::string& body :
       {std::string(""), std::string("<html>Bad Gateway</html>"), std::string("{}"),
        std::string("{\"code\":\"\"}"), std::string("{\"code\":5}"), std::string("[\"code\"]"),
        std::string(std::string(70 * 1024, ' ') + "{\"code\":\"x.y\"}")}) {
    Error e = ParseErrorJson(AsBytes(body), ErrorKind::kUnavailable, 502);
    EXPECT_EQ(e.code, "http.status_502") << body.substr(0, 40);
    EXPECT_EQ(e.kind, ErrorKind::kUnavailable);
    EXPECT_FALSE(e.hint.empty());
  }
  Error partial =
      ParseErrorJson(AsBytes("{\"code\":\"store.busy\"}"), ErrorKind::kUnavailable, 503);
  EXPECT_EQ(partial.code, "store.busy");
  EXPECT_TRUE(partial.message.empty());
}

}  // namespace
}  // namespace adtgw
