#include "gateway/formats/csv_writer.h"

#include <gtest/gtest.h>

#include "gateway/formats/csv_line.h"

namespace adtgw {
namespace {

TEST(CsvWriter, LeavesPlainTextAsItIs) {
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("envelope.stored"), "envelope.stored");
  EXPECT_EQ(CsvField("CN=gw, O=DCC"), "\"CN=gw, O=DCC\"");  // '=' only matters first
  EXPECT_EQ(CsvField("a b'c"), "a b'c");
  EXPECT_EQ(CsvField("café"), "café");
}

TEST(CsvWriter, QuotesCommasQuotesAndLineBreaks) {
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("\""), "\"\"\"\"");
  EXPECT_EQ(CsvField("one\ntwo"), "\"one\ntwo\"");
  EXPECT_EQ(CsvField("one\r\ntwo"), "\"one\r\ntwo\"");
  EXPECT_EQ(CsvField("tab\there"), "tab\there");
}

// A spreadsheet runs a field that starts with one of these as a formula.
TEST(CsvWriter, PutsAnApostropheBeforeWhatASpreadsheetWouldRun) {
  EXPECT_EQ(CsvField("=1+1"), "'=1+1");
  EXPECT_EQ(CsvField("+1"), "'+1");
  EXPECT_EQ(CsvField("-1"), "'-1");
  EXPECT_EQ(CsvField("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvField("\tx"), "'\tx");
  EXPECT_EQ(CsvField("\rx"), "\"'\rx\"");
  EXPECT_EQ(CsvField("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  EXPECT_EQ(CsvField("'"), "'");
}

TEST(CsvWriter, WhatItWritesWithoutLineBreaksReadsBack) {
  const std::vector<std::string> fields = {"", "a,b", "say \"hi\"", "\"", ",,", "plain", "日本"};
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + CsvField(fields[i]);
  CsvLineSplitter splitter(fields.size());
  ASSERT_TRUE(splitter.Split(line)) << splitter.error_message();
  EXPECT_EQ(std::vector<std::string>(splitter.fields().begin(), splitter.fields().end()), fields);
}

}  // namespace
}  // namespace adtgw
