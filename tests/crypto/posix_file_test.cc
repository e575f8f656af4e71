#include "crypto/posix_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace adtgw {
namespace {

bool IsOpen(int fd) { return fcntl(fd, F_GETFD) != -1; }

TEST(UniqueFd, ClosesWhenDestroyed) {
  int raw = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(raw, 0);
  {
    UniqueFd fd(raw);
    EXPECT_TRUE(fd.valid());
    EXPECT_EQ(fd.get(), raw);
  }
  EXPECT_FALSE(IsOpen(raw));
}

TEST(UniqueFd, MovesOwnershipAndReleases) {
  UniqueFd a(open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int raw = a.get();
  UniqueFd b(std::move(a));
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(b.get(), raw);
  UniqueFd c;
  c = std::move(b);
  EXPECT_EQ(c.get(), raw);
  EXPECT_EQ(c.release(), raw);
  EXPECT_FALSE(c.valid());
  EXPECT_TRUE(IsOpen(raw));  // released: the caller owns it now
  UniqueFd again(raw);
}

TEST(UniqueFd, ResetClosesTheOldDescriptor) {
  UniqueFd fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int first = fd.get();
  fd.reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
  EXPECT_TRUE(fd.valid());
  EXPECT_FALSE(IsOpen(first));
  fd.reset();
  EXPECT_FALSE(fd.valid());
}

TEST(UniqueFd, CloseReportsAndGivesUpTheDescriptor) {
  UniqueFd fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
  EXPECT_EQ(fd.Close(), 0);
  EXPECT_FALSE(fd.valid());
  EXPECT_EQ(fd.Close(), 0);  // nothing held: nothing to report
}

TEST(ErrnoError, SaysWhatFailedAndWhy) {
  Error e = ErrnoError(ErrorKind::kIo, "io.read", "/x: cannot open", ENOENT, "check the path");
  EXPECT_EQ(e.kind, ErrorKind::kIo);
  EXPECT_EQ(e.code, "io.read");
  EXPECT_EQ(e.message, "/x: cannot open: No such file or directory");
  EXPECT_EQ(e.hint, "check the path");
  EXPECT_EQ(ErrnoText(EACCES), "Permission denied");
}

TEST(SyncDirectory, SyncsAFolderAndNamesOneThatCannotBeOpened) {
  testing::TempDir dir;
  EXPECT_TRUE(SyncDirectory(dir.path()).ok());
  Status missing = SyncDirectory(dir.path() + "/missing");
  ASSERT_THAT(missing, StatusIs("io.write"));
  EXPECT_EQ(missing.error().kind, ErrorKind::kIo);
  EXPECT_EQ(missing.error().message,
            "cannot open " + dir.path() + "/missing: No such file or directory");
}

}  // namespace
}  // namespace adtgw
