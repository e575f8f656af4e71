// PolicyHolder: the gateway's current policy, replaced whole on reload (SIGHUP).
// Readers take a shared_ptr snapshot and decide against it for the rest of their
// request; a reload that fails to load leaves the current policy in place (the loader
// is all-or-nothing), so there is never a half-applied policy.
//
// Thread safety: Current() and Replace() may be called from any threads concurrently.
#pragma once

#include <atomic>
#include <memory>

#include "policies/policy.h"

namespace adtgw {

class PolicyHolder {
 public:
  explicit PolicyHolder(std::shared_ptr<const Policy> initial) : current_(std::move(initial)) {}
  std::shared_ptr<const Policy> Current() const { return current_.load(std::memory_order_acquire); }
  void Replace(std::shared_ptr<const Policy> next) {
    current_.store(std::move(next), std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const Policy>> current_;
};

}  // namespace adtgw
