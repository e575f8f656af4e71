// ProgressBar: one self-rewriting line on stderr ("uploading  42%  120.5 MiB/s  3s
// left"), drawn only when stderr is a terminal and the total is worth it, at most a
// few times a second; nothing at all otherwise, so logs and pipes stay clean.
//
// Thread safety: Update may be called from any one thread at a time (cpprestsdk calls
// progress handlers on its own threads, one request at a time).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace adtgw {

class ProgressBar {
 public:
  // Draws only when stderr is a terminal and `total` is at least `min_total` bytes.
  explicit ProgressBar(uint64_t min_total = 4 << 20);
  ~ProgressBar();

  void Start(const std::string& label, uint64_t total);
  void Update(uint64_t done);
  void Finish();

 private:
  bool enabled_ = false;
  bool terminal_ = false;
  uint64_t min_total_;
  uint64_t total_ = 0;
  std::string label_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::mutex mu_;
};

}  // namespace adtgw
