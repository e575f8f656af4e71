// HandshakeRefusals: the counters of pre-authentication noise (docs/audit-log.md,
// "What the log records"): TLS handshakes that failed (a connect-and-close, garbage,
// a timeout, a certificate that does not verify) and connections closed at once over
// the handshake budget (handshake_budget.h). None of them is a decision about an
// authenticated party, so none gets an audit entry of its own: they are counted here
// per window (one minute, kept by the server's timer), and each window becomes
//
//   - at most kSourcesPerWindow + 1 `tls.handshakes_refused` audit entries: one per
//     source for the first kSourcesPerWindow sources of the window, with their counts,
//     and one for all later sources together (`address` "other"), so that neither many
//     refusals nor many source addresses make the log grow faster than that;
//   - one line of the operational log; and at most kLinesPerWindow refusals are logged
//     line by line in a window, so the operational log is bounded too.
//
// Memory is bounded the same way: a window holds at most kSourcesPerWindow sources.
//
// Thread safety: Count and Take may be called from any thread (one mutex).
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "gateway/audit/audit_entry.h"

namespace adtgw {

enum class HandshakeRefusal {
  kFailed,            // the TLS handshake failed or timed out
  kOverBudget,        // closed at once: max_handshakes were in their handshake
  kOverAddressBudget  // closed at once: max_handshakes_per_address from its source were
};

class HandshakeRefusals {
 public:
  static constexpr size_t kSourcesPerWindow = 8;
  static constexpr size_t kLinesPerWindow = 10;

  struct Counts {
    uint64_t failed = 0;
    uint64_t over_budget = 0;
    uint64_t over_address_budget = 0;
    uint64_t total() const { return failed + over_budget + over_address_budget; }
  };

  // One window's refusals.
  struct Window {
    // The first kSourcesPerWindow sources, in the order of their first refusal.
    std::vector<std::pair<std::string, uint64_t>> sources;
    uint64_t other = 0;  // refusals from every later source
    Counts counts;
    uint64_t unlogged = 0;  // counted, but beyond the window's kLinesPerWindow lines
    bool empty() const { return counts.total() == 0; }
  };

  // Counts one refusal from `source` (a SourceKey); true when it may be logged line by
  // line (the first kLinesPerWindow of the window).
  bool Count(const std::string& source, HandshakeRefusal why);

  // The window so far; starts the next one.
  Window Take();

  // Every refusal since the server started.
  Counts totals() const;

 private:
  mutable std::mutex mu_;
  Window window_;  // guarded by mu_
  Counts totals_;  // guarded by mu_
};

// The audit entries that summarise `window` (none for an empty one), dated `at`.
std::vector<AuditEntry> HandshakeSummaryEntries(const HandshakeRefusals::Window& window,
                                                std::time_t at);

// The operational log's line for `window`.
std::string HandshakeSummaryLine(const HandshakeRefusals::Window& window);

}  // namespace adtgw
