#include "gateway/audit/merkle_tree.h"

#include "crypto/ossl_ptr.h"

#include <openssl/evp.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <string>

namespace adtgw::merkle {
namespace {

Error ProofError(const char* code, const std::string& message) {
  return MakeError(ErrorKind::kIntegrity, code, message,
                   "the log's answer does not prove what it claims; keep both checkpoints "
                   "and report it");
}

// SHA-256(prefix || a || b) with one fetched digest and one context per thread: a log of
// a million entries hashes two million times, and a fresh context per hash (an implicit
// fetch and two allocations) would cost more than the hashing.
Sha256Digest DomainHash(uint8_t prefix, std::span<const uint8_t> a, std::span<const uint8_t> b) {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local const EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  Sha256Digest out;
  unsigned int len = 0;
  if (md == nullptr || !ctx || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), &prefix, 1) != 1 ||
      EVP_DigestUpdate(ctx.get(), a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), b.data(), b.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != out.size()) {
    std::abort();  // no SHA-256 in OpenSSL: the installation is broken
  }
  return out;
}

// The largest power of two smaller than n (n > 1).
uint64_t Split(uint64_t n) { return std::bit_floor(n - 1); }

void Path(std::span<const Sha256Digest> leaves, uint64_t m, std::vector<Sha256Digest>& out) {
  if (leaves.size() <= 1) return;
  uint64_t k = Split(leaves.size());
  if (m < k) {
    Path(leaves.first(k), m, out);
    out.push_back(RootOf(leaves.subspan(k)));
  } else {
    Path(leaves.subspan(k), m - k, out);
    out.push_back(RootOf(leaves.first(k)));
  }
}

void SubProof(std::span<const Sha256Digest> leaves, uint64_t m, bool complete,
              std::vector<Sha256Digest>& out) {
  uint64_t n = leaves.size();
  if (m == n) {
    if (!complete) out.push_back(RootOf(leaves));
    return;
  }
  uint64_t k = Split(n);
  if (m <= k) {
    SubProof(leaves.first(k), m, complete, out);
    out.push_back(RootOf(leaves.subspan(k)));
  } else {
    SubProof(leaves.subspan(k), m - k, false, out);
    out.push_back(RootOf(leaves.first(k)));
  }
}

// The hash of leaves [begin, end) of a stored tree, where the range is a subtree of
// RFC 6962's recursion (begin is a multiple of a power of two >= end - begin): the
// perfect subtrees it splits into, left to right, largest first, folded right to left.
Result<Sha256Digest> RangeHash(const NodeReader& node, uint64_t begin, uint64_t end) {
  std::vector<Sha256Digest> parts;
  while (begin < end) {
    unsigned level = static_cast<unsigned>(std::bit_width(end - begin) - 1);
    if (begin != 0)
      level = std::min<unsigned>(level, static_cast<unsigned>(std::countr_zero(begin)));
    ADTGW_ASSIGN(Sha256Digest h, node(level, begin >> level));
    parts.push_back(h);
    begin += uint64_t{1} << level;
  }
  if (parts.empty()) return EmptyRoot();
  Sha256Digest root = parts.back();
  for (size_t i = parts.size() - 1; i-- > 0;) root = NodeHash(parts[i], root);
  return root;
}

// PATH and SUBPROOF (RFC 6962 2.1.1, 2.1.2) over the leaves [begin, begin + n); the
// sibling on the right of the first left turn is the only range that may not be
// perfect, so a proof costs O(log n) node reads.
Status PathFromNodes(const NodeReader& node, uint64_t begin, uint64_t n, uint64_t m,
                     std::vector<Sha256Digest>& out) {
  if (n <= 1) return OkStatus();
  uint64_t k = Split(n);
  if (m < k) {
    ADTGW_TRY(PathFromNodes(node, begin, k, m, out));
    ADTGW_ASSIGN(Sha256Digest right, RangeHash(node, begin + k, begin + n));
    out.push_back(right);
  } else {
    ADTGW_TRY(PathFromNodes(node, begin + k, n - k, m - k, out));
    ADTGW_ASSIGN(Sha256Digest left, RangeHash(node, begin, begin + k));
    out.push_back(left);
  }
  return OkStatus();
}

Status SubProofFromNodes(const NodeReader& node, uint64_t begin, uint64_t n, uint64_t m,
                         bool complete, std::vector<Sha256Digest>& out) {
  if (m == n) {
    if (!complete) {
      ADTGW_ASSIGN(Sha256Digest whole, RangeHash(node, begin, begin + n));
      out.push_back(whole);
    }
    return OkStatus();
  }
  uint64_t k = Split(n);
  if (m <= k) {
    ADTGW_TRY(SubProofFromNodes(node, begin, k, m, complete, out));
    ADTGW_ASSIGN(Sha256Digest right, RangeHash(node, begin + k, begin + n));
    out.push_back(right);
  } else {
    ADTGW_TRY(SubProofFromNodes(node, begin + k, n - k, m - k, false, out));
    ADTGW_ASSIGN(Sha256Digest left, RangeHash(node, begin, begin + k));
    out.push_back(left);
  }
  return OkStatus();
}

}  // namespace

Sha256Digest LeafHash(std::span<const uint8_t> entry) {
  const uint8_t prefix = 0x00;
  return DomainHash(prefix, entry, {});
}

