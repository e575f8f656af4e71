#include "tests/gateway/server/transfer_service_fixture.h"

#include "certs/distinguished_name.h"

namespace adtgw::transfer_service_test {

Eui64 E(const char* text) { return Eui64::Parse(text).value(); }

Sha256Digest Fingerprint(uint8_t n) {
  Sha256Digest d;
  d.fill(n);
  return d;
}

std::string FingerprintText(uint8_t n) {
  char hex[3];
  std::snprintf(hex, sizeof hex, "%02X", n);
  std::string out;
  for (int i = 0; i < 32; ++i) out += std::string(i ? ":" : "") + hex;
  return out;
}

TransferServiceTest::TransferServiceTest() {
  supplier_a_ds_ = pki_.Party(kSupplierA, "02", KU_DIGITAL_SIGNATURE);
  supplier_a_revoked_ds_ = pki_.Party(kSupplierA, "02", KU_DIGITAL_SIGNATURE);
  supplier_a_ka_ = pki_.Party(kSupplierA, "02", KU_KEY_AGREEMENT);
  supplier_b_ds_ = pki_.Party(kSupplierB, "02", KU_DIGITAL_SIGNATURE);
  dcc_ds_ = pki_.Party(kDcc, "04", KU_DIGITAL_SIGNATURE);
  dcc_ka_ = pki_.Party(kDcc, "04", KU_KEY_AGREEMENT);
  auditor_ds_ = pki_.Party(kAuditor, "7F", KU_DIGITAL_SIGNATURE);
  const std::string& d = dir_.path();
  auto write = [&](const std::string& name, const Result<std::string>& pem) {
    ASSERT_THAT(pem, IsOk());
    ASSERT_THAT(WriteFileAtomically(d + "/" + name, pem.value(), 0644, false), IsOk()) << name;
  };
  write("root.pem", CertificateToPem(pki_.root.cert.get()));
  write("oca.pem", CertificateToPem(pki_.oca.cert.get()));
  write("oca.crl.pem", CrlToPem(pki_.Crl({supplier_a_revoked_ds_.cert.get()}).get()));
  write("root.arl.pem", CrlToPem(pki_.Arl().get()));
  auto policy = ParsePolicy(PolicyYaml(), "policy.yaml", d);
  EXPECT_THAT(policy, IsOk());
  holder_ = std::make_unique<PolicyHolder>(std::move(policy).value());
  OpenStores();
}

std::string TransferServiceTest::PolicyYaml() {
  return R"(version: 1
deployment: test
retention_days: 30
smki:
  trust: [root.pem, oca.pem]
  crls: [oca.crl.pem, root.arl.pem]
  policy_oids: [")" +
         std::string(testing::kTestPolicyOid) + R"("]
file_types:
  adt: { max_size: 1MiB }
  quarantine-report: { max_size: 4MiB }
parties:
  - eui64: )" +
         kSupplierA +
         R"(
    name: Supplier A
    roles: [supplier]
    acts_for: [AD-7C-00-00-00-00-77-02, AD-7C-00-00-00-00-77-01]
    tls: { fingerprints: [")" +
         FingerprintText(1) + R"("] }
  - eui64: )" +
         kSupplierB +
         R"(
    name: Supplier B
    roles: [supplier]
    tls: { fingerprints: [")" +
         FingerprintText(2) + R"("] }
    daily_limit: 1
  - eui64: )" +
         kDcc + R"(
    name: DCC
    roles: [dcc]
    tls: { fingerprints: [")" +
         FingerprintText(4) + R"("] }
  - eui64: )" +
         kAuditor +
         R"(
    name: Auditor
    roles: [auditor]
    tls: { subjects: [")" +
         kAuditorSubject + R"("] }
rules:
  - name: suppliers-send-adt-to-dcc
    from: [role:supplier]
    to: [role:dcc]
    types: [adt]
    max_size: 512KiB
  - name: dcc-sends-reports
    from: [role:dcc]
    to: [role:supplier]
    types: [quarantine-report]
)";
}

void TransferServiceTest::OpenStores() {
  service_.reset();
  audit_.reset();
  documents_ = LocalDocumentStore::Create(dir_.path() + "/store").value();
  metadata_ = SqliteMetadataStore::Create(dir_.path() + "/meta.db").value();
  audit_ = AuditLog::Open(dir_.path() + "/audit.db",
                          LogSigner::FromKey(log_key_.get(), "adtgw.test/log").value())
               .value();
  NewService();
}

std::vector<AuditEntry> TransferServiceTest::Logged(uint64_t from) {
  std::vector<AuditEntry> out;
  std::vector<StoredEntry> rows = audit_->Entries(from, 100000).value();
  for (const StoredEntry& row : rows) {
    out.push_back(ParseAuditEntry(AsBytes(row.entry)).value());
  }
  return out;
}

