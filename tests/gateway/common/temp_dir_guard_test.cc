#include "gateway/common/temp_dir_guard.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/support/temp_dir.h"
#include "tests/support/test_files.h"

namespace adtgw {
namespace {

using testing::Exists;
using testing::TempDir;
using testing::Write;

// A directory with a file and a folder in it, as an export is before it is renamed.
std::string FilledDirectory(const TempDir& base) {
  std::string dir = base.path() + "/export.tmp";
  EXPECT_EQ(mkdir(dir.c_str(), 0700), 0);
  EXPECT_EQ(mkdir((dir + "/sub").c_str(), 0700), 0);
  Write(dir + "/entries.log", "0 - {}\n");
  Write(dir + "/sub/file", "x");
  return dir;
}

TEST(TempDirGuard, RemovesTheDirectoryAndWhatIsInIt) {
  TempDir base;
  std::string dir = FilledDirectory(base);
  { TempDirGuard guard(dir); }
  EXPECT_FALSE(Exists(dir));
  EXPECT_TRUE(Exists(base.path()));
}

TEST(TempDirGuard, KeepsTheDirectoryOnceReleased) {
  TempDir base;
  std::string dir = FilledDirectory(base);
  {
    TempDirGuard guard(dir);
    guard.Release();
  }
  EXPECT_TRUE(Exists(dir + "/entries.log"));
  EXPECT_TRUE(Exists(dir + "/sub/file"));
}

TEST(TempDirGuard, ADirectoryAlreadyGoneIsNoError) {
  TempDir base;
  { TempDirGuard guard(base.path() + "/never-made"); }
  { TempDirGuard guard(""); }
  EXPECT_TRUE(Exists(base.path()));
}

}  // namespace
}  // namespace adtgw