Sha256Digest NodeHash(const Sha256Digest& left, const Sha256Digest& right) {
  const uint8_t prefix = 0x01;
  return DomainHash(prefix, left, right);
}

Sha256Digest EmptyRoot() { return Sha256Of({}); }

Sha256Digest RootOf(std::span<const Sha256Digest> leaves) {
  if (leaves.empty()) return EmptyRoot();
  // Left to right, merging perfect subtrees of equal height (a compact range); then
  // the remaining ones, right to left. Equal to the recursive definition, in O(n).
  std::vector<std::pair<unsigned, Sha256Digest>> stack;
  for (const Sha256Digest& leaf : leaves) {
    stack.emplace_back(0, leaf);
    while (stack.size() >= 2 && stack[stack.size() - 2].first == stack.back().first) {
      Sha256Digest right = stack.back().second;
      stack.pop_back();
      stack.back().second = NodeHash(stack.back().second, right);
      ++stack.back().first;
    }
  }
  Sha256Digest root = stack.back().second;
  for (size_t i = stack.size() - 1; i-- > 0;) root = NodeHash(stack[i].second, root);
  return root;
}

std::vector<Sha256Digest> InclusionProof(std::span<const Sha256Digest> leaves, uint64_t index) {
  std::vector<Sha256Digest> out;
  if (index < leaves.size()) Path(leaves, index, out);
  return out;
}

std::vector<Sha256Digest> ConsistencyProof(std::span<const Sha256Digest> leaves,
                                           uint64_t old_size) {
  std::vector<Sha256Digest> out;
  if (old_size > 0 && old_size < leaves.size()) SubProof(leaves, old_size, true, out);
  return out;
}

Result<Sha256Digest> RootFromNodes(const NodeReader& node, uint64_t size) {
  return RangeHash(node, 0, size);
}

Result<std::vector<Sha256Digest>> InclusionProofFromNodes(const NodeReader& node, uint64_t index,
                                                          uint64_t size) {
  if (index >= size) {
    return MakeError(ErrorKind::kNotFound, "merkle.index_out_of_range",
                     "leaf " + std::to_string(index) + " is not in a tree of " +
                         std::to_string(size) + " leaves");
  }
  std::vector<Sha256Digest> out;
  ADTGW_TRY(PathFromNodes(node, 0, size, index, out));
  return out;
}

Result<std::vector<Sha256Digest>> ConsistencyProofFromNodes(const NodeReader& node,
                                                            uint64_t old_size, uint64_t size) {
  if (old_size > size) {
    return MakeError(ErrorKind::kInvalidInput, "merkle.size_order",
                     "a consistency proof goes from a smaller tree (" + std::to_string(old_size) +
                         ") to a larger one (" + std::to_string(size) + ")");
  }
  std::vector<Sha256Digest> out;
  if (old_size > 0 && old_size < size)
    ADTGW_TRY(SubProofFromNodes(node, 0, size, old_size, true, out));
  return out;
}

Status VerifyInclusion(uint64_t index, uint64_t size, const Sha256Digest& leaf,
                       std::span<const Sha256Digest> proof, const Sha256Digest& root) {
  if (index >= size) {
    return ProofError(
        "merkle.index_out_of_range",
        "leaf index " + std::to_string(index) + " is not in a tree of " + std::to_string(size));
  }
  uint64_t fn = index, sn = size - 1;
  Sha256Digest r = leaf;
  for (const Sha256Digest& p : proof) {
    if (sn == 0) return ProofError("merkle.proof_too_long", "the inclusion proof is too long");
    if ((fn & 1) == 1 || fn == sn) {
      r = NodeHash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return ProofError("merkle.proof_too_short", "the inclusion proof is too short");
  if (r != root) {
    return ProofError("merkle.root_mismatch",
                      "the inclusion proof leads to another root than the checkpoint's");
  }
  return OkStatus();
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, const Sha256Digest& root1,
                         const Sha256Digest& root2, std::span<const Sha256Digest> proof) {
  if (size1 > size2) {
    return ProofError("merkle.size_order", "the newer tree (" + std::to_string(size2) +
                                               ") is smaller than the older (" +
                                               std::to_string(size1) + ")");
  }
  if (size1 == size2) {
    if (!proof.empty())
      return ProofError("merkle.proof_too_long", "trees of one size need no proof");
    if (root1 != root2) {
      return ProofError("merkle.root_mismatch",
                        "two different roots for a tree of " + std::to_string(size1) + " leaves");
    }
    return OkStatus();
  }
  if (size1 == 0) {
    if (!proof.empty()) return ProofError("merkle.proof_too_long", "the empty tree needs no proof");
    return OkStatus();
  }
  std::vector<Sha256Digest> path;
  if (std::has_single_bit(size1)) path.push_back(root1);
  path.insert(path.end(), proof.begin(), proof.end());
  if (path.empty()) return ProofError("merkle.proof_too_short", "the consistency proof is empty");
  uint64_t fn = size1 - 1, sn = size2 - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Sha256Digest fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Sha256Digest& c = path[i];
    if (sn == 0) return ProofError("merkle.proof_too_long", "the consistency proof is too long");
    if ((fn & 1) == 1 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return ProofError("merkle.proof_too_short", "the consistency proof is too short");
  if (fr != root1 || sr != root2) {
    return ProofError("merkle.root_mismatch",
                      "the consistency proof does not join the two checkpoints' roots");
  }
  return OkStatus();
}

}  // namespace adtgw::merkle
