#include "gateway/common/scratch_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "crypto/byte_stream.h"
#include "tests/support/temp_dir.h"

namespace adtgw {
namespace {

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
    ASSERT_TRUE(f.ok()) << f.error().message;
    path = f->path();
    EXPECT_EQ(path.rfind(dir_.path() + "/adtgw-envelope-", 0), 0u) << path;
    ASSERT_TRUE(f->Write(AsBytes("hello ")).ok());
    ASSERT_TRUE(f->Write(AsBytes("world")).ok());
    ASSERT_TRUE(f->Write({}).ok());
    EXPECT_EQ(f->size(), 11u);
    ASSERT_TRUE(f->Close().ok());
    ASSERT_TRUE(f->Close().ok()) << "closing twice is harmless";
    EXPECT_EQ(Slurp(path), "hello world");
    struct stat st {};
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto late = f->Write(AsBytes("x"));
    ASSERT_FALSE(late.ok());
    EXPECT_EQ(late.error().code, "io.write");
  }
  EXPECT_FALSE(Exists(path));
}

TEST_F(ScratchFileTest, AMovedFileIsRemovedOnceByItsNewOwner) {
  auto f = ScratchFile::Create("move");
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(f->Write(AsBytes("abc")).ok());
  std::string path = f->path();
  {
    ScratchFile moved(std::move(*f));
    EXPECT_EQ(moved.path(), path);
    EXPECT_EQ(moved.size(), 3u);
    ASSERT_TRUE(moved.Write(AsBytes("d")).ok());
    ASSERT_TRUE(moved.Close().ok());
    EXPECT_EQ(Slurp(path), "abcd");
    EXPECT_FALSE(f->Write(AsBytes("x")).ok()) << "the moved-from file writes nothing";
  }
  EXPECT_FALSE(Exists(path));
}

TEST_F(ScratchFileTest, EachFileHasItsOwnName) {
  auto a = ScratchFile::Create("same");
  auto b = ScratchFile::Create("same");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->path(), b->path());
}

TEST_F(ScratchFileTest, AnUnusableTemporaryFolderIsAnIoError) {
  setenv("TMPDIR", (dir_.path() + "/missing").c_str(), 1);
  auto f = ScratchFile::Create("x");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, "io.write");
  EXPECT_EQ(f.error().kind, ErrorKind::kIo);
  EXPECT_NE(f.error().message.find("/missing"), std::string::npos);
}

}  // namespace
}  // namespace adtgw
