// BackgroundSha256: SHA-256 computed on a thread of its own, so that hashing overlaps
// whatever the caller does next (sealing hashes the content for the signature and the
// envelope for the manifest while it encrypts and writes).
//
// Contract: bytes passed to Submit() must stay unchanged until the next Wait() (or
// Submit(), which waits first); at most one submission is in flight.
// Thread safety: one owning thread calls Submit/Wait/Finish; the worker is internal.
#pragma once

#include <condition_variable>
#include <mutex>
#include <span>
#include <thread>

#include "crypto/sha256.h"

namespace adtgw {

class BackgroundSha256 {
 public:
  BackgroundSha256() : thread_([this] { Run(); }) {}
  ~BackgroundSha256() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  BackgroundSha256(const BackgroundSha256&) = delete;
  BackgroundSha256& operator=(const BackgroundSha256&) = delete;

  // Waits for the previous submission, then hashes `data` in the background.
  void Submit(std::span<const uint8_t> data) {
    Wait();
    std::lock_guard<std::mutex> lock(mu_);
    pending_ = data;
    busy_ = true;
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !busy_; });
  }
  Sha256Digest Finish() {
    Wait();
    return hash_.Finish();
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return busy_ || stop_; });
      if (stop_) return;
      std::span<const uint8_t> data = pending_;
      lock.unlock();
      hash_.Update(data);
      lock.lock();
      busy_ = false;
      cv_.notify_all();
    }
  }

  Sha256 hash_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::span<const uint8_t> pending_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread thread_;  // last: started once every other member exists
};

}  // namespace adtgw
