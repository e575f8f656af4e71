#include "gateway/common/scratch_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "crypto/byte_stream.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace adtgw {
namespace {

using ::testing::Not;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

// Points $TMPDIR at a fresh folder for one test.
class ScratchFileTest : public ::testing::Test {
 protected:
  ScratchFileTest() {
    if (const char* old = std::getenv("TMPDIR")) old_ = old;
    setenv("TMPDIR", dir_.path().c_str(), 1);
  }
  ~ScratchFileTest() override {
    if (old_) {
      setenv("TMPDIR", old_->c_str(), 1);
    } else {
      unsetenv("TMPDIR");
    }
  }
  testing::TempDir dir_{"adtgw-scratch"};
  std::optional<std::string> old_;
};

TEST_F(ScratchFileTest, WritesPrivatelyAndRemovesItselfWhenDestroyed) {
  std::string path;
  {
    auto f = ScratchFile::Create("envelope");
    ASSERT_THAT(f, IsOk());
    path = f->path();
    EXPECT_EQ(path.rfind(dir_.path() + "/adtgw-envelope-", 0), 0u) << path;
    ASSERT_THAT(f->Write(AsBytes("hello ")), IsOk());
    ASSERT_THAT(f->Write(AsBytes("world")), IsOk());
    ASSERT_THAT(f->Write({}), IsOk());
    EXPECT_EQ(f->size(), 11u);
    ASSERT_THAT(f->Close(), IsOk());
    ASSERT_THAT(f->Close(), IsOk()) << "closing twice is harmless";
    EXPECT_EQ(Slurp(path), "hello world");
    struct stat st {};
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto late = f->Write(AsBytes("x"));
    ASSERT_THAT(late, StatusIs("io.write"));
  }
  EXPECT_FALSE(Exists(path));
}

TEST_F(ScratchFileTest, AMovedFileIsRemovedOnceByItsNewOwner) {
  auto f = ScratchFile::Create("move");
  ASSERT_THAT(f, IsOk());
  ASSERT_THAT(f->Write(AsBytes("abc")), IsOk());
  std::string path = f->path();
  {
    ScratchFile moved(std::move(*f));
    EXPECT_EQ(moved.path(), path);
    EXPECT_EQ(moved.size(), 3u);
    ASSERT_THAT(moved.Write(AsBytes("d")), IsOk());
    ASSERT_THAT(moved.Close(), IsOk());
    EXPECT_EQ(Slurp(path), "abcd");
    EXPECT_THAT(f->Write(AsBytes("x")), Not(IsOk())) << "the moved-from file writes nothing";
  }
  EXPECT_FALSE(Exists(path));
}

TEST_F(ScratchFileTest, EachFileHasItsOwnName) {
  auto a = ScratchFile::Create("same");
  auto b = ScratchFile::Create("same");
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_NE(a->path(), b->path());
}

TEST_F(ScratchFileTest, AnUnusableTemporaryFolderIsAnIoError) {
  setenv("TMPDIR", (dir_.path() + "/missing").c_str(), 1);
  auto f = ScratchFile::Create("x");
  ASSERT_THAT(f, StatusIs("io.write"));
  EXPECT_EQ(f.error().kind, ErrorKind::kIo);
  EXPECT_NE(f.error().message.find("/missing"), std::string::npos);
}

}  // namespace
}  // namespace adtgw
