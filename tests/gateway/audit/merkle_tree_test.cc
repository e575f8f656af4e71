#include "gateway/audit/merkle_tree.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/byte_stream.h"
#include "tests/support/status_matchers.h"

namespace adtgw::merkle {
namespace {

using ::testing::Not;

// RFC 6962 section 2.1, written out as the definition reads: the reference the
// implementation is checked against.
Sha256Digest NaiveRoot(const std::vector<Sha256Digest>& d, size_t begin, size_t end) {
  size_t n = end - begin;
  if (n == 0) return EmptyRoot();
  if (n == 1) return d[begin];
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return NodeHash(NaiveRoot(d, begin, begin + k), NaiveRoot(d, begin + k, end));
}

std::vector<Sha256Digest> Leaves(size_t n) {
  std::vector<Sha256Digest> out;
  for (size_t i = 0; i < n; ++i) out.push_back(LeafHash(AsBytes("entry " + std::to_string(i))));
  return out;
}

TEST(MerkleTree, KnownAnswersFromTheCertificateTransparencyTestVectors) {
  // The eight leaves of the RFC 6962 reference implementation's tests, and the tree
  // heads of their first 1..8.
  const std::vector<std::string> inputs = {"",
                                           "00",
                                           "10",
                                           "2021",
                                           "3031",
                                           "40414243",
                                           "5051525354555657",
                                           "606162636465666768696a6b6c6d6e6f"};
  const char* roots[] = {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                         "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                         "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
                         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                         "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
                         "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
                         "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
                         "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  std::vector<Sha256Digest> leaves;
  for (const auto& hex : inputs) {
    std::vector<uint8_t> bytes;
    for (size_t i = 0; i < hex.size(); i += 2) {
      bytes.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    leaves.push_back(LeafHash(bytes));
  }
  for (size_t n = 1; n <= 8; ++n) {
    EXPECT_EQ(ToHex(RootOf(std::span(leaves).first(n))), roots[n - 1]) << n << " leaves";
  }
  EXPECT_EQ(ToHex(EmptyRoot()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(MerkleTree, RootsMatchTheDefinitionForEverySizeUpTo300) {
  std::vector<Sha256Digest> leaves = Leaves(300);
  for (size_t n = 0; n <= leaves.size(); ++n) {
    ASSERT_EQ(RootOf(std::span(leaves).first(n)), NaiveRoot(leaves, 0, n)) << n << " leaves";
  }
}

TEST(MerkleTree, EveryInclusionProofVerifiesUpTo300Leaves) {
  std::vector<Sha256Digest> all = Leaves(300);
  for (size_t n = 1; n <= all.size(); ++n) {
    std::span<const Sha256Digest> leaves = std::span(all).first(n);
    Sha256Digest root = RootOf(leaves);
    for (size_t i = 0; i < n; ++i) {
      std::vector<Sha256Digest> proof = InclusionProof(leaves, i);
      Status ok = VerifyInclusion(i, n, leaves[i], proof, root);
      ASSERT_THAT(ok, IsOk()) << "leaf " << i << " of " << n;
    }
  }
}

TEST(MerkleTree, EveryConsistencyProofVerifiesUpTo300Leaves) {
  std::vector<Sha256Digest> all = Leaves(300);
  std::vector<Sha256Digest> roots;
  for (size_t n = 0; n <= all.size(); ++n) roots.push_back(RootOf(std::span(all).first(n)));
  for (size_t n = 1; n <= all.size(); ++n) {
    for (size_t m = 1; m <= n; ++m) {
      std::vector<Sha256Digest> proof = ConsistencyProof(std::span(all).first(n), m);
      Status ok = VerifyConsistency(m, n, roots[m], roots[n], proof);
      ASSERT_THAT(ok, IsOk()) << m << " -> " << n;
    }
  }
}

// The perfect subtrees of `leaves`, as a stored log keeps them, counting the reads.
struct StoredNodes {
  explicit StoredNodes(const std::vector<Sha256Digest>& leaves) {
    levels.push_back(leaves);
    while (levels.back().size() >= 2) {
      const std::vector<Sha256Digest>& below = levels.back();
      std::vector<Sha256Digest> above;
      for (size_t i = 0; i + 1 < below.size(); i += 2)
        above.push_back(NodeHash(below[i], below[i + 1]));
      levels.push_back(std::move(above));
    }
  }
  NodeReader Reader(uint64_t size) {
    return [this, size](unsigned level, uint64_t index) -> Result<Sha256Digest> {
      ++reads;
      // A reader must never need a node that is not complete inside the tree.
      if (level >= levels.size() || ((index + 1) << level) > size) {
        return MakeError(ErrorKind::kNotFound, "test.no_node", "node outside the tree");
      }
      return levels[level][index];
    };
  }
  std::vector<std::vector<Sha256Digest>> levels;
  size_t reads = 0;
};

TEST(MerkleTree, StoredTreeProofsEqualTheReferenceForEverySizeUpTo300) {
  std::vector<Sha256Digest> all = Leaves(300);
  StoredNodes stored(all);
  for (size_t n = 1; n <= all.size(); ++n) {
    std::span<const Sha256Digest> leaves = std::span(all).first(n);
    NodeReader reader = stored.Reader(n);
    auto root = RootFromNodes(reader, n);
    ASSERT_THAT(root, IsOk());
    ASSERT_EQ(*root, RootOf(leaves)) << n;
    for (size_t i = 0; i < n; ++i) {
      auto proof = InclusionProofFromNodes(reader, i, n);
      ASSERT_THAT(proof, IsOk());
      ASSERT_EQ(*proof, InclusionProof(leaves, i)) << "leaf " << i << " of " << n;
    }
    for (size_t m = 1; m <= n; ++m) {
      auto proof = ConsistencyProofFromNodes(reader, m, n);
      ASSERT_THAT(proof, IsOk());
      ASSERT_EQ(*proof, ConsistencyProof(leaves, m)) << m << " -> " << n;
    }
  }
  EXPECT_EQ(RootFromNodes(stored.Reader(0), 0).value(), EmptyRoot());
  EXPECT_THAT(InclusionProofFromNodes(stored.Reader(5), 5, 5),
              StatusIs("merkle.index_out_of_range"));
  EXPECT_THAT(ConsistencyProofFromNodes(stored.Reader(5), 6, 5), StatusIs("merkle.size_order"));
}

TEST(MerkleTree, StoredTreeProofsReadLogarithmicallyManyNodes) {
  // A tree of 2^20 + 12345 leaves, held only as the nodes the proofs read.
  const uint64_t size = (uint64_t{1} << 20) + 12345;
  size_t reads = 0;
  NodeReader synthetic = [&reads](unsigned level, uint64_t index) -> Result<Sha256Digest> {
    ++reads;
    Sha256Digest h{};
    h[0] = static_cast<uint8_t>(level);
    for (int i = 0; i < 8; ++i) h[1 + i] = static_cast<uint8_t>(index >> (8 * i));
    return h;
  };
  for (uint64_t index : {uint64_t{0}, uint64_t{777777}, size - 1}) {
    reads = 0;
    auto proof = InclusionProofFromNodes(synthetic, index, size);
    ASSERT_THAT(proof, IsOk());
    EXPECT_LE(reads, 2u * 21u) << "leaf " << index;
  }
  reads = 0;
  ASSERT_THAT(ConsistencyProofFromNodes(synthetic, 999999, size), IsOk());
  EXPECT_LE(reads, 2u * 21u);
}

TEST(MerkleTree, WrongProofsAreNamedPrecisely) {
  std::vector<Sha256Digest> leaves = Leaves(13);
  Sha256Digest root = RootOf(leaves);
  std::vector<Sha256Digest> path = InclusionProof(leaves, 5);
  EXPECT_THAT(VerifyInclusion(13, 13, leaves[5], path, root),
              StatusIs("merkle.index_out_of_range"));
  EXPECT_THAT(VerifyInclusion(5, 13, leaves[6], path, root), StatusIs("merkle.root_mismatch"));
  EXPECT_THAT(VerifyInclusion(4, 13, leaves[5], path, root), StatusIs("merkle.root_mismatch"));
  std::vector<Sha256Digest> longer = path;
  longer.push_back(root);
  EXPECT_THAT(VerifyInclusion(5, 13, leaves[5], longer, root), StatusIs("merkle.proof_too_long"));
  std::vector<Sha256Digest> shorter(path.begin(), path.end() - 1);
  EXPECT_THAT(VerifyInclusion(5, 13, leaves[5], shorter, root), StatusIs("merkle.proof_too_short"));

  Sha256Digest old_root = RootOf(std::span(leaves).first(7));
  std::vector<Sha256Digest> proof = ConsistencyProof(leaves, 7);
  ASSERT_THAT(VerifyConsistency(7, 13, old_root, root, proof), IsOk());
  // A rewritten history: the same sizes, another old root (a fork).
  std::vector<Sha256Digest> other = Leaves(8);
  Sha256Digest forked = RootOf(std::span(other).subspan(1, 7));
  EXPECT_THAT(VerifyConsistency(7, 13, forked, root, proof), StatusIs("merkle.root_mismatch"));
  EXPECT_THAT(VerifyConsistency(13, 7, root, old_root, proof), StatusIs("merkle.size_order"));
  EXPECT_THAT(VerifyConsistency(13, 13, root, old_root, {}), StatusIs("merkle.root_mismatch"));
  proof.pop_back();
  EXPECT_THAT(VerifyConsistency(7, 13, old_root, root, proof), Not(IsOk()));
  EXPECT_THAT(VerifyConsistency(0, 13, EmptyRoot(), root, {}), IsOk());
}

}  // namespace
}  // namespace adtgw::merkle
