// TransferService and the audit log: the entries every decision leaves, with exact fields.
#include "tests/gateway/server/transfer_service_fixture.h"

namespace adtgw::transfer_service_test {
namespace {

using ::testing::Not;

TEST_F(TransferServiceAuditTest, AnAcceptedOfferIsLoggedWithEveryField) {
  Envelope env = Seal();
  const uint64_t before = LogSize();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  std::vector<AuditEntry> logged = Logged(before);
  ASSERT_EQ(logged.size(), 1u);
  AuditEntry expected =
      About(audit_event::kTransferOffered, env, offered->progress.record.id, now_);
  expected.outcome = "accepted";
  expected.actor = E(kSupplierA);
  EXPECT_EQ(logged[0], expected) << AuditEntryToJson(logged[0]);
  // Spelled out too, so that a failure names the field.
  EXPECT_EQ(logged[0].transfer_id, offered->progress.record.id);
  EXPECT_EQ(logged[0].signer_serial, CertificateIdOf(supplier_a_ds_.cert.get()).serial);
  EXPECT_FALSE(logged[0].signer_serial.empty());
  EXPECT_FALSE(logged[0].signer_issuer.empty());
  EXPECT_EQ(logged[0].policy_sha256, ToHex(holder_->Current()->canonical_sha256));
  EXPECT_EQ(LogSize(), before + 1);
}

TEST_F(TransferServiceAuditTest, ARefusedOfferIsLoggedWithItsReasonAndChangesNothingElse) {
  Envelope env = Seal();
  ASSERT_THAT(Offer(SupplierA(), Sign(ManifestFor(env, "idempotency-key-first"))), IsOk());
  struct Case {
    const char* what;
    Caller caller;
    std::string manifest;
    std::vector<uint8_t> signature;
    const char* code;
    AuditEntry expected;  // without outcome and reason
  };
  std::vector<Case> cases;
  auto signed_case = [&](const char* what, Caller caller, Manifest m, const testing::Credential& by,
                         const char* code) {
    SignedManifest sm = Sign(m, &by);
    AuditEntry e;
    e.at = now_;
    e.event = audit_event::kTransferOffered;
    e.actor = caller.eui64;
    e.sender = m.sender;
    e.recipients = m.recipients;
    e.file_type = m.file_type;
    e.envelope_sha256 = ToHex(m.envelope_sha256);
    e.envelope_size = m.envelope_size;
    SignedBy(by, e);
    cases.push_back({what, caller, sm.json, sm.signature, code, e});
  };
  signed_case("sent in another party's name", SupplierB(), ManifestFor(env, "idempotency-key-b1"),
              supplier_a_ds_, "policy.tls_signer_mismatch");
  signed_case("signed with another party's key", SupplierA(),
              ManifestFor(env, "idempotency-key-b2"), supplier_b_ds_, "manifest.sender_not_signer");
  signed_case("signed with a revoked certificate", SupplierA(),
              ManifestFor(env, "idempotency-key-b3"), supplier_a_revoked_ds_, "cert.revoked");
  Manifest to_supplier = ManifestFor(env, "idempotency-key-b4");
  to_supplier.recipients = {E(kSupplierB)};
  signed_case("denied by the policy", SupplierA(), to_supplier, supplier_a_ds_,
              "policy.recipient_not_allowed");
  Manifest stale = ManifestFor(env, "idempotency-key-b5");
  stale.created -= 2 * kDay;
  signed_case("a stale manifest", SupplierA(), stale, supplier_a_ds_, "manifest.stale");
  Manifest other = ManifestFor(env, "idempotency-key-first");
  other.envelope_size += 1;
  signed_case("a reused idempotency key", SupplierA(), other, supplier_a_ds_,
              "transfer.idempotency_conflict");
  {
    // A bad signature: what the manifest claims is logged, but there is no signer.
    SignedManifest sm = Sign(ManifestFor(env, "idempotency-key-b6"));
    Manifest changed = sm.manifest;
    changed.envelope_size += 1;
    AuditEntry e;
    e.at = now_;
    e.event = audit_event::kTransferOffered;
    e.actor = E(kSupplierA);
    e.sender = E(kSupplierA);
    e.recipients = {E(kDcc)};
    e.file_type = "adt";
    e.envelope_sha256 = ToHex(env.sha256);
    e.envelope_size = changed.envelope_size;
    cases.push_back({"a signature over other bytes", SupplierA(), ManifestToJson(changed),
                     sm.signature, "signature.digest_mismatch", e});
    // Not even a manifest: only who tried.
    std::string spaced = sm.json;
    spaced.insert(1, " ");
    AuditEntry bare;
    bare.at = now_;
    bare.event = audit_event::kTransferOffered;
    bare.actor = E(kSupplierA);
    cases.push_back({"a non-canonical manifest", SupplierA(), spaced, sm.signature,
                     "manifest.not_canonical", bare});
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const uint64_t before = LogSize();
    Snapshot stored = Snap();
    auto r = service_->Offer(c.caller, AsBytes(c.manifest), c.signature, now_);
    ASSERT_THAT(r, StatusIs(c.code));
    ExpectNothingStored(stored, c.what);
    std::vector<AuditEntry> logged = Logged(before);
    ASSERT_EQ(logged.size(), 1u);
    AuditEntry expected = c.expected;
    expected.outcome = "refused";
    expected.reason = c.code;
    EXPECT_EQ(logged[0], expected) << AuditEntryToJson(logged[0]);
    EXPECT_THAT(r, StatusIs(logged[0].reason));
    EXPECT_TRUE(logged[0].transfer_id.empty()) << "a refused offer has no transfer";
  }
  EXPECT_EQ(TransferCount(), 1u);
}

TEST_F(TransferServiceAuditTest, AReplayIsLoggedAsARefusedOffer) {
  Envelope env = Seal();
  SignedManifest sm = Sign(ManifestFor(env));
  TransferRecord r = SendOne(env);
  const uint64_t before = LogSize();
  auto replay = Offer(SupplierA(), sm);
  ASSERT_THAT(replay, Not(IsOk()));
  std::vector<AuditEntry> logged = Logged(before);
  ASSERT_EQ(logged.size(), 1u);
  AuditEntry expected = About(audit_event::kTransferOffered, env, "", now_);
  expected.actor = E(kSupplierA);
  expected.outcome = "refused";
  expected.reason = "transfer.replayed";
  expected.rule.clear();
  expected.policy_sha256.clear();
  EXPECT_EQ(logged[0], expected) << AuditEntryToJson(logged[0]);
  EXPECT_EQ(metadata_->Get(r.id)->state, TransferState::kReceived);
}

TEST_F(TransferServiceAuditTest, ARetriedOfferLogsNothingNew) {
  Envelope env = Seal();
  SignedManifest sm = Sign(ManifestFor(env));
  auto first = Offer(SupplierA(), sm);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(Upload(SupplierA(), first->progress.record.id, env.bytes, 0, 1000), IsOk());
  const uint64_t before = LogSize();
  auto retry = Offer(SupplierA(), sm);
  ASSERT_THAT(retry, IsOk());
  EXPECT_FALSE(retry->is_new);
  auto resigned = Offer(SupplierA(), Sign(sm.manifest));
  ASSERT_THAT(resigned, IsOk());
  EXPECT_EQ(LogSize(), before);
  EXPECT_TRUE(Logged(before).empty());
}

TEST_F(TransferServiceAuditTest, AStoredEnvelopeIsLoggedAndTheReceiptCitesTheEntry) {
  Envelope env = Seal();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  const std::string id = offered->progress.record.id;
  const uint64_t before = LogSize();
  // Partial uploads and the sender's HEAD are not events.
  ASSERT_THAT(Upload(SupplierA(), id, env.bytes, 0, 1000), IsOk());
  EXPECT_EQ(OffsetOf(id), 1000u);
  EXPECT_EQ(LogSize(), before);
  auto done = Upload(SupplierA(), id, env.bytes, 1000, env.bytes.size());
  ASSERT_THAT(done, IsOk());
  ASSERT_TRUE(done->receipt.has_value());

  std::vector<StoredEntry> rows = audit_->Entries(before, 100).value();
  ASSERT_EQ(rows.size(), 1u);
  AuditEntry entry = ParseAuditEntry(AsBytes(rows[0].entry)).value();
  AuditEntry expected = About(audit_event::kEnvelopeStored, env, id, now_);
  expected.actor = E(kSupplierA);
  EXPECT_EQ(entry, expected) << rows[0].entry;

  auto receipt = ParseReceipt(AsBytes(*done->receipt));
  ASSERT_THAT(receipt, IsOk());
  EXPECT_EQ(receipt->log_index, rows[0].index);
  EXPECT_EQ(receipt->log_entry, rows[0].entry);
  auto checkpoint = audit_->verifier().Verify(receipt->checkpoint);
  ASSERT_THAT(checkpoint, IsOk());
  EXPECT_GT(checkpoint->size, receipt->log_index);
  const Sha256Digest leaf = merkle::LeafHash(AsBytes(receipt->log_entry));
  ASSERT_TRUE(rows[0].leaf.has_value());
  EXPECT_EQ(*rows[0].leaf, leaf);
  Status included = merkle::VerifyInclusion(receipt->log_index, checkpoint->size, leaf,
                                            receipt->inclusion_proof, checkpoint->root);
  EXPECT_THAT(included, IsOk());
  // The proof proves this entry, not any: another entry's leaf does not verify.
  std::string forged = receipt->log_entry;
  forged.replace(forged.find("envelope.stored"), 15, "envelope.stolen");
  EXPECT_THAT(merkle::VerifyInclusion(receipt->log_index, checkpoint->size,
                                      merkle::LeafHash(AsBytes(forged)), receipt->inclusion_proof,
                                      checkpoint->root),
              Not(IsOk()));
  // The receipt's checkpoint is a prefix of the log as it is now.
  SignedCheckpoint head = audit_->Latest();
  if (head.checkpoint.size > checkpoint->size) {
    auto consistency = audit_->ConsistencyProof(checkpoint->size, head.checkpoint.size);
    ASSERT_THAT(consistency, IsOk());
    EXPECT_THAT(merkle::VerifyConsistency(checkpoint->size, head.checkpoint.size, checkpoint->root,
                                          head.checkpoint.root, *consistency),
                IsOk());
  } else {
    EXPECT_EQ(head.note, receipt->checkpoint);
  }
  // The store keeps the receipt without the log's evidence; the full view proves it
  // again, here against the same checkpoint (nothing was logged since).
  Receipt bare = *receipt;
  bare.log_entry.clear();
  bare.checkpoint.clear();
  bare.inclusion_proof.clear();
  EXPECT_EQ(ParseReceipt(AsBytes(metadata_->Get(id)->receipt)).value(), bare);
  EXPECT_EQ(service_->Status(SupplierA(), id)->receipt, *done->receipt);
}

TEST_F(TransferServiceAuditTest, AFullViewProvesTheReceiptAgainstTheNewestCheckpoint) {
  Envelope env = Seal();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  const std::string id = offered->progress.record.id;
  auto done = Upload(SupplierA(), id, env.bytes, 0, env.bytes.size());
  ASSERT_THAT(done, IsOk());
  ASSERT_TRUE(done->receipt.has_value());
  const Receipt first = ParseReceipt(AsBytes(*done->receipt)).value();
  // The log grows: the status receipt is proved against its newest checkpoint.
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(audit_->Append(About(audit_event::kEnvelopeDownloaded, env, id, now_)), IsOk());
  }
  auto status = service_->Status(SupplierA(), id);
  ASSERT_THAT(status, IsOk());
  const Receipt later = ParseReceipt(AsBytes(status->receipt)).value();
  EXPECT_EQ(later.log_index, first.log_index);
  EXPECT_EQ(later.log_entry, first.log_entry);
  EXPECT_EQ(later.checkpoint, audit_->Latest().note);
  auto checkpoint = audit_->verifier().Verify(later.checkpoint);
  ASSERT_THAT(checkpoint, IsOk());
  EXPECT_EQ(checkpoint->size, audit_->Latest().checkpoint.size);
  EXPECT_THAT(merkle::VerifyInclusion(later.log_index, checkpoint->size,
                                      merkle::LeafHash(AsBytes(later.log_entry)),
                                      later.inclusion_proof, checkpoint->root),
              IsOk());
  Receipt same = later;
  same.checkpoint = first.checkpoint;
  same.inclusion_proof = first.inclusion_proof;
  EXPECT_EQ(same, first);  // all but the evidence is what the upload's answer said