void TransferServiceTest::NewService() {
  service_.reset();
  TransferService::Options options;
  options.append_chunk = 512;  // several durable appends per PATCH
  service_ = std::make_unique<TransferService>(*holder_, *documents_, *metadata_, *audit_, options);
}

PeerCertificate TransferServiceTest::Peer(uint8_t fingerprint, const std::string& subject) {
  Result<std::string> key = CanonicalNameKey(subject);
  EXPECT_THAT(key, IsOk());
  return PeerCertificate{Fingerprint(fingerprint), subject, key.ok() ? *key : std::string()};
}

Caller TransferServiceTest::As(uint8_t fingerprint, const std::string& subject) {
  auto caller = service_->Identify(Peer(fingerprint, subject));
  EXPECT_THAT(caller, IsOk());
  return caller.ok() ? *caller : Caller{};
}

Envelope TransferServiceTest::Seal(size_t content_size) {
  Envelope env;
  for (size_t i = 0; i < content_size; ++i) env.content += static_cast<char>('a' + i % 26);
  MemorySource src(AsBytes(env.content));
  MemorySink out;
  SealedEnvelope summary;
  SealRequest req{
      {supplier_a_ds_.cert.get(), supplier_a_ds_.key.get()}, {dcc_ka_.cert.get()}, now_};
  Status s = SealEnvelope(req, src, env.content.size(), out, &summary);
  EXPECT_THAT(s, IsOk());
  env.bytes = out.bytes();
  env.sha256 = summary.sha256;
  EXPECT_EQ(summary.size, env.bytes.size());
  return env;
}

Manifest TransferServiceTest::ManifestFor(const Envelope& env, const std::string& key) {
  Manifest m;
  m.file_type = "adt";
  m.sender = E(kSupplierA);
  m.recipients = {E(kDcc)};
  m.file_name = "ADT_20261129.csv";
  m.envelope_sha256 = env.sha256;
  m.envelope_size = env.bytes.size();
  m.created = now_;
  m.idempotency_key = key;
  return m;
}

SignedManifest TransferServiceTest::Sign(const Manifest& m, const testing::Credential* by) {
  if (by == nullptr) by = &supplier_a_ds_;
  SignedManifest out;
  out.manifest = m;
  out.json = ManifestToJson(m);
  auto sig = SignManifest(m, {by->cert.get(), by->key.get()}, now_);
  EXPECT_THAT(sig, IsOk());
  if (sig.ok()) out.signature = *sig;
  return out;
}

Result<UploadWriter::Finished> TransferServiceTest::Upload(const Caller& caller,
                                                           const std::string& id,
                                                           std::span<const uint8_t> data,
                                                           uint64_t from, uint64_t to,
                                                           uint64_t piece, uint64_t write) {
  Result<UploadWriter::Finished> last = UploadWriter::Finished{from, std::nullopt};
  for (uint64_t at = from; at < to;) {
    uint64_t n = std::min(piece, to - at);
    ADTGW_ASSIGN(std::unique_ptr<UploadWriter> w, service_->BeginAppend(caller, id, at, n));
    for (uint64_t done = 0; done < n;) {
      uint64_t k = std::min(write, n - done);
      ADTGW_TRY(w->Write(data.subspan(at + done, k)));
      done += k;
    }
    last = w->Finish(now_);
    if (!last.ok()) return last;
    at += n;
  }
  return last;
}

TransferRecord TransferServiceTest::SendOne(const Envelope& env, const std::string& key) {
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env, key)));
  EXPECT_THAT(offered, IsOk());
  if (!offered.ok()) return {};
  auto done = Upload(SupplierA(), offered->progress.record.id, env.bytes, 0, env.bytes.size());
  EXPECT_THAT(done, IsOk());
  return metadata_->Get(offered->progress.record.id).value();
}

size_t TransferServiceTest::TransferCount() {
  size_t n = 0;
  for (TransferState s : kAllStates) n += metadata_->CreatedBefore(now_ + 1000 * kDay, s)->size();
  return n;
}

uint64_t TransferServiceTest::OffsetOf(const std::string& id) {
  auto p = service_->Progress(SupplierA(), id);
  EXPECT_THAT(p, IsOk());
  return p.ok() ? p->offset : UINT64_MAX;
}

void TransferServiceTest::ExpectNothingStored(const Snapshot& before, const std::string& what) {
  EXPECT_EQ(TransferCount(), before.transfers) << what;
  EXPECT_EQ(PendingCount(), before.pending) << what;
}

