#include "gateway/cli/audit_output.h"

#include "crypto/encoding.h"

namespace adtgw {

using web::json::value;

value CheckpointJson(const Checkpoint& c) {
  value v = value::object();
  v["origin"] = value::string(c.origin);
  v["size"] = value::number(c.size);
  v["root"] = value::string(Base64Encode(c.root));
  return v;
}

std::string DescribeWitness(const WitnessReport& r, const std::string& note_path) {
  if (!r.stored) return "first checkpoint seen from this log; kept in " + note_path;
  if (r.stored->size == r.checkpoint.size) return "the same checkpoint as you saw before";
  if (r.stored->size < r.checkpoint.size) {
    return "consistent with the checkpoint of size " + std::to_string(r.stored->size) +
           " you saw before (proof checked); kept in " + note_path;
  }
  return "older than the checkpoint of size " + std::to_string(r.stored->size) +
         " you saw before, which the gateway proved extends it";
}

std::string Actor(const AuditEntry& e) {
  if (e.actor) return e.actor->ToString();
  if (!e.address.empty()) {
    return "address " + e.address + ", " + std::to_string(e.count.value_or(0)) + " refused";
  }
  return e.peer.empty() ? "" : "peer " + e.peer;
}

}  // namespace adtgw
