#include "gateway/client/receipt_verifier.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "certs/cert_issuer.h"
#include "crypto/byte_stream.h"
#include "gateway/audit/merkle_tree.h"
#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

using ::testing::StartsWith;

constexpr char kOrigin[] = "adtgw.test.example/log";
constexpr char kTransfer[] = "40ec53d1bcb8ea35c733f2d7ea966660";

LogSigner NewSigner(const std::string& origin = kOrigin) {
  auto key = GenerateKey(KeyType::kP256);
  if (!key.ok()) std::abort();
  return LogSigner::FromKey(key->get(), origin).value();
}

Eui64 Eui(const char* text) { return Eui64::Parse(text).value(); }

Sha256Digest Digest(uint8_t fill) {
  Sha256Digest d;
  d.fill(fill);
  return d;
}

// A log of 11 entries whose entry 6 is the envelope.stored of kTransfer, and the
// receipt the gateway would write for it.
class ReceiptVerifierTest : public ::testing::Test {
 protected:
  ReceiptVerifierTest() : signer_(NewSigner()) {
    for (int i = 0; i < 11; ++i) {
      AuditEntry e;
      e.at = 1795000000 + i;
      e.event = audit_event::kTransferOffered;
      e.outcome = "accepted";
      e.actor = Eui("AD-7C-00-00-00-00-02-01");
      e.transfer_id = "0000000000000000000000000000000" + std::to_string(i % 10);
      if (i == kIndex) e = Stored();
      entries_.push_back(AuditEntryToJson(e));
      leaves_.push_back(merkle::LeafHash(AsBytes(entries_.back())));
    }
    receipt_.transfer_id = kTransfer;
    receipt_.sender = Eui("AD-7C-00-00-00-00-02-01");
    receipt_.recipients = {Eui("AD-7C-00-00-00-00-04-01")};
    receipt_.file_type = "adt";
    receipt_.file_name = "adt-2026-11.csv";
    receipt_.envelope_sha256 = Digest(0x39);
    receipt_.envelope_size = 1874;
    receipt_.received_at = 1795000006;
    receipt_.policy_sha256 = Digest(0x3f);
    receipt_.rule = "users-send-adt-to-dcc";
    receipt_.log_index = kIndex;
    receipt_.log_entry = entries_[kIndex];
    receipt_.checkpoint =
        signer_.Sign(Checkpoint{kOrigin, leaves_.size(), merkle::RootOf(leaves_)}).value();
    receipt_.inclusion_proof = merkle::InclusionProof(leaves_, kIndex);
  }

  static constexpr uint64_t kIndex = 6;

  static AuditEntry Stored() {
    AuditEntry e;
    e.at = 1795000006;
    e.event = audit_event::kEnvelopeStored;
    e.actor = Eui("AD-7C-00-00-00-00-02-01");
    e.sender = Eui("AD-7C-00-00-00-00-02-01");
    e.recipients = {Eui("AD-7C-00-00-00-00-04-01")};
    e.transfer_id = kTransfer;
    e.file_type = "adt";
    e.envelope_sha256 = ToHex(Digest(0x39));
    e.envelope_size = 1874;
    return e;
  }

  Result<VerifiedReceipt> Verify(const Receipt& r) {
    return VerifyReceipt(AsBytes(ReceiptToJson(r)), signer_.verifier());
  }
  // The receipt with its log entry replaced by `e` (and the log rebuilt around it, so
  // only the entry's content is wrong, not the proof).
  Receipt WithEntry(const AuditEntry& e) {
    Receipt r = receipt_;
    r.log_entry = AuditEntryToJson(e);
    std::vector<Sha256Digest> leaves = leaves_;
    leaves[kIndex] = merkle::LeafHash(AsBytes(r.log_entry));
    r.checkpoint = signer_.Sign(Checkpoint{kOrigin, leaves.size(), merkle::RootOf(leaves)}).value();
    r.inclusion_proof = merkle::InclusionProof(leaves, kIndex);
    return r;
  }

