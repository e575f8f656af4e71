// TransferService: offers refused before the transfer exists, and offers repeated
// (idempotency and replay).
#include <atomic>
#include <thread>

#include "tests/gateway/server/transfer_service_fixture.h"

namespace adtgw::transfer_service_test {
namespace {

using ::testing::Not;

// ---------------------------------------------------------------------------------------
// Offers that are refused before the transfer exists

TEST_F(TransferServiceTest, AnUnknownTlsPeerIsNotAParty) {
  auto caller = service_->Identify(Peer(0x33, "CN=stranger"));
  ASSERT_THAT(caller, StatusIs("tls.unknown_client"));
  EXPECT_EQ(caller.error().kind, ErrorKind::kUnauthenticated);
  // The subject of a known fingerprint-mapped party does not identify it either.
  EXPECT_THAT(service_->Identify(Peer(0x33, "CN=Supplier A")), Not(IsOk()));
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

// Issue 17: the count and the insert were separate steps, so racing offers passed the
// limit. Supplier B may send one a day; 20 offers at once make exactly one transfer.
TEST_F(TransferServiceTest, RacingOffersNeverPassTheDailyLimit) {
  Envelope env = Seal();
  std::vector<SignedManifest> offers;
  for (int i = 0; i < 20; ++i) {
    Manifest m = ManifestFor(env, "supplier-b-race-" + std::to_string(100 + i));
    m.sender = E(kSupplierB);
    offers.push_back(Sign(m, &supplier_b_ds_));
  }
  const Caller caller = SupplierB();
  std::atomic<int> accepted{0}, limited{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = static_cast<size_t>(t); i < offers.size(); i += 4) {
        auto r = service_->Offer(caller, AsBytes(offers[i].json), offers[i].signature, now_);
        if (r.ok()) {
          ++accepted;
        } else if (r.error().code == "policy.daily_limit") {
          ++limited;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 1);
  EXPECT_EQ(limited.load(), 19);
  EXPECT_EQ(other.load(), 0);
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
  auto after = service_->Identify(Peer(2, "CN=somebody"));
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

}  // namespace
}  // namespace adtgw::transfer_service_test
