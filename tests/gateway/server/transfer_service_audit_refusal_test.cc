// TransferService and the audit log: refused requests are logged with their reason.
#include "tests/gateway/server/transfer_service_fixture.h"

namespace adtgw::transfer_service_test {
namespace {

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
    // A non-party is answered as if the transfer did not exist; the entry says why.
    const std::string answer =
        std::string(c.code) == "transfer.not_party" ? "transfer.not_found" : c.code;
    EXPECT_THAT(c.run(), StatusIs(answer));
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
  auto caller = service_->Identify(Peer(0x33, "CN=stranger"));
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

}  // namespace
}  // namespace adtgw::transfer_service_test
