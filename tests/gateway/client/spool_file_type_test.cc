// SpoolFileTypeOf: a spooled file's type and recipients, from its sidecar when there is
// one, else from its name (docs/push.md, "File types").
#include "gateway/client/spool_file_type.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

constexpr const char* kUser = "AD-7C-00-00-00-00-02-01";
constexpr const char* kOtherUser = "AD-7C-00-00-00-00-02-02";

Eui64 E(std::string_view s) { return Eui64::Parse(s).value(); }

TEST(SpoolFileTypeTest, AdtPrefixInAnyCase) {
  for (const char* name : {"ADT_20261130.csv", "adt_1", "Adt_x.CSV", "aDt_.."}) {
    auto type = SpoolFileTypeOf(name, std::nullopt);
    ASSERT_THAT(type, IsOk()) << name;
    EXPECT_EQ(type->file_type, "adt") << name;
    EXPECT_TRUE(type->to.empty()) << name;
  }
}

TEST(SpoolFileTypeTest, ExitQuarantinePrefixInAnyCase) {
  for (const char* name : {"EXITQ_7.csv", "exitq_7", "ExItQ_x"}) {
    auto type = SpoolFileTypeOf(name, std::nullopt);
    ASSERT_THAT(type, IsOk()) << name;
    EXPECT_EQ(type->file_type, "exit-quarantine") << name;
    EXPECT_TRUE(type->to.empty()) << name;
  }
}

TEST(SpoolFileTypeTest, OtherNamesAreOfUnknownType) {
  for (const char* name : {"ADT_", "EXITQ_", "adt_", "ADT", "ADT-1.csv", "ADTX_1", "xADT_1.csv",
                           "EXIT_1", "report.csv", "QUARANTINE_1", ""}) {
    auto type = SpoolFileTypeOf(name, std::nullopt);
    ASSERT_THAT(type, StatusIs("push.unknown_type"))
        << "'" << name << "' was taken as " << type->file_type;
    EXPECT_EQ(type.error().kind, ErrorKind::kInvalidInput) << name;
    EXPECT_NE(type.error().hint.find(".adtgw.json"), std::string::npos) << type.error().hint;
  }
}

TEST(SpoolFileTypeTest, SidecarGivesTheType) {
  for (const char* t : {"adt", "exit-quarantine"}) {
    auto type = SpoolFileTypeOf("file.csv", R"({"type":")" + std::string(t) + "\"}");
    ASSERT_THAT(type, IsOk()) << t;
    EXPECT_EQ(type->file_type, t);
    EXPECT_TRUE(type->to.empty());
  }
  // A quarantine report names one user, to whom alone it goes.
  auto report = SpoolFileTypeOf(
      "file.csv", R"({"type":"quarantine-report","to":[")" + std::string(kUser) + "\"]}");
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->to, std::vector<Eui64>{E(kUser)});
  for (const std::string& bad : {std::string(R"({"type":"quarantine-report"})"),
                                 R"({"type":"quarantine-report","to":[")" + std::string(kUser) +
                                     R"(","ad7c000000000202"]})"}) {
    auto refused = SpoolFileTypeOf("file.csv", bad);
    ASSERT_THAT(refused, StatusIs("push.bad_sidecar")) << bad;
  }
}

TEST(SpoolFileTypeTest, SidecarWinsOverTheName) {
  auto type = SpoolFileTypeOf("ADT_1.csv", std::string(R"({"type":"exit-quarantine"})"));
  ASSERT_THAT(type, IsOk());
  EXPECT_EQ(type->file_type, "exit-quarantine");

  // A bad sidecar is not saved by a good name.
  auto bad = SpoolFileTypeOf("ADT_1.csv", std::string(R"({"type":"csv"})"));
  ASSERT_THAT(bad, StatusIs("push.bad_sidecar"));
}

