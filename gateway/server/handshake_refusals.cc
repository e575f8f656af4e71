#include "gateway/server/handshake_refusals.h"

#include <algorithm>

namespace adtgw {

bool HandshakeRefusals::Count(const std::string& source, HandshakeRefusal why) {
  std::lock_guard<std::mutex> lock(mu_);
  for (Counts* c : {&window_.counts, &totals_}) {
    switch (why) {
      case HandshakeRefusal::kFailed:
        ++c->failed;
        break;
      case HandshakeRefusal::kOverBudget:
        ++c->over_budget;
        break;
      case HandshakeRefusal::kOverAddressBudget:
        ++c->over_address_budget;
        break;
    }
  }
  auto it = std::find_if(window_.sources.begin(), window_.sources.end(),
                         [&source](const auto& s) { return s.first == source; });
  if (it != window_.sources.end()) {
    ++it->second;
  } else if (window_.sources.size() < kSourcesPerWindow) {
    window_.sources.emplace_back(source, 1);
  } else {
    ++window_.other;
  }
  if (window_.counts.total() > kLinesPerWindow) {
    ++window_.unlogged;
    return false;
  }
  return true;
}

HandshakeRefusals::Window HandshakeRefusals::Take() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(window_, Window{});
}

HandshakeRefusals::Counts HandshakeRefusals::totals() const {
  std::lock_guard<std::mutex> lock(mu_);
  return totals_;
}

std::vector<AuditEntry> HandshakeSummaryEntries(const HandshakeRefusals::Window& window,
                                                std::time_t at) {
  std::vector<AuditEntry> out;
  auto add = [&](const std::string& address, uint64_t count) {
    AuditEntry e;
    e.at = at;
    e.event = audit_event::kTlsHandshakesRefused;
    e.address = address;
    e.count = count;
    out.push_back(std::move(e));
  };
  for (const auto& [source, count] : window.sources) add(source, count);
  if (window.other > 0) add("other", window.other);
  return out;
}

std::string HandshakeSummaryLine(const HandshakeRefusals::Window& window) {
  std::string line = "refused before authentication: " + std::to_string(window.counts.failed) +
                     " failed TLS handshake(s), " +
                     std::to_string(window.counts.over_budget + window.counts.over_address_budget) +
                     " connection(s) closed over the handshake budget (" +
                     std::to_string(window.counts.over_address_budget) +
                     " over their address's share)";
  char sep = ':';
  auto source = [&](const std::string& name, uint64_t count) {
    line += (sep == ':' ? "; by source: " : ", ") + name + " " + std::to_string(count);
    sep = ',';
  };
  for (const auto& [name, count] : window.sources) source(name, count);
  if (window.other > 0) source("other", window.other);
  if (window.unlogged > 0) {
    line += " (" + std::to_string(window.unlogged) + " not logged one by one)";
  }
  return line;
}

}  // namespace adtgw
