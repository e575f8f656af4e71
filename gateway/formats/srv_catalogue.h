// SrvCatalogue: the DUIS Service Reference Variants an ADT/1 row may name, and the User
// Roles eligible to send each (docs/formats.md, "SRV catalogue"). Read from a CSV file
// with the header `srv,service_reference,name,eligible_user_roles,non_device_request`,
// roles separated by spaces; an SRV with no eligible role may be named by nobody.
// The catalogue is configuration, not a constant: DUIS changes between versions.
//
// Thread safety: immutable once loaded; safe to share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crypto/result.h"

namespace adtgw {

// docs/architecture.md, section 1: the User Roles files name.
enum class UserRole : uint8_t { kIS, kES, kGS, kED, kGT, kRSA, kOU };
inline constexpr const char* kUserRoleNames[] = {"IS", "ES", "GS", "ED", "GT", "RSA", "OU"};
std::optional<UserRole> ParseUserRole(std::string_view text);
const char* UserRoleName(UserRole role);

struct SrvEntry {
  std::string srv;    // e.g. 4.1.1
  std::string name;   // e.g. Read Instantaneous Import Registers
  uint8_t roles = 0;  // bit (1 << UserRole) per eligible role
  bool Allows(UserRole role) const { return (roles >> static_cast<unsigned>(role)) & 1u; }
};

class SrvCatalogue {
 public:
  static Result<SrvCatalogue> Load(const std::string& path);
  // `what` names the text in errors.
  static Result<SrvCatalogue> Parse(std::string_view text, const std::string& what);

  // nullptr when the catalogue has no such SRV.
  const SrvEntry* Find(std::string_view srv) const;
  const std::vector<SrvEntry>& entries() const { return entries_; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<SrvEntry> entries_;  // in the file's order
  std::unordered_map<std::string, size_t, Hash, std::equal_to<>> index_;
};

}  // namespace adtgw
