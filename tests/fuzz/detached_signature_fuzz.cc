// libFuzzer target: the SignedData reader and verifier (crypto/signed_data.cc).
//
// Input layout:
//   byte 0 < 0x80:  content = the first (byte 0) bytes of FixedContent();
//                   signature = bytes 1..end.
//   byte 0 >= 0x80: bytes 1-2 = big-endian signature length L (clamped);
//                   signature = the next L bytes; content = the rest.
// The signature bytes are given to VerifyDetached(signature, content), and also read
// as an attached SignedData (ReadSignedData with a content sink, then
// VerifySignedData), with checks that the streamed content matches what was reported.
//
// Seeds (ADTGW_FUZZ_WRITE_SEEDS=DIR): valid detached and attached signatures by the
// fixed test signer in both layouts, so the fuzzer starts from inputs that verify.
#include <cstdint>
#include <vector>

#include <openssl/err.h>

#include "crypto/sha256.h"
#include "crypto/signed_data.h"
#include "tests/fuzz/fuzz_support.h"

using namespace adtgw;
using namespace adtgw::fuzz;

namespace {

der::Bytes InlineLayout(size_t content_len, const der::Bytes& signature) {
  der::Bytes out{static_cast<uint8_t>(content_len)};
  der::Append(out, signature);
  return out;
}

der::Bytes SplitLayout(const der::Bytes& signature, std::span<const uint8_t> content) {
  der::Bytes out{0x80, static_cast<uint8_t>(signature.size() >> 8),
                 static_cast<uint8_t>(signature.size() & 0xff)};
  der::Append(out, signature);
  der::Append(out, content);
  return out;
}

std::vector<der::Bytes> MakeSeeds() {
  std::span<const uint8_t> fixed = FixedContent();
  std::vector<der::Bytes> seeds;
  for (size_t len : {0, 1, 33, 127}) {
    seeds.push_back(InlineLayout(len, DetachedSignature(fixed.first(len))));
  }
  seeds.push_back(InlineLayout(0, AttachedSignature(fixed.first(0))));
  seeds.push_back(InlineLayout(5, AttachedSignature(fixed.first(200))));
  der::Bytes text = BytesOf("manifest: adtgw fuzz seed\n");
  seeds.push_back(SplitLayout(DetachedSignature(text), text));
  seeds.push_back(SplitLayout(AttachedSignature(text), fixed.first(3)));
  return seeds;
}

void CheckAttached(std::span<const uint8_t> signature) {
  MemorySource source(signature);
  BerReader reader(source, "signature");
  MemorySink sink;
  Result<SignedDataContents> contents = ReadSignedData(reader, &sink);
  if (!contents.ok()) return;
  if (contents->had_content) {
    if (sink.bytes().size() != contents->content_size) {
      InvariantFailed("attached content_size differs from the bytes streamed");
    }
    if (Sha256Of(sink.bytes()) != contents->content_digest) {
      InvariantFailed("attached content digest differs from the bytes streamed");
    }
  } else if (!sink.bytes().empty()) {
    InvariantFailed("content streamed although had_content is false");
  }
  if (contents->certificates.size() > 16) InvariantFailed("more than 16 certificates kept");
  Result<VerifiedSignature> verified = VerifySignedData(*contents);
  if (verified.ok() && !verified->signer) InvariantFailed("verified without a signer");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  MaybeWriteSeedsAndExit(MakeSeeds);
  (void)FixedSigner();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::span<const uint8_t> input(data, size);
  std::span<const uint8_t> signature;
  std::span<const uint8_t> content;
  if (input[0] < 0x80) {
    content = FixedContent().first(input[0]);
    signature = input.subspan(1);
  } else {
    if (size < 3) return 0;
    size_t len = std::min<size_t>(size_t{input[1]} << 8 | input[2], size - 3);
    signature = input.subspan(3, len);
    content = input.subspan(3 + len);
  }
  Result<VerifiedSignature> verified = VerifyDetached(signature, content);
  if (verified.ok()) {
    if (!verified->signer) InvariantFailed("verified without a signer");
  } else if (verified.error().code.empty() || verified.error().message.empty()) {
    InvariantFailed("error without code or message");
  }
  CheckAttached(signature);
  ERR_clear_error();
  return 0;
}
