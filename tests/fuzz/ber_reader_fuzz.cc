// libFuzzer target: BerReader and OctetStringSource (crypto/ber_reader.cc) on
// arbitrary BER, driving every public method.
//
// Input layout: byte 0 = n, the number of control bytes; the LAST n bytes (at most
// size - 1) are control bytes; the bytes between are the BER stream. Control bytes
// pick, element by element, which reader method handles the next element (plain
// header walk, ReadElement, Expect with the right or a wrong tag, SkipContent,
// ReadContentChunk in pieces, OctetStringSource, ExpectContent, the error builders)
// and with which size caps and piece sizes; the first control byte picks how the
// ByteSource hands out the stream (all at once, or in pieces of 1..40000 bytes). When
// the control bytes run out every choice is 0: a full recursive header walk. So any
// BER blob prefixed with a 0 byte is a valid seed.
//
// Besides sanitizer findings, the walker checks the reader's promises: offsets only
// grow and stay inside the input; after a definite element is consumed the offset is
// its end; Expect never accepts a wrong tag; ReadElement returns one re-parsable
// element; piece reads never exceed what was asked; OctetStringSource's total() is
// the sum of its reads; error codes carry the "<what>.malformed/.truncated" prefix.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/ber_reader.h"
#include "crypto/der_writer.h"
#include "tests/fuzz/fuzz_support.h"

using namespace adtgw;
using namespace adtgw::fuzz;

