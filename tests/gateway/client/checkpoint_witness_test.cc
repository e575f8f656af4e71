#include "gateway/client/checkpoint_witness.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "certs/cert_issuer.h"
#include "crypto/byte_stream.h"
#include "gateway/audit/merkle_tree.h"
#include "tests/support/fake_gateway_api.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace adtgw {
namespace {

using ::testing::Not;
using ::testing::StartsWith;

constexpr char kOrigin[] = "adtgw.test.example/log";

LogSigner NewSigner(const std::string& origin = kOrigin) {
  auto key = GenerateKey(KeyType::kP256);
  if (!key.ok()) std::abort();
  return LogSigner::FromKey(key->get(), origin).value();
}

std::vector<Sha256Digest> Leaves(size_t n, const std::string& tag = "entry") {
  std::vector<Sha256Digest> out;
  for (size_t i = 0; i < n; ++i) out.push_back(merkle::LeafHash(AsBytes(tag + std::to_string(i))));
  return out;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A log that answers honestly from its leaves, showing a checkpoint of `head` leaves.
class WitnessTest : public ::testing::Test {
 protected:
  WitnessTest() : signer_(NewSigner()), log_(signer_) {}

  Result<WitnessReport> Observe() { return witness_.Observe(log_, signer_.verifier()); }
  std::string Stored() { return ReadText(witness_.NotePath(kOrigin)); }
  std::vector<std::string> Rejected() {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/state/checkpoints")) {
      if (e.path().filename().string().find(".rejected-") != std::string::npos) {
        out.push_back(e.path().string());
      }
    }
    return out;
  }
  // Sees a log of `n` leaves first.
  void SeeFirst(size_t n) {
    log_.leaves = Leaves(n);
    log_.head = n;
    auto r = Observe();
    ASSERT_THAT(r, IsOk());
  }

  LogSigner signer_;
  testing::FakeGatewayApi log_;
  testing::TempDir dir_{"adtgw-witness"};
  CheckpointWitness witness_{dir_.path() + "/state"};
};

TEST_F(WitnessTest, NotePathReplacesCharactersOutsideTheSafeSet) {
  EXPECT_EQ(witness_.NotePath("adtgw.demo.example/log"),
            dir_.path() + "/state/checkpoints/adtgw.demo.example_log.note");
  EXPECT_EQ(witness_.NotePath("a b/../c:d_E-9"),
            dir_.path() + "/state/checkpoints/a_b_.._c_d_E-9.note");
}

TEST_F(WitnessTest, FirstContactStoresTheVerifiedCheckpointPrivately) {
  log_.leaves = Leaves(5);
  log_.head = 5;
  auto r = Observe();
  ASSERT_THAT(r, IsOk());
  EXPECT_TRUE(r->replaced);
  EXPECT_FALSE(r->stored.has_value());
  EXPECT_EQ(r->checkpoint.size, 5u);
  EXPECT_EQ(r->checkpoint.root, merkle::RootOf(log_.leaves));
  EXPECT_EQ(Stored(), log_.Note(5));
  struct stat st;
  ASSERT_EQ(stat((dir_.path() + "/state/checkpoints").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat((dir_.path() + "/state").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat(witness_.NotePath(kOrigin).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(log_.consistency_calls.empty());
  auto stored = witness_.Stored(signer_.verifier());
  ASSERT_THAT(stored, IsOk());
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ(**stored, r->checkpoint);
}

TEST_F(WitnessTest, AGrownLogMustProveItExtendsWhatWasSeen) {
  SeeFirst(5);
  log_.leaves = Leaves(13);
  log_.head = 13;
  auto r = Observe();
  ASSERT_THAT(r, IsOk());
  EXPECT_TRUE(r->replaced);
  ASSERT_TRUE(r->stored.has_value());
  EXPECT_EQ(r->stored->size, 5u);
  ASSERT_EQ(log_.consistency_calls.size(), 1u);
  EXPECT_EQ(log_.consistency_calls[0], (std::pair<uint64_t, uint64_t>{5, 13}));
  EXPECT_EQ(Stored(), log_.Note(13));
}

TEST_F(WitnessTest, EverySizeFromEveryEarlierSizeIsAccepted) {
  log_.leaves = Leaves(20);
  for (uint64_t first = 0; first <= 20; ++first) {
    for (uint64_t second = first; second <= 20; ++second) {
      std::filesystem::remove_all(dir_.path() + "/state");
      log_.head = first;
      ASSERT_THAT(Observe(), IsOk());
      log_.head = second;
      auto r = Observe();
      ASSERT_THAT(r, IsOk()) << first << " -> " << second;
      EXPECT_EQ(r->replaced, second > first);
    }
  }
}

TEST_F(WitnessTest, TheSameCheckpointAgainNeedsNoProof) {
  SeeFirst(7);
  auto r = Observe();
  ASSERT_THAT(r, IsOk());
  EXPECT_FALSE(r->replaced);
  EXPECT_TRUE(log_.consistency_calls.empty());
}

TEST_F(WitnessTest, TwoRootsForOneSizeIsAFork) {
  SeeFirst(6);
  std::string before = Stored();
  log_.leaves = Leaves(6, "other");
  auto r = Observe();
  ASSERT_THAT(r, StatusIs("audit.log_forked"));
  EXPECT_EQ(r.error().kind, ErrorKind::kIntegrity);
  // Both checkpoints are named, with their base64 roots.
  Checkpoint seen{kOrigin, 6, merkle::RootOf(Leaves(6))};
  Checkpoint shown{kOrigin, 6, merkle::RootOf(log_.leaves)};
  EXPECT_NE(r.error().message.find(DescribeCheckpoint(seen)), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find(DescribeCheckpoint(shown)), std::string::npos)
      << r.error().message;
  // The stored note is kept, the gateway's saved beside it, and both are in the hint.
  EXPECT_EQ(Stored(), before);
  auto rejected = Rejected();
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(ReadText(rejected[0]), log_.Note(6));
  EXPECT_NE(r.error().hint.find(witness_.NotePath(kOrigin)), std::string::npos) << r.error().hint;
  EXPECT_NE(r.error().hint.find(rejected[0]), std::string::npos) << r.error().hint;
  EXPECT_NE(r.error().hint.find("DCC"), std::string::npos);
}

TEST_F(WitnessTest, ALargerTreeThatRewroteHistoryIsAFork) {
  SeeFirst(5);
  log_.leaves = Leaves(9);
  log_.leaves[2] = merkle::LeafHash(AsBytes("rewritten"));
  log_.head = 9;
  auto r = Observe();
  ASSERT_THAT(r, StatusIs("audit.log_forked"));
  EXPECT_NE(r.error().message.find("merkle.root_mismatch"), std::string::npos) << r.error().message;
  EXPECT_EQ(Stored(), log_.Note(5, Leaves(5)));
}

TEST_F(WitnessTest, AProofCutShortIsAFork) {
  SeeFirst(5);
  log_.leaves = Leaves(9);
  log_.head = 9;
  log_.cut_consistency = true;
  auto r = Observe();
  ASSERT_THAT(r, StatusIs("audit.log_forked"));
  EXPECT_EQ(ParseCheckpointNote(Stored())->size, 5u) << "only a consistent checkpoint replaces";
}

TEST_F(WitnessTest, ASmallerLatestCheckpointIsATruncation) {
  SeeFirst(9);
  // The gateway still holds 9 leaves but shows an older head: a rolled-back view.
  log_.head = 4;
  auto stale = Observe();
  ASSERT_THAT(stale, StatusIs("audit.log_truncated"));
  EXPECT_EQ(stale.error().kind, ErrorKind::kIntegrity);
  EXPECT_NE(stale.error().message.find("size 4"), std::string::npos);
  EXPECT_NE(stale.error().message.find("size 9"), std::string::npos);
  EXPECT_NE(stale.error().message.find("older checkpoint"), std::string::npos)
      << stale.error().message;
  // The log really lost its tail: it cannot even prove the consistency.
  log_.leaves.resize(4);
  auto lost = Observe();
  ASSERT_THAT(lost, StatusIs("audit.log_truncated"));
  EXPECT_NE(lost.error().message.find("cannot prove"), std::string::npos) << lost.error().message;
  EXPECT_EQ(ParseCheckpointNote(Stored())->size, 9u);
  EXPECT_EQ(Rejected().size(), 1u) << "the same note is saved once";
}

TEST_F(WitnessTest, ACheckpointByAnotherKeyIsRefused) {
  SeeFirst(3);
  LogSigner impostor = NewSigner();
  log_.signer = &impostor;
  log_.leaves = Leaves(8);
  log_.head = 8;
  auto r = Observe();
  ASSERT_THAT(r, StatusIs("checkpoint.unknown_key"));
  EXPECT_EQ(r.error().kind, ErrorKind::kIntegrity);
  EXPECT_NE(r.error().hint.find("audit_log.public_key"), std::string::npos);
  EXPECT_EQ(ParseCheckpointNote(Stored())->size, 3u);

  LogSigner other_log = NewSigner("adtgw.other.example/log");
  log_.signer = &other_log;
  auto o = Observe();
  ASSERT_THAT(o, StatusIs("checkpoint.wrong_origin"));
}

TEST_F(WitnessTest, ATamperedNoteIsRefusedOnFirstContactToo) {
  log_.leaves = Leaves(4);
  log_.head = 4;
  std::string note = log_.Note(4);
  note[note.find('\n') + 1] = '5';  // the size line
  log_.note_override = note;
  auto r = Observe();
  ASSERT_THAT(r, StatusIs("checkpoint.bad_signature"));
  EXPECT_FALSE(std::filesystem::exists(witness_.NotePath(kOrigin)));
}

TEST_F(WitnessTest, GatewayErrorsPassThroughAndChangeNothing) {
  SeeFirst(5);
  log_.leaves = Leaves(9);
  log_.head = 9;
  log_.consistency_error = MakeError(ErrorKind::kUnavailable, "net.unreachable", "down");
  auto r = Observe();
  ASSERT_THAT(r, StatusIs("net.unreachable"));
  EXPECT_NE(r.error().message.find("did not prove"), std::string::npos);
  EXPECT_EQ(ParseCheckpointNote(Stored())->size, 5u);
  log_.consistency_error.reset();
  log_.checkpoint_error = MakeError(ErrorKind::kUnavailable, "net.unreachable", "down");
  EXPECT_THAT(Observe(), StatusIs("net.unreachable"));
}

TEST_F(WitnessTest, AReceiptsOlderCheckpointIsFineWhenTheStoredOneExtendsIt) {
  SeeFirst(12);
  auto r = witness_.ObserveNote(log_, signer_.verifier(), log_.Note(7));
  ASSERT_THAT(r, IsOk());
  EXPECT_FALSE(r->replaced);
  EXPECT_EQ(r->checkpoint.size, 7u);
  EXPECT_EQ(ParseCheckpointNote(Stored())->size, 12u);
  ASSERT_EQ(log_.consistency_calls.size(), 1u);
  EXPECT_EQ(log_.consistency_calls[0], (std::pair<uint64_t, uint64_t>{7, 12}));
}

TEST_F(WitnessTest, AReceiptsCheckpointFromAForkIsRefused) {
  SeeFirst(12);
  std::string forked = log_.Note(7, Leaves(7, "forked"));
  auto older = witness_.ObserveNote(log_, signer_.verifier(), forked);
  ASSERT_THAT(older, StatusIs("audit.log_forked"));
  std::string newer = log_.Note(15, Leaves(15, "forked"));
  log_.leaves = Leaves(15, "forked");
  auto r = witness_.ObserveNote(log_, signer_.verifier(), newer);
  ASSERT_THAT(r, StatusIs("audit.log_forked"));
  EXPECT_EQ(ParseCheckpointNote(Stored())->size, 12u);
}

TEST_F(WitnessTest, AReceiptsNewerCheckpointReplacesTheStoredOne) {
  SeeFirst(3);
  log_.leaves = Leaves(4);
  auto r = witness_.ObserveNote(log_, signer_.verifier(), log_.Note(4));
  ASSERT_THAT(r, IsOk());
  EXPECT_TRUE(r->replaced);
  EXPECT_EQ(Stored(), log_.Note(4));
}

TEST_F(WitnessTest, AStoredNoteThatNoLongerVerifiesIsAHardError) {
  SeeFirst(3);
  std::string note = Stored();
  note[0] = 'b';  // another origin line: the signature no longer covers it
  std::ofstream(witness_.NotePath(kOrigin), std::ios::trunc) << note;
  auto r = Observe();
  ASSERT_THAT(r, Not(IsOk()));
  EXPECT_EQ(r.error().kind, ErrorKind::kIntegrity);
  EXPECT_THAT(r, StatusIs(StartsWith("checkpoint.")));
  EXPECT_NE(r.error().message.find(witness_.NotePath(kOrigin)), std::string::npos);
}

}  // namespace
}  // namespace adtgw
