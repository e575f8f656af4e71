#include "gateway/server/handshake_refusals.h"

#include <gtest/gtest.h>

#include <string>

namespace adtgw {
namespace {

TEST(HandshakeRefusals, AWindowCountsBySourceAndByKind) {
  HandshakeRefusals refusals;
  for (int i = 0; i < 1000; ++i) refusals.Count("192.0.2.1", HandshakeRefusal::kFailed);
  refusals.Count("192.0.2.2", HandshakeRefusal::kOverAddressBudget);
  refusals.Count("192.0.2.1", HandshakeRefusal::kOverBudget);
  HandshakeRefusals::Window w = refusals.Take();
  EXPECT_EQ(w.counts.failed, 1000u);
  EXPECT_EQ(w.counts.over_budget, 1u);
  EXPECT_EQ(w.counts.over_address_budget, 1u);
  ASSERT_EQ(w.sources.size(), 2u);
  EXPECT_EQ(w.sources[0], (std::pair<std::string, uint64_t>{"192.0.2.1", 1001}));
  EXPECT_EQ(w.sources[1], (std::pair<std::string, uint64_t>{"192.0.2.2", 1}));
  EXPECT_EQ(w.other, 0u);

  std::vector<AuditEntry> entries = HandshakeSummaryEntries(w, 1764417600);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].event, audit_event::kTlsHandshakesRefused);
  EXPECT_EQ(entries[0].address, "192.0.2.1");
  EXPECT_EQ(entries[0].count, 1001u);
  EXPECT_EQ(entries[0].at, 1764417600);
  EXPECT_EQ(entries[1].address, "192.0.2.2");
  EXPECT_EQ(entries[1].count, 1u);

  // Take starts the next window; the totals go on.
  EXPECT_TRUE(refusals.Take().empty());
  EXPECT_TRUE(HandshakeSummaryEntries(refusals.Take(), 0).empty());
  EXPECT_EQ(refusals.totals().total(), 1002u);
}

TEST(HandshakeRefusals, ManySourcesMakeAtMostTheBoundOfEntries) {
  HandshakeRefusals refusals;
  uint64_t counted = 0;
  for (int source = 0; source < 5000; ++source) {
    for (int i = 0; i <= source % 3; ++i, ++counted) {
      refusals.Count("10.0." + std::to_string(source / 256) + "." + std::to_string(source % 256),
                     HandshakeRefusal::kFailed);
    }
  }
  HandshakeRefusals::Window w = refusals.Take();
  EXPECT_EQ(w.sources.size(), HandshakeRefusals::kSourcesPerWindow);
  std::vector<AuditEntry> entries = HandshakeSummaryEntries(w, 0);
  ASSERT_EQ(entries.size(), HandshakeRefusals::kSourcesPerWindow + 1);
  EXPECT_EQ(entries.back().address, "other");
  uint64_t summed = 0;
  for (const AuditEntry& e : entries) summed += e.count.value_or(0);
  EXPECT_EQ(summed, counted) << "every refusal is in exactly one entry";
}

TEST(HandshakeRefusals, OnlyTheFirstRefusalsOfAWindowAreLoggedOneByOne) {
  HandshakeRefusals refusals;
  size_t logged = 0;
  for (int i = 0; i < 500; ++i) logged += refusals.Count("192.0.2.1", HandshakeRefusal::kFailed);
  EXPECT_EQ(logged, HandshakeRefusals::kLinesPerWindow);
  HandshakeRefusals::Window w = refusals.Take();
  EXPECT_EQ(w.unlogged, 500 - HandshakeRefusals::kLinesPerWindow);
  EXPECT_TRUE(refusals.Count("192.0.2.1", HandshakeRefusal::kFailed)) << "a new window logs again";
}

TEST(HandshakeRefusals, TheSummaryLineSaysWhatWasCounted) {
  HandshakeRefusals refusals;
  for (int i = 0; i < 12; ++i) refusals.Count("192.0.2.1", HandshakeRefusal::kFailed);
  refusals.Count("192.0.2.2", HandshakeRefusal::kOverAddressBudget);
  EXPECT_EQ(HandshakeSummaryLine(refusals.Take()),
            "refused before authentication: 12 failed TLS handshake(s), 1 connection(s) closed "
            "over the handshake budget (1 over their address's share); by source: 192.0.2.1 12, "
            "192.0.2.2 1 (3 not logged one by one)");
}

}  // namespace
}  // namespace adtgw
