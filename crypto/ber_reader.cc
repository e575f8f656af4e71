#include "crypto/ber_reader.h"

#include <algorithm>
#include <cstring>

namespace adtgw {
namespace {
constexpr size_t kBufferSize = 64 * 1024;
}  // namespace

BerReader::BerReader(ByteSource& src, std::string what)
    : src_(src), what_(std::move(what)), buf_(kBufferSize) {}

Error BerReader::Malformed(const std::string& message) const {
  return MakeError(ErrorKind::kInvalidInput, what_ + ".malformed",
                   "malformed " + what_ + " at byte " + std::to_string(offset()) + ": " + message,
                   "the file is damaged or is not a " + what_ + " made by adtgw or openssl cms");
}

Error BerReader::Truncated(const std::string& field) const {
  return MakeError(
      ErrorKind::kInvalidInput, what_ + ".truncated",
      what_ + " ends early at byte " + std::to_string(offset()) + " (in " + field + ")",
      "the file was cut short: copy or download it again");
}

Result<bool> BerReader::Fill(size_t need) {
  if (end_ - pos_ >= need) return true;
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    consumed_ += pos_;
    end_ -= pos_;
    pos_ = 0;
  }
  while (end_ < need && !eof_) {
    ADTGW_ASSIGN(size_t n, src_.Read(buf_.span().subspan(end_)));
    if (n == 0) eof_ = true;
    end_ += n;
  }
  return end_ >= need;
}

Result<uint8_t> BerReader::PeekTag() {
  ADTGW_ASSIGN(bool have, Fill(1));
  if (!have) return Truncated("next element");
  return buf_[pos_];
}

Result<bool> BerReader::AtEnd() {
  ADTGW_ASSIGN(bool have, Fill(1));
  return !have;
}

Status BerReader::CheckInside(const BerHeader& h, const char* field) const {
  // Every enclosing definite-length container bounds the child, not only the innermost
  // (which may be indefinite).
  uint64_t child_end = h.indefinite ? h.content_offset : h.end();
  for (const BerHeader& container : open_) {
    if (!container.indefinite && child_end > container.end()) {
      return Malformed(std::string(field) + " runs past the end of its enclosing structure");
    }
  }
  return OkStatus();
}

Result<BerHeader> BerReader::ReadHeader() {
  BerHeader h;
  h.header_offset = offset();
  ADTGW_ASSIGN(bool have, Fill(2));
  if (!have) return Truncated("element header");
  h.tag = buf_[pos_];
  if ((h.tag & 0x1f) == 0x1f) return Malformed("multi-octet tags are not used by this format");
  uint8_t first = buf_[pos_ + 1];
  pos_ += 2;
  if (first < 0x80) {
    h.length = first;
  } else if (first == 0x80) {
    if (!h.constructed()) return Malformed("indefinite length on a primitive element");
    h.indefinite = true;
  } else {
    size_t n = first & 0x7f;
    if (n > 8) return Malformed("length field longer than 8 octets");
    ADTGW_ASSIGN(bool more, Fill(n));
    if (!more) return Truncated("element length");
    uint64_t len = 0;
    for (size_t i = 0; i < n; ++i) len = (len << 8) | buf_[pos_ + i];
    pos_ += n;
    if (len > (uint64_t{1} << 62)) return Malformed("length too large");
    h.length = len;
  }
  h.content_offset = offset();
  ADTGW_TRY(CheckInside(h, "element"));
  return h;
}

Result<BerHeader> BerReader::Expect(uint8_t tag, const char* field) {
  ADTGW_ASSIGN(BerHeader h, ReadHeader());
  if (h.tag != tag) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "expected tag 0x%02x for %s, found 0x%02x", tag, field, h.tag);
    return Malformed(buf);
  }
  return h;
}

Result<der::Bytes> BerReader::ReadContent(const BerHeader& h, size_t cap, const char* field) {
  if (h.indefinite) return Malformed(std::string(field) + " must have a definite length");
  if (h.length > cap) {
    return Malformed(std::string(field) + " is " + std::to_string(h.length) +
                     " bytes, over the limit of " + std::to_string(cap));
  }
  der::Bytes out(h.length);
  size_t got = 0;
  while (got < out.size()) {
    ADTGW_ASSIGN(size_t n, ReadContentChunk(std::span<uint8_t>(out).subspan(got), h.length - got));
    if (n == 0) return Truncated(field);
    got += n;
  }
  return out;
}

Result<der::Bytes> BerReader::ExpectContent(uint8_t tag, size_t cap, const char* field) {
  ADTGW_ASSIGN(BerHeader h, Expect(tag, field));
  return ReadContent(h, cap, field);
}

