#include "gateway/server/route_table.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "gateway/server/api_router.h"
#include "tests/policies/policy_fixture.h"
#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

using ::testing::Not;

// Parties of PolicyFixture::StandardYaml().
constexpr char kSupplierOne[] = "00-00-00-00-00-00-00-01";
constexpr char kAuditor[] = "00-00-00-00-00-00-00-7F";

// A table of its own, with int handlers: the matcher does not care what a handler is.
constexpr Route<int> kTable[] = {
    {"GET", "/v1/inbox", Audience::kParty, BodyUse::kIgnored, QueryUse::kRefused, 1},
    {"POST", "/v1/transfers", Audience::kParty, BodyUse::kJson, QueryUse::kRefused, 2},
    {"GET", "/v1/transfers/{id}", Audience::kParty, BodyUse::kIgnored, QueryUse::kRefused, 3},
    {"PATCH", "/v1/transfers/{id}/envelope", Audience::kParty, BodyUse::kStream, QueryUse::kRefused,
     4},
    {"GET", "/v1/audit/entries", Audience::kAuditor, BodyUse::kRefused, QueryUse::kRead, 5},
};

// The row a target resolved to, by its handler, or the refusal's code.
std::string Outcome(const Result<RouteMatch<int>>& r) {
  return r.ok() ? "handler " + std::to_string(r->route->handler) : r.error().code;
}

Result<RouteMatch<int>> Match(std::string_view method, std::string_view target) {
  return MatchRoute<int>(kTable, method, target);
}

TEST(PathMatches, LiteralsAndOneSegment) {
  std::string param;
  EXPECT_TRUE(PathMatches("/v1/inbox", "/v1/inbox", &param));
  EXPECT_FALSE(PathMatches("/v1/inbox", "/v1/inbox/", &param));
  EXPECT_FALSE(PathMatches("/v1/inbox", "/v1/inboxes", &param));
  EXPECT_TRUE(PathMatches("/v1/transfers/{id}/envelope", "/v1/transfers/abc/envelope", &param));
  EXPECT_EQ(param, "abc");
  // The segment is one segment, never empty, never spanning a '/'.
  EXPECT_FALSE(PathMatches("/v1/transfers/{id}", "/v1/transfers/", &param));
  EXPECT_FALSE(PathMatches("/v1/transfers/{id}", "/v1/transfers/a/b", &param));
  EXPECT_FALSE(PathMatches("/v1/transfers/{id}/envelope", "/v1/transfers//envelope", &param));
  EXPECT_FALSE(PathMatches("/v1/transfers/{id}/envelope", "/v1/transfers/a/b/envelope", &param));
  EXPECT_FALSE(PathMatches("/v1/transfers/{id}", "/v1/transfer/abc", &param));
}

TEST(MatchRoute, FindsTheRowForMethodAndPath) {
  EXPECT_EQ(Outcome(Match("GET", "/v1/inbox")), "handler 1");
  EXPECT_EQ(Outcome(Match("POST", "/v1/transfers")), "handler 2");
  EXPECT_EQ(Outcome(Match("GET", "/v1/transfers/0123")), "handler 3");
  EXPECT_EQ(Outcome(Match("PATCH", "/v1/transfers/0123/envelope")), "handler 4");
  auto m = Match("PATCH", "/v1/transfers/0123/envelope");
  ASSERT_THAT(m, IsOk());
  EXPECT_EQ(m->param, "0123");
  EXPECT_TRUE(m->query.empty());
}

TEST(MatchRoute, APathNotInTheTableDoesNotExist) {
  for (const char* target :
       {"/", "", "/v1", "/v1/", "/v1/inbox/", "/v1/transfers/a/b", "/v1/audit/nothing",
        "/v1/transfers/a/envelope/", "/V1/inbox", "/v1/./inbox", "/v1/transfers/../inbox"}) {
    SCOPED_TRACE(target);
    auto m = Match("GET", target);
    EXPECT_THAT(m, StatusIs("http.no_route"));
    if (!m.ok()) {
      EXPECT_EQ(m.error().kind, ErrorKind::kNotFound);
    }
  }
}

TEST(MatchRoute, AKnownPathWithAnotherMethodIsNotAllowed) {
  EXPECT_EQ(Outcome(Match("DELETE", "/v1/inbox")), "http.method_not_allowed");
  EXPECT_EQ(Outcome(Match("GET", "/v1/transfers")), "http.method_not_allowed");
  EXPECT_EQ(Outcome(Match("PUT", "/v1/transfers/0123/envelope")), "http.method_not_allowed");
  auto m = Match("POST", "/v1/audit/entries");
  ASSERT_THAT(m, Not(IsOk()));
  EXPECT_EQ(m.error().hint, "see docs/api.md, Audit log");
}

