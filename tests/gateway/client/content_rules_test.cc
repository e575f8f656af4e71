// ContentRules::For: the options of a domain file's check, from the SRV catalogue and
// the signer's party entry (GET /v1/parties), asked once per signer; and that those
// options bind a file to its signer when the format's rules use them.
#include "gateway/client/content_rules.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crypto/byte_stream.h"
#include "crypto/sha256.h"
#include "gateway/formats/record_file.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tests/support/unused_gateway_api.h"

namespace adtgw {
namespace {

using ::testing::Not;

constexpr const char* kSupplierA = "AD-7C-00-00-00-00-02-01";
constexpr const char* kSupplierB = "AD-7C-00-00-00-00-02-02";
constexpr const char* kSupplierC = "AD-7C-00-00-00-00-02-03";
constexpr const char* kNetworkOp = "AD-7C-00-00-00-00-03-01";
constexpr const char* kOther = "AD-7C-00-00-00-00-05-09";
constexpr const char* kDcc = "AD-7C-00-00-00-00-04-01";

constexpr const char* kCatalogue =
    "srv,service_reference,name,eligible_user_roles,non_device_request\n"
    "1.1.1,1.1,Update Import Tariff (Primary Element),IS GS,No\n"
    "4.1.1,4.1,Read Instantaneous Import Registers,IS GS ED GT,No\n"
    "8.1.1,8.1,Commission Device,,No\n";

Eui64 E(std::string_view s) { return Eui64::Parse(s).value(); }

// A GatewayApi whose only call is Party: it answers from `parties` by the EUI-64 asked
// (party.not_found for others) or with `party_error`, and records what was asked.
class PartyGatewayApi final : public testing::UnusedGatewayApi {
 public:
  Result<PartyView> Party(const Eui64& party) override {
    asked.push_back(party);
    if (party_error) return *party_error;
    auto it = parties.find(party);
    if (it == parties.end()) {
      return MakeError(ErrorKind::kNotFound, "party.not_found", "no party " + party.ToString());
    }
    return it->second;
  }

  std::map<Eui64, PartyView> parties;
  std::optional<Error> party_error;
  std::vector<Eui64> asked;
};

PartyView Entry(const char* eui, std::vector<const char*> acts_for) {
  PartyView v;
  v.eui64 = E(eui);
  v.name = std::string("party ") + eui;
  v.roles = {"supplier"};
  for (const char* u : acts_for) v.acts_for.push_back(E(u));
  return v;
}

std::string WithTrailer(const std::string& head, const std::vector<std::string>& details) {
  std::string body;
  for (const std::string& d : details) body += d + "\n";
  return head + body + "T," + std::to_string(details.size()) + "," +
         ToHex(Sha256Of(AsBytes(body))) + "\n";
}

// An ADT/1 file about `user`: its H record and two rows.
std::string AdtFor(const std::string& user) {
  return WithTrailer(
      "rec,user_id,user_role,srv,threshold_type,period,max_count,effective_from,note\n"
      "H," +
          user + ",IS,,,,,2026-01-06T00:00:00Z,fmt=ADT/1;ref=SM-2026-0042\n",
      {"D," + user + ",IS,1.1.1,WARNING,PT1H,100,2026-01-06T00:00:00Z,",
       "D," + user + ",IS,4.1.1,QUARANTINE,PT24H,800,2026-01-06T00:00:00Z,"});
}

// An EXITQ/1 file about `user`, releasing one of its requests.
std::string ExitqFor(const std::string& user) {
  return WithTrailer(
      "rec,quarantine_event_ref,request_id,action,reason\n"
      "H,," +
          user + ",,fmt=EXITQ/1;generated=2026-01-07T09:30:00Z\n",
      {"D,1001," + user + ":00-DB-12-34-56-78-90-A1:17,RELEASE,"});
}

std::vector<std::string> Problems(DomainFileType type, const DomainFileOptions& options,
                                  const std::string& file) {
  auto rules = MakeDomainFileRules(type, options);
  EXPECT_THAT(rules, IsOk());
  if (!rules.ok()) return {"no rules"};
  MemorySource source(AsBytes(file));
  auto report = CheckRecordFile(source, **rules, RecordFileLimits{});
  EXPECT_THAT(report, IsOk());
  if (!report.ok()) return {"no report"};
  std::vector<std::string> out;
  for (const FileProblem& p : report->problems) {
    out.push_back(std::to_string(p.line) + ":" + std::to_string(p.column) + ": " + p.code);
  }
  return out;
}

class ContentRulesTest : public ::testing::Test {
 protected:
  ContentRulesTest()
      : catalogue_path_(dir_.path() + "/srv-catalogue.csv"), rules_(catalogue_path_) {
    std::ofstream(catalogue_path_) << kCatalogue;
    // Unsorted, as a gateway might send it: the client sorts before searching.
    api_.parties.emplace(E(kSupplierA), Entry(kSupplierA, {kOther, kSupplierB, kNetworkOp}));
    api_.parties.emplace(E(kSupplierB), Entry(kSupplierB, {kSupplierC}));
  }

