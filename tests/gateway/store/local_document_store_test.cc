#include "gateway/store/local_document_store.h"

#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include "crypto/byte_stream.h"
#include "tests/support/read_all.h"

namespace adtgw {
namespace {

using ::testing::Not;

class LocalDocumentStoreTest : public ::testing::Test {
 protected:
  testing::TempDir dir_{"adtgw-store"};
  std::string root_ = dir_.path();
  std::unique_ptr<LocalDocumentStore> store_ = LocalDocumentStore::Create(root_ + "/store").value();
};

TEST_F(LocalDocumentStoreTest, UploadsAreInvisibleUntilCommitted) {
  StorageKey key = store_->BeginUpload().value();
  EXPECT_EQ(store_->UploadOffset(key).value(), 0u);
  EXPECT_EQ(store_->Append(key, 0, AsBytes("hello ")).value(), 6u);
  EXPECT_EQ(store_->Append(key, 6, AsBytes("world")).value(), 11u);
  auto early = store_->Open(key);
  ASSERT_THAT(early, StatusIs("store.not_found"));
  ASSERT_THAT(store_->Commit(key), IsOk());
  auto src = store_->Open(key);
  ASSERT_THAT(src, IsOk());
  EXPECT_EQ(testing::ReadAll(**src), "hello world");
  EXPECT_EQ(store_->Size(key).value(), 11u);
  EXPECT_THAT(store_->UploadOffset(key), Not(IsOk()))
      << "a committed object is no longer an upload";
  struct stat st {};
  ASSERT_EQ(stat((root_ + "/store/objects/" + key.str()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(LocalDocumentStoreTest, AppendsMustStartAtTheOffset) {
  StorageKey key = store_->BeginUpload().value();
  ASSERT_THAT(store_->Append(key, 0, AsBytes("abc")), IsOk());
  auto gap = store_->Append(key, 5, AsBytes("x"));
  ASSERT_THAT(gap, StatusIs("store.offset_mismatch"));
  EXPECT_EQ(gap.error().kind, ErrorKind::kConflict);
  auto overlap = store_->Append(key, 1, AsBytes("x"));
  ASSERT_THAT(overlap, Not(IsOk()));
  EXPECT_EQ(store_->UploadOffset(key).value(), 3u);
}

TEST_F(LocalDocumentStoreTest, AnUploadSurvivesARestartAndResumes) {
  StorageKey key = store_->BeginUpload().value();
  ASSERT_THAT(store_->Append(key, 0, AsBytes("part one,")), IsOk());
  store_.reset();  // the gateway process goes away
  store_ = LocalDocumentStore::Create(root_ + "/store").value();
  auto pending = store_->PendingUploads().value();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0], key);
  uint64_t offset = store_->UploadOffset(key).value();
  EXPECT_EQ(offset, 9u);
  ASSERT_THAT(store_->Append(key, offset, AsBytes(" part two")), IsOk());
  ASSERT_THAT(store_->Commit(key), IsOk());
  EXPECT_EQ(testing::ReadAll(*store_->Open(key).value()), "part one, part two");
  EXPECT_TRUE(store_->PendingUploads().value().empty());
}

TEST_F(LocalDocumentStoreTest, KeysComeOnlyFromTheStore) {
  for (const char* bad :
       {"../../etc/passwd", "0123456789abcdef0123456789abcdeF", "0123456789abcdef0123456789abcde",
        "", "objects/x", "0123456789abcdef0123456789abcdef/"}) {
    auto k = StorageKey::Parse(bad);
    ASSERT_THAT(k, StatusIs("store.bad_key")) << bad;
  }
  StorageKey a = StorageKey::Generate(), b = StorageKey::Generate();
  EXPECT_NE(a, b);
  EXPECT_THAT(StorageKey::Parse(a.str()), IsOk());
}

TEST_F(LocalDocumentStoreTest, LinksPlantedInTheStoreAreNotFollowed) {
  StorageKey key = StorageKey::Generate();
  ASSERT_EQ(symlink("/etc/passwd", (root_ + "/store/objects/" + key.str()).c_str()), 0);
  auto src = store_->Open(key);
  ASSERT_THAT(src, StatusIs("store.io"));
}

TEST_F(LocalDocumentStoreTest, RemoveAndAbandonAreIdempotent) {
  StorageKey key = store_->BeginUpload().value();
  ASSERT_THAT(store_->Append(key, 0, AsBytes("x")), IsOk());
  ASSERT_THAT(store_->Commit(key), IsOk());
  ASSERT_THAT(store_->Remove(key), IsOk());
  ASSERT_THAT(store_->Remove(key), IsOk());
  EXPECT_THAT(store_->Open(key), StatusIs("store.not_found"));
  StorageKey upload = store_->BeginUpload().value();
  ASSERT_THAT(store_->AbandonUpload(upload), IsOk());
  ASSERT_THAT(store_->AbandonUpload(upload), IsOk());
  EXPECT_TRUE(store_->PendingUploads().value().empty());
}

}  // namespace
}  // namespace adtgw