TEST(MatchRoute, OnlyRoutesThatReadAQueryTakeOne) {
  EXPECT_EQ(Outcome(Match("GET", "/v1/inbox?x=1")), "http.no_route");
  EXPECT_EQ(Outcome(Match("GET", "/v1/inbox?")), "http.no_route");
  auto m = Match("GET", "/v1/audit/entries?from=2&limit=3");
  ASSERT_THAT(m, IsOk());
  EXPECT_EQ(m->query, "from=2&limit=3");
}

TEST(MatchRoute, OverlongPathsAreRefusedUnread) {
  EXPECT_EQ(Outcome(Match("GET", "/v1/transfers/" + std::string(300, 'a'))), "http.no_route");
}

class AudienceTest : public ::testing::Test {
 protected:
  AudienceTest() { policy_ = fixture_.Parse(testing::PolicyFixture::StandardYaml()).value(); }
  Caller As(const char* eui) {
    Caller c;
    c.policy = policy_;
    c.eui64 = Eui64::Parse(eui).value();
    c.party = policy_->party_by_eui.at(c.eui64);
    return c;
  }

  testing::PolicyFixture fixture_;
  std::shared_ptr<const Policy> policy_;
};

TEST_F(AudienceTest, TheColumnDecidesWhoMayCall) {
  const Caller supplier = As(kSupplierOne);
  const Caller auditor = As(kAuditor);
  auto check = [](Audience a, Listener l, const Caller& c) {
    return CheckAudience(a, l, c, "/v1/audit/entries");
  };
  EXPECT_THAT(check(Audience::kParty, Listener::kParties, supplier), IsOk());
  EXPECT_THAT(check(Audience::kParty, Listener::kAuditors, auditor), StatusIs("http.no_route"));
  EXPECT_THAT(check(Audience::kWitness, Listener::kParties, supplier), IsOk());
  EXPECT_THAT(check(Audience::kWitness, Listener::kAuditors, supplier), IsOk());
  EXPECT_THAT(check(Audience::kAuditor, Listener::kParties, auditor),
              StatusIs("audit.auditor_listener_only"));
  EXPECT_THAT(check(Audience::kAuditor, Listener::kAuditors, supplier),
              StatusIs("audit.not_auditor"));
  EXPECT_THAT(check(Audience::kAuditor, Listener::kAuditors, auditor), IsOk());
}

// The gateway's own table: every row is reachable, no two rows claim the same method
// and path, and every audit route names its resource.
TEST(ApiRoutes, EveryRowIsReachableAndUnique) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const Route<RouteHandler>& route : ApiRouter::Routes()) {
    SCOPED_TRACE(std::string(route.method) + " " + std::string(route.pattern));
    EXPECT_TRUE(seen.emplace(route.method, route.pattern).second) << "twice";
    std::string target(route.pattern);
    if (size_t open = target.find('{'); open != std::string::npos) {
      target.replace(open, target.find('}') - open + 1, "0123456789abcdef0123456789abcdef");
    }
    auto m = MatchRoute<RouteHandler>(ApiRouter::Routes(), route.method, target);
    ASSERT_THAT(m, IsOk());
    EXPECT_EQ(m->route, &route) << "an earlier row shadows this one";
    EXPECT_EQ(route.audit != nullptr, route.audience != Audience::kParty);
    EXPECT_EQ(route.query == QueryUse::kRead, route.audience != Audience::kParty);
  }
}

TEST(ApiRoutes, ResolveAppliesTheColumnsAndTheFraming) {
  testing::PolicyFixture fixture;
  auto policy = fixture.Parse(testing::PolicyFixture::StandardYaml()).value();
  Caller auditor;
  auditor.policy = policy;
  auditor.eui64 = Eui64::Parse(kAuditor).value();
  auditor.party = policy->party_by_eui.at(auditor.eui64);
  auto code = [&](RouteRequest request) {
    const Route<RouteHandler>* refused = nullptr;
    auto r = ApiRouter::Resolve(request, auditor, &refused);
    if (r.ok()) return std::string("ok");
    EXPECT_FALSE(r.error().message.empty());
    return r.error().code;
  };
  EXPECT_EQ(code({"GET", "/v1/audit/entries", Listener::kAuditors}), "ok");
  EXPECT_EQ(code({"GET", "/v1/audit/entries", Listener::kAuditors, /*has_body=*/true}),
            "http.method_not_allowed");
  EXPECT_EQ(code({"GET", "/v1/audit/entries", Listener::kParties}), "audit.auditor_listener_only");
  EXPECT_EQ(code({"GET", "/v1/audit/nothing", Listener::kParties}), "audit.auditor_listener_only");
  EXPECT_EQ(code({"GET", "/v1/inbox", Listener::kAuditors}), "http.no_route");
  EXPECT_EQ(code({"POST", "/v1/transfers", Listener::kParties, true, /*chunked=*/true}),
            "http.length_required");
  EXPECT_EQ(code({"GET", "/v1/inbox", Listener::kParties, /*has_body=*/true}), "ok");
}

}  // namespace
}  // namespace adtgw