  // The acknowledgement's answer is a full view too, its receipt proved before the
  // acknowledgement was logged.
  auto acked = Acknowledge(Dcc(), id, AckFor(*status));
  ASSERT_THAT(acked, IsOk());
  ExpectProvedReceipt(acked->receipt, id, /*newest=*/false);

  // A receipt stored whole (by an adtgw before the evidence was left out), or anything
  // else that is not a receipt without evidence, is served as it is.
  StoreReceipt(id, *done->receipt);
  EXPECT_EQ(service_->Status(SupplierA(), id)->receipt, *done->receipt);
  StoreReceipt(id, "{\"version\":1}");
  EXPECT_EQ(service_->Status(SupplierA(), id)->receipt, "{\"version\":1}");
}

TEST_F(TransferServiceAuditTest, AReceiptTheLogCannotProveIsAnInternalErrorAndRecordsNothing) {
  Envelope env = Seal();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  const std::string id = offered->progress.record.id;
  const uint64_t offered_at = LogSize() - 1;  // the transfer.offered entry
  auto done = Upload(SupplierA(), id, env.bytes, 0, env.bytes.size());
  ASSERT_THAT(done, IsOk());
  ASSERT_TRUE(done->receipt.has_value());
  Receipt bare = ParseReceipt(AsBytes(*done->receipt)).value();
  bare.log_entry.clear();
  bare.checkpoint.clear();
  bare.inclusion_proof.clear();
  for (uint64_t index : {offered_at, LogSize() + 5}) {  // another entry; past the head
    SCOPED_TRACE(index);
    bare.log_index = index;
    StoreReceipt(id, ReceiptToJson(bare));
    auto status = service_->Status(SupplierA(), id);
    EXPECT_THAT(status, StatusIs("audit.receipt_unprovable"));
    ASSERT_THAT(status, Not(IsOk()));
    EXPECT_EQ(status.error().kind, ErrorKind::kInternal);
    // An acknowledgement whose answer cannot carry the receipt is refused before it is
    // logged or recorded; the refusal is logged.
    const uint64_t before = LogSize();
    TransferRecord r = metadata_->Get(id).value();
    EXPECT_THAT(Acknowledge(Dcc(), id, AckFor(r)), StatusIs("audit.receipt_unprovable"));
    EXPECT_EQ(metadata_->Get(id)->state, TransferState::kReceived);
    std::vector<StoredEntry> logged = audit_->Entries(before, 10).value();
    ASSERT_EQ(logged.size(), 1u);
    EXPECT_EQ(ParseAuditEntry(AsBytes(logged[0].entry))->event, audit_event::kRequestRefused);
  }
}

TEST_F(TransferServiceAuditTest, AHashMismatchIsLoggedAsAnAbandonedUpload) {
  Envelope env = Seal();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  const std::string id = offered->progress.record.id;
  std::vector<uint8_t> altered = env.bytes;
  altered[10] ^= 0x01;
  const uint64_t before = LogSize();
  auto done = Upload(SupplierA(), id, altered, 0, altered.size());
  ASSERT_THAT(done, StatusIs("upload.hash_mismatch"));
  std::vector<AuditEntry> logged = Logged(before);
  ASSERT_EQ(logged.size(), 1u);
  AuditEntry expected = About(audit_event::kUploadAbandoned, env, id, now_);
  expected.actor = E(kSupplierA);
  expected.reason = "upload.hash_mismatch";
  EXPECT_EQ(logged[0], expected) << AuditEntryToJson(logged[0]);
}

TEST_F(TransferServiceAuditTest, ADownloadIsLoggedWithTheRecipientAsActor) {
  Envelope env = Seal();
  TransferRecord r = SendOne(env);
  const uint64_t before = LogSize();
  auto download = service_->OpenDownload(Dcc(), r.id);
  ASSERT_THAT(download, IsOk());
  EXPECT_EQ(LogSize(), before) << "opening is not yet a download";
  ASSERT_THAT(service_->MarkDownloaded(Dcc(), r.id, now_ + 7), IsOk());
  std::vector<AuditEntry> logged = Logged(before);
  ASSERT_EQ(logged.size(), 1u);
  AuditEntry expected = About(audit_event::kEnvelopeDownloaded, env, r.id, now_ + 7);
  expected.actor = E(kDcc);
  EXPECT_EQ(logged[0], expected) << AuditEntryToJson(logged[0]);
}

TEST_F(TransferServiceAuditTest, AcknowledgementsAreLoggedWithTheirOutcomeAndSigner) {
  Envelope accepted_env = Seal();
  Envelope rejected_env = Seal(2000);
  TransferRecord accepted = SendOne(accepted_env);
  TransferRecord rejected = SendOne(rejected_env, "idempotency-key-0002");
  for (bool accept : {true, false}) {
    SCOPED_TRACE(accept ? "accepted" : "rejected");
    const TransferRecord& r = accept ? accepted : rejected;
    const uint64_t before = LogSize();
    auto done = Acknowledge(Dcc(), r.id, AckFor(r, accept));
    ASSERT_THAT(done, IsOk());
    std::vector<AuditEntry> logged = Logged(before);
    ASSERT_EQ(logged.size(), 1u);
    AuditEntry expected =
        About(audit_event::kTransferAcknowledged, accept ? accepted_env : rejected_env, r.id, now_);
    expected.actor = E(kDcc);
    expected.outcome = accept ? "accepted" : "rejected";
    expected.reason = accept ? "" : "format.bad_row";
    SignedBy(dcc_ds_, expected);  // the acknowledgement's signer, not the manifest's
    EXPECT_EQ(logged[0], expected) << AuditEntryToJson(logged[0]);
    EXPECT_EQ(logged[0].signer_serial, CertificateIdOf(dcc_ds_.cert.get()).serial);
    EXPECT_NE(logged[0].signer_serial, CertificateIdOf(supplier_a_ds_.cert.get()).serial);
  }
}

TEST_F(TransferServiceAuditTest, ExpiryIsLogged) {
  Envelope env = Seal();
  TransferRecord r = SendOne(env);
  Receiving u = Offered("idempotency-key-0002", 100);
  const uint64_t before = LogSize();
  EXPECT_EQ(service_->ExpireEnvelopes(now_ + 30 * kDay).value(), 0u);
  EXPECT_EQ(LogSize(), before) << "nothing expired, nothing logged";
  const std::time_t at = now_ + 30 * kDay + 1;
  ASSERT_EQ(service_->ExpireEnvelopes(at).value(), 2u);
  std::vector<AuditEntry> logged = Logged(before);
  ASSERT_EQ(logged.size(), 2u);
  auto find = [&](const std::string& id) -> const AuditEntry* {
    for (const AuditEntry& e : logged) {
      if (e.transfer_id == id) return &e;
    }
    return nullptr;
  };
  const AuditEntry* expired = find(r.id);
  ASSERT_NE(expired, nullptr);
  AuditEntry expected = About(audit_event::kEnvelopeExpired, env, r.id, at);
  expected.reason = "retention";
  EXPECT_EQ(*expired, expected) << AuditEntryToJson(*expired);
  const AuditEntry* abandoned = find(u.id);
  ASSERT_NE(abandoned, nullptr);
  AuditEntry expected_upload = About(audit_event::kUploadAbandoned, u.env, u.id, at);
  expected_upload.reason = "upload.never_completed";
  EXPECT_EQ(*abandoned, expected_upload) << AuditEntryToJson(*abandoned);
  const uint64_t after = LogSize();
  EXPECT_EQ(service_->ExpireEnvelopes(now_ + 60 * kDay).value(), 0u);
  EXPECT_EQ(LogSize(), after) << "once is enough";
}

TEST_F(TransferServiceAuditTest, NoEntryHoldsTheFileNameTheManifestOrTheContent) {
  // A whole life, with refusals and a rejection that lists problems in the content.
  Envelope env = Seal();
  SignedManifest sm = Sign(ManifestFor(env));
  TransferRecord r = SendOne(env);
  ASSERT_THAT(Offer(SupplierA(), sm), Not(IsOk()));
  ASSERT_THAT(Offer(SupplierB(), Sign(ManifestFor(env, "idempotency-key-0009"))), Not(IsOk()));
  ASSERT_THAT(service_->OpenDownload(Dcc(), r.id), IsOk());
  ASSERT_THAT(service_->MarkDownloaded(Dcc(), r.id, now_), IsOk());
  ASSERT_THAT(service_->OpenDownload(SupplierA(), r.id), Not(IsOk()));
  ASSERT_THAT(Acknowledge(Dcc(), r.id, AckFor(r, /*accepted=*/false)), IsOk());
  Receiving u = Offered("idempotency-key-0002", 100);
  ASSERT_THAT(service_->BeginAppend(SupplierA(), u.id, 0, 10), StatusIs("upload.offset_mismatch"));
  Receiving w = Offered("idempotency-key-0003");
  std::vector<uint8_t> altered = w.env.bytes;
  altered[0] ^= 1;
  ASSERT_THAT(Upload(SupplierA(), w.id, altered, 0, altered.size()),
              StatusIs("upload.hash_mismatch"));
  ASSERT_THAT(service_->Identify(Peer(0x33, "CN=stranger")), Not(IsOk()));
  ASSERT_THAT(service_->ExpireEnvelopes(now_ + 31 * kDay), IsOk());

  std::vector<StoredEntry> rows = audit_->Entries(0, 1000).value();
  ASSERT_GE(rows.size(), 10u);
  const std::string content_sample = env.content.substr(0, 26);  // "abc...z"
  ASSERT_EQ(content_sample, "abcdefghijklmnopqrstuvwxyz");
  const std::string signature(sm.signature.begin(), sm.signature.end());
  for (const StoredEntry& row : rows) {
    SCOPED_TRACE(row.entry);
    EXPECT_EQ(row.entry.find("ADT_20261129"), std::string::npos) << "the file name";
    EXPECT_EQ(row.entry.find(".csv"), std::string::npos) << "the file name";
    EXPECT_EQ(row.entry.find("file_name"), std::string::npos);
    EXPECT_EQ(row.entry.find(sm.json), std::string::npos) << "the manifest";
    EXPECT_EQ(row.entry.find("idempotency"), std::string::npos) << "the manifest";
    EXPECT_EQ(row.entry.find(content_sample), std::string::npos) << "the plaintext";
    EXPECT_EQ(row.entry.find("unknown MPAN"), std::string::npos) << "the ack's problems";
    EXPECT_EQ(row.entry.find("BEGIN"), std::string::npos) << "no PEM";
    EXPECT_EQ(row.entry.find("LS0t"), std::string::npos) << "no base64 PEM";
    EXPECT_LE(row.entry.size(), 2048u) << "an entry holds identities and digests only";
    EXPECT_THAT(ParseAuditEntry(AsBytes(row.entry)), IsOk());
  }
}

}  // namespace
}  // namespace adtgw::transfer_service_test