  LogSigner signer_;
  std::vector<std::string> entries_;
  std::vector<Sha256Digest> leaves_;
  Receipt receipt_;
};

TEST_F(ReceiptVerifierTest, AValidReceiptProvesItsEntry) {
  auto v = Verify(receipt_);
  ASSERT_THAT(v, IsOk());
  EXPECT_EQ(v->receipt, receipt_);
  EXPECT_EQ(v->checkpoint.size, 11u);
  EXPECT_EQ(v->checkpoint.origin, kOrigin);
  EXPECT_EQ(v->entry, Stored());
}

TEST_F(ReceiptVerifierTest, EveryLeafOfEverySizeVerifies) {
  for (uint64_t size = 1; size <= leaves_.size(); ++size) {
    std::vector<Sha256Digest> leaves(leaves_.begin(), leaves_.begin() + size);
    for (uint64_t index = 0; index < size; ++index) {
      leaves[index] = merkle::LeafHash(AsBytes(AuditEntryToJson(Stored())));
      Receipt r = receipt_;
      r.log_index = index;
      r.log_entry = AuditEntryToJson(Stored());
      r.checkpoint = signer_.Sign(Checkpoint{kOrigin, size, merkle::RootOf(leaves)}).value();
      r.inclusion_proof = merkle::InclusionProof(leaves, index);
      auto v = Verify(r);
      EXPECT_THAT(v, IsOk()) << size << "/" << index;
      leaves[index] = leaves_[index];
    }
  }
}

TEST_F(ReceiptVerifierTest, ReceiptFieldsThatDisagreeWithTheEntryAreRefused) {
  const std::vector<std::pair<const char*, std::function<void(Receipt&)>>> cases = {
      {"transfer id", [](Receipt& r) { r.transfer_id = "50ec53d1bcb8ea35c733f2d7ea966660"; }},
      {"envelope sha256", [](Receipt& r) { r.envelope_sha256[31] ^= 1; }},
      {"envelope size", [](Receipt& r) { r.envelope_size += 1; }},
      {"sender", [](Receipt& r) { r.sender = Eui("AD-7C-00-00-00-00-02-02"); }},
      {"recipients", [](Receipt& r) { r.recipients.push_back(Eui("AD-7C-00-00-00-00-03-01")); }},
      {"file type", [](Receipt& r) { r.file_type = "exit-quarantine"; }},
  };
  for (const auto& [what, edit] : cases) {
    Receipt r = receipt_;
    edit(r);
    auto v = Verify(r);
    ASSERT_THAT(v, StatusIs("receipt.entry_mismatch")) << what;
    EXPECT_EQ(v.error().kind, ErrorKind::kIntegrity) << what;
  }
}

TEST_F(ReceiptVerifierTest, AnEntryOfAnotherKindOrTransferIsRefusedEvenWhenIncluded) {
  const std::vector<std::pair<const char*, std::function<void(AuditEntry&)>>> cases = {
      {"event", [](AuditEntry& e) { e.event = audit_event::kEnvelopeDownloaded; }},
      {"transfer", [](AuditEntry& e) { e.transfer_id = "50ec53d1bcb8ea35c733f2d7ea966660"; }},
      {"sha256", [](AuditEntry& e) { e.envelope_sha256 = ToHex(Digest(0x40)); }},
      {"size", [](AuditEntry& e) { e.envelope_size = 1873; }},
      {"no size", [](AuditEntry& e) { e.envelope_size.reset(); }},
  };
  for (const auto& [what, edit] : cases) {
    AuditEntry e = Stored();
    edit(e);
    auto v = Verify(WithEntry(e));
    ASSERT_THAT(v, StatusIs("receipt.entry_mismatch")) << what;
  }
}

