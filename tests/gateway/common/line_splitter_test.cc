#include "gateway/common/line_splitter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

struct Lines {
  std::vector<std::string> seen;
  Status operator()(std::string_view line) {
    seen.emplace_back(line);
    return OkStatus();
  }
};

// Every way of cutting the text into two or three pieces gives the same lines.
TEST(LineSplitter, LinesAreWholeWhereverThePiecesAreCut) {
  const std::string text = "0 a b\n\n12 cd\nlast";
  const std::vector<std::string> want = {"0 a b", "", "12 cd", "last"};
  for (size_t i = 0; i <= text.size(); ++i) {
    for (size_t j = i; j <= text.size(); ++j) {
      LineSplitter splitter("text", 64);
      Lines lines;
      ASSERT_THAT(splitter.Feed(std::string_view(text).substr(0, i), std::ref(lines)), IsOk());
      ASSERT_THAT(splitter.Feed(std::string_view(text).substr(i, j - i), std::ref(lines)), IsOk());
      ASSERT_THAT(splitter.Feed(std::string_view(text).substr(j), std::ref(lines)), IsOk());
      ASSERT_THAT(splitter.Finish(std::ref(lines)), IsOk());
      EXPECT_EQ(lines.seen, want) << i << " " << j;
    }
  }
}

TEST(LineSplitter, ATextEndingInANewlineHasNoExtraLine) {
  LineSplitter splitter("text", 64);
  Lines lines;
  ASSERT_THAT(splitter.Feed("a\nb\n", std::ref(lines)), IsOk());
  ASSERT_THAT(splitter.Finish(std::ref(lines)), IsOk());
  EXPECT_EQ(lines.seen, (std::vector<std::string>{"a", "b"}));
}

TEST(LineSplitter, ALineOverTheCapIsRefusedInOnePieceOrMany) {
  for (size_t piece : {1, 3, 100}) {
    LineSplitter splitter("the gateway's entries", 8);
    Lines lines;
    std::string text = "12345678\n123456789\n";
    Status s = OkStatus();
    for (size_t at = 0; at < text.size() && s.ok(); at += piece) {
      s = splitter.Feed(std::string_view(text).substr(at, piece), std::ref(lines));
    }
    ASSERT_THAT(s, StatusIs("input.line_too_long")) << piece;
    EXPECT_NE(s.error().message.find("the gateway's entries"), std::string::npos);
    EXPECT_EQ(lines.seen, std::vector<std::string>{"12345678"}) << piece;
  }
}

TEST(LineSplitter, TheConsumersErrorStopsTheFeed) {
  LineSplitter splitter("text", 64);
  int calls = 0;
  auto refuse_second = [&](std::string_view) -> Status {
    if (++calls == 2) return MakeError(ErrorKind::kIo, "io.write", "disk full");
    return OkStatus();
  };
  Status s = splitter.Feed("a\nb\nc\n", refuse_second);
  ASSERT_THAT(s, StatusIs("io.write"));
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace adtgw
