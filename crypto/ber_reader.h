// A bounded, streaming BER/DER reader over a ByteSource, used for every ASN.1
// structure adtgw reads itself (the CMS envelope, its inner SignedData, detached
// signatures). It holds at most one small buffer, so multi-gigabyte envelopes are
// parsed in constant memory; large primitive contents are streamed by the caller
// (ReadContentChunk / OctetStringSource) instead of being loaded.
//
// Strictness: single-octet tags only (adtgw's formats need no others); lengths of
// at most 8 octets; a child may not run past the definite-length container it sits
// in (Open/Close keep a stack of containers); every in-memory read takes a size cap.
// Errors carry the code given at construction (e.g. "envelope.malformed") and the
// byte offset, or "<prefix>.truncated" when the input ends early.
//
// Thread safety: one thread at a time. The ByteSource must outlive the reader.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "crypto/byte_stream.h"
#include "crypto/der_writer.h"

namespace adtgw {

struct BerHeader {
  uint8_t tag = 0;
  bool indefinite = false;
  uint64_t length = 0;  // content length when !indefinite
  uint64_t header_offset = 0;
  uint64_t content_offset = 0;

  bool constructed() const { return (tag & 0x20) != 0; }
  uint64_t end() const { return content_offset + length; }  // definite only
};

class BerReader {
 public:
  // `what` names the structure in messages ("envelope", "signature"); error codes are
  // "<what>.malformed" and "<what>.truncated".
  BerReader(ByteSource& src, std::string what);

  Result<BerHeader> ReadHeader();
  // Reads a header and requires its tag; `field` names it in the error.
  Result<BerHeader> Expect(uint8_t tag, const char* field);
  // Reads a whole definite-length content into memory, refusing more than `cap` bytes.
  Result<der::Bytes> ReadContent(const BerHeader& h, size_t cap, const char* field);
  // Expect + ReadContent.
  Result<der::Bytes> ExpectContent(uint8_t tag, size_t cap, const char* field);
  // Reads one whole element (header and content, definite length) as raw bytes.
  Result<der::Bytes> ReadElement(size_t cap, const char* field);
  // Skips the content of an element whose header was just read (recursing into
  // indefinite-length encodings), refusing more than `cap` bytes in all.
  Status SkipContent(const BerHeader& h, uint64_t cap);

  // Descends into a constructed element; children must then stay inside it.
  Status Open(const BerHeader& h, const char* field);
  // True while the innermost open container has more children.
  Result<bool> More();
  // Leaves the innermost open container: definite ones must be exactly used up,
  // indefinite ones end with the end-of-contents octets.
  Status Close();

  // Streams up to out.size() bytes of a primitive content; `remaining` is how much of
  // it the caller still expects. Returns 0 only when remaining is 0.
  Result<size_t> ReadContentChunk(std::span<uint8_t> out, uint64_t remaining);

  // The tag of the next element, without consuming it.
  Result<uint8_t> PeekTag();
  // True when the source is exhausted (nothing but the end remains).
  Result<bool> AtEnd();
  uint64_t offset() const { return consumed_ + pos_; }

  Error Malformed(const std::string& message) const;
  Error Truncated(const std::string& field) const;

 private:
  Result<bool> Fill(size_t need);  // false if the source ended first
  Status CheckInside(const BerHeader& h, const char* field) const;

  ByteSource& src_;
  std::string what_;
  ScratchBuffer buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
  uint64_t consumed_ = 0;  // stream offset of buf_[0]
  bool eof_ = false;
  std::vector<BerHeader> open_;
};

// The content octets of an OCTET STRING (or an implicitly tagged one) as a stream:
// primitive, or BER constructed from primitive segments, definite or indefinite.
// Construct it right after reading the string's header; read it to its end (0).
class OctetStringSource final : public ByteSource {
 public:
  OctetStringSource(BerReader& reader, const BerHeader& header);
  Result<size_t> Read(std::span<uint8_t> out) override;
  uint64_t total() const { return total_; }

 private:
  BerReader& reader_;
  bool constructed_;
  bool opened_ = false;
  bool done_ = false;
  uint64_t segment_remaining_;
  uint64_t total_ = 0;
  BerHeader header_;
};

}  // namespace adtgw
