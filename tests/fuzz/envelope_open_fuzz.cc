// libFuzzer target: OpenEnvelope (crypto/envelope_open.cc) on arbitrary bytes, as the
// fixed test recipient of fuzz_support.h. Covers the AuthEnvelopedData parser, the
// KeyAgreeRecipientInfo parser and unwrap (crypto/key_agreement.cc), the streaming
// AES-GCM decryption and, for inputs that decrypt (the seeds), the inner SignedData
// reader and signature check (crypto/signed_data.cc).
//
// The input is read through a ChunkedSource whose piece size depends on the input
// length, so the reader's refill paths run as well as the one-big-read path.
//
// Seeds (ADTGW_FUZZ_WRITE_SEEDS=DIR): envelopes sealed by the fixed signer to the
// fixed recipient, alone or among other recipients, with 0 B to 40 KiB of content.
#include <cstdint>
#include <cstring>
#include <vector>

#include <openssl/err.h>

#include "crypto/envelope.h"
#include "crypto/sha256.h"
#include "tests/fuzz/fuzz_support.h"

using namespace adtgw;
using namespace adtgw::fuzz;

namespace {

std::vector<der::Bytes> MakeSeeds() {
  std::span<const uint8_t> content = FixedContent();
  std::vector<uint8_t> big(40000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i % 251);
  return {
      EnvelopeSeed({}, 0),
      EnvelopeSeed(content.first(1), 0),
      EnvelopeSeed(content.first(100), 2),
      EnvelopeSeed(content, 0),
      EnvelopeSeed(big, 1),
  };
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  MaybeWriteSeedsAndExit(MakeSeeds);
  (void)FixedRecipient();
  (void)FixedSigner();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static constexpr size_t kChunks[] = {SIZE_MAX, 1, 13, 4099};
  std::span<const uint8_t> input(data, size);
  ChunkedSource source(input, kChunks[size % 4]);
  MemorySink content;
  OpenRequest request{FixedRecipient().cert.get(), FixedRecipient().key.get()};
  Result<OpenedEnvelope> opened = OpenEnvelope(request, source, content);
  if (opened.ok()) {
    if (!opened->signer) InvariantFailed("opened envelope without a signer");
    if (content.bytes().size() != opened->content_size) {
      InvariantFailed("content_size differs from the bytes written");
    }
    if (Sha256Of(content.bytes()) != opened->content_sha256) {
      InvariantFailed("content_sha256 differs from the bytes written");
    }
  } else if (opened.error().code.empty() || opened.error().message.empty()) {
    InvariantFailed("error without code or message");
  }
  ERR_clear_error();
  return 0;
}
