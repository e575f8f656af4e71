// libFuzzer target: the acknowledgement parser and verifier
// (gateway/transfer/acknowledgement.h). They must never crash, hang or leak.
//
// Every input is given whole to ParseAcknowledgement. Then, when it is at least two
// bytes long, it is also split: bytes 0-1 = big-endian length L of the document
// (clamped to what is there), the document = the next L bytes, the detached signature
// = the rest; both go to VerifyAcknowledgement.
//
// Checks: whatever ParseAcknowledgement accepts is valid and re-encodes to exactly the
// input bytes; whatever VerifyAcknowledgement accepts parses to the same
// acknowledgement and names a signer; every error has a code and a message.
//
// Seeds (ADTGW_FUZZ_WRITE_SEEDS=DIR): canonical acceptances and rejections, bare and
// framed with a valid signature by the fixed test signer.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "gateway/transfer/acknowledgement.h"
#include "tests/fuzz/fuzz_support.h"

using namespace adtgw;
using namespace adtgw::fuzz;

namespace {

Acknowledgement SeedAck(bool accepted) {
  Acknowledgement a;
  a.transfer_id = "0123456789abcdef0123456789abcdef";
  a.recipient = Eui64::Parse("90-B3-D5-1F-30-00-00-02").value();
  a.envelope_sha256.fill(0x5a);
  a.accepted = accepted;
  if (!accepted) {
    a.reason = "format.bad_row";
    a.problems = {"row 3: \"MPAN\" has\t14 digits",
                  "\xC3\xBC"
                  "berweisung",
                  ""};
  }
  a.created = kSeedSigningTime;
  return a;
}

der::Bytes Framed(const std::string& doc, const std::vector<uint8_t>& signature) {
  der::Bytes out{static_cast<uint8_t>(doc.size() >> 8), static_cast<uint8_t>(doc.size() & 0xff)};
  der::Append(out, BytesOf(doc));
  der::Append(out, signature);
  return out;
}

std::vector<der::Bytes> MakeSeeds() {
  std::vector<der::Bytes> seeds;
  for (bool accepted : {true, false}) {
    Acknowledgement a = SeedAck(accepted);
    std::string json = AcknowledgementToJson(a);
    auto sig = SignAcknowledgement(a, FixedSignerRef(), kSeedSigningTime);
    if (!sig.ok()) InvariantFailed("signing a seed acknowledgement failed");
    seeds.push_back(BytesOf(json));
    seeds.push_back(Framed(json, *sig));
  }
  seeds.push_back(BytesOf("{\"version\":1}"));
  return seeds;
}

void CheckError(const Error& e) {
  if (e.code.empty() || e.message.empty()) InvariantFailed("an error without code or message");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  MaybeWriteSeedsAndExit(MakeSeeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> input(data, size);
  auto parsed = ParseAcknowledgement(input);
  if (parsed.ok()) {
    std::string again = AcknowledgementToJson(*parsed);
    if (again.size() != size || std::memcmp(again.data(), data, size) != 0) {
      InvariantFailed("an accepted acknowledgement does not re-encode to its bytes");
    }
    if (!ValidateAcknowledgement(*parsed).ok()) InvariantFailed("accepted an invalid one");
  } else {
    CheckError(parsed.error());
  }

  if (size < 2) return 0;
  size_t doc_len = std::min<size_t>((size_t{data[0]} << 8) | data[1], size - 2);
  std::span<const uint8_t> doc = input.subspan(2, doc_len);
  std::span<const uint8_t> signature = input.subspan(2 + doc_len);
  auto verified = VerifyAcknowledgement(doc, signature);
  if (!verified.ok()) {
    CheckError(verified.error());
    return 0;
  }
  if (!verified->signature.signer) InvariantFailed("a verified acknowledgement has no signer");
  auto reparsed = ParseAcknowledgement(doc);
  if (!reparsed.ok() || !(*reparsed == verified->ack)) {
    InvariantFailed("a verified acknowledgement does not parse to itself");
  }
  return 0;
}
