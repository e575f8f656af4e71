#include "gateway/formats/csv_line.h"

#include <gtest/gtest.h>

namespace adtgw {
namespace {

std::vector<std::string> Fields(CsvLineSplitter& s) {
  return std::vector<std::string>(s.fields().begin(), s.fields().end());
}

TEST(CsvLine, SplitsUnquotedAndQuotedFields) {
  CsvLineSplitter s(10);
  ASSERT_TRUE(s.Split("D,a,,b"));
  EXPECT_EQ(Fields(s), (std::vector<std::string>{"D", "a", "", "b"}));
  ASSERT_TRUE(s.Split("\"a,b\",\"say \"\"hi\"\"\",\"\","));
  EXPECT_EQ(Fields(s), (std::vector<std::string>{"a,b", "say \"hi\"", "", ""}));
  ASSERT_TRUE(s.Split(""));
  EXPECT_EQ(Fields(s), (std::vector<std::string>{""}));
  ASSERT_TRUE(s.Split("café,日本"));  // UTF-8 is text
  EXPECT_EQ(Fields(s)[1], "日本");
}

TEST(CsvLine, NamesTheFieldThatIsMalformed) {
  CsvLineSplitter s(4);
  struct Case {
    const char* line;
    uint32_t column;
    const char* code;
  };
  for (const Case& c :
       {Case{"a,\"b", 2, "csv.unclosed_quote"}, Case{"a,b\"c", 2, "csv.stray_quote"},
        Case{"a,\"b\"c", 2, "csv.text_after_quote"}, Case{"a,b,c,d,e", 5, "csv.too_many_fields"},
        Case{"a,b\tc", 2, "csv.control_character"}, Case{"a,b\rc", 2, "csv.control_character"},
        Case{"a,\"b\x7f\"", 2, "csv.control_character"}, Case{"\xff", 1, "csv.bad_utf8"},
        Case{"a,\xc0\xaf", 2, "csv.bad_utf8"},          // overlong
        Case{"a,\xed\xa0\x80", 2, "csv.bad_utf8"},      // surrogate
        Case{"a,\xf4\x90\x80\x80", 2, "csv.bad_utf8"},  // past U+10FFFF
        Case{"a,caf\xc3", 2, "csv.bad_utf8"}}) {        // cut short
    SCOPED_TRACE(c.line);
    EXPECT_FALSE(s.Split(c.line));
    EXPECT_EQ(s.error_column(), c.column);
    EXPECT_EQ(s.error_code(), c.code);
    EXPECT_FALSE(s.error_message().empty());
  }
}

}  // namespace
}  // namespace adtgw
