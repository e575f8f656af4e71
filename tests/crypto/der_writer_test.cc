#include "crypto/der_writer.h"

#include <gtest/gtest.h>

namespace adtgw::der {
namespace {

TEST(DerWriter, ShortAndLongLengths) {
  EXPECT_EQ(Header(kSequence, 0), (Bytes{0x30, 0x00}));
  EXPECT_EQ(Header(kSequence, 127), (Bytes{0x30, 0x7f}));
  EXPECT_EQ(Header(kSequence, 128), (Bytes{0x30, 0x81, 0x80}));
  EXPECT_EQ(Header(kSequence, 256), (Bytes{0x30, 0x82, 0x01, 0x00}));
  EXPECT_EQ(Header(0x80, 0x100000000ULL), (Bytes{0x80, 0x85, 0x01, 0, 0, 0, 0}));
  EXPECT_EQ(EncodedSize(300), 304u);
}

TEST(DerWriter, ObjectIdentifiers) {
  // Known encodings: id-data, sha256, and a 128-bit arc under 2.25.
  EXPECT_EQ(Oid("1.2.840.113549.1.7.1"),
            (Bytes{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01}));
  EXPECT_EQ(Oid("2.16.840.1.101.3.4.2.1"),
            (Bytes{0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01}));
  // 2.25.<2^64>: first subidentifier 2*40+25 = 105 (0x69); 2^64 in base 128.
  EXPECT_EQ(OidContent("2.25.18446744073709551616"),
            (Bytes{0x69, 0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}));
  // The ZAZ1 SMKI test policy OID as it appears in the fixture certificates.
  EXPECT_EQ(OidContent("1.2.826.0.1.8641679.1.2.1.4"),
            (Bytes{0x2a, 0x86, 0x3a, 0x00, 0x01, 0x84, 0x8f, 0xb9, 0x0f, 0x01, 0x02, 0x01, 0x04}));
}

TEST(DerWriter, IntegersAreMinimalAndPositive) {
  EXPECT_EQ(Integer(0), (Bytes{0x02, 0x01, 0x00}));
  EXPECT_EQ(Integer(127), (Bytes{0x02, 0x01, 0x7f}));
  EXPECT_EQ(Integer(128), (Bytes{0x02, 0x02, 0x00, 0x80}));
  EXPECT_EQ(Integer(256), (Bytes{0x02, 0x02, 0x01, 0x00}));
}

TEST(DerWriter, SetOfIsSorted) {
  Bytes a = OctetString(Bytes{2});
  Bytes b = OctetString(Bytes{1});
  Bytes c = Integer(5);
  EXPECT_EQ(SetOf({a, b, c}),
            (Bytes{0x31, 0x09, 0x02, 0x01, 0x05, 0x04, 0x01, 0x01, 0x04, 0x01, 0x02}));
}

TEST(DerWriter, TimesFollowRfc5280) {
  Bytes utc = Time(0);  // 1970-01-01
  EXPECT_EQ(utc[0], kUtcTime);
  EXPECT_EQ(std::string(utc.begin() + 2, utc.end()), "700101000000Z");
  Bytes gen = Time(2524608000);  // 2050-01-01
  EXPECT_EQ(gen[0], kGeneralizedTime);
  EXPECT_EQ(std::string(gen.begin() + 2, gen.end()), "20500101000000Z");
}

}  // namespace
}  // namespace adtgw::der
