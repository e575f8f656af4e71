// The audit log's Merkle tree hashing and proofs (RFC 6962 section 2.1, RFC 9162
// section 2.1), as pure functions: SHA-256 with domain separation (leaf = H(0x00 ||
// entry), node = H(0x01 || left || right)); the reference computations of the tree
// head, audit paths and consistency proofs over a list of leaf hashes (O(n), the
// definition itself, for tests and small trees); and the O(log n) verifiers that
// clients, auditors and `adtgw receipt verify` run. Verification failures are typed
// (a stable code per way a proof can be wrong) and kIntegrity.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "crypto/result.h"
#include "crypto/sha256.h"

namespace adtgw::merkle {

Sha256Digest LeafHash(std::span<const uint8_t> entry);
Sha256Digest NodeHash(const Sha256Digest& left, const Sha256Digest& right);
// The root of the empty tree: SHA-256 of nothing.
Sha256Digest EmptyRoot();

// MTH(D[n]) over the given leaf hashes.
Sha256Digest RootOf(std::span<const Sha256Digest> leaves);
// PATH(index, D[n]): the audit path of leaf `index` (index < leaves.size()).
std::vector<Sha256Digest> InclusionProof(std::span<const Sha256Digest> leaves, uint64_t index);
// PROOF(old_size, D[n]): consistency of the first `old_size` leaves with all of them
// (0 < old_size <= leaves.size()).
std::vector<Sha256Digest> ConsistencyProof(std::span<const Sha256Digest> leaves, uint64_t old_size);

// The same three computations over a stored tree, in O(log n) node reads: `node(level,
// index)` is the hash of the perfect subtree over leaves [index << level, (index + 1)
// << level), which the log stores once it is complete (audit_log.h). Only perfect
// subtrees inside the tree of `size` leaves are ever asked for.
using NodeReader = std::function<Result<Sha256Digest>(unsigned level, uint64_t index)>;
Result<Sha256Digest> RootFromNodes(const NodeReader& node, uint64_t size);
Result<std::vector<Sha256Digest>> InclusionProofFromNodes(const NodeReader& node, uint64_t index,
                                                          uint64_t size);
Result<std::vector<Sha256Digest>> ConsistencyProofFromNodes(const NodeReader& node,
                                                            uint64_t old_size, uint64_t size);

// RFC 9162 2.1.3.2: leaf `leaf` is at `index` in the tree of `size` leaves with `root`.
Status VerifyInclusion(uint64_t index, uint64_t size, const Sha256Digest& leaf,
                       std::span<const Sha256Digest> proof, const Sha256Digest& root);
// RFC 9162 2.1.4.2: the tree (size1, root1) is a prefix of the tree (size2, root2).
Status VerifyConsistency(uint64_t size1, uint64_t size2, const Sha256Digest& root1,
                         const Sha256Digest& root2, std::span<const Sha256Digest> proof);

}  // namespace adtgw::merkle
