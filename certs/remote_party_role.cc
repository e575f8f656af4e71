#include "certs/remote_party_role.h"

#include <cstdio>

#include "crypto/encoding.h"

namespace adtgw {

std::optional<RemotePartyRole> ParseRemotePartyRole(std::string_view ou) {
  if (ou.size() != 2) return std::nullopt;
  unsigned value = 0;
  for (char c : ou) {
    const int digit = HexDigitValue(c);
    if (digit < 0) return std::nullopt;
    value = value << 4 | static_cast<unsigned>(digit);
  }
  switch (value) {
    case 0x00:
    case 0x01:
    case 0x02:
    case 0x03:
    case 0x04:
    case 0x05:
    case 0x06:
    case 0x07:
    case 0x7f:
      return static_cast<RemotePartyRole>(value);
    default:
      return std::nullopt;
  }
}

std::string RoleCode(RemotePartyRole role) {
  char buf[3];
  std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned>(role));
  return buf;
}

std::string RoleName(RemotePartyRole role) {
  switch (role) {
    case RemotePartyRole::kRoot:
      return "root";
    case RemotePartyRole::kRecovery:
      return "recovery";
    case RemotePartyRole::kSupplier:
      return "supplier";
    case RemotePartyRole::kNetworkOperator:
      return "network operator";
    case RemotePartyRole::kAccessControlBroker:
      return "access control broker (DCC)";
    case RemotePartyRole::kTransitionalCoS:
      return "transitional change of supplier";
    case RemotePartyRole::kWanProvider:
      return "WAN provider";
    case RemotePartyRole::kIssuingAuthority:
      return "issuing authority";
    case RemotePartyRole::kOther:
      return "other user";
  }
  return "unknown";
}

bool IsOrganisationRole(RemotePartyRole role) {
  return role == RemotePartyRole::kSupplier || role == RemotePartyRole::kNetworkOperator ||
         role == RemotePartyRole::kAccessControlBroker || role == RemotePartyRole::kOther;
}

}  // namespace adtgw
