#include "gateway/cli/progress_bar.h"

#include <unistd.h>

#include <cstdio>

namespace adtgw {

ProgressBar::ProgressBar(uint64_t min_total)
    : terminal_(isatty(STDERR_FILENO) == 1), min_total_(min_total) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Start(const std::string& label, uint64_t total) {
  std::lock_guard<std::mutex> lock(mu_);
  enabled_ = terminal_ && total >= min_total_;
  label_ = label;
  total_ = total;
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

void ProgressBar::Update(uint64_t done) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!enabled_ || total_ == 0) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(200) && done < total_) return;
  last_draw_ = now;
  double seconds = std::chrono::duration<double>(now - start_).count();
  double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  double left = rate > 0 ? static_cast<double>(total_ - std::min(done, total_)) / rate : 0;
  std::fprintf(stderr, "\r%-10s %3d%%  %7.1f MiB/s  %4.0fs left ", label_.c_str(),
               static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total_)),
               rate / (1 << 20), left);
  std::fflush(stderr);
}

void ProgressBar::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!enabled_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  enabled_ = false;
}

}  // namespace adtgw
