// Minimal DER (X.690) encoding of the few ASN.1 types adtgw writes itself: CMS
// envelope headers and trailers, certificate names and extensions.
//
// Values are built bottom-up as byte vectors; a constructed value is the tag and
// length of its already-encoded children. SetOf sorts its elements as DER requires.
// Header() lets the streaming sealer write a tag and length before the content
// exists (the content length is known in advance).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <ctime>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

namespace adtgw::der {

using Bytes = std::vector<uint8_t>;

// Universal tags and the context-specific tag helpers.
inline constexpr uint8_t kBoolean = 0x01;
inline constexpr uint8_t kInteger = 0x02;
inline constexpr uint8_t kBitString = 0x03;
inline constexpr uint8_t kOctetString = 0x04;
inline constexpr uint8_t kNull = 0x05;
inline constexpr uint8_t kOid = 0x06;
inline constexpr uint8_t kUtf8String = 0x0c;
inline constexpr uint8_t kPrintableString = 0x13;
inline constexpr uint8_t kUtcTime = 0x17;
inline constexpr uint8_t kGeneralizedTime = 0x18;
inline constexpr uint8_t kSequence = 0x30;
inline constexpr uint8_t kSet = 0x31;
constexpr uint8_t ContextPrimitive(uint8_t n) { return 0x80 | n; }
constexpr uint8_t ContextConstructed(uint8_t n) { return 0xa0 | n; }

// Tag and length octets for a value of `length` content bytes.
Bytes Header(uint8_t tag, uint64_t length);
// Total encoded size of a value with `length` content bytes.
uint64_t EncodedSize(uint64_t length);

Bytes Tlv(uint8_t tag, std::span<const uint8_t> content);
// A constructed value whose content is the concatenation of `children`.
Bytes Constructed(uint8_t tag, std::initializer_list<std::span<const uint8_t>> children);
Bytes Sequence(std::initializer_list<std::span<const uint8_t>> children);
// SET OF: elements sorted by their encodings (X.690 11.6).
Bytes SetOf(std::vector<Bytes> elements);

Bytes Integer(uint64_t value);
// A non-negative INTEGER from big-endian magnitude bytes (leading zeros trimmed).
Bytes UnsignedInteger(std::span<const uint8_t> magnitude);
Bytes OctetString(std::span<const uint8_t> content);
Bytes BitString(std::span<const uint8_t> content);  // no unused bits
Bytes Null();
Bytes Boolean(bool value);
// OBJECT IDENTIFIER from dotted text ("1.2.840.113549.1.7.2"); aborts on malformed
// text, since OIDs are compile-time constants of this program.
Bytes Oid(std::string_view dotted);
Bytes OidContent(std::string_view dotted);
// UTCTime for 1950..2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5 rules).
Bytes Time(std::time_t t);
Bytes Utf8String(std::string_view s);
Bytes PrintableString(std::string_view s);

// Concatenation helper.
void Append(Bytes& out, std::span<const uint8_t> more);

}  // namespace adtgw::der
