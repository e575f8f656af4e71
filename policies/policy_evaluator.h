// Deciding one transfer request against a Policy: allow or deny, the rule that made
// the decision, and a stable reason code that goes to the client, the log and the
// audit entry. Default deny.
//
// Checks run in this order, the first failure deciding (docs/policy.md):
//   tls identity known           policy.unknown_party
//   manifest signer = TLS party  policy.tls_signer_mismatch
//   sender may send at all       policy.read_only (auditors)
//   file type exists             policy.unknown_file_type
//   at least one recipient       policy.no_recipient
//   every recipient known        policy.unknown_recipient
//   a rule lets sender send type policy.file_type_not_allowed
//   every recipient covered      policy.recipient_not_allowed
//   size within limits           policy.too_large
//   inside allowed hours         policy.outside_hours
//   under the daily limit        policy.daily_limit
//
// Thread safety: Decide is a pure function of its arguments; it allocates nothing
// on the allow path and may run on any number of threads over one shared Policy.
#pragma once

#include <array>
#include <ctime>
#include <span>
#include <string>
#include <string_view>

#include "certs/eui64.h"
#include "policies/policy.h"

namespace adtgw {

// How the TLS peer presented itself: its certificate's SHA-256 and subject.
struct TlsIdentity {
  Sha256Digest fingerprint{};
  std::string_view subject;  // CanonicalNameKey of the subject (certs/distinguished_name.h)
};

struct PolicyRequest {
  TlsIdentity tls;
  Eui64 signer;  // EUI-64 of the manifest's (already verified) SMKI signer
  std::string_view file_type;
  uint64_t size = 0;
  std::span<const Eui64> recipients;
  std::time_t at = 0;
  uint32_t sent_today = 0;  // transfers the sender already made this UTC day
};

struct PolicyDecision {
  bool allow = false;
  std::string_view reason;  // "policy.allowed" or a denial code above (static storage)
  std::string_view rule;    // the rule name, or the check that decided ("default-deny", ...)
  int32_t party = -1;       // sender's party index when known
  int32_t subject = -1;     // the recipient (party index) a recipient check was about
};

PolicyDecision Decide(const Policy& policy, const PolicyRequest& request);

// Whether some rule lets party `from` send anything to party `to` (indexes into
// policy.parties): who may see whose directory entry (docs/api.md, GET /v1/parties).
bool AnyRuleLetsSend(const Policy& policy, uint32_t from, uint32_t to);

// One line for people: "denied: policy.too_large (rule suppliers-to-dcc): ...".
std::string ExplainDecision(const Policy& policy, const PolicyRequest& request,
                            const PolicyDecision& decision);

}  // namespace adtgw
