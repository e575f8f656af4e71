#include "gateway/common/atomic_file.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/adtgw-atomic-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override {
    DIR* d = opendir(dir_.c_str());
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") unlink((dir_ + "/" + n).c_str());
    }
    closedir(d);
    rmdir(dir_.c_str());
  }
  int Entries() {
    int n = 0;
    DIR* d = opendir(dir_.c_str());
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") ++n;
    }
    closedir(d);
    return n;
  }
  std::string dir_;
};

TEST_F(AtomicFileTest, NothingAppearsUntilCommit) {
  std::string path = dir_ + "/out";
  {
    auto f = AtomicFile::Create(path, 0600, false);
    ASSERT_THAT(f, IsOk());
    ASSERT_THAT(f->Write(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("abc"), 3)),
                IsOk());
    EXPECT_NE(access(path.c_str(), F_OK), 0);
  }  // abandoned
  EXPECT_NE(access(path.c_str(), F_OK), 0);
  EXPECT_EQ(Entries(), 0) << "the temporary file must be removed";
  ASSERT_THAT(WriteFileAtomically(path, std::string("hello"), 0600, false), IsOk());
  std::ifstream in(path);
  std::string got;
  in >> got;
  EXPECT_EQ(got, "hello");
  struct stat st {};
  stat(path.c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(AtomicFileTest, NeverReplacesUnlessAsked) {
  std::string path = dir_ + "/out";
  ASSERT_THAT(WriteFileAtomically(path, std::string("first"), 0644, false), IsOk());
  Status again = WriteFileAtomically(path, std::string("second"), 0644, false);
  ASSERT_THAT(again, StatusIs("output.exists"));
  ASSERT_THAT(WriteFileAtomically(path, std::string("second"), 0644, true), IsOk());
  std::ifstream in(path);
  std::string got;
  in >> got;
  EXPECT_EQ(got, "second");
}

}  // namespace
}  // namespace adtgw
