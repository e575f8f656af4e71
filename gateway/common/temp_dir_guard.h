// TempDirGuard: owns a temporary directory that is being filled before it is renamed
// into place (adtgw audit export writes a new directory whole or not at all). Unless
// Release() is called (the directory was moved where it belongs), the destructor
// removes it with everything in it, whatever went wrong; a failure to remove is ignored,
// as nothing more can be done about it on an error path.
//
// Thread safety: one thread at a time.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>

namespace adtgw {

class TempDirGuard {
 public:
  explicit TempDirGuard(std::string path) : path_(std::move(path)) {}
  ~TempDirGuard() {
    if (!path_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(path_, ignored);
    }
  }
  TempDirGuard(const TempDirGuard&) = delete;
  TempDirGuard& operator=(const TempDirGuard&) = delete;
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

}  // namespace adtgw
