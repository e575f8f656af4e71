// TransferService: an offer's envelope arriving PATCH by PATCH, and uploads that break,
// resume or do not match their manifest.
#include "tests/gateway/server/transfer_service_fixture.h"

namespace adtgw::transfer_service_test {
namespace {

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
  ASSERT_THAT(by_other, StatusIs("transfer.not_found"));  // as if there were none
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

}  // namespace
}  // namespace adtgw::transfer_service_test
