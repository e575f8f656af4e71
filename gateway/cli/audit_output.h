// How the `adtgw audit` commands describe what they checked, so that verify, query, show
// and export say it the same way: a signed checkpoint (its root in base64, as the
// signed note writes it; as JSON), what the witness found, and who an audit entry's
// actor is. The log key's ID is KeyId (log_key_flags.h).
//
// Thread safety: pure functions.
#pragma once

#include <cpprest/json.h>

#include <string>

#include "crypto/sha256.h"
#include "gateway/audit/audit_entry.h"
#include "gateway/audit/checkpoint.h"
#include "gateway/client/checkpoint_witness.h"

namespace adtgw {

// {"origin", "size", "root"}.
web::json::value CheckpointJson(const Checkpoint& c);
// What the witness found, for people; `note_path` is where it keeps the checkpoint.
std::string DescribeWitness(const WitnessReport& r, const std::string& note_path);
// The EUI-64 of the party that acted, else "peer <TLS subject>", else, for a summary of
// refused handshakes, "address <ADDRESS>, <N> refused", else "".
std::string Actor(const AuditEntry& e);

}  // namespace adtgw
