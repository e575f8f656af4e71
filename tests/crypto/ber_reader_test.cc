#include "crypto/ber_reader.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

using ::testing::Not;

using der::Bytes;

TEST(BerReader, ReadsNestedDefiniteStructure) {
  Bytes data = der::Sequence({der::Integer(7), der::OctetString(Bytes{1, 2, 3})});
  MemorySource src(data);
  BerReader r(src, "test");
  auto seq = r.Expect(der::kSequence, "seq");
  ASSERT_THAT(seq, IsOk());
  ASSERT_THAT(r.Open(*seq, "seq"), IsOk());
  EXPECT_EQ(r.ExpectContent(der::kInteger, 8, "int").value(), Bytes{7});
  EXPECT_TRUE(r.More().value());
  EXPECT_EQ(r.ExpectContent(der::kOctetString, 8, "os").value(), (Bytes{1, 2, 3}));
  EXPECT_FALSE(r.More().value());
  EXPECT_THAT(r.Close(), IsOk());
  EXPECT_TRUE(r.AtEnd().value());
}

TEST(BerReader, ChildMayNotRunPastItsParent) {
  // SEQUENCE of length 3 holding an OCTET STRING that claims 5 bytes.
  Bytes data{0x30, 0x03, 0x04, 0x05, 0x01, 0x02, 0x03, 0x04, 0x05};
  MemorySource src(data);
  BerReader r(src, "test");
  auto seq = r.ReadHeader();
  ASSERT_THAT(r.Open(*seq, "seq"), IsOk());
  auto child = r.ReadHeader();
  ASSERT_THAT(child, StatusIs("test.malformed"));
}

TEST(BerReader, EveryEnclosingDefiniteContainerBoundsAChild) {
  // SEQUENCE (4 bytes) > [0] indefinite > OCTET STRING claiming 10 bytes.
  Bytes data{0x30, 0x04, 0xa0, 0x80, 0x04, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 0};
  MemorySource src(data);
  BerReader r(src, "test");
  auto seq = r.ReadHeader();
  ASSERT_THAT(r.Open(*seq, "seq"), IsOk());
  auto inner = r.ReadHeader();
  ASSERT_THAT(inner, IsOk());
  ASSERT_THAT(r.Open(*inner, "inner"), IsOk());
  auto child = r.ReadHeader();
  ASSERT_THAT(child, StatusIs("test.malformed"));
}

TEST(BerReader, TruncationIsReportedAsSuch) {
  Bytes data = der::OctetString(Bytes(100, 0xaa));
  data.resize(50);
  MemorySource src(data);
  BerReader r(src, "test");
  auto content = r.ExpectContent(der::kOctetString, 1000, "os");
  ASSERT_THAT(content, StatusIs("test.truncated"));
}

TEST(BerReader, SizeCapsAreEnforced) {
  Bytes data = der::OctetString(Bytes(100, 0xaa));
  MemorySource src(data);
  BerReader r(src, "test");
  auto content = r.ExpectContent(der::kOctetString, 99, "os");
  ASSERT_THAT(content, Not(IsOk()));
  EXPECT_NE(content.error().message.find("over the limit"), std::string::npos);
}

TEST(BerReader, RefusesOverlongLengthFields) {
  Bytes data{0x04, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  MemorySource src(data);
  BerReader r(src, "test");
  EXPECT_THAT(r.ReadHeader(), Not(IsOk()));
}

TEST(BerReader, StreamsIndefiniteConstructedOctetStrings) {
  // [0] constructed, indefinite, two segments, then end-of-contents.
  Bytes data{0xa0, 0x80, 0x04, 0x02, 'a', 'b', 0x04, 0x01, 'c', 0x00, 0x00, 0x05, 0x00};
  MemorySource src(data);
  BerReader r(src, "test");
  auto h = r.ReadHeader();
  ASSERT_THAT(h, IsOk());
  EXPECT_TRUE(h->indefinite);
  OctetStringSource os(r, *h);
  uint8_t buf[16];
  std::string got;
  for (;;) {
    auto n = os.Read(buf);
    ASSERT_THAT(n, IsOk());
    if (*n == 0) break;
    got.append(reinterpret_cast<char*>(buf), *n);
  }
  EXPECT_EQ(got, "abc");
  EXPECT_EQ(r.ReadHeader()->tag, der::kNull);  // positioned after the EOC
}

TEST(BerReader, IndefiniteLengthOnPrimitiveIsMalformed) {
  Bytes data{0x04, 0x80, 0x00, 0x00};
  MemorySource src(data);
  BerReader r(src, "test");
  EXPECT_THAT(r.ReadHeader(), Not(IsOk()));
}

TEST(BerReader, LargeContentIsStreamedNotBuffered) {
  Bytes big(5 << 20, 0x5a);
  Bytes data = der::OctetString(big);
  MemorySource src(data);
  BerReader r(src, "test");
  auto h = r.ReadHeader();
  OctetStringSource os(r, *h);
  std::vector<uint8_t> buf(1 << 20);
  uint64_t total = 0;
  for (;;) {
    auto n = os.Read(buf);
    ASSERT_THAT(n, IsOk());
    if (*n == 0) break;
    total += *n;
  }
  EXPECT_EQ(total, big.size());
  EXPECT_TRUE(r.AtEnd().value());
}

}  // namespace
}  // namespace adtgw
