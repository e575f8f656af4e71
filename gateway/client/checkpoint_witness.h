// CheckpointWitness: the client as a witness of the audit log (docs/architecture.md, rule 8,
// docs/audit-log.md "Witnessing"). It keeps the newest checkpoint it has verified per
// log origin in STATE_DIR/checkpoints/ORIGIN.note, and on every contact checks that the
// gateway's checkpoint is signed with the configured log key and is consistent with it:
//
//   - nothing stored yet: the verified checkpoint is stored (trust on first use);
//   - a larger tree: the gateway must prove (consistency proof) that the stored tree is
//     a prefix of it; then it replaces the stored one;
//   - the same size: the roots must be equal;
//   - a smaller tree as the gateway's LATEST checkpoint: the log was truncated or rolled
//     back. A smaller tree that arrived in a receipt is an older checkpoint, which is
//     fine if the gateway proves the stored tree extends it.
//
// Errors are hard (kIntegrity): audit.log_truncated (the latest checkpoint is smaller
// than one seen before), audit.log_forked (no proof joins the two trees, or two roots
// for one size), and the checkpoint.* codes of LogVerifier (a note not signed by the
// configured key). Their messages name both checkpoints (origin, size, base64 root);
// the gateway's note is saved beside the stored one as evidence, and the hint names
// both files. A gateway that cannot answer (network, refusals) gives its own error.
// Only a verified, consistent, newer checkpoint replaces the stored one (atomic write).
//
// Ownership: holds the state directory's path; borrows the GatewayApi and the
// LogVerifier per call.
// Thread safety: one thread at a time per object. Processes sharing a state directory
// are serialised per origin by an exclusive lock on ORIGIN.lock held for the whole
// observation (fetch included), so no process ever stores an older checkpoint over a
// newer one or mistakes another's newer checkpoint for a rollback.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "crypto/result.h"
#include "gateway/audit/checkpoint.h"
#include "gateway/client/gateway_api.h"

namespace adtgw {

// What an observation found, for the commands that report it.
struct WitnessReport {
  Checkpoint checkpoint;             // the gateway's, verified
  std::optional<Checkpoint> stored;  // what was stored before, if anything
  bool replaced = false;             // the gateway's is now the stored one
};

class CheckpointWitness {
 public:
  explicit CheckpointWitness(std::string state_dir) : state_dir_(std::move(state_dir)) {}

  // Fetches the gateway's latest checkpoint and checks it as above.
  Result<WitnessReport> Observe(GatewayApi& api, const LogVerifier& verifier);
  // The same checks for a note that arrived otherwise (in a receipt, or fetched by the
  // caller): it need not be the latest, so an older one is accepted when the gateway
  // proves the stored tree extends it (and is then not stored).
  Result<WitnessReport> ObserveNote(GatewayApi& api, const LogVerifier& verifier,
                                    std::string_view note);

  // The stored checkpoint for the verifier's origin, verified with it; nullopt if none.
  Result<std::optional<Checkpoint>> Stored(const LogVerifier& verifier) const;
  // STATE_DIR/checkpoints/ORIGIN.note, ORIGIN with every character outside
  // [A-Za-z0-9._-] replaced by '_'.
  std::string NotePath(const std::string& origin) const;

 private:
  Result<WitnessReport> Check(GatewayApi& api, const LogVerifier& verifier, std::string_view note,
                              bool latest);
  std::string state_dir_;
};

// "origin adtgw.demo.example/log, size 8, root XXXX=" (root in standard base64).
std::string DescribeCheckpoint(const Checkpoint& c);

}  // namespace adtgw
