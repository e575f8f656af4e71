// The shared setting of the TransferService tests (transfer_service_*_test.cc): a
// gateway over a throw-away SMKI PKI (root + issuing OCA, CRL + ARL), the demo's parties
// (two suppliers, the DCC, an auditor), a policy loaded from YAML that names the PKI's
// files, and real stores and a real audit log in a temporary folder, with the helpers
// the tests use to seal, offer, upload and acknowledge.
//
// Each test owns its fixture: the PKI, the folder, the stores and the service live and
// die with it. Thread safety: one test thread.
#pragma once

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
#include "gateway/common/strict_json.h"
#include "gateway/server/transfer_service.h"
#include "gateway/store/local_document_store.h"
#include "gateway/store/sqlite_metadata_store.h"
#include "gateway/transfer/acknowledgement.h"
#include "gateway/transfer/manifest.h"
#include "gateway/transfer/receipt.h"
#include "policies/policy_loader.h"
#include "tests/support/read_all.h"
#include "tests/support/sqlite_exec.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace adtgw::transfer_service_test {

inline constexpr std::time_t kDay = 86400;

// The demo deployment's parties (gateway/cli/demo_pki.cc).
inline constexpr char kSupplierA[] = "AD-7C-00-00-00-00-02-01";
inline constexpr char kSupplierB[] = "AD-7C-00-00-00-00-02-02";
inline constexpr char kDcc[] = "AD-7C-00-00-00-00-04-01";
inline constexpr char kAuditor[] = "AD-7C-00-00-00-00-7F-01";
inline constexpr char kAuditorSubject[] = "CN=Demo Auditor";

inline constexpr TransferState kAllStates[] = {TransferState::kReceiving,  TransferState::kReceived,
                                               TransferState::kDownloaded, TransferState::kAccepted,
                                               TransferState::kRejected,   TransferState::kExpired,
                                               TransferState::kAbandoned};

Eui64 E(const char* text);

// The outcome of a call without its value, so that one table can hold calls whose
// results are of different types.
template <typename T>
Status StatusOf(Result<T> r) {
  return r.ok() ? OkStatus() : Status(std::move(r).error());
}

// The TLS fingerprint the policy maps to party n (every byte n).
Sha256Digest Fingerprint(uint8_t n);
std::string FingerprintText(uint8_t n);

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

class TransferServiceTest : public ::testing::Test {
 protected:
  TransferServiceTest();

  static std::string PolicyYaml();

  // (Re)opens both stores and a service over them, as a gateway (re)start does.
  void OpenStores();

  // The audit log's entries from index `from` on, parsed.
  std::vector<AuditEntry> Logged(uint64_t from = 0);
  uint64_t LogSize() { return audit_->Latest().checkpoint.size; }

  void NewService();

  // A verified TLS peer presenting this fingerprint and subject (RFC 2253 text).
  static PeerCertificate Peer(uint8_t fingerprint, const std::string& subject);
  Caller As(uint8_t fingerprint, const std::string& subject = "CN=somebody");
  Caller SupplierA() { return As(1); }
  Caller SupplierB() { return As(2); }
  Caller Dcc() { return As(4); }
  Caller Auditor() { return As(0xEE, kAuditorSubject); }

  Envelope Seal(size_t content_size = 3000);

  Manifest ManifestFor(const Envelope& env, const std::string& key = "idempotency-key-0001");

  SignedManifest Sign(const Manifest& m, const testing::Credential* by = nullptr);

  Result<OfferOutcome> Offer(const Caller& caller, const SignedManifest& sm) {
    return service_->Offer(caller, AsBytes(sm.json), sm.signature, now_);
  }

  // Sends data[from, to) as PATCH requests of `piece` bytes, each arriving in writes of
  // `write` bytes; returns the last request's answer or the first error.
  Result<UploadWriter::Finished> Upload(const Caller& caller, const std::string& id,
                                        std::span<const uint8_t> data, uint64_t from, uint64_t to,
                                        uint64_t piece = 1000, uint64_t write = 300);

  // Offers and uploads a fresh envelope in full; returns the received transfer.
  TransferRecord SendOne(const Envelope& env, const std::string& key = "idempotency-key-0001");

  size_t TransferCount();
  size_t PendingCount() { return documents_->PendingUploads()->size(); }
  // The sender's view of the offset, or UINT64_MAX when it cannot be had.
  uint64_t OffsetOf(const std::string& id);

  struct Snapshot {
    size_t transfers;
    size_t pending;
  };
  Snapshot Snap() { return {TransferCount(), PendingCount()}; }
  // Nothing was stored: no new transfer, no new upload.
  void ExpectNothingStored(const Snapshot& before, const std::string& what);

  // `json` is a whole receipt for transfer `id` whose proof places its entry in its
  // checkpoint, the log's newest when `newest`.
  void ExpectProvedReceipt(const std::string& json, const std::string& id, bool newest = true);

  // Replaces transfer `id`'s stored receipt behind the store's back.
  void StoreReceipt(const std::string& id, const std::string& receipt);

  Acknowledgement AckFor(const TransferRecord& r, bool accepted = true);

  Result<TransferRecord> Acknowledge(const Caller& caller, const std::string& id,
                                     const Acknowledgement& a,
                                     const testing::Credential* by = nullptr);

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

// The audit log (docs/audit-log.md, "Events"; issue 5): every decision lands in the log,
// with exact fields, before it is answered; a grant the log cannot take is withdrawn.
class TransferServiceAuditTest : public TransferServiceTest {
 protected:
  // The fields every entry about a transfer of `env` from supplier A to the DCC carries:
  // who, what, which envelope, and the manifest's signer (supplier A's DS certificate).
  AuditEntry About(const char* event, const Envelope& env, const std::string& transfer_id,
                   std::time_t at);

  static void SignedBy(const testing::Credential& who, AuditEntry& e);

  // A refused request as the log should show it (the time is the wall clock's).
  static AuditEntry RefusedRequest(const Eui64& actor, const char* request, const char* reason,
                                   const std::string& transfer_id);

  std::string AuditDb() const { return dir_.path() + "/audit.db"; }
  // Makes every append to the real store fail (a trigger aborts any new entry row), and
  // undoes it. The failure is the store's own, seen through AuditLog's writer.
  void BreakTheLog();
  void MendTheLog();

  // A transfer of a fresh envelope, offered by supplier A and `uploaded` bytes into it.
  struct Receiving {
    Envelope env;
    std::string id;
    std::string storage_key;
  };
  Receiving Offered(const std::string& key, uint64_t uploaded = 0, size_t content = 700);
};

}  // namespace adtgw::transfer_service_test
