// SMKI Remote Party Roles, carried as two hex digits in a certificate's subject OU.
// Organisation Certificates use supplier (02), network operator (03), access control
// broker (04, the DCC) and other user (7F); the CA roles are listed so that CA
// certificates can be named when inspected.
//
// Thread safety: constant data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace adtgw {

enum class RemotePartyRole : uint8_t {
  kRoot = 0x00,
  kRecovery = 0x01,
  kSupplier = 0x02,
  kNetworkOperator = 0x03,
  kAccessControlBroker = 0x04,
  kTransitionalCoS = 0x05,
  kWanProvider = 0x06,
  kIssuingAuthority = 0x07,
  kOther = 0x7f,
};

// Parses the OU text ("02", "7F", case-insensitive); nullopt if not a known role.
std::optional<RemotePartyRole> ParseRemotePartyRole(std::string_view ou);
std::string RoleCode(RemotePartyRole role);  // "02"
std::string RoleName(RemotePartyRole role);  // "supplier"
// True for the roles an SMKI Organisation Certificate may carry.
bool IsOrganisationRole(RemotePartyRole role);

}  // namespace adtgw
