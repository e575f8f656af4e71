// FakeGatewayApi: a GatewayApi for unit tests of what the client does with the audit
// log. It answers the audit calls from an in-memory list of leaf hashes, honestly (the
// reference Merkle computations of merkle_tree.h) unless a test asks it to lie: another
// signer, a note of its choosing, a proof cut short, or an error. AuditGet answers from
// a map of paths to bodies. The transfer calls are not used by these tests and fail
// (UnusedGatewayApi).
//
// Thread safety: one test thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gateway/audit/checkpoint.h"
#include "gateway/audit/merkle_tree.h"
#include "tests/support/unused_gateway_api.h"

namespace adtgw::testing {

class FakeGatewayApi final : public UnusedGatewayApi {
 public:
  explicit FakeGatewayApi(const LogSigner& log_signer) : signer(&log_signer) {}

  // The signed note of the first `size` of `of` (default: this log's leaves). ECDSA
  // signatures are randomised: one checkpoint is signed once per signer, so that a test
  // can compare notes byte for byte.
  std::string Note(uint64_t size, const std::vector<Sha256Digest>& of) const {
    Checkpoint c{signer->verifier().origin(), size,
                 merkle::RootOf(std::span<const Sha256Digest>(of).first(size))};
    std::string key = std::to_string(reinterpret_cast<uintptr_t>(signer)) + CheckpointText(c);
    auto it = notes_.find(key);
    if (it == notes_.end()) it = notes_.emplace(key, signer->Sign(c).value()).first;
    return it->second;
  }
  std::string Note(uint64_t size) const { return Note(size, leaves); }

  Result<std::string> AuditCheckpoint() override {
    if (checkpoint_error) return *checkpoint_error;
    if (note_override) return *note_override;
    return Note(head);
  }

  Result<std::vector<Sha256Digest>> AuditConsistency(uint64_t from, uint64_t to) override {
    consistency_calls.emplace_back(from, to);
    if (consistency_error) return *consistency_error;
    if (to > leaves.size() || from > to) {
      return MakeError(ErrorKind::kNotFound, "audit.beyond_head",
                       "the log has only " + std::to_string(leaves.size()) + " entries");
    }
    if (from == 0 || from == to) return std::vector<Sha256Digest>{};
    auto proof = merkle::ConsistencyProof(std::span<const Sha256Digest>(leaves).first(to), from);
    if (cut_consistency && !proof.empty()) proof.pop_back();
    return proof;
  }

  Result<std::string> AuditGet(const std::string& path_and_query) override {
    gets.push_back(path_and_query);
    auto it = bodies.find(path_and_query);
    if (it == bodies.end()) {
      return MakeError(ErrorKind::kNotFound, "http.no_route", "no " + path_and_query);
    }
    return it->second;
  }
  // Answers from `bodies` as AuditGet does, in pieces of `stream_piece` bytes, so that
  // lines arrive split across pieces.
  ::adtgw::Status AuditStream(const std::string& path_and_query, const StreamSink& sink) override {
    ADTGW_ASSIGN(std::string body, AuditGet(path_and_query));
    for (size_t at = 0; at < body.size(); at += stream_piece) {
      ADTGW_TRY(sink(std::string_view(body).substr(at, stream_piece)));
    }
    return OkStatus();
  }

  const LogSigner* signer;
  std::vector<Sha256Digest> leaves;
  uint64_t head = 0;  // the size of the checkpoint AuditCheckpoint shows
  std::optional<std::string> note_override;
  std::optional<Error> checkpoint_error;
  std::optional<Error> consistency_error;
  bool cut_consistency = false;  // drop the last hash of every consistency proof
  std::vector<std::pair<uint64_t, uint64_t>> consistency_calls;
  std::map<std::string, std::string> bodies;  // AuditGet answers by path and query
  std::vector<std::string> gets;
  size_t stream_piece = 7;

 private:
  mutable std::map<std::string, std::string> notes_;
};

}  // namespace adtgw::testing
