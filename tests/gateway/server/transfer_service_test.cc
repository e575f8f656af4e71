#include "gateway/server/transfer_service.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>

#include "certs/credential_files.h"
#include "certs/trust_store.h"
#include "crypto/byte_stream.h"
#include "crypto/envelope.h"
#include "gateway/audit/merkle_tree.h"
#include "gateway/common/atomic_file.h"
#include "gateway/store/local_document_store.h"
#include "gateway/store/sqlite_metadata_store.h"
#include "gateway/transfer/acknowledgement.h"
#include "gateway/transfer/manifest.h"
#include "gateway/transfer/receipt.h"
#include "gateway/transfer/strict_json.h"
#include "policies/policy_loader.h"
#include "tests/support/read_all.h"
#include "tests/support/sqlite_exec.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace adtgw {
namespace {

using ::testing::Not;

constexpr std::time_t kDay = 86400;

// The demo deployment's parties (gateway/cli/demo_pki.cc).
constexpr char kSupplierA[] = "AD-7C-00-00-00-00-02-01";
constexpr char kSupplierB[] = "AD-7C-00-00-00-00-02-02";
constexpr char kDcc[] = "AD-7C-00-00-00-00-04-01";
constexpr char kAuditor[] = "AD-7C-00-00-00-00-7F-01";
constexpr char kAuditorSubject[] = "CN=Demo Auditor";

constexpr TransferState kAllStates[] = {TransferState::kReceiving,  TransferState::kReceived,
                                        TransferState::kDownloaded, TransferState::kAccepted,
                                        TransferState::kRejected,   TransferState::kExpired,
                                        TransferState::kAbandoned};

Eui64 E(const char* text) { return Eui64::Parse(text).value(); }

// The outcome of a call without its value, so that one table can hold calls whose
// results are of different types.
template <typename T>
Status StatusOf(Result<T> r) {
  return r.ok() ? OkStatus() : Status(std::move(r).error());
}

// The TLS fingerprint the policy maps to party n (every byte n).
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

struct Envelope {
  std::vector<uint8_t> bytes;
  Sha256Digest sha256{};
  std::string content;
};

struct SignedManifest {
  Manifest manifest;
  std::string json;
  std::vector<uint8_t> signature;
};

// A gateway over a throw-away SMKI PKI (root + issuing OCA, CRL + ARL), the demo's
// parties (two suppliers, the DCC, an auditor), a policy loaded from YAML that names
// the PKI's files, and real stores in a temporary folder.
class TransferServiceTest : public ::testing::Test {
 protected:
  TransferServiceTest() {
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

  static std::string PolicyYaml() {
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

  // (Re)opens both stores and a service over them, as a gateway (re)start does.
  void OpenStores() {
    service_.reset();
    audit_.reset();
    documents_ = LocalDocumentStore::Create(dir_.path() + "/store").value();
    metadata_ = SqliteMetadataStore::Create(dir_.path() + "/meta.db").value();
    audit_ = AuditLog::Open(dir_.path() + "/audit.db",
                            LogSigner::FromKey(log_key_.get(), "adtgw.test/log").value())
                 .value();
    NewService();
  }

  // The audit log's entries from index `from` on, parsed.
  std::vector<AuditEntry> Logged(uint64_t from = 0) {
    std::vector<AuditEntry> out;
    std::vector<StoredEntry> rows = audit_->Entries(from, 100000).value();
    for (const StoredEntry& row : rows) {
      out.push_back(ParseAuditEntry(AsBytes(row.entry)).value());
    }
    return out;
  }
  uint64_t LogSize() { return audit_->Latest().checkpoint.size; }

  void NewService() {
    service_.reset();
    TransferService::Options options;
    options.append_chunk = 512;  // several durable appends per PATCH
    service_ =
        std::make_unique<TransferService>(*holder_, *documents_, *metadata_, *audit_, options);
  }

  Caller As(uint8_t fingerprint, const std::string& subject = "CN=somebody") {
    auto caller = service_->Identify(PeerCertificate{Fingerprint(fingerprint), subject});
    EXPECT_THAT(caller, IsOk());
    return caller.ok() ? *caller : Caller{};
  }
  Caller SupplierA() { return As(1); }
  Caller SupplierB() { return As(2); }
  Caller Dcc() { return As(4); }
  Caller Auditor() { return As(0xEE, kAuditorSubject); }

  Envelope Seal(size_t content_size = 3000) {
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

  Manifest ManifestFor(const Envelope& env, const std::string& key = "idempotency-key-0001") {
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

  SignedManifest Sign(const Manifest& m, const testing::Credential* by = nullptr) {
    if (by == nullptr) by = &supplier_a_ds_;
    SignedManifest out;
    out.manifest = m;
    out.json = ManifestToJson(m);
    auto sig = SignManifest(m, {by->cert.get(), by->key.get()}, now_);
    EXPECT_THAT(sig, IsOk());
    if (sig.ok()) out.signature = *sig;
    return out;
  }

  Result<OfferOutcome> Offer(const Caller& caller, const SignedManifest& sm) {
    return service_->Offer(caller, AsBytes(sm.json), sm.signature, now_);
  }

  // Sends data[from, to) as PATCH requests of `piece` bytes, each arriving in writes of
  // `write` bytes; returns the last request's answer or the first error.
  Result<UploadWriter::Finished> Upload(const Caller& caller, const std::string& id,
                                        std::span<const uint8_t> data, uint64_t from, uint64_t to,
                                        uint64_t piece = 1000, uint64_t write = 300) {
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

  // Offers and uploads a fresh envelope in full; returns the received transfer.
  TransferRecord SendOne(const Envelope& env, const std::string& key = "idempotency-key-0001") {
    auto offered = Offer(SupplierA(), Sign(ManifestFor(env, key)));
    EXPECT_THAT(offered, IsOk());
    if (!offered.ok()) return {};
    auto done = Upload(SupplierA(), offered->progress.record.id, env.bytes, 0, env.bytes.size());
    EXPECT_THAT(done, IsOk());
    return metadata_->Get(offered->progress.record.id).value();
  }

  size_t TransferCount() {
    size_t n = 0;
    for (TransferState s : kAllStates) n += metadata_->CreatedBefore(now_ + 1000 * kDay, s)->size();
    return n;
  }
  size_t PendingCount() { return documents_->PendingUploads()->size(); }
  // The sender's view of the offset, or UINT64_MAX when it cannot be had.
  uint64_t OffsetOf(const std::string& id) {
    auto p = service_->Progress(SupplierA(), id);
    EXPECT_THAT(p, IsOk());
    return p.ok() ? p->offset : UINT64_MAX;
  }

  struct Snapshot {
    size_t transfers;
    size_t pending;
  };
  Snapshot Snap() { return {TransferCount(), PendingCount()}; }
  // Nothing was stored: no new transfer, no new upload.
  void ExpectNothingStored(const Snapshot& before, const std::string& what) {
    EXPECT_EQ(TransferCount(), before.transfers) << what;
    EXPECT_EQ(PendingCount(), before.pending) << what;
  }

  // `json` is a whole receipt for transfer `id` whose proof places its entry in its
  // checkpoint, the log's newest when `newest`.
  void ExpectProvedReceipt(const std::string& json, const std::string& id, bool newest = true) {
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

  // Replaces transfer `id`'s stored receipt behind the store's back.
  void StoreReceipt(const std::string& id, const std::string& receipt) {
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

  Acknowledgement AckFor(const TransferRecord& r, bool accepted = true) {
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

  Result<TransferRecord> Acknowledge(const Caller& caller, const std::string& id,
                                     const Acknowledgement& a,
                                     const testing::Credential* by = nullptr) {
    if (by == nullptr) by = &dcc_ds_;
    std::string json = AcknowledgementToJson(a);
    auto sig = SignAcknowledgement(a, {by->cert.get(), by->key.get()}, now_);
    EXPECT_THAT(sig, IsOk());
    if (!sig.ok()) return std::move(sig).error();
    return service_->Acknowledge(caller, id, AsBytes(json), *sig, now_);
  }

  testing::TestPki pki_;
  std::time_t now_ = pki_.now;
  testing::TempDir dir_{"adtgw-service"};
  testing::Credential supplier_a_ds_, supplier_a_revoked_ds_, supplier_a_ka_, supplier_b_ds_,
      dcc_ds_, dcc_ka_, auditor_ds_;
  std::unique_ptr<PolicyHolder> holder_;
  std::unique_ptr<LocalDocumentStore> documents_;
  std::unique_ptr<SqliteMetadataStore> metadata_;
  EvpPkeyPtr log_key_ = GenerateKey(KeyType::kP256).value();
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<TransferService> service_;
};

// ---------------------------------------------------------------------------------------
// The happy path

TEST_F(TransferServiceTest, OfferUploadInPiecesAndReceipt) {
  Envelope env = Seal();
  ASSERT_GT(env.bytes.size(), 3000u);
  SignedManifest sm = Sign(ManifestFor(env));
  auto offered = Offer(SupplierA(), sm);
  ASSERT_THAT(offered, IsOk());
  EXPECT_TRUE(offered->is_new);
  EXPECT_EQ(offered->progress.offset, 0u);
  const TransferRecord& r = offered->progress.record;
  EXPECT_THAT(StorageKey::Parse(r.id), IsOk());
  EXPECT_EQ(r.state, TransferState::kReceiving);
  EXPECT_EQ(r.sender, E(kSupplierA));
  EXPECT_EQ(r.recipients, std::vector<Eui64>{E(kDcc)});
  EXPECT_EQ(r.rule, "suppliers-send-adt-to-dcc");
  EXPECT_EQ(r.manifest, sm.json);
  EXPECT_EQ(r.signature, std::string(sm.signature.begin(), sm.signature.end()));
  EXPECT_EQ(TransferCount(), 1u);
  EXPECT_EQ(PendingCount(), 1u);

  // PATCH by PATCH; every one but the last answers with the offset only.
  const std::string id = r.id;
  uint64_t offset = 0;
  std::optional<std::string> receipt_json;
  while (offset < env.bytes.size()) {
    uint64_t n = std::min<uint64_t>(1000, env.bytes.size() - offset);
    auto w = service_->BeginAppend(SupplierA(), id, offset, n);
    ASSERT_THAT(w, IsOk());
    for (uint64_t done = 0; done < n; done += 300) {
      ASSERT_THAT((*w)->Write(std::span<const uint8_t>(env.bytes).subspan(
                      offset + done, std::min<uint64_t>(300, n - done))),
                  IsOk());
    }
    auto fin = (*w)->Finish(now_ + 5);
    ASSERT_THAT(fin, IsOk());
    EXPECT_EQ(fin->offset, offset + n);
    offset += n;
    if (offset < env.bytes.size()) {
      EXPECT_FALSE(fin->receipt.has_value());
      EXPECT_EQ(OffsetOf(id), offset);
      EXPECT_EQ(service_->Status(SupplierA(), id)->state, TransferState::kReceiving);
    } else {
      receipt_json = fin->receipt;
    }
  }
  ASSERT_TRUE(receipt_json.has_value());
  auto receipt = ParseReceipt(AsBytes(*receipt_json));
  ASSERT_THAT(receipt, IsOk());
  EXPECT_EQ(receipt->transfer_id, id);
  EXPECT_EQ(receipt->sender, E(kSupplierA));
  EXPECT_EQ(receipt->recipients, std::vector<Eui64>{E(kDcc)});
  EXPECT_EQ(receipt->file_type, "adt");
  EXPECT_EQ(receipt->file_name, "ADT_20261129.csv");
  EXPECT_EQ(receipt->envelope_sha256, env.sha256);
  EXPECT_EQ(receipt->envelope_size, env.bytes.size());
  EXPECT_EQ(receipt->received_at, now_ + 5);
  EXPECT_EQ(receipt->policy_sha256, holder_->Current()->canonical_sha256);
  EXPECT_EQ(receipt->rule, "suppliers-send-adt-to-dcc");
  EXPECT_EQ(ReceiptToJson(*receipt), *receipt_json);

  TransferRecord stored = service_->Status(SupplierA(), id).value();
  EXPECT_EQ(stored.state, TransferState::kReceived);
  EXPECT_EQ(stored.receipt, *receipt_json);
  EXPECT_EQ(PendingCount(), 0u);
  EXPECT_EQ(documents_->Size(StorageKey::Parse(stored.storage_key).value()).value(),
            env.bytes.size());
  auto progress = service_->Progress(SupplierA(), id);
  ASSERT_THAT(progress, IsOk());
  EXPECT_EQ(progress->offset, env.bytes.size());
  auto again = service_->BeginAppend(SupplierA(), id, env.bytes.size(), 0);
  ASSERT_THAT(again, StatusIs("upload.complete"));

  // The DCC sees it in its inbox, downloads exactly the envelope and can open it.
  auto inbox = service_->Inbox(Dcc());
  ASSERT_THAT(inbox, IsOk());
  ASSERT_EQ(inbox->size(), 1u);
  EXPECT_EQ((*inbox)[0].id, id);
  EXPECT_TRUE(service_->Inbox(SupplierA())->empty());
  auto download = service_->OpenDownload(Dcc(), id);
  ASSERT_THAT(download, IsOk());
  std::string got = testing::ReadAll(*download->envelope);
  ASSERT_EQ(got, std::string(env.bytes.begin(), env.bytes.end()));
  MemorySource src(AsBytes(got));
  MemorySink plain;
  auto opened = OpenEnvelope({dcc_ka_.cert.get(), dcc_ka_.key.get()}, src, plain);
  ASSERT_THAT(opened, IsOk());
  EXPECT_EQ(std::string(plain.bytes().begin(), plain.bytes().end()), env.content);
  EXPECT_EQ(X509_cmp(opened->signer.get(), supplier_a_ds_.cert.get()), 0);
  ASSERT_THAT(service_->MarkDownloaded(Dcc(), id, now_ + 6), IsOk());
  EXPECT_EQ(service_->Status(Dcc(), id)->state, TransferState::kDownloaded);
}

// ---------------------------------------------------------------------------------------
// Offers that are refused before the transfer exists

TEST_F(TransferServiceTest, AnUnknownTlsPeerIsNotAParty) {
  auto caller = service_->Identify(PeerCertificate{Fingerprint(0x33), "CN=stranger"});
  ASSERT_THAT(caller, StatusIs("tls.unknown_client"));
  EXPECT_EQ(caller.error().kind, ErrorKind::kUnauthenticated);
  // The subject of a known fingerprint-mapped party does not identify it either.
  EXPECT_THAT(service_->Identify(PeerCertificate{Fingerprint(0x33), "CN=Supplier A"}), Not(IsOk()));
  // Both ways of mapping work.
  EXPECT_EQ(SupplierA().eui64, E(kSupplierA));
  EXPECT_EQ(Auditor().eui64, E(kAuditor));
  EXPECT_EQ(TransferCount(), 0u);
}

TEST_F(TransferServiceTest, APartysEntryIsForItselfAndThePartiesItMaySendTo) {
  auto own = service_->Party(SupplierA(), kSupplierA);
  ASSERT_THAT(own, IsOk());
  EXPECT_EQ(own->eui64, E(kSupplierA));
  EXPECT_EQ(own->name, "Supplier A");
  EXPECT_EQ(own->roles, std::vector<std::string>{"supplier"});
  EXPECT_EQ(own->acts_for,
            (std::vector<Eui64>{E("AD-7C-00-00-00-00-77-01"), E("AD-7C-00-00-00-00-77-02")}));
  // The DCC receives A's ADT files, so it may read whom A acts for (any spelling).
  auto seen_by_dcc = service_->Party(Dcc(), "ad7c000000000201");
  ASSERT_THAT(seen_by_dcc, IsOk());
  EXPECT_EQ(*seen_by_dcc, *own);
  // A receives the DCC's reports.
  auto dcc = service_->Party(SupplierA(), kDcc);
  ASSERT_THAT(dcc, IsOk());
  EXPECT_EQ(dcc->roles, std::vector<std::string>{"dcc"});
  EXPECT_TRUE(dcc->acts_for.empty());

  // Nobody else, and an unknown or malformed EUI-64 looks the same: nothing is disclosed.
  uint64_t before = LogSize();
  for (const auto& [caller, eui] :
       std::vector<std::pair<Caller, std::string>>{{SupplierB(), kSupplierA},
                                                   {Dcc(), "AD-7C-00-00-00-00-77-01"},
                                                   {Auditor(), kSupplierA},
                                                   {SupplierA(), "../etc/passwd"}}) {
    auto refused = service_->Party(caller, eui);
    ASSERT_THAT(refused, StatusIs("party.not_found")) << eui;
    EXPECT_EQ(refused.error().kind, ErrorKind::kNotFound);
  }
  std::vector<AuditEntry> logged = Logged(before);
  ASSERT_EQ(logged.size(), 4u);
  for (const AuditEntry& e : logged) {
    EXPECT_EQ(e.event, audit_event::kRequestRefused);
    EXPECT_EQ(e.request, "GET party");
    EXPECT_EQ(e.reason, "party.not_found");
  }
  EXPECT_EQ(logged[0].actor, E(kSupplierB));
}

struct RefusedOffer {
  const char* what;
  std::function<Caller(TransferServiceTest&)> caller;
  std::function<void(Manifest&)> change;
  // Whose key signs the manifest.
  std::function<const testing::Credential*(TransferServiceTest&)> signer;
  const char* code;
  ErrorKind kind;
};

class TransferServiceOfferTest : public TransferServiceTest {
 public:
  // Static accessors, so that the table below can name callers and signers.
  static Caller A(TransferServiceTest& t) {
    return static_cast<TransferServiceOfferTest&>(t).SupplierA();
  }
  static Caller B(TransferServiceTest& t) {
    return static_cast<TransferServiceOfferTest&>(t).SupplierB();
  }
  static Caller Aud(TransferServiceTest& t) {
    return static_cast<TransferServiceOfferTest&>(t).Auditor();
  }
  static const testing::Credential* Ds(TransferServiceTest& t, int which) {
    auto& self = static_cast<TransferServiceOfferTest&>(t);
    switch (which) {
      case 0:
        return &self.supplier_a_ds_;
      case 1:
        return &self.supplier_b_ds_;
      case 2:
        return &self.supplier_a_revoked_ds_;
      case 3:
        return &self.supplier_a_ka_;
      case 4:
        return &self.auditor_ds_;
      default:
        return &self.dcc_ds_;
    }
  }
};

TEST_F(TransferServiceOfferTest, EachRefusalHasItsCodeAndStoresNothing) {
  Envelope env = Seal();
  auto signer = [](int which) { return [which](TransferServiceTest& t) { return Ds(t, which); }; };
  const RefusedOffer cases[] = {
      {"manifest sender is not the TLS party", B, [](Manifest&) {}, signer(0),
       "policy.tls_signer_mismatch", ErrorKind::kDenied},
      {"signed with another party's DS key", A, [](Manifest&) {}, signer(1),
       "manifest.sender_not_signer", ErrorKind::kIntegrity},
      {"signed with a revoked DS certificate", A, [](Manifest&) {}, signer(2), "cert.revoked",
       ErrorKind::kTrust},
      {"signed with a key-agreement certificate", A, [](Manifest&) {}, signer(3),
       "cert.wrong_usage", ErrorKind::kTrust},
      {"a supplier sends a quarantine report", A,
       [](Manifest& m) { m.file_type = "quarantine-report"; }, signer(0),
       "policy.file_type_not_allowed", ErrorKind::kDenied},
      {"a supplier sends to another supplier", A,
       [](Manifest& m) { m.recipients = {E(kSupplierB)}; }, signer(0),
       "policy.recipient_not_allowed", ErrorKind::kDenied},
      {"a recipient the policy does not know", A,
       [](Manifest& m) { m.recipients = {E("AD-7C-00-00-00-00-09-09")}; }, signer(0),
       "policy.unknown_recipient", ErrorKind::kDenied},
      {"a file type the policy does not define", A,
       [](Manifest& m) { m.file_type = "exit-quarantine"; }, signer(0), "policy.unknown_file_type",
       ErrorKind::kDenied},
      {"the auditor sends", Aud, [](Manifest& m) { m.sender = E(kAuditor); }, signer(4),
       "policy.read_only", ErrorKind::kDenied},
      {"over the rule's size limit", A, [](Manifest& m) { m.envelope_size = 512 * 1024 + 1; },
       signer(0), "policy.too_large", ErrorKind::kTooLarge},
      {"over the file type's size limit", A, [](Manifest& m) { m.envelope_size = 1024 * 1024 + 1; },
       signer(0), "policy.too_large", ErrorKind::kTooLarge},
      {"created two days ago", A, [](Manifest& m) { m.created -= 2 * kDay; }, signer(0),
       "manifest.stale", ErrorKind::kInvalidInput},
      {"created a second too long ago", A, [](Manifest& m) { m.created -= kDay + 1; }, signer(0),
       "manifest.stale", ErrorKind::kInvalidInput},
      {"created an hour from now", A, [](Manifest& m) { m.created += 3600; }, signer(0),
       "manifest.from_future", ErrorKind::kInvalidInput},
      {"created just past the allowed skew", A, [](Manifest& m) { m.created += 301; }, signer(0),
       "manifest.from_future", ErrorKind::kInvalidInput},
  };
  for (const RefusedOffer& c : cases) {
    SCOPED_TRACE(c.what);
    Manifest m = ManifestFor(env);
    c.change(m);
    SignedManifest sm = Sign(m, c.signer(*this));
    Snapshot before = Snap();
    auto r = Offer(c.caller(*this), sm);
    ASSERT_THAT(r, StatusIs(c.code));
    EXPECT_EQ(r.error().kind, c.kind);
    ExpectNothingStored(before, c.what);
  }
  EXPECT_EQ(TransferCount(), 0u);
  EXPECT_EQ(PendingCount(), 0u);
}

TEST_F(TransferServiceTest, TheAgeLimitsAreInclusive) {
  Envelope env = Seal();
  Manifest oldest = ManifestFor(env, "idempotency-key-oldest");
  oldest.created = now_ - kDay;
  ASSERT_THAT(Offer(SupplierA(), Sign(oldest)), IsOk());
  Manifest newest = ManifestFor(env, "idempotency-key-newest");
  newest.created = now_ + 300;
  ASSERT_THAT(Offer(SupplierA(), Sign(newest)), IsOk());
  EXPECT_EQ(TransferCount(), 2u);
}

TEST_F(TransferServiceTest, TamperedOrNonCanonicalManifestsAreRefused) {
  Envelope env = Seal();
  SignedManifest sm = Sign(ManifestFor(env));
  Snapshot before = Snap();
  // Signed bytes changed afterwards (still canonical): the signature no longer covers them.
  Manifest other = sm.manifest;
  other.envelope_size += 1;
  std::string changed = ManifestToJson(other);
  auto tampered = service_->Offer(SupplierA(), AsBytes(changed), sm.signature, now_);
  ASSERT_THAT(tampered, StatusIs("signature.digest_mismatch"));
  // Not canonical (a space): refused before the signature matters.
  std::string spaced = sm.json;
  spaced.insert(1, " ");
  auto loose = service_->Offer(SupplierA(), AsBytes(spaced), sm.signature, now_);
  ASSERT_THAT(loose, StatusIs("manifest.not_canonical"));
  // No signature at all.
  auto unsigned_offer = service_->Offer(SupplierA(), AsBytes(sm.json), {}, now_);
  ASSERT_THAT(unsigned_offer, Not(IsOk()));
  ExpectNothingStored(before, "tampered");
}

TEST_F(TransferServiceTest, TheDailyLimitCountsOffers) {
  Envelope env = Seal();
  Manifest m = ManifestFor(env, "supplier-b-key-000001");
  m.sender = E(kSupplierB);
  ASSERT_THAT(Offer(SupplierB(), Sign(m, &supplier_b_ds_)), IsOk());
  Manifest second = m;
  second.idempotency_key = "supplier-b-key-000002";
  Snapshot before = Snap();
  auto r = Offer(SupplierB(), Sign(second, &supplier_b_ds_));
  ASSERT_THAT(r, StatusIs("policy.daily_limit"));
  EXPECT_EQ(r.error().kind, ErrorKind::kDenied);
  ExpectNothingStored(before, "daily limit");
  // The next UTC day counts afresh.
  Manifest tomorrow = second;
  tomorrow.created = now_ + kDay;
  SignedManifest st = Sign(tomorrow, &supplier_b_ds_);
  auto next_day = service_->Offer(SupplierB(), AsBytes(st.json), st.signature, now_ + kDay);
  EXPECT_THAT(next_day, IsOk());
}

// ---------------------------------------------------------------------------------------
// Idempotency and replay

// docs/api.md section 5: a repeated offer is answered before the clock and the policy,
// so a retry is not refused by the daily limit its own first attempt used up.
TEST_F(TransferServiceTest, ARetriedOfferIsNotRefusedByItsOwnDailyCount) {
  // Supplier B may make one transfer a day; the retry of that one is not a second.
  Envelope env = Seal();
  Manifest m = ManifestFor(env, "supplier-b-key-000001");
  m.sender = E(kSupplierB);
  SignedManifest sm = Sign(m, &supplier_b_ds_);
  auto first = Offer(SupplierB(), sm);
  ASSERT_THAT(first, IsOk());
  Snapshot before = Snap();
  auto retry = Offer(SupplierB(), sm);
  ASSERT_THAT(retry, IsOk());
  EXPECT_FALSE(retry->is_new);
  EXPECT_EQ(retry->progress.record.id, first->progress.record.id);
  ExpectNothingStored(before, "retry");
}

TEST_F(TransferServiceTest, APolicyReloadAppliesToTheNextIdentification) {
  Caller before_reload = SupplierB();
  std::string yaml = PolicyYaml();
  size_t from = yaml.find("  - eui64: " + std::string(kSupplierB));
  size_t to = yaml.find("  - eui64: " + std::string(kDcc));
  ASSERT_NE(from, std::string::npos);
  yaml.erase(from, to - from);
  auto smaller = ParsePolicy(yaml, "policy.yaml", dir_.path());
  ASSERT_THAT(smaller, IsOk());
  holder_->Replace(*smaller);
  auto after = service_->Identify(PeerCertificate{Fingerprint(2), "CN=somebody"});
  ASSERT_THAT(after, StatusIs("tls.unknown_client"));
  EXPECT_EQ(before_reload.eui64, E(kSupplierB)) << "a caller keeps the policy it was made under";
  EXPECT_EQ(SupplierA().policy, *smaller);
}

TEST_F(TransferServiceTest, AReusedIdempotencyKeyWithAnotherManifestConflicts) {
  Envelope env = Seal();
  ASSERT_THAT(Offer(SupplierA(), Sign(ManifestFor(env))), IsOk());
  Manifest other = ManifestFor(env);
  other.file_name = "ADT_other.csv";
  Snapshot before = Snap();
  auto r = Offer(SupplierA(), Sign(other));
  ASSERT_THAT(r, StatusIs("transfer.idempotency_conflict"));
  EXPECT_EQ(r.error().kind, ErrorKind::kConflict);
  ExpectNothingStored(before, "idempotency conflict");
}

TEST_F(TransferServiceTest, TheSameManifestWhileReceivingResumesTheSameTransfer) {
  Envelope env = Seal();
  SignedManifest sm = Sign(ManifestFor(env));
  auto first = Offer(SupplierA(), sm);
  ASSERT_THAT(first, IsOk());
  const std::string id = first->progress.record.id;
  ASSERT_THAT(Upload(SupplierA(), id, env.bytes, 0, 1234), IsOk());
  Snapshot before = Snap();
  // A retry (the answer was lost), re-signed: the same manifest bytes.
  SignedManifest resigned = Sign(sm.manifest);
  auto again = Offer(SupplierA(), resigned);
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->is_new);
  EXPECT_EQ(again->progress.record.id, id);
  EXPECT_EQ(again->progress.offset, 1234u);
  ExpectNothingStored(before, "retried offer");
  auto done = Upload(SupplierA(), id, env.bytes, 1234, env.bytes.size());
  ASSERT_THAT(done, IsOk());
  EXPECT_TRUE(done->receipt.has_value());
}

TEST_F(TransferServiceTest, TheSameManifestAfterCompletionIsAReplay) {
  Envelope env = Seal();
  SignedManifest sm = Sign(ManifestFor(env));
  TransferRecord r = SendOne(env);
  ASSERT_EQ(r.state, TransferState::kReceived);
  Snapshot before = Snap();
  auto replay = Offer(SupplierA(), sm);
  ASSERT_THAT(replay, StatusIs("transfer.replayed"));
  EXPECT_EQ(replay.error().kind, ErrorKind::kConflict);
  ExpectNothingStored(before, "replay");
  EXPECT_EQ(metadata_->Get(r.id)->state, TransferState::kReceived);
}

// ---------------------------------------------------------------------------------------
// Uploads

TEST_F(TransferServiceTest, AppendsMustMatchTheOffsetAndTheDeclaredSize) {
  Envelope env = Seal();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  const std::string id = offered->progress.record.id;
  const uint64_t size = env.bytes.size();
  ASSERT_THAT(Upload(SupplierA(), id, env.bytes, 0, 100), IsOk());

  auto wrong = service_->BeginAppend(SupplierA(), id, 99, 10);
  ASSERT_THAT(wrong, StatusIs("upload.offset_mismatch"));
  EXPECT_EQ(wrong.error().kind, ErrorKind::kConflict);
  auto ahead = service_->BeginAppend(SupplierA(), id, 101, 10);
  ASSERT_THAT(ahead, StatusIs("upload.offset_mismatch"));

  auto past = service_->BeginAppend(SupplierA(), id, 100, size - 100 + 1);
  ASSERT_THAT(past, StatusIs("upload.too_large"));
  EXPECT_EQ(past.error().kind, ErrorKind::kTooLarge);
  auto huge = service_->BeginAppend(SupplierA(), id, 100, UINT64_MAX);
  ASSERT_THAT(huge, StatusIs("upload.too_large"));

  // A request that carries more than it announced is cut off at its length.
  {
    auto w = service_->BeginAppend(SupplierA(), id, 100, 10);
    ASSERT_THAT(w, IsOk());
    Status over = (*w)->Write(std::span<const uint8_t>(env.bytes).subspan(100, 11));
    ASSERT_THAT(over, StatusIs("upload.too_large"));
    auto fin = (*w)->Finish(now_);
    ASSERT_THAT(fin, IsOk());
    EXPECT_EQ(fin->offset, 100u);
  }
  EXPECT_EQ(OffsetOf(id), 100u);
  EXPECT_EQ(TransferCount(), 1u);
  EXPECT_EQ(PendingCount(), 1u);
  auto done = Upload(SupplierA(), id, env.bytes, 100, size);
  ASSERT_THAT(done, IsOk());
  ASSERT_TRUE(done->receipt.has_value());
}

TEST_F(TransferServiceTest, OnlyOneWriterAtATime) {
  Envelope env = Seal();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  const std::string id = offered->progress.record.id;
  auto first = service_->BeginAppend(SupplierA(), id, 0, 100);
  ASSERT_THAT(first, IsOk());
  auto second = service_->BeginAppend(SupplierA(), id, 0, 100);
  ASSERT_THAT(second, StatusIs("upload.in_progress"));
  EXPECT_EQ(second.error().kind, ErrorKind::kConflict);
  ASSERT_THAT((*first)->Write(std::span<const uint8_t>(env.bytes).subspan(0, 100)), IsOk());
  ASSERT_THAT((*first)->Finish(now_), IsOk());
  // Finished: the next request may start (after the first's bytes).
  auto third = service_->BeginAppend(SupplierA(), id, 100, 100);
  ASSERT_THAT(third, IsOk());
}

TEST_F(TransferServiceTest, OnlyTheSenderUploads) {
  Envelope env = Seal();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  const std::string id = offered->progress.record.id;
  auto by_dcc = service_->BeginAppend(Dcc(), id, 0, 10);
  ASSERT_THAT(by_dcc, StatusIs("transfer.not_sender"));
  auto by_other = service_->BeginAppend(SupplierB(), id, 0, 10);
  ASSERT_THAT(by_other, StatusIs("transfer.not_party"));
  EXPECT_EQ(
      documents_->UploadOffset(StorageKey::Parse(offered->progress.record.storage_key).value())
          .value(),
      0u);
}

TEST_F(TransferServiceTest, AHashMismatchAbandonsTheTransferAndKeepsNothing) {
  Envelope env = Seal();
  SignedManifest sm = Sign(ManifestFor(env));
  auto offered = Offer(SupplierA(), sm);
  ASSERT_THAT(offered, IsOk());
  const std::string id = offered->progress.record.id;
  StorageKey key = StorageKey::Parse(offered->progress.record.storage_key).value();
  std::vector<uint8_t> altered = env.bytes;
  altered[altered.size() / 2] ^= 0x01;  // same size, other bytes
  auto done = Upload(SupplierA(), id, altered, 0, altered.size());
  ASSERT_THAT(done, StatusIs("upload.hash_mismatch"));
  EXPECT_EQ(done.error().kind, ErrorKind::kIntegrity);
  TransferRecord r = metadata_->Get(id).value();
  EXPECT_EQ(r.state, TransferState::kAbandoned);
  EXPECT_EQ(r.reason, "upload.hash_mismatch");
  EXPECT_EQ(PendingCount(), 0u);
  EXPECT_THAT(documents_->Open(key), StatusIs("store.not_found"));
  EXPECT_THAT(documents_->UploadOffset(key), StatusIs("store.not_found"));
  auto progress = service_->Progress(SupplierA(), id);
  ASSERT_THAT(progress, StatusIs("transfer.abandoned"));
  auto download = service_->OpenDownload(Dcc(), id);
  ASSERT_THAT(download, StatusIs("transfer.no_envelope"));
  EXPECT_TRUE(service_->Inbox(Dcc())->empty());
  auto again = Offer(SupplierA(), sm);
  ASSERT_THAT(again, StatusIs("transfer.replayed"));
}

TEST_F(TransferServiceTest, ABrokenRequestKeepsItsBytesAndTheUploadResumes) {
  Envelope env = Seal();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  const std::string id = offered->progress.record.id;
  {
    auto w = service_->BeginAppend(SupplierA(), id, 0, env.bytes.size());
    ASSERT_THAT(w, IsOk());
    // 1500 bytes: two durable appends of 512 and 476 still buffered.
    for (size_t at = 0; at < 1500; at += 300) {
      ASSERT_THAT((*w)->Write(std::span<const uint8_t>(env.bytes).subspan(at, 300)), IsOk());
    }
    EXPECT_EQ((*w)->offset(), 1500u);
  }  // the connection breaks: no Finish
  auto progress = service_->Progress(SupplierA(), id);
  ASSERT_THAT(progress, IsOk());
  EXPECT_EQ(progress->offset, 1500u);
  auto stale = service_->BeginAppend(SupplierA(), id, 0, 10);
  ASSERT_THAT(stale, StatusIs("upload.offset_mismatch"));
  auto done = Upload(SupplierA(), id, env.bytes, 1500, env.bytes.size());
  ASSERT_THAT(done, IsOk());
  ASSERT_TRUE(done->receipt.has_value());
  EXPECT_EQ(ParseReceipt(AsBytes(*done->receipt))->envelope_sha256, env.sha256);
  EXPECT_EQ(metadata_->Get(id)->state, TransferState::kReceived);
}

TEST_F(TransferServiceTest, AnUploadResumesAfterARestartWithTheHashOfTheStoredPrefix) {
  Envelope env = Seal();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  const std::string id = offered->progress.record.id;
  {
    auto w = service_->BeginAppend(SupplierA(), id, 0, env.bytes.size());
    ASSERT_THAT(w, IsOk());
    for (size_t at = 0; at < 1500; at += 300) {
      ASSERT_THAT((*w)->Write(std::span<const uint8_t>(env.bytes).subspan(at, 300)), IsOk());
    }
  }
  OpenStores();  // the gateway restarts: new stores, new service, no hash state in memory
  ASSERT_THAT(service_->Recover(now_), IsOk());
  EXPECT_EQ(PendingCount(), 1u) << "a live upload survives recovery";
  auto progress = service_->Progress(SupplierA(), id);
  ASSERT_THAT(progress, IsOk());
  EXPECT_EQ(progress->offset, 1500u);
  auto done = Upload(SupplierA(), id, env.bytes, 1500, env.bytes.size());
  ASSERT_THAT(done, IsOk());
  ASSERT_TRUE(done->receipt.has_value());
  EXPECT_EQ(ParseReceipt(AsBytes(*done->receipt))->envelope_sha256, env.sha256);
  auto download = service_->OpenDownload(Dcc(), id);
  ASSERT_THAT(download, IsOk());
  EXPECT_EQ(testing::ReadAll(*download->envelope), std::string(env.bytes.begin(), env.bytes.end()));
}

TEST_F(TransferServiceTest, AllBytesStoredButNotFinishedCompletesWithAnEmptyRequest) {
  Envelope env = Seal();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  const std::string id = offered->progress.record.id;
  {
    auto w = service_->BeginAppend(SupplierA(), id, 0, env.bytes.size());
    ASSERT_THAT(w, IsOk());
    ASSERT_THAT((*w)->Write(env.bytes), IsOk());
  }  // every byte arrived, but the request broke before it ended
  NewService();
  EXPECT_EQ(OffsetOf(id), env.bytes.size());
  auto w = service_->BeginAppend(SupplierA(), id, env.bytes.size(), 0);
  ASSERT_THAT(w, IsOk());
  auto fin = (*w)->Finish(now_);
  ASSERT_THAT(fin, IsOk());
  ASSERT_TRUE(fin->receipt.has_value());
  EXPECT_EQ(metadata_->Get(id)->state, TransferState::kReceived);
}

// ---------------------------------------------------------------------------------------
// Who may see what

TEST_F(TransferServiceTest, OnlyPartiesSeeATransferAndOnlyRecipientsDownload) {
  Envelope env = Seal();
  TransferRecord r = SendOne(env);
  ASSERT_EQ(r.state, TransferState::kReceived);
  auto by_sender = service_->OpenDownload(SupplierA(), r.id);
  ASSERT_THAT(by_sender, StatusIs("transfer.not_recipient"));
  EXPECT_EQ(by_sender.error().kind, ErrorKind::kDenied);
  for (const auto& [who, caller] :
       {std::pair{"another supplier", SupplierB()}, std::pair{"the auditor", Auditor()}}) {
    SCOPED_TRACE(who);
    auto status = service_->Status(caller, r.id);
    ASSERT_THAT(status, StatusIs("transfer.not_party"));
    EXPECT_EQ(status.error().kind, ErrorKind::kDenied);
    auto download = service_->OpenDownload(caller, r.id);
    ASSERT_THAT(download, StatusIs("transfer.not_party"));
    auto progress = service_->Progress(caller, r.id);
    ASSERT_THAT(progress, StatusIs("transfer.not_party"));
    EXPECT_TRUE(service_->Inbox(caller)->empty());
  }
  EXPECT_THAT(service_->Status(SupplierA(), r.id), IsOk());
  EXPECT_THAT(service_->Status(Dcc(), r.id), IsOk());
  auto progress = service_->Progress(Dcc(), r.id);
  ASSERT_THAT(progress, StatusIs("transfer.not_sender"));
  auto unknown = service_->Status(Dcc(), StorageKey::Generate().str());
  ASSERT_THAT(unknown, StatusIs("transfer.not_found"));
  EXPECT_EQ(unknown.error().kind, ErrorKind::kNotFound);
}

// docs/api.md section 2: "An id of any other form, and one that does not exist, is
// 404 transfer.not_found". An id never becomes a path, and it is not the storage key.
TEST_F(TransferServiceTest, PathLikeIdsAreNotFoundAndNeverBecomePaths) {
  Envelope env = Seal();
  TransferRecord r = SendOne(env);
  // Plant a file where "../x"-style ids would lead if they became paths.
  ASSERT_THAT(WriteFileAtomically(dir_.path() + "/store/x", std::string("planted"), 0600, false),
              IsOk());
  Acknowledgement a = AckFor(r);
  std::string ack_json = AcknowledgementToJson(a);
  auto ack_sig = SignAcknowledgement(a, {dcc_ds_.cert.get(), dcc_ds_.key.get()}, now_).value();
  const std::vector<std::string> bad_ids = {"../x",
                                            "../../etc/passwd",
                                            "x",
                                            "",
                                            std::string(32, 'A'),
                                            r.id + "/..",
                                            "objects/" + r.storage_key,
                                            std::string("0123456789abcdef0123456789abcde\0", 32),
                                            r.storage_key};
  for (const std::string& bad : bad_ids) {
    SCOPED_TRACE(bad);
    auto status = service_->Status(Dcc(), bad);
    ASSERT_THAT(status, StatusIs("transfer.not_found"));
    EXPECT_EQ(status.error().kind, ErrorKind::kNotFound);
    auto download = service_->OpenDownload(Dcc(), bad);
    ASSERT_THAT(download, StatusIs("transfer.not_found"));
    auto progress = service_->Progress(SupplierA(), bad);
    ASSERT_THAT(progress, StatusIs("transfer.not_found"));
    auto append = service_->BeginAppend(SupplierA(), bad, 0, 1);
    ASSERT_THAT(append, StatusIs("transfer.not_found"));
    auto ack = service_->Acknowledge(Dcc(), bad, AsBytes(ack_json), ack_sig, now_);
    ASSERT_THAT(ack, StatusIs("transfer.not_found"));
    EXPECT_THAT(service_->MarkDownloaded(Dcc(), bad, now_), Not(IsOk()));
  }
  std::error_code ec;
  EXPECT_EQ(std::filesystem::file_size(dir_.path() + "/store/x", ec), 7u);
  TransferRecord after = metadata_->Get(r.id).value();
  EXPECT_EQ(after.state, TransferState::kReceived);
  EXPECT_EQ(after.deliveries[0].state, DeliveryState::kWaiting);
}

// ---------------------------------------------------------------------------------------
// Acknowledgements

TEST_F(TransferServiceTest, AnAcceptanceFinishesTheTransfer) {
  Envelope env = Seal();
  TransferRecord r = SendOne(env);
  ASSERT_THAT(service_->OpenDownload(Dcc(), r.id), IsOk());
  ASSERT_THAT(service_->MarkDownloaded(Dcc(), r.id, now_ + 1), IsOk());
  Acknowledgement a = AckFor(r);
  auto done = Acknowledge(Dcc(), r.id, a);
  ASSERT_THAT(done, IsOk());
  EXPECT_EQ(done->state, TransferState::kAccepted);
  ASSERT_EQ(done->deliveries.size(), 1u);
  EXPECT_EQ(done->deliveries[0].state, DeliveryState::kAccepted);
  EXPECT_EQ(done->deliveries[0].ack, AcknowledgementToJson(a));
  auto verified = VerifyAcknowledgement(AsBytes(done->deliveries[0].ack),
                                        AsBytes(done->deliveries[0].ack_signature));
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(verified->ack, a);
  EXPECT_TRUE(service_->Inbox(Dcc())->empty());
  EXPECT_EQ(service_->Status(SupplierA(), r.id)->state, TransferState::kAccepted);
  // Once is enough.
  auto twice = Acknowledge(Dcc(), r.id, a);
  ASSERT_THAT(twice, StatusIs("store.delivery_conflict"));
}

TEST_F(TransferServiceTest, ARejectionCarriesItsReason) {
  Envelope env = Seal();
  TransferRecord r = SendOne(env);
  auto done = Acknowledge(Dcc(), r.id, AckFor(r, /*accepted=*/false));
  ASSERT_THAT(done, IsOk());
  EXPECT_EQ(done->state, TransferState::kRejected);
  EXPECT_EQ(done->reason, "format.bad_row");
  EXPECT_EQ(done->deliveries[0].state, DeliveryState::kRejected);
  EXPECT_EQ(done->deliveries[0].reason, "format.bad_row");
}

TEST_F(TransferServiceTest, WrongAcknowledgementsAreRefusedAndChangeNothing) {
  Envelope env = Seal();
  TransferRecord r = SendOne(env);
  TransferRecord other = SendOne(Seal(2000), "idempotency-key-0002");
  ASSERT_THAT(service_->MarkDownloaded(Dcc(), r.id, now_ + 1), IsOk());

  Acknowledgement wrong_envelope = AckFor(r);
  wrong_envelope.envelope_sha256[0] ^= 0xff;
  Acknowledgement wrong_transfer = AckFor(other);
  Acknowledgement in_b_name = AckFor(r);
  in_b_name.recipient = E(kSupplierB);
  struct Case {
    const char* what;
    Caller caller;
    Acknowledgement ack;
    const testing::Credential* by;
    const char* code;
  } cases[] = {
      {"signed by another party's DS key", Dcc(), AckFor(r), &supplier_b_ds_,
       "ack.recipient_not_signer"},
      {"signed by the sender", Dcc(), AckFor(r), &supplier_a_ds_, "ack.recipient_not_signer"},
      {"about another envelope", Dcc(), wrong_envelope, &dcc_ds_, "ack.wrong_transfer"},
      {"about another transfer", Dcc(), wrong_transfer, &dcc_ds_, "ack.wrong_transfer"},
      {"in another party's name", Dcc(), in_b_name, &supplier_b_ds_, "policy.tls_signer_mismatch"},
      {"by the sender", SupplierA(), AckFor(r), &supplier_a_ds_, "transfer.not_recipient"},
      {"by a third party", SupplierB(), AckFor(r), &supplier_b_ds_, "transfer.not_party"},
      {"signed with a key-agreement key", Dcc(), AckFor(r), &dcc_ka_, "cert.wrong_usage"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto result = Acknowledge(c.caller, r.id, c.ack, c.by);
    ASSERT_THAT(result, StatusIs(c.code));
    TransferRecord now = metadata_->Get(r.id).value();
    EXPECT_EQ(now.state, TransferState::kDownloaded);
    EXPECT_EQ(now.deliveries[0].state, DeliveryState::kDownloaded);
    EXPECT_TRUE(now.deliveries[0].ack.empty());
  }
  // A signature over other bytes.
  Acknowledgement a = AckFor(r);
  Acknowledgement b = AckFor(r);
  b.created += 1;
  auto sig = SignAcknowledgement(b, {dcc_ds_.cert.get(), dcc_ds_.key.get()}, now_).value();
  std::string json = AcknowledgementToJson(a);
  auto forged = service_->Acknowledge(Dcc(), r.id, AsBytes(json), sig, now_);
  ASSERT_THAT(forged, StatusIs("signature.digest_mismatch"));
  EXPECT_EQ(metadata_->Get(other.id)->state, TransferState::kReceived);
  // The right one still works afterwards.
  auto good = Acknowledge(Dcc(), r.id, AckFor(r));
  ASSERT_THAT(good, IsOk());
  EXPECT_EQ(good->state, TransferState::kAccepted);
}

TEST_F(TransferServiceTest, NothingIsAcknowledgedBeforeTheUploadEnds) {
  Envelope env = Seal();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  auto ack = Acknowledge(Dcc(), offered->progress.record.id, AckFor(offered->progress.record));
  ASSERT_THAT(ack, StatusIs("store.delivery_conflict"));
  auto download = service_->OpenDownload(Dcc(), offered->progress.record.id);
  ASSERT_THAT(download, StatusIs("transfer.no_envelope"));
  EXPECT_TRUE(service_->Inbox(Dcc())->empty());
}

// ---------------------------------------------------------------------------------------
// Retention and recovery

TEST_F(TransferServiceTest, RetentionDeletesTheEnvelopeAndKeepsTheMetadata) {
  Envelope env = Seal();
  TransferRecord r = SendOne(env);
  TransferRecord acked = SendOne(Seal(100), "idempotency-key-0002");
  ASSERT_THAT(Acknowledge(Dcc(), acked.id, AckFor(acked)), IsOk());
  StorageKey key = StorageKey::Parse(r.storage_key).value();

  auto early = service_->ExpireEnvelopes(now_ + 30 * kDay);  // not yet older than 30 days
  ASSERT_THAT(early, IsOk());
  EXPECT_EQ(*early, 0u);
  EXPECT_THAT(documents_->Size(key), IsOk());

  auto expired = service_->ExpireEnvelopes(now_ + 30 * kDay + 1);
  ASSERT_THAT(expired, IsOk());
  EXPECT_EQ(*expired, 2u);
  TransferRecord after = metadata_->Get(r.id).value();
  EXPECT_EQ(after.state, TransferState::kExpired);
  EXPECT_EQ(after.reason, "retention");
  EXPECT_EQ(after.manifest, r.manifest);
  EXPECT_EQ(after.receipt, r.receipt);
  EXPECT_EQ(after.envelope_sha256, r.envelope_sha256);
  EXPECT_THAT(documents_->Size(key), StatusIs("store.not_found"));
  EXPECT_THAT(documents_->Open(key), StatusIs("store.not_found"));
  TransferRecord acked_after = metadata_->Get(acked.id).value();
  EXPECT_EQ(acked_after.state, TransferState::kExpired);
  EXPECT_EQ(acked_after.deliveries[0].state, DeliveryState::kAccepted);
  auto download = service_->OpenDownload(Dcc(), r.id);
  ASSERT_THAT(download, StatusIs("transfer.no_envelope"));
  EXPECT_EQ(download.error().kind, ErrorKind::kNotFound);
  EXPECT_THAT(service_->Status(SupplierA(), r.id), IsOk());
  EXPECT_TRUE(service_->Inbox(Dcc())->empty());
  EXPECT_EQ(service_->ExpireEnvelopes(now_ + 60 * kDay).value(), 0u) << "once is enough";
}

// docs/api.md section 10: an upload still receiving after the retention period is
// abandoned (upload.never_completed) and its partial bytes are deleted.
TEST_F(TransferServiceTest, RetentionDropsUploadsThatNeverCompleted) {
  Envelope env = Seal();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  const std::string id = offered->progress.record.id;
  ASSERT_THAT(Upload(SupplierA(), id, env.bytes, 0, 100), IsOk());
  StorageKey key = StorageKey::Parse(offered->progress.record.storage_key).value();
  EXPECT_EQ(service_->ExpireEnvelopes(now_ + 30 * kDay).value(), 0u);
  EXPECT_EQ(documents_->UploadOffset(key).value(), 100u);
  auto swept = service_->ExpireEnvelopes(now_ + 30 * kDay + 1);
  ASSERT_THAT(swept, IsOk());
  EXPECT_EQ(*swept, 1u);
  TransferRecord r = metadata_->Get(id).value();
  EXPECT_EQ(r.state, TransferState::kAbandoned);
  EXPECT_EQ(r.reason, "upload.never_completed");
  EXPECT_THAT(documents_->UploadOffset(key), StatusIs("store.not_found"));
  EXPECT_EQ(PendingCount(), 0u);
  auto late = service_->BeginAppend(SupplierA(), id, 100, 10);
  ASSERT_THAT(late, StatusIs("transfer.abandoned"));
}

TEST_F(TransferServiceTest, RecoveryFinishesCommittedUploadsAndDropsOrphans) {
  // 1. Committed but not recorded (a crash between Commit and MarkReceived).
  Envelope env = Seal();
  auto committed = Offer(SupplierA(), Sign(ManifestFor(env, "idempotency-key-commit")));
  ASSERT_THAT(committed, IsOk());
  StorageKey committed_key = StorageKey::Parse(committed->progress.record.storage_key).value();
  ASSERT_THAT(documents_->Append(committed_key, 0, env.bytes), IsOk());
  ASSERT_THAT(documents_->Commit(committed_key), IsOk());
  // 2. Committed with other bytes than declared.
  Envelope bad = Seal(500);
  auto tampered = Offer(SupplierA(), Sign(ManifestFor(bad, "idempotency-key-tamper")));
  ASSERT_THAT(tampered, IsOk());
  StorageKey tampered_key = StorageKey::Parse(tampered->progress.record.storage_key).value();
  std::vector<uint8_t> altered = bad.bytes;
  altered[0] ^= 0x01;
  ASSERT_THAT(documents_->Append(tampered_key, 0, altered), IsOk());
  ASSERT_THAT(documents_->Commit(tampered_key), IsOk());
  // 3. An upload in progress, which must stay resumable.
  Envelope partial = Seal(700);
  auto live = Offer(SupplierA(), Sign(ManifestFor(partial, "idempotency-key-partial")));
  ASSERT_THAT(live, IsOk());
  ASSERT_THAT(Upload(SupplierA(), live->progress.record.id, partial.bytes, 0, 100), IsOk());
  StorageKey live_key = StorageKey::Parse(live->progress.record.storage_key).value();
  // 4. An upload that no transfer owns (a crash between BeginUpload and CreateOrGet).
  StorageKey orphan = documents_->BeginUpload().value();
  ASSERT_THAT(documents_->Append(orphan, 0, AsBytes("orphan")), IsOk());
  ASSERT_EQ(PendingCount(), 2u);

  OpenStores();
  ASSERT_THAT(service_->Recover(now_ + 60), IsOk());

  TransferRecord finished = metadata_->Get(committed->progress.record.id).value();
  EXPECT_EQ(finished.state, TransferState::kReceived);
  auto receipt = ParseReceipt(AsBytes(finished.receipt));
  ASSERT_THAT(receipt, IsOk()) << finished.receipt;
  EXPECT_EQ(receipt->envelope_sha256, env.sha256);
  EXPECT_EQ(receipt->received_at, now_ + 60);
  EXPECT_EQ(receipt->transfer_id, finished.id);
  EXPECT_EQ(documents_->Size(committed_key).value(), env.bytes.size());

  TransferRecord refused = metadata_->Get(tampered->progress.record.id).value();
  EXPECT_EQ(refused.state, TransferState::kAbandoned);
  EXPECT_EQ(refused.reason, "upload.hash_mismatch");
  EXPECT_THAT(documents_->Open(tampered_key), StatusIs("store.not_found"));

  auto pending = documents_->PendingUploads().value();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0], live_key);
  EXPECT_THAT(documents_->UploadOffset(orphan), StatusIs("store.not_found"));
  EXPECT_EQ(OffsetOf(live->progress.record.id), 100u);
  auto rest =
      Upload(SupplierA(), live->progress.record.id, partial.bytes, 100, partial.bytes.size());
  ASSERT_THAT(rest, IsOk());
  EXPECT_TRUE(rest->receipt.has_value());
  // Recovering again changes nothing.
  ASSERT_THAT(service_->Recover(now_ + 120), IsOk());
  EXPECT_EQ(metadata_->Get(finished.id)->receipt, finished.receipt);
  // The recovered transfer's full view carries a receipt the log proves.
  auto status = service_->Status(SupplierA(), finished.id);
  ASSERT_THAT(status, IsOk());
  ExpectProvedReceipt(status->receipt, finished.id);
}

// Regression: a committed object whose size is not the manifest's used to be left in
// objects/ for ever once its transfer was abandoned (store.lost_upload).
TEST_F(TransferServiceTest, RecoveryRemovesACommittedObjectOfTheWrongSize) {
  Envelope env = Seal();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  StorageKey key = StorageKey::Parse(offered->progress.record.storage_key).value();
  ASSERT_THAT(
      documents_->Append(key, 0, std::span<const uint8_t>(env.bytes).first(env.bytes.size() - 1)),
      IsOk());
  ASSERT_THAT(documents_->Commit(key), IsOk());
  ASSERT_THAT(service_->Recover(now_), IsOk());
  TransferRecord r = metadata_->Get(offered->progress.record.id).value();
  EXPECT_EQ(r.state, TransferState::kAbandoned);
  EXPECT_EQ(r.reason, "store.lost_upload");
  auto size = documents_->Size(key);
  EXPECT_THAT(size, Not(IsOk())) << "an object of " << *size
                                 << " bytes is left for an abandoned transfer";
}

TEST_F(TransferServiceTest, RecoveryAbandonsATransferWhoseUploadIsGone) {
  Envelope env = Seal();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  ASSERT_THAT(
      documents_->AbandonUpload(StorageKey::Parse(offered->progress.record.storage_key).value()),
      IsOk());
  ASSERT_THAT(service_->Recover(now_), IsOk());
  TransferRecord r = metadata_->Get(offered->progress.record.id).value();
  EXPECT_EQ(r.state, TransferState::kAbandoned);
  EXPECT_EQ(r.reason, "store.lost_upload");
}

// ---------------------------------------------------------------------------------------
// The audit log (docs/audit-log.md, "Events"; issue 5): every decision lands in the log,
// with exact fields, before it is answered; a grant the log cannot take is withdrawn.

using testing::ExecSql;

class TransferServiceAuditTest : public TransferServiceTest {
 protected:
  // The fields every entry about a transfer of `env` from supplier A to the DCC carries:
  // who, what, which envelope, and the manifest's signer (supplier A's DS certificate).
  AuditEntry About(const char* event, const Envelope& env, const std::string& transfer_id,
                   std::time_t at) {
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

  static void SignedBy(const testing::Credential& who, AuditEntry& e) {
    CertificateId id = CertificateIdOf(who.cert.get());
    e.signer_issuer = id.issuer;
    e.signer_serial = id.serial;
  }

  // A refused request as the log should show it (the time is the wall clock's).
  static AuditEntry RefusedRequest(const Eui64& actor, const char* request, const char* reason,
                                   const std::string& transfer_id) {
    AuditEntry e;
    e.event = audit_event::kRequestRefused;
    e.actor = actor;
    e.request = request;
    e.reason = reason;
    e.transfer_id = transfer_id;
    return e;
  }

  std::string AuditDb() const { return dir_.path() + "/audit.db"; }
  // Makes every append to the real store fail (a trigger aborts any new entry row), and
  // undoes it. The failure is the store's own, seen through AuditLog's writer.
  void BreakTheLog() {
    ExecSql(AuditDb(),
            "CREATE TRIGGER adtgw_test_refuse BEFORE INSERT ON audit_entries "
            "BEGIN SELECT RAISE(ABORT, 'the test refuses every entry'); END;");
  }
  void MendTheLog() { ExecSql(AuditDb(), "DROP TRIGGER adtgw_test_refuse;"); }

  // A transfer of a fresh envelope, offered by supplier A and `uploaded` bytes into it.
  struct Receiving {
    Envelope env;
    std::string id;
    std::string storage_key;
  };
  Receiving Offered(const std::string& key, uint64_t uploaded = 0, size_t content = 700) {
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
};

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

TEST_F(TransferServiceAuditTest, RefusedRequestsAreLoggedWithTheRequestAndReason) {
  Envelope env = Seal();
  TransferRecord r = SendOne(env);
  Receiving u = Offered("idempotency-key-0002", 100);
  struct Case {
    const char* what;
    Eui64 actor;
    const char* request;
    const char* code;
    std::string transfer_id;
    std::function<Status()> run;
  };
  const Case cases[] = {
      {"status by a non-party", E(kSupplierB), "GET transfer", "transfer.not_party", r.id,
       [&] { return StatusOf(service_->Status(SupplierB(), r.id)); }},
      {"status by the auditor", E(kAuditor), "GET transfer", "transfer.not_party", r.id,
       [&] { return StatusOf(service_->Status(Auditor(), r.id)); }},
      {"download by the sender", E(kSupplierA), "GET envelope", "transfer.not_recipient", r.id,
       [&] { return StatusOf(service_->OpenDownload(SupplierA(), r.id)); }},
      {"download before the upload ends", E(kDcc), "GET envelope", "transfer.no_envelope", u.id,
       [&] { return StatusOf(service_->OpenDownload(Dcc(), u.id)); }},
      {"PATCH at a wrong offset", E(kSupplierA), "PATCH envelope", "upload.offset_mismatch", u.id,
       [&] { return StatusOf(service_->BeginAppend(SupplierA(), u.id, 99, 10)); }},
      {"PATCH past the declared size", E(kSupplierA), "PATCH envelope", "upload.too_large", u.id,
       [&] { return StatusOf(service_->BeginAppend(SupplierA(), u.id, 100, UINT64_MAX)); }},
      {"PATCH by a recipient", E(kDcc), "PATCH envelope", "transfer.not_sender", u.id,
       [&] { return StatusOf(service_->BeginAppend(Dcc(), u.id, 100, 10)); }},
      {"HEAD by a recipient", E(kDcc), "HEAD envelope", "transfer.not_sender", u.id,
       [&] { return StatusOf(service_->Progress(Dcc(), u.id)); }},
      {"HEAD by a non-party", E(kSupplierB), "HEAD envelope", "transfer.not_party", u.id,
       [&] { return StatusOf(service_->Progress(SupplierB(), u.id)); }},
      {"ack by a non-party", E(kSupplierB), "POST acknowledgement", "transfer.not_party", r.id,
       [&] { return StatusOf(Acknowledge(SupplierB(), r.id, AckFor(r), &supplier_b_ds_)); }},
      {"ack by the sender", E(kSupplierA), "POST acknowledgement", "transfer.not_recipient", r.id,
       [&] { return StatusOf(Acknowledge(SupplierA(), r.id, AckFor(r), &supplier_a_ds_)); }},
      {"ack signed by another party", E(kDcc), "POST acknowledgement", "ack.recipient_not_signer",
       r.id, [&] { return StatusOf(Acknowledge(Dcc(), r.id, AckFor(r), &supplier_b_ds_)); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const uint64_t before = LogSize();
    const std::time_t t0 = std::time(nullptr);
    EXPECT_THAT(c.run(), StatusIs(c.code));
    const std::time_t t1 = std::time(nullptr);
    std::vector<AuditEntry> logged = Logged(before);
    ASSERT_EQ(logged.size(), 1u);
    AuditEntry expected = RefusedRequest(c.actor, c.request, c.code, c.transfer_id);
    expected.at = logged[0].at;
    EXPECT_GE(logged[0].at, t0);
    EXPECT_LE(logged[0].at, t1);
    EXPECT_EQ(logged[0], expected) << AuditEntryToJson(logged[0]);
  }
  // Nothing the refusals touched changed.
  EXPECT_EQ(metadata_->Get(r.id)->state, TransferState::kReceived);
  EXPECT_EQ(OffsetOf(u.id), 100u);
}

TEST_F(TransferServiceAuditTest, AMalformedIdIsLoggedButNotCopiedIntoTheEntry) {
  Envelope env = Seal();
  TransferRecord r = SendOne(env);
  const std::vector<std::string> bad_ids = {"../x",
                                            "../../etc/passwd",
                                            "",
                                            r.id + "/..",
                                            std::string(32, 'A'),
                                            "\"},{\"event\":\"gateway.stopped",
                                            std::string("0123456789abcdef0123456789abcde\0", 32)};
  for (const std::string& bad : bad_ids) {
    SCOPED_TRACE(bad);
    const uint64_t before = LogSize();
    EXPECT_THAT(service_->Status(Dcc(), bad), StatusIs("transfer.not_found"));
    std::vector<StoredEntry> rows = audit_->Entries(before, 10).value();
    ASSERT_EQ(rows.size(), 1u);
    AuditEntry logged = ParseAuditEntry(AsBytes(rows[0].entry)).value();
    AuditEntry expected =
        RefusedRequest(E(kDcc), "GET transfer", "transfer.not_found", /*transfer_id=*/"");
    expected.at = logged.at;
    EXPECT_EQ(logged, expected) << rows[0].entry;
    if (bad.size() > 2) {
      EXPECT_EQ(rows[0].entry.find(bad), std::string::npos);
    }
  }
  // A well-formed id is recorded as asked for, even when no such transfer exists: an
  // auditor sees the probing.
  const std::string unknown = StorageKey::Generate().str();
  const uint64_t before = LogSize();
  EXPECT_THAT(service_->OpenDownload(Dcc(), unknown), StatusIs("transfer.not_found"));
  std::vector<AuditEntry> logged = Logged(before);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0].transfer_id, unknown);
  EXPECT_EQ(logged[0].request, "GET envelope");
}

TEST_F(TransferServiceAuditTest, AnUnknownTlsClientIsLogged) {
  const uint64_t before = LogSize();
  SupplierA();
  Auditor();
  EXPECT_EQ(LogSize(), before) << "identifying a known party is not an event";
  const std::time_t t0 = std::time(nullptr);
  auto caller = service_->Identify(PeerCertificate{Fingerprint(0x33), "CN=stranger"});
  ASSERT_THAT(caller, StatusIs("tls.unknown_client"));
  std::vector<AuditEntry> logged = Logged(before);
  ASSERT_EQ(logged.size(), 1u);
  AuditEntry expected;
  expected.at = logged[0].at;
  expected.event = audit_event::kTlsClientRefused;
  expected.peer = "CN=stranger sha256:" + ToHex(Fingerprint(0x33));
  expected.policy_sha256 = ToHex(holder_->Current()->canonical_sha256);
  EXPECT_EQ(logged[0], expected) << AuditEntryToJson(logged[0]);
  EXPECT_GE(logged[0].at, t0);
  EXPECT_FALSE(logged[0].actor.has_value()) << "a stranger is no party";
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
  ASSERT_THAT(service_->Identify(PeerCertificate{Fingerprint(0x33), "CN=stranger"}), Not(IsOk()));
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

TEST_F(TransferServiceAuditTest, AnOfferTheLogCannotTakeIsRefusedAndLeavesNoUsableTransfer) {
  Envelope env = Seal();
  SignedManifest sm = Sign(ManifestFor(env));
  const uint64_t before = LogSize();
  const std::string head_before = audit_->Latest().note;
  BreakTheLog();
  // The store really refuses: the log says so itself.
  AuditEntry probe;
  probe.at = now_;
  probe.event = audit_event::kGatewayStarted;
  EXPECT_THAT(audit_->Append(probe), StatusIs("audit.unavailable"));

  auto offered = Offer(SupplierA(), sm);
  ASSERT_THAT(offered, StatusIs("audit.unavailable"));
  // No usable transfer: nothing pending, nothing to upload to, nothing for the DCC.
  EXPECT_EQ(PendingCount(), 0u);
  for (TransferState s : {TransferState::kReceiving, TransferState::kReceived}) {
    EXPECT_TRUE(metadata_->CreatedBefore(now_ + kDay, s)->empty()) << TransferStateName(s);
  }
  for (TransferState s : kAllStates) {
    std::vector<TransferRecord> records = metadata_->CreatedBefore(now_ + kDay, s).value();
    for (const TransferRecord& r : records) {
      EXPECT_EQ(r.state, TransferState::kAbandoned);
      EXPECT_EQ(r.reason, "audit.unavailable");
      EXPECT_THAT(service_->BeginAppend(SupplierA(), r.id, 0, 10), Not(IsOk()));
      EXPECT_THAT(service_->OpenDownload(Dcc(), r.id), Not(IsOk()));
    }
  }
  EXPECT_TRUE(service_->Inbox(Dcc())->empty());
  // A refusal stays the refusal it was.
  Manifest to_supplier = ManifestFor(env, "idempotency-key-0002");
  to_supplier.recipients = {E(kSupplierB)};
  EXPECT_THAT(Offer(SupplierA(), Sign(to_supplier)), StatusIs("policy.recipient_not_allowed"));
  EXPECT_EQ(LogSize(), before);
  EXPECT_EQ(audit_->Latest().note, head_before);

  // Mended, the log goes on from the same head (it reloaded after each failed batch).
  MendTheLog();
  auto next = Offer(SupplierA(), Sign(ManifestFor(env, "idempotency-key-0003")));
  ASSERT_THAT(next, IsOk());
  std::vector<AuditEntry> logged = Logged(before);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0].outcome, "accepted");
  EXPECT_EQ(logged[0].transfer_id, next->progress.record.id);
  EXPECT_EQ(LogSize(), before + 1);
}

TEST_F(TransferServiceAuditTest, AnUploadTheLogCannotRecordIsAbandonedWithoutItsEnvelope) {
  Envelope env = Seal();
  auto offered = Offer(SupplierA(), Sign(ManifestFor(env)));
  ASSERT_THAT(offered, IsOk());
  const std::string id = offered->progress.record.id;
  StorageKey key = StorageKey::Parse(offered->progress.record.storage_key).value();
  ASSERT_THAT(Upload(SupplierA(), id, env.bytes, 0, 1000), IsOk());
  const uint64_t before = LogSize();
  BreakTheLog();
  auto done = Upload(SupplierA(), id, env.bytes, 1000, env.bytes.size());
  ASSERT_THAT(done, StatusIs("audit.unavailable"));
  TransferRecord r = metadata_->Get(id).value();
  EXPECT_EQ(r.state, TransferState::kAbandoned);
  EXPECT_EQ(r.reason, "audit.unavailable");
  EXPECT_TRUE(r.receipt.empty());
  EXPECT_THAT(documents_->Size(key), StatusIs("store.not_found")) << "no envelope is kept";
  EXPECT_THAT(documents_->UploadOffset(key), StatusIs("store.not_found"));
  EXPECT_EQ(PendingCount(), 0u);
  EXPECT_THAT(service_->OpenDownload(Dcc(), id), StatusIs("transfer.no_envelope"));
  EXPECT_TRUE(service_->Inbox(Dcc())->empty());
  EXPECT_EQ(LogSize(), before);
  MendTheLog();
  EXPECT_THAT(service_->OpenDownload(Dcc(), id), StatusIs("transfer.no_envelope"));
  EXPECT_THAT(service_->Progress(SupplierA(), id), StatusIs("transfer.abandoned"));
}

// An acknowledgement is recorded only with its log entry: when the log cannot take the
// entry, the recipient is told audit.unavailable and can acknowledge again later, and
// the log then shows it.
TEST_F(TransferServiceAuditTest, AnAcknowledgementTheLogCannotTakeIsNotRecorded) {
  Envelope env = Seal();
  TransferRecord r = SendOne(env);
  ASSERT_THAT(service_->MarkDownloaded(Dcc(), r.id, now_), IsOk());
  BreakTheLog();
  auto ack = Acknowledge(Dcc(), r.id, AckFor(r));
  ASSERT_THAT(ack, StatusIs("audit.unavailable"));
  MendTheLog();
  TransferRecord now = metadata_->Get(r.id).value();
  EXPECT_EQ(now.state, TransferState::kDownloaded);
  EXPECT_TRUE(now.deliveries[0].ack.empty());
  const uint64_t before = LogSize();
  auto again = Acknowledge(Dcc(), r.id, AckFor(r));
  ASSERT_THAT(again, IsOk());
  std::vector<AuditEntry> logged = Logged(before);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0].event, audit_event::kTransferAcknowledged);
}

}  // namespace
}  // namespace adtgw