  Result<DomainFileOptions> For(DomainFileType type, const char* signer, bool is_dcc = false,
                                std::optional<Eui64> recipient = std::nullopt) {
    return rules_.For(api_, type, ContentSigner{E(signer), is_dcc}, recipient);
  }

  testing::TempDir dir_;
  std::string catalogue_path_;
  ContentRules rules_;
  PartyGatewayApi api_;
};

TEST_F(ContentRulesTest, AdtAndExitqActForExactlyTheUsersOfTheSignersEntry) {
  for (DomainFileType type : {DomainFileType::kAdt, DomainFileType::kExitQuarantine}) {
    SCOPED_TRACE(DomainFileTypeName(type));
    auto options = For(type, kSupplierA);
    ASSERT_THAT(options, IsOk());
    EXPECT_EQ(options->signer, E(kSupplierA));
    ASSERT_TRUE(options->may_act_for);
    EXPECT_TRUE(options->may_act_for(E(kSupplierB)));
    EXPECT_TRUE(options->may_act_for(E(kNetworkOp)));
    EXPECT_TRUE(options->may_act_for(E(kOther)));
    EXPECT_FALSE(options->may_act_for(E(kSupplierC)));  // B's, not A's
    EXPECT_FALSE(options->may_act_for(E(kDcc)));
    EXPECT_FALSE(options->may_act_for(E(kSupplierA)));  // itself: the binding's own rule
    EXPECT_EQ(options->signer_is_dcc, std::nullopt);
    EXPECT_EQ(options->recipient, std::nullopt);
  }
  auto b = For(DomainFileType::kAdt, kSupplierB);
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(b->signer, E(kSupplierB));
  EXPECT_TRUE(b->may_act_for(E(kSupplierC)));
  EXPECT_FALSE(b->may_act_for(E(kSupplierB)));
  EXPECT_FALSE(b->may_act_for(E(kNetworkOp)));
}

TEST_F(ContentRulesTest, PartyIsAskedOncePerSigner) {
  ASSERT_THAT(For(DomainFileType::kAdt, kSupplierA), IsOk());
  ASSERT_THAT(For(DomainFileType::kExitQuarantine, kSupplierA), IsOk());
  auto again = For(DomainFileType::kAdt, kSupplierA);
  ASSERT_THAT(again, IsOk());
  EXPECT_TRUE(again->may_act_for(E(kSupplierB)));
  EXPECT_EQ(api_.asked, std::vector<Eui64>{E(kSupplierA)});

  auto b = For(DomainFileType::kExitQuarantine, kSupplierB);
  ASSERT_THAT(b, IsOk());
  EXPECT_TRUE(b->may_act_for(E(kSupplierC)));
  ASSERT_THAT(For(DomainFileType::kAdt, kSupplierA), IsOk());
  ASSERT_THAT(For(DomainFileType::kAdt, kSupplierB), IsOk());
  EXPECT_EQ(api_.asked, (std::vector<Eui64>{E(kSupplierA), E(kSupplierB)}));
}

TEST_F(ContentRulesTest, ASignerTheGatewayDoesNotKnowActsForNobody) {
  for (DomainFileType type : {DomainFileType::kAdt, DomainFileType::kExitQuarantine}) {
    SCOPED_TRACE(DomainFileTypeName(type));
    auto options = For(type, kSupplierC);
    ASSERT_THAT(options, IsOk());
    EXPECT_EQ(options->signer, E(kSupplierC));
    ASSERT_TRUE(options->may_act_for);
    for (const char* user : {kSupplierA, kSupplierB, kSupplierC, kNetworkOp, kOther, kDcc}) {
      EXPECT_FALSE(options->may_act_for(E(user))) << user;
    }
  }
  EXPECT_EQ(api_.asked, std::vector<Eui64>{E(kSupplierC)});
}

TEST_F(ContentRulesTest, AnyOtherGatewayErrorIsReturnedAsIs) {
  api_.party_error = MakeError(ErrorKind::kUnavailable, "net.unreachable",
                               "gateway.example:8443: connection refused", "is the gateway up?");
  for (DomainFileType type : {DomainFileType::kAdt, DomainFileType::kExitQuarantine}) {
    SCOPED_TRACE(DomainFileTypeName(type));
    auto options = For(type, kSupplierA);
    ASSERT_THAT(options, Not(IsOk()));
    EXPECT_EQ(options.error().kind, ErrorKind::kUnavailable);
    EXPECT_THAT(options, StatusIs("net.unreachable"));
    EXPECT_EQ(options.error().message, "gateway.example:8443: connection refused");
    EXPECT_EQ(options.error().hint, "is the gateway up?");
  }
  // A refusal of another kind is not taken for "acts for nobody" either.
  api_.party_error = MakeError(ErrorKind::kDenied, "party.denied", "not yours to see");
  auto denied = For(DomainFileType::kAdt, kSupplierA);
  ASSERT_THAT(denied, StatusIs("party.denied"));
  EXPECT_EQ(denied.error().kind, ErrorKind::kDenied);
}

TEST_F(ContentRulesTest, AnEntryForAnotherPartyIsMalformed) {
  api_.parties[E(kSupplierA)] = Entry(kSupplierB, {kSupplierA, kSupplierC});
  auto options = For(DomainFileType::kAdt, kSupplierA);
  ASSERT_THAT(options, StatusIs("response.malformed"));
  EXPECT_EQ(options.error().kind, ErrorKind::kIntegrity);
  EXPECT_NE(options.error().message.find(kSupplierA), std::string::npos) << options.error().message;
  EXPECT_NE(options.error().message.find(kSupplierB), std::string::npos) << options.error().message;
}

TEST_F(ContentRulesTest, AQuarantineReportNeverAsksTheGateway) {
  api_.party_error = MakeError(ErrorKind::kUnavailable, "net.unreachable", "down");
  auto from_dcc = For(DomainFileType::kQuarantineReport, kDcc, true, E(kSupplierA));
  ASSERT_THAT(from_dcc, IsOk());
  EXPECT_EQ(from_dcc->signer, E(kDcc));
  EXPECT_EQ(from_dcc->signer_is_dcc, std::optional<bool>(true));
  EXPECT_EQ(from_dcc->recipient, E(kSupplierA));
  EXPECT_FALSE(from_dcc->may_act_for);

  auto from_supplier = For(DomainFileType::kQuarantineReport, kSupplierB, false, E(kSupplierC));
  ASSERT_THAT(from_supplier, IsOk());
  EXPECT_EQ(from_supplier->signer, E(kSupplierB));
  EXPECT_EQ(from_supplier->signer_is_dcc, std::optional<bool>(false));
  EXPECT_EQ(from_supplier->recipient, E(kSupplierC));

  auto no_recipient = For(DomainFileType::kQuarantineReport, kDcc, true);
  ASSERT_THAT(no_recipient, IsOk());
  EXPECT_EQ(no_recipient->recipient, std::nullopt);

  EXPECT_TRUE(api_.asked.empty());
}

TEST_F(ContentRulesTest, TheCatalogueIsReadFromItsPathForAdtAndQuarantineReports) {
  auto adt = For(DomainFileType::kAdt, kSupplierA);
  ASSERT_THAT(adt, IsOk());
  ASSERT_NE(adt->catalogue, nullptr);
  ASSERT_EQ(adt->catalogue->entries().size(), 3u);
  EXPECT_EQ(adt->catalogue->entries()[1].srv, "4.1.1");
  EXPECT_EQ(adt->catalogue->entries()[1].name, "Read Instantaneous Import Registers");
  EXPECT_EQ(adt->catalogue->Find("9.9.9"), nullptr);

  auto qrep = For(DomainFileType::kQuarantineReport, kDcc, true, E(kSupplierA));
  ASSERT_THAT(qrep, IsOk());
  EXPECT_EQ(qrep->catalogue, adt->catalogue);  // read once

  auto exitq = For(DomainFileType::kExitQuarantine, kSupplierA);
  ASSERT_THAT(exitq, IsOk());
  EXPECT_EQ(exitq->catalogue, nullptr);
}

TEST_F(ContentRulesTest, ExitQuarantineNeedsNoCatalogue) {
  ContentRules rules(dir_.path() + "/no-such-catalogue.csv");
  auto options = rules.For(api_, DomainFileType::kExitQuarantine, {E(kSupplierA), false}, {});
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(options->catalogue, nullptr);
  EXPECT_TRUE(options->may_act_for(E(kSupplierB)));
}

TEST_F(ContentRulesTest, AMissingOrBadCatalogueIsAUsageError) {
  const std::string missing = dir_.path() + "/no-such-catalogue.csv";
  for (DomainFileType type : {DomainFileType::kAdt, DomainFileType::kQuarantineReport}) {
    SCOPED_TRACE(DomainFileTypeName(type));
    ContentRules rules(missing);
    auto options = rules.For(api_, type, {E(kDcc), true}, E(kSupplierA));
    ASSERT_THAT(options, Not(IsOk()));
    EXPECT_EQ(options.error().kind, ErrorKind::kUsage);
    EXPECT_NE(options.error().message.find(missing), std::string::npos) << options.error().message;
    EXPECT_NE(options.error().hint.find("srv_catalogue"), std::string::npos)
        << options.error().hint;
  }

  const std::string bad = dir_.path() + "/bad-catalogue.csv";
  std::ofstream(bad) << "srv,name\n4.1.1,Read\n";
  ContentRules rules(bad);
  auto options = rules.For(api_, DomainFileType::kAdt, {E(kSupplierA), false}, {});
  ASSERT_THAT(options, Not(IsOk()));
  EXPECT_EQ(options.error().kind, ErrorKind::kUsage);
  EXPECT_THAT(options, StatusIs("srv_catalogue.malformed"));
  EXPECT_NE(options.error().message.find(bad), std::string::npos) << options.error().message;
}

TEST_F(ContentRulesTest, TheOptionsBindAFileToItsSigner) {
  auto adt = For(DomainFileType::kAdt, kSupplierA);
  ASSERT_THAT(adt, IsOk());
  EXPECT_EQ(Problems(DomainFileType::kAdt, *adt, AdtFor(kSupplierA)), std::vector<std::string>{});
  EXPECT_EQ(Problems(DomainFileType::kAdt, *adt, AdtFor(kSupplierB)), std::vector<std::string>{});
  EXPECT_EQ(Problems(DomainFileType::kAdt, *adt, AdtFor(kSupplierC)),
            (std::vector<std::string>{"2:2: binding.not_signer", "3:2: binding.not_signer",
                                      "4:2: binding.not_signer"}));

  auto exitq = For(DomainFileType::kExitQuarantine, kSupplierA);
  ASSERT_THAT(exitq, IsOk());
  EXPECT_EQ(Problems(DomainFileType::kExitQuarantine, *exitq, ExitqFor(kNetworkOp)),
            std::vector<std::string>{});
  EXPECT_EQ(Problems(DomainFileType::kExitQuarantine, *exitq, ExitqFor(kSupplierC)),
            std::vector<std::string>{"2:3: binding.not_signer"});

  // Signed by somebody the gateway does not know: only its own files pass.
  auto unknown = For(DomainFileType::kAdt, kSupplierC);
  ASSERT_THAT(unknown, IsOk());
  EXPECT_EQ(Problems(DomainFileType::kAdt, *unknown, AdtFor(kSupplierC)),
            std::vector<std::string>{});
  EXPECT_EQ(Problems(DomainFileType::kAdt, *unknown, AdtFor(kSupplierB)),
            (std::vector<std::string>{"2:2: binding.not_signer", "3:2: binding.not_signer",
                                      "4:2: binding.not_signer"}));
}

}  // namespace
}  // namespace adtgw