TEST(SpoolFileTypeTest, SidecarNamesTheRecipients) {
  auto type = SpoolFileTypeOf(
      "report.csv", R"({"to":[")" + std::string(kUser) + R"(","ad7c000000000202"],"type":"adt"})");
  ASSERT_THAT(type, IsOk());
  EXPECT_EQ(type->file_type, "adt");
  EXPECT_EQ(type->to, (std::vector<Eui64>{E(kUser), E(kOtherUser)}));
}

TEST(SpoolFileTypeTest, SidecarWithUpTo64Recipients) {
  std::string list;
  for (int i = 0; i < 64; ++i) list += std::string(i ? "," : "") + "\"" + kUser + "\"";
  auto type = SpoolFileTypeOf("f", R"({"type":"adt","to":[)" + list + "]}");
  ASSERT_THAT(type, IsOk());
  EXPECT_EQ(type->to.size(), 64u);

  auto too_many = SpoolFileTypeOf("f", R"({"type":"adt","to":[)" + list + ",\"" + kUser + "\"]}");
  ASSERT_THAT(too_many, StatusIs("push.bad_sidecar"));
}

TEST(SpoolFileTypeTest, SidecarOfAtMost4KiB) {
  const std::string head = R"({"type":"adt")";
  const std::string fits = head + std::string(4096 - head.size() - 1, ' ') + "}";
  ASSERT_EQ(fits.size(), 4096u);
  auto ok = SpoolFileTypeOf("f", fits);
  ASSERT_THAT(ok, IsOk());
  EXPECT_EQ(ok->file_type, "adt");

  const std::string over = head + std::string(4096 - head.size(), ' ') + "}";
  ASSERT_EQ(over.size(), 4097u);
  auto big = SpoolFileTypeOf("f", over);
  ASSERT_THAT(big, StatusIs("push.bad_sidecar"));
  EXPECT_EQ(big.error().kind, ErrorKind::kInvalidInput);
}

TEST(SpoolFileTypeTest, BadSidecarsAreRefused) {
  const std::string user = kUser;
  const std::vector<std::string> bad = {
      "",                                                    // empty
      "not json",                                            // not JSON
      R"({"type":"adt")",                                    // cut short
      R"(["adt"])",                                          // not an object
      R"("adt")",                                            // not an object
      R"({})",                                               // no type
      R"({"to":[")" + user + R"("]})",                       // no type
      R"({"type":"ADT"})",                                   // type in the wrong case
      R"({"type":"quarantine"})",                            // unknown type
      R"({"type":""})",                                      // empty type
      R"({"type":1})",                                       // type not text
      R"({"type":["adt"]})",                                 // type not text
      R"({"type":"adt","extra":1})",                         // unknown key
      R"({"type":"adt","To":[")" + user + R"("]})",          // unknown key (case)
      R"({"type":"adt","to":[]})",                           // empty list
      R"({"type":"adt","to":")" + user + R"("})",            // not a list
      R"({"type":"adt","to":[1]})",                          // not text
      R"({"type":"adt","to":[""]})",                         // empty EUI-64
      R"({"type":"adt","to":["AD-7C-00-00-00-00-02"]})",     // too short
      R"({"type":"adt","to":["AD-7C-00-00-00-00-02-0G"]})",  // not hex
      R"({"type":"adt","to":["../../etc/passwd"]})",         // not an EUI-64
      R"({"type":"adt","to":[[")" + user + R"("]]})",        // nested too deeply
      R"({"type":"adt"} {"type":"adt"})",                    // two documents
  };
  for (const std::string& sidecar : bad) {
    auto type = SpoolFileTypeOf("ADT_1.csv", sidecar);
    ASSERT_THAT(type, StatusIs("push.bad_sidecar")) << "accepted: " << sidecar;
    EXPECT_EQ(type.error().kind, ErrorKind::kInvalidInput) << sidecar;
    EXPECT_EQ(type.error().message.rfind("ADT_1.csv.adtgw.json: ", 0), 0u)
        << sidecar << ": " << type.error().message;
  }
}

}  // namespace
}  // namespace adtgw
