#include "certs/distinguished_name.h"

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include "crypto/ossl_ptr.h"
#include "tests/support/status_matchers.h"

namespace adtgw {
namespace {

using testing::Not;

struct Ava {
  const char* type;
  const char* value;
  int string_type = MBSTRING_UTF8;
  bool joins_previous = false;  // a further value of the previous RDN (multi-valued RDN)
};

// A name built the way a CA builds one, in certificate order.
X509NamePtr Name(std::initializer_list<Ava> avas) {
  X509NamePtr name(X509_NAME_new());
  for (const Ava& a : avas) {
    int loc = -1, set = 0;
    if (a.joins_previous) {
      loc = X509_NAME_entry_count(name.get()) - 1;
      set = -1;
    }
    EXPECT_EQ(1, X509_NAME_add_entry_by_txt(name.get(), a.type, a.string_type,
                                            reinterpret_cast<const unsigned char*>(a.value), -1,
                                            loc, set));
  }
  return name;
}

std::string Printed(const X509_NAME* name, unsigned long flags) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, flags & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string Key(std::string_view text) {
  Result<std::string> key = CanonicalNameKey(text);
  EXPECT_THAT(key, IsOk()) << text;
  return key.ok() ? *key : std::string("<error>");
}

TEST(DistinguishedNameTest, WhatOpenSslPrintsMatchesTheCertificateName) {
  X509NamePtr names[] = {
      Name({{"C", "GB"}, {"O", "Example Energy Ltd"}, {"CN", "Supplier One"}}),
      // Characters RFC 2253 escapes, and a value that begins with '#' or a space.
      Name({{"O", "Smith, Jones + Co"}, {"CN", "#1 \"quoted\" <x>;y=z\\"}}),
      Name({{"CN", " padded "}}),
      // Non-ASCII UTF-8, as OpenSSL prints it without escaping.
      Name({{"O", "Énergie Café"}, {"CN", "Zoë"}}),
      // A multi-valued RDN.
      Name({{"O", "Example"}, {"CN", "Meter Ops"}, {"serialNumber", "42", MBSTRING_UTF8, true}}),
      // Dotted OIDs and less common types.
      Name({{"DC", "example"}, {"DC", "com"}, {"UID", "u1"}, {"2.5.4.97", "VATGB-123"}}),
  };
  for (const auto& name : names) {
    std::string text = Printed(name.get(), XN_FLAG_RFC2253);
    EXPECT_EQ(Key(text), CanonicalNameKey(name.get())) << text;
    EXPECT_EQ(Key("'" + text + "'"), CanonicalNameKey(name.get())) << "quoted as adtgw prints it";
    std::string one_line = Printed(name.get(), XN_FLAG_ONELINE);
    EXPECT_EQ(Key(one_line), CanonicalNameKey(name.get())) << one_line;
  }
}

TEST(DistinguishedNameTest, SpellingSpacingCaseAndStringTypeDoNotChangeAName) {
  X509NamePtr printable = Name({{"C", "GB", MBSTRING_ASC},
                                {"O", "Example", V_ASN1_PRINTABLESTRING},
                                {"CN", "Supplier One", V_ASN1_PRINTABLESTRING}});
  X509NamePtr utf8 = Name({{"C", "GB", MBSTRING_ASC}, {"O", "Example"}, {"CN", "Supplier One"}});
  std::string key = CanonicalNameKey(printable.get());
  EXPECT_EQ(key, CanonicalNameKey(utf8.get()));
  for (const char* text : {
           "CN=Supplier One,O=Example,C=GB",
           "CN=Supplier One , O=Example , C=GB",
           "C = GB, O = Example, CN = Supplier One",  // openssl x509 -noout -subject
           "subject=C = GB, O = Example, CN = Supplier One",
           "cn=supplier  one,o=EXAMPLE,c=gb",
           "commonName=Supplier One,organizationName=Example,countryName=GB",
           "2.5.4.3=Supplier One,2.5.4.10=Example,2.5.4.6=GB",
           "CN=Supplier\\20One,O=\\45xample,C=GB",
           "CN=\"Supplier One\",O=Example,C=GB",
           "/C=GB/O=Example/CN=Supplier One",
       }) {
    EXPECT_EQ(Key(text), key) << text;
  }
}

TEST(DistinguishedNameTest, DifferentNamesHaveDifferentKeys) {
  std::string key = Key("CN=a,O=b");
  for (const char* other : {
           "CN=b,O=a",       // values swapped
           "O=b,CN=a",       // order reversed
           "CN=a+O=b",       // one multi-valued RDN, not two
           "CN=a\\,O=b",     // an escaped comma is part of the value
           "CN=a,O=b,C=GB",  // one more RDN
           "CN=a", "CN=a,O=bb",
           "/CN=a/O=b",  // slash form is in certificate order
       }) {
    EXPECT_NE(Key(other), key) << other;
  }
  EXPECT_EQ(Key("CN=a=b"), Key("CN=a\\=b")) << "'=' needs no escape";
  // Multi-valued RDNs compare as sets.
  EXPECT_EQ(Key("CN=a+O=b"), Key("O=b+CN=a"));
}

TEST(DistinguishedNameTest, TextThatIsNoNameIsRefusedWithTheReason) {
  for (const char* bad : {
           "",
           "   ",
           "''",
           "CN",
           "=x",
           "CN=a,",
           "CN=a,,O=b",
           "CN=a+",
           "NoSuchType=x",
           "CN=#04024869",  // BER-encoded value
           "CN=a\\qb",      // not an escape
           "CN=a\\",
           "CN=\"open",
           "CN=\"a\"b",
           "CN = a,O=b",  // one-line and RFC 2253 mixed: the order is unclear
           "CN=",
           "CN=\xff\xfe",
           "CN=\\ff",  // escaped bytes that are not UTF-8
           "/",
           "/CN=a/",
       }) {
    EXPECT_THAT(CanonicalNameKey(bad), StatusIs("cert.bad_name")) << bad;
  }
  EXPECT_THAT(CanonicalNameKey(std::string(5000, 'a')), StatusIs("cert.bad_name"));
  Result<std::string> unknown = CanonicalNameKey("Department=x");
  ASSERT_THAT(unknown, Not(IsOk()));
  EXPECT_NE(unknown.error().message.find("unknown attribute type 'Department'"), std::string::npos);
  EXPECT_NE(unknown.error().hint.find("RFC2253"), std::string::npos);
}

}  // namespace
}  // namespace adtgw