TEST_F(ReceiptVerifierTest, AnEntryChangedAfterSigningIsNotIncluded) {
  Receipt r = receipt_;
  AuditEntry e = Stored();
  e.at += 1;  // still a matching envelope.stored entry, but not the logged bytes
  r.log_entry = AuditEntryToJson(e);
  auto v = Verify(r);
  ASSERT_THAT(v, StatusIs("receipt.not_included"));
  EXPECT_EQ(v.error().kind, ErrorKind::kIntegrity);
  EXPECT_NE(v.error().message.find("merkle.root_mismatch"), std::string::npos) << v.error().message;
}

TEST_F(ReceiptVerifierTest, WrongIndexOrBrokenProofIsNotIncluded) {
  const std::vector<std::tuple<const char*, std::function<void(Receipt&)>, const char*>> cases = {
      {"another index", [](Receipt& r) { r.log_index = 7; }, "merkle.root_mismatch"},
      {"index past the tree", [](Receipt& r) { r.log_index = 11; }, "merkle.index_out_of_range"},
      {"proof cut short", [](Receipt& r) { r.inclusion_proof.pop_back(); },
       "merkle.proof_too_short"},
      {"proof too long", [](Receipt& r) { r.inclusion_proof.push_back(Digest(1)); },
       "merkle.proof_too_long"},
      {"proof hash changed", [](Receipt& r) { r.inclusion_proof[0][0] ^= 0x80; },
       "merkle.root_mismatch"},
      {"no proof", [](Receipt& r) { r.inclusion_proof.clear(); }, "merkle.proof_too_short"},
  };
  for (const auto& [what, edit, merkle_code] : cases) {
    Receipt r = receipt_;
    edit(r);
    auto v = Verify(r);
    ASSERT_THAT(v, StatusIs("receipt.not_included")) << what;
    EXPECT_NE(v.error().message.find(merkle_code), std::string::npos)
        << what << ": " << v.error().message;
  }
}

TEST_F(ReceiptVerifierTest, TheCheckpointMustBeSignedByTheLogKey) {
  LogSigner impostor = NewSigner();
  Receipt r = receipt_;
  r.checkpoint =
      impostor.Sign(Checkpoint{kOrigin, leaves_.size(), merkle::RootOf(leaves_)}).value();
  auto other_key = Verify(r);
  ASSERT_THAT(other_key, StatusIs("checkpoint.unknown_key"));
  EXPECT_EQ(other_key.error().kind, ErrorKind::kIntegrity);

  LogSigner other_log = NewSigner("adtgw.other.example/log");
  r.checkpoint =
      other_log.Sign(Checkpoint{"adtgw.other.example/log", leaves_.size(), merkle::RootOf(leaves_)})
          .value();
  EXPECT_THAT(Verify(r), StatusIs("checkpoint.wrong_origin"));

  r = receipt_;
  size_t size_line = r.checkpoint.find('\n') + 1;
  r.checkpoint.replace(size_line, 2, "12");  // a larger tree, same signature
  EXPECT_THAT(Verify(r), StatusIs("checkpoint.bad_signature"));
  r.checkpoint = "not a note";
  EXPECT_THAT(Verify(r), StatusIs("checkpoint.malformed"));
}

TEST_F(ReceiptVerifierTest, TheEntryMustBeCanonical) {
  Receipt r = receipt_;
  r.log_entry.insert(1, " ");  // {"actor" -> { "actor"
  auto v = Verify(r);
  ASSERT_THAT(v, StatusIs("audit_entry.not_canonical"));
  EXPECT_NE(v.error().message.find("the receipt's log entry"), std::string::npos);
  r.log_entry = "[]";
  EXPECT_THAT(Verify(r), StatusIs(StartsWith("audit_entry.")));
}

TEST_F(ReceiptVerifierTest, GarbageIsAReceiptError) {
  for (const std::string bytes : {"", "{}", "[1]", "{\"version\":2}"}) {
    auto v = VerifyReceipt(AsBytes(bytes), signer_.verifier());
    ASSERT_THAT(v, StatusIs(StartsWith("receipt."))) << bytes;
  }
}

}  // namespace
}  // namespace adtgw