namespace {

constexpr int kMaxDepth = 40;  // deeper than BerReader's own nesting limit (32)
constexpr int kBudget = 1 << 14;
constexpr size_t kDefaultCap = 1 << 16;
constexpr size_t kCaps[] = {0, 1, 2, 16, 127, 128, 4096, kDefaultCap};
constexpr size_t kChunks[] = {SIZE_MAX, 1, 2, 3, 7, 64, 4096, 40000};
constexpr size_t kPieces[] = {4096, 1, 2, 5, 64, 1000, 33000, 70000};

class Control {
 public:
  explicit Control(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  uint8_t Next() { return pos_ < bytes_.size() ? bytes_[pos_++] : 0; }

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
};

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class Walker {
 public:
  Walker(BerReader& reader, Control& control, uint64_t stream_size)
      : r_(reader), c_(control), stream_size_(stream_size) {}

  // Walks top-level elements until the stream ends or the first error.
  void WalkTop() {
    for (;;) {
      if (--budget_ < 0) return;
      Result<bool> end = r_.AtEnd();
      CheckOffset();
      if (!end.ok()) return;
      if (*end) {
        if (r_.offset() != stream_size_) InvariantFailed("AtEnd before the end of the stream");
        return;
      }
      if (!Element(0)) return;
    }
  }

 private:
  void CheckOffset() {
    uint64_t now = r_.offset();
    if (now < last_offset_) InvariantFailed("offset went backwards");
    if (now > stream_size_) InvariantFailed("offset past the end of the stream");
    last_offset_ = now;
  }

  void CheckError(const Error& e) {
    if (!EndsWith(e.code, ".malformed") && !EndsWith(e.code, ".truncated")) {
      InvariantFailed("reader error with an unexpected code");
    }
    if (e.message.empty()) InvariantFailed("reader error without a message");
  }

  template <typename T>
  bool Ok(const Result<T>& result) {
    CheckOffset();
    if (!result.ok()) CheckError(result.error());
    return result.ok();
  }
  bool Ok(const Status& status) {
    CheckOffset();
    if (!status.ok()) CheckError(status.error());
    return status.ok();
  }

  void CheckHeader(const BerHeader& h) {
    if (h.content_offset != r_.offset()) InvariantFailed("content_offset is not the offset");
    if (h.content_offset < h.header_offset + 2 || h.content_offset > h.header_offset + 10) {
      InvariantFailed("header size out of range");
    }
    if (h.indefinite && !h.constructed()) InvariantFailed("indefinite primitive accepted");
    if ((h.tag & 0x1f) == 0x1f) InvariantFailed("multi-octet tag accepted");
  }

  void CheckAtEnd(const BerHeader& h) {
    if (!h.indefinite && r_.offset() != h.end()) InvariantFailed("offset is not the element end");
  }

  // Inside an opened container: its children, then true at its end.
  bool Level(int depth) {
    for (;;) {
      if (--budget_ < 0) return false;
      Result<bool> more = r_.More();
      if (!Ok(more)) return false;
      if (!*more) return true;
      if (!Element(depth)) return false;
    }
  }

  bool Element(int depth) {
    uint8_t op = c_.Next();
    switch (op & 7) {
      case 0:
        return HeaderThen(depth, c_.Next());
      case 1:
        return WholeElement(kCaps[(op >> 3) & 7]);
      case 2:
        return ExpectThen(depth, (op & 0x80) != 0);
      case 3:
        return Skip(kCaps[(op >> 3) & 7] * ((op & 0x40) != 0 ? 16 : 1));
      case 4:
        return Pieces(kPieces[(op >> 3) & 7]);
      case 5:
        return OctetString(kPieces[(op >> 3) & 7]);
      case 6:
        return WholeContent(kCaps[(op >> 3) & 7], (op & 0x80) != 0);
      default: {
        Error m = r_.Malformed("fuzz");
        Error t = r_.Truncated("fuzz");
        if (m.code != "fuzz.malformed" || t.code != "fuzz.truncated") {
          InvariantFailed("error builders use the wrong code");
        }
        return HeaderThen(depth, 0);
      }
    }
  }

  bool HeaderThen(int depth, uint8_t mode) {
    Result<BerHeader> h = r_.ReadHeader();
    if (!Ok(h)) return false;
    CheckHeader(*h);
    return Handle(*h, depth, mode);
  }

  // Default handling of an element whose header was just read: descend into
  // constructed ones, read primitive contents whole.
  bool Handle(const BerHeader& h, int depth, uint8_t mode) {
    if (h.constructed() && depth < kMaxDepth && (mode & 1) == 0) {
      if (!Ok(r_.Open(h, "element"))) return false;
      if (!Level(depth + 1)) return false;
      if (!Ok(r_.Close())) return false;
      CheckAtEnd(h);
      return true;
    }
    if (h.indefinite) {
      if (!Ok(r_.SkipContent(h, uint64_t{1} << 20))) return false;
      return true;
    }
    Result<der::Bytes> content = r_.ReadContent(h, kCaps[(mode >> 1) & 7] + kDefaultCap, "value");
    if (!Ok(content)) return false;
    if (content->size() != h.length) InvariantFailed("ReadContent returned the wrong size");
    CheckAtEnd(h);
    return true;
  }

  bool WholeElement(size_t cap) {
    uint64_t start = r_.offset();
    Result<der::Bytes> element = r_.ReadElement(cap, "element");
    if (!Ok(element)) return false;
    if (element->size() > r_.offset() - start) InvariantFailed("ReadElement grew the element");
    // The returned bytes must be exactly one element, with a minimal header.
    MemorySource source(*element);
    BerReader again(source, "again");
    Result<BerHeader> h = again.ReadHeader();
    if (!h.ok() || h->indefinite || h->tag != (*element)[0] || h->length > cap) {
      InvariantFailed("ReadElement output does not re-parse");
    }
    Result<der::Bytes> content = again.ReadContent(*h, cap, "content");
    Result<bool> end = again.AtEnd();
    if (!content.ok() || !end.ok() || !*end)
      InvariantFailed("ReadElement output is not one element");
    return true;
  }

  bool ExpectThen(int depth, bool wrong) {
    Result<uint8_t> tag = r_.PeekTag();
    if (!Ok(tag)) return false;
    uint8_t want = wrong ? static_cast<uint8_t>(*tag ^ 0x01) : *tag;
    Result<BerHeader> h = r_.Expect(want, "fuzz element");
    if (!Ok(h)) return false;
    if (h->tag != want || wrong) InvariantFailed("Expect accepted a different tag");
    CheckHeader(*h);
    return Handle(*h, depth, c_.Next());
  }

  bool WholeContent(size_t cap, bool wrong) {
    Result<uint8_t> tag = r_.PeekTag();
    if (!Ok(tag)) return false;
    uint8_t want = wrong ? static_cast<uint8_t>(*tag ^ 0x20) : *tag;
    Result<der::Bytes> content = r_.ExpectContent(want, cap, "fuzz content");
    if (!Ok(content)) return false;
    if (wrong) InvariantFailed("ExpectContent accepted a different tag");
    if (content->size() > cap) InvariantFailed("ExpectContent ignored its cap");
    return true;
  }

  bool Skip(uint64_t cap) {
    Result<BerHeader> h = r_.ReadHeader();
    if (!Ok(h)) return false;
    CheckHeader(*h);
    uint64_t start = r_.offset();
    if (!Ok(r_.SkipContent(*h, cap))) return false;
    if (!h->indefinite && h->length > cap) InvariantFailed("SkipContent ignored its cap");
    // Each nested indefinite level may add its 2 end-of-contents octets beyond the cap.
    if (h->indefinite && r_.offset() - start > cap + 2 * (kMaxDepth + 1)) {
      InvariantFailed("SkipContent skipped more than its cap");
    }
    CheckAtEnd(*h);
    return true;
  }

  bool Pieces(size_t piece) {
    Result<BerHeader> h = r_.ReadHeader();
    if (!Ok(h)) return false;
    CheckHeader(*h);
    if (h->indefinite) return Ok(r_.SkipContent(*h, uint64_t{1} << 20));
    std::vector<uint8_t> buf(piece);
    uint64_t remaining = h->length;
    while (remaining > 0) {
      if (--budget_ < 0) return false;
      Result<size_t> n = r_.ReadContentChunk(buf, remaining);
      if (!Ok(n)) return false;
      if (*n == 0) InvariantFailed("ReadContentChunk returned 0 before the end");
      if (*n > std::min<uint64_t>(piece, remaining)) InvariantFailed("ReadContentChunk overran");
      remaining -= *n;
    }
    Result<size_t> zero = r_.ReadContentChunk(buf, 0);
    if (!zero.ok() || *zero != 0) InvariantFailed("ReadContentChunk with nothing remaining");
    CheckAtEnd(*h);
    return true;
  }

  bool OctetString(size_t piece) {
    Result<BerHeader> h = r_.ReadHeader();
    if (!Ok(h)) return false;
    CheckHeader(*h);
    OctetStringSource source(r_, *h);
    std::vector<uint8_t> buf(piece);
    uint64_t sum = 0;
    for (;;) {
      if (--budget_ < 0) return false;
      Result<size_t> n = source.Read(buf);
      if (!Ok(n)) return false;
      if (*n > piece) InvariantFailed("OctetStringSource overran");
      if (*n == 0) break;
      sum += *n;
    }
    if (source.total() != sum) InvariantFailed("OctetStringSource total() is not the sum read");
    if (!h->constructed() && sum != h->length) InvariantFailed("primitive string length");
    Result<size_t> again = source.Read(buf);
    if (!again.ok() || *again != 0) InvariantFailed("OctetStringSource read after its end");
    CheckAtEnd(*h);
    return true;
  }

  BerReader& r_;
  Control& c_;
  uint64_t stream_size_;
  uint64_t last_offset_ = 0;
  int budget_ = kBudget;
};

der::Bytes Framed(std::span<const uint8_t> ber, std::span<const uint8_t> control = {}) {
  der::Bytes out{static_cast<uint8_t>(control.size())};
  der::Append(out, ber);
  der::Append(out, control);
  return out;
}

std::vector<der::Bytes> MakeSeeds() {
  std::span<const uint8_t> fixed = FixedContent();
  der::Bytes envelope = EnvelopeSeed(fixed.first(64), 1);
  der::Bytes detached = DetachedSignature(fixed);
  der::Bytes attached = AttachedSignature(fixed.first(40));
  std::vector<der::Bytes> certs = CertificateSeeds();
  // Hand-made BER: indefinite lengths, constructed strings, long-form lengths.
  const der::Bytes indefinite_string = {0x24, 0x80, 0x04, 0x03, 'a',  'b',  'c', 0x04,
                                        0x00, 0x24, 0x80, 0x00, 0x00, 0x00, 0x00};
  const der::Bytes nested = {0x30, 0x80, 0xa0, 0x80, 0x31, 0x06, 0x02, 0x01, 0x05,
                             0x05, 0x00, 0x00, 0x00, 0x00, 0x04, 0x81, 0x01, 0x7f,
                             0x00, 0x00, 0x30, 0x82, 0x00, 0x03, 0x01, 0x01, 0xff};
  const der::Bytes definite_string = {0x24, 0x0a, 0x04, 0x02, 'h', 'i',
                                      0x04, 0x00, 0x04, 0x02, '!', '!'};
  der::Bytes big = der::OctetString(std::vector<uint8_t>(40000, 0x5a));

  std::vector<der::Bytes> seeds = {
      Framed(envelope),
      Framed(detached),
      Framed(attached),
      Framed(indefinite_string),
      Framed(nested),
      Framed(definite_string),
      Framed(big),
      // The same blobs through the non-default methods.
      Framed(indefinite_string, std::vector<uint8_t>{1, 5, 5}),
      Framed(definite_string, std::vector<uint8_t>{4, 5 | 1 << 3}),
      Framed(nested, std::vector<uint8_t>{2, 0, 3, 1, 4, 6, 2, 7, 0x81}),
      Framed(big, std::vector<uint8_t>{4, 4 | 6 << 3}),
      Framed(big, std::vector<uint8_t>{5, 5 | 7 << 3}),
      Framed(attached, std::vector<uint8_t>{7, 3 | 7 << 3 | 0x40}),
      Framed(envelope, std::vector<uint8_t>{2, 0, 0, 0, 1 | 7 << 3, 6 | 3 << 3}),
  };
  for (const auto& cert : certs) seeds.push_back(Framed(cert));
  return seeds;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  MaybeWriteSeedsAndExit(MakeSeeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::span<const uint8_t> input(data, size);
  size_t n_control = std::min<size_t>(input[0], size - 1);
  std::span<const uint8_t> ber = input.subspan(1, size - 1 - n_control);
  Control control(input.last(n_control));
  ChunkedSource source(ber, kChunks[control.Next() & 7]);
  BerReader reader(source, "fuzz");
  Walker walker(reader, control, ber.size());
  walker.WalkTop();
  return 0;
}
