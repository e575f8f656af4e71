// The text encodings adtgw reads and writes, each written once: strict base64
// (RFC 4648 section 4), lower-case hex, UTF-8 validation (RFC 3629) and RFC 3339 UTC
// times. The decoders accept only the canonical form, so that one value has exactly
// one spelling in signed documents, notes and API bodies, and a second spelling is a
// refusal rather than a silent alias.
//
// Everything here is a pure function of its arguments; the decoders return nullopt
// (or an Error) and never throw.
//
// Thread safety: no shared state; safe from any thread.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/result.h"

namespace adtgw {

// ---- Base64: standard alphabet, with padding ----

std::string Base64Encode(std::span<const uint8_t> bytes);

// Only the canonical encoding: length a multiple of 4, '=' only as the last one or
// two characters, unused bits of the last group zero, nothing else (no white space,
// no line breaks, no URL alphabet). The empty string decodes to no bytes.
std::optional<std::vector<uint8_t>> Base64Decode(std::string_view text);

// ---- Hex ----

std::string ToHex(std::span<const uint8_t> bytes);  // lower case, no separators

// An even number of lower-case hex digits, nothing else (the form ToHex writes).
std::optional<std::vector<uint8_t>> FromHex(std::string_view hex);

// Whether every character is one of 0-9a-f (true for the empty string).
bool IsLowerHex(std::string_view text);

// The value of one hex digit of either case, or -1.
int HexDigitValue(char c);

// ---- UTF-8 ----

// The length (1 to 4) of the well-formed UTF-8 sequence that starts at s[i], or 0
// when the bytes there are not one: truncated, a stray continuation byte, an overlong
// form, a surrogate, or a value past U+10FFFF. Requires i < s.size().
size_t Utf8SequenceLength(std::string_view s, size_t i);

// Decodes the code point at s[i] and advances i past it; nullopt (i unchanged) where
// Utf8SequenceLength is 0. Requires i < s.size().
std::optional<char32_t> DecodeUtf8(std::string_view s, size_t& i);

bool IsValidUtf8(std::string_view s);

// `s` with every byte that does not begin a well-formed sequence replaced by U+FFFD,
// so that text echoed from a request (a URL, a header) is always valid UTF-8.
std::string ToValidUtf8(std::string_view s);

// ---- RFC 3339 times, UTC ----

// "2025-10-29T23:59:59Z": whole seconds, always Z.
std::string FormatTime(std::time_t t);

// Parses RFC 3339 UTC ("2020-01-01T00:00:00Z", fractional seconds not accepted) or
// a bare date "2020-01-01" (midnight UTC). Errors: usage.bad_time.
Result<std::time_t> ParseTime(const std::string& text);

}  // namespace adtgw