void TransferServiceTest::ExpectProvedReceipt(const std::string& json, const std::string& id,
                                              bool newest) {
  auto receipt = ParseReceipt(AsBytes(json));
  ASSERT_THAT(receipt, IsOk()) << json;
  EXPECT_EQ(receipt->transfer_id, id);
  if (newest) {
    EXPECT_EQ(receipt->checkpoint, audit_->Latest().note);
  }
  auto checkpoint = audit_->verifier().Verify(receipt->checkpoint);
  ASSERT_THAT(checkpoint, IsOk());
  EXPECT_THAT(merkle::VerifyInclusion(receipt->log_index, checkpoint->size,
                                      merkle::LeafHash(AsBytes(receipt->log_entry)),
                                      receipt->inclusion_proof, checkpoint->root),
              IsOk());
  auto entry = ParseAuditEntry(AsBytes(receipt->log_entry));
  ASSERT_THAT(entry, IsOk());
  EXPECT_EQ(entry->event, audit_event::kEnvelopeStored);
  EXPECT_EQ(entry->transfer_id, id);
}

void TransferServiceTest::StoreReceipt(const std::string& id, const std::string& receipt) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() + "/meta.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(db, "UPDATE transfers SET receipt = ?1 WHERE id = ?2", -1, &st, nullptr),
      SQLITE_OK);
  sqlite3_bind_text(st, 1, receipt.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, id.c_str(), -1, SQLITE_TRANSIENT);
  EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

Acknowledgement TransferServiceTest::AckFor(const TransferRecord& r, bool accepted) {
  Acknowledgement a;
  a.transfer_id = r.id;
  a.recipient = E(kDcc);
  a.envelope_sha256 = ParseHexDigest(r.envelope_sha256).value_or(Sha256Digest{});
  a.accepted = accepted;
  if (!accepted) {
    a.reason = "format.bad_row";
    a.problems = {"row 3: unknown MPAN"};
  }
  a.created = now_;
  return a;
}

Result<TransferRecord> TransferServiceTest::Acknowledge(const Caller& caller, const std::string& id,
                                                        const Acknowledgement& a,
                                                        const testing::Credential* by) {
  if (by == nullptr) by = &dcc_ds_;
  std::string json = AcknowledgementToJson(a);
  auto sig = SignAcknowledgement(a, {by->cert.get(), by->key.get()}, now_);
  EXPECT_THAT(sig, IsOk());
  if (!sig.ok()) return std::move(sig).error();
  return service_->Acknowledge(caller, id, AsBytes(json), *sig, now_);
}

AuditEntry TransferServiceAuditTest::About(const char* event, const Envelope& env,
                                           const std::string& transfer_id, std::time_t at) {
  AuditEntry e;
  e.at = at;
  e.event = event;
  e.sender = E(kSupplierA);
  e.recipients = {E(kDcc)};
  e.transfer_id = transfer_id;
  e.file_type = "adt";
  e.envelope_sha256 = ToHex(env.sha256);
  e.envelope_size = env.bytes.size();
  e.policy_sha256 = ToHex(holder_->Current()->canonical_sha256);
  e.rule = "suppliers-send-adt-to-dcc";
  SignedBy(supplier_a_ds_, e);
  return e;
}

void TransferServiceAuditTest::SignedBy(const testing::Credential& who, AuditEntry& e) {
  CertificateId id = CertificateIdOf(who.cert.get());
  e.signer_issuer = id.issuer;
  e.signer_serial = id.serial;
}

AuditEntry TransferServiceAuditTest::RefusedRequest(const Eui64& actor, const char* request,
                                                    const char* reason,
                                                    const std::string& transfer_id) {
  AuditEntry e;
  e.event = audit_event::kRequestRefused;
  e.actor = actor;
  e.request = request;
  e.reason = reason;
  e.transfer_id = transfer_id;
  return e;
}

void TransferServiceAuditTest::BreakTheLog() {
  testing::ExecSql(AuditDb(),
                   "CREATE TRIGGER adtgw_test_refuse BEFORE INSERT ON audit_entries "
                   "BEGIN SELECT RAISE(ABORT, 'the test refuses every entry'); END;");
}

void TransferServiceAuditTest::MendTheLog() {
  testing::ExecSql(AuditDb(), "DROP TRIGGER adtgw_test_refuse;");
}

TransferServiceAuditTest::Receiving TransferServiceAuditTest::Offered(const std::string& key,
                                                                      uint64_t uploaded,
                                                                      size_t content) {
  Receiving out;
  out.env = Seal(content);
  auto offered = Offer(SupplierA(), Sign(ManifestFor(out.env, key)));
  EXPECT_THAT(offered, IsOk());
  if (!offered.ok()) return out;
  out.id = offered->progress.record.id;
  out.storage_key = offered->progress.record.storage_key;
  if (uploaded > 0) {
    EXPECT_THAT(Upload(SupplierA(), out.id, out.env.bytes, 0, uploaded), IsOk());
  }
  return out;
}

}  // namespace adtgw::transfer_service_test
