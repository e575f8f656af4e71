// FolderLock: one holder at a time (flock on two open file descriptions conflicts even
// within one process), released with its owner, never taken through a link.
#include "gateway/common/folder_lock.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace adtgw {
namespace {

using ::testing::Not;

class FolderLockTest : public ::testing::Test {
 protected:
  Result<FolderLock> Take(const std::string& path) {
    return FolderLock::Acquire(path, "test.busy", "someone else holds it", "wait for them");
  }
  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }

  testing::TempDir dir_{"adtgw-lock"};
};

TEST_F(FolderLockTest, SecondHolderGetsTheBusyError) {
  auto first = Take(Path("lock"));
  ASSERT_THAT(first, IsOk());
  auto second = Take(Path("lock"));
  ASSERT_THAT(second, Not(IsOk()));
  EXPECT_EQ(second.error().kind, ErrorKind::kConflict);
  EXPECT_THAT(second, StatusIs("test.busy"));
  EXPECT_EQ(second.error().message, "someone else holds it");
  EXPECT_EQ(second.error().hint, "wait for them");
}

TEST_F(FolderLockTest, ReleasedWhenDestroyed) {
  {
    auto first = Take(Path("lock"));
    ASSERT_THAT(first, IsOk());
    ASSERT_THAT(Take(Path("lock")), Not(IsOk()));
  }
  auto again = Take(Path("lock"));
  EXPECT_THAT(again, IsOk());
}

TEST_F(FolderLockTest, AFailedAttemptDoesNotReleaseTheHoldersLock) {
  auto first = Take(Path("lock"));
  ASSERT_THAT(first, IsOk());
  for (int i = 0; i < 3; ++i) EXPECT_THAT(Take(Path("lock")), Not(IsOk())) << "attempt " << i;
}

TEST_F(FolderLockTest, MovingKeepsTheLockHeld) {
  std::optional<FolderLock> moved;
  {
    auto first = Take(Path("lock"));
    ASSERT_THAT(first, IsOk());
    moved.emplace(std::move(first).value());
  }  // the moved-from lock is gone
  EXPECT_THAT(Take(Path("lock")), Not(IsOk())) << "the moved-to lock must still hold it";
  moved.reset();
  EXPECT_THAT(Take(Path("lock")), IsOk());
}

TEST_F(FolderLockTest, CreatesAPrivateLockFileAndReusesIt) {
  {
    auto lock = Take(Path("lock"));
    ASSERT_THAT(lock, IsOk());
    struct stat st;
    ASSERT_EQ(lstat(Path("lock").c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_mode & 0077, 0u) << "no access for group or others";
  }
  EXPECT_EQ(access(Path("lock").c_str(), F_OK), 0) << "the lock file stays";
  EXPECT_THAT(Take(Path("lock")), IsOk());
}

TEST_F(FolderLockTest, LocksOnDifferentPathsAreIndependent) {
  auto a = Take(Path("a"));
  auto b = Take(Path("b"));
  EXPECT_THAT(a, IsOk());
  EXPECT_THAT(b, IsOk());
}

TEST_F(FolderLockTest, RefusesALinkAtTheLockPath) {
  ASSERT_EQ(symlink(Path("target").c_str(), Path("lock").c_str()), 0);
  auto lock = Take(Path("lock"));
  ASSERT_THAT(lock, StatusIs("lock.io"));
  EXPECT_EQ(lock.error().kind, ErrorKind::kIo);
  EXPECT_NE(access(Path("target").c_str(), F_OK), 0) << "nothing may be created through the link";
}

TEST_F(FolderLockTest, RefusesALinkToAnExistingFile) {
  {
    auto real = Take(Path("real"));
    ASSERT_THAT(real, IsOk());
  }
  ASSERT_EQ(symlink(Path("real").c_str(), Path("lock").c_str()), 0);
  auto lock = Take(Path("lock"));
  ASSERT_THAT(lock, StatusIs("lock.io"));
}

TEST_F(FolderLockTest, MissingFolderIsAnIoError) {
  auto lock = Take(Path("missing/lock"));
  ASSERT_THAT(lock, StatusIs("lock.io"));
  EXPECT_EQ(lock.error().kind, ErrorKind::kIo);
}

}  // namespace
}  // namespace adtgw