Result<der::Bytes> BerReader::ReadElement(size_t cap, const char* field) {
  ADTGW_ASSIGN(BerHeader h, ReadHeader());
  if (h.indefinite) return Malformed(std::string(field) + " must have a definite length");
  ADTGW_ASSIGN(der::Bytes content, ReadContent(h, cap, field));
  der::Bytes out = der::Header(h.tag, h.length);
  der::Append(out, content);
  return out;
}

Status BerReader::SkipContent(const BerHeader& h, uint64_t cap) {
  if (!h.indefinite) {
    if (h.length > cap) return Malformed("skipped element over the size limit");
    uint8_t scratch[4096];
    uint64_t left = h.length;
    while (left > 0) {
      ADTGW_ASSIGN(size_t n, ReadContentChunk(scratch, left));
      if (n == 0) return Truncated("skipped element");
      left -= n;
    }
    return OkStatus();
  }
  ADTGW_TRY(Open(h, "skipped element"));
  uint64_t start = offset();
  for (;;) {
    ADTGW_ASSIGN(bool more, More());
    if (!more) break;
    ADTGW_ASSIGN(BerHeader child, ReadHeader());
    uint64_t used = offset() - start;
    if (used > cap) return Malformed("skipped element over the size limit");
    ADTGW_TRY(SkipContent(child, cap - used));
  }
  return Close();
}

Status BerReader::Open(const BerHeader& h, const char* field) {
  if (!h.constructed()) return Malformed(std::string(field) + " must be constructed");
  if (open_.size() >= 32) return Malformed("nesting too deep");
  open_.push_back(h);
  return OkStatus();
}

Result<bool> BerReader::More() {
  if (open_.empty()) std::abort();  // a caller bug: More() outside Open/Close
  const BerHeader& c = open_.back();
  if (!c.indefinite) {
    if (offset() > c.end()) return Malformed("element runs past its container");
    return offset() < c.end();
  }
  ADTGW_ASSIGN(bool have, Fill(2));
  if (!have) return Truncated("indefinite-length element");
  return !(buf_[pos_] == 0 && buf_[pos_ + 1] == 0);
}

Status BerReader::Close() {
  if (open_.empty()) std::abort();
  BerHeader c = open_.back();
  if (!c.indefinite) {
    if (offset() != c.end()) return Malformed("unexpected extra data inside a structure");
  } else {
    ADTGW_ASSIGN(bool have, Fill(2));
    if (!have) return Truncated("end-of-contents");
    if (buf_[pos_] != 0 || buf_[pos_ + 1] != 0) {
      return Malformed("unexpected extra data inside a structure");
    }
    pos_ += 2;
  }
  open_.pop_back();
  return OkStatus();
}

Result<size_t> BerReader::ReadContentChunk(std::span<uint8_t> out, uint64_t remaining) {
  size_t want = static_cast<size_t>(std::min<uint64_t>(out.size(), remaining));
  if (want == 0) return size_t{0};
  if (end_ > pos_) {
    size_t n = std::min(want, end_ - pos_);
    std::memcpy(out.data(), buf_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  if (eof_) return Truncated("content");
  // Buffer empty: large reads go straight to the caller's memory.
  if (want >= buf_.capacity() / 2) {
    consumed_ += pos_;
    pos_ = end_ = 0;
    ADTGW_ASSIGN(size_t n, src_.Read(out.first(want)));
    if (n == 0) {
      eof_ = true;
      return Truncated("content");
    }
    consumed_ += n;
    return n;
  }
  ADTGW_ASSIGN(bool have, Fill(1));
  if (!have) return Truncated("content");
  return ReadContentChunk(out, remaining);
}

OctetStringSource::OctetStringSource(BerReader& reader, const BerHeader& header)
    : reader_(reader),
      constructed_(header.constructed()),
      segment_remaining_(header.constructed() ? 0 : header.length),
      header_(header) {}

Result<size_t> OctetStringSource::Read(std::span<uint8_t> out) {
  if (done_ || out.empty()) return size_t{0};
  if (!constructed_) {
    ADTGW_ASSIGN(size_t n, reader_.ReadContentChunk(out, segment_remaining_));
    segment_remaining_ -= n;
    total_ += n;
    if (segment_remaining_ == 0) done_ = true;
    return n;
  }
  if (!opened_) {
    ADTGW_TRY(reader_.Open(header_, "octet string"));
    opened_ = true;
  }
  while (segment_remaining_ == 0) {
    ADTGW_ASSIGN(bool more, reader_.More());
    if (!more) {
      ADTGW_TRY(reader_.Close());
      done_ = true;
      return size_t{0};
    }
    ADTGW_ASSIGN(BerHeader seg, reader_.Expect(der::kOctetString, "octet string segment"));
    segment_remaining_ = seg.length;
  }
  ADTGW_ASSIGN(size_t n, reader_.ReadContentChunk(out, segment_remaining_));
  segment_remaining_ -= n;
  total_ += n;
  return n;
}

}  // namespace adtgw
