// libFuzzer target: the manifest parser (gateway/transfer/manifest.h). It must never
// crash, hang or leak; whatever it accepts must re-encode to exactly the input bytes.
#include <algorithm>

#include "gateway/transfer/manifest.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  adtgw::fuzz::MaybeWriteSeedsAndExit([] {
    adtgw::Manifest m;
    m.file_type = "exit-quarantine";
    m.sender = adtgw::Eui64::Parse("90-B3-D5-1F-30-01-00-00").value();
    m.recipients = {adtgw::Eui64::Parse("90-B3-D5-1F-30-00-00-02").value(),
                    adtgw::Eui64::Parse("90-B3-D5-1F-30-02-00-00").value()};
    m.file_name = "EQ_2026-11-29.csv";
    m.envelope_sha256.fill(0x5a);
    m.envelope_size = 123456;
    m.created = 1764417600;
    m.idempotency_key = "fuzz-seed-key-0000001";
    return std::vector<adtgw::der::Bytes>{adtgw::fuzz::BytesOf(adtgw::ManifestToJson(m)),
                                          adtgw::fuzz::BytesOf("{\"version\":1}")};
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = adtgw::ParseManifest(std::span<const uint8_t>(data, size));
  if (!parsed.ok()) return 0;
  std::string again = adtgw::ManifestToJson(*parsed);
  if (again.size() != size || !std::equal(again.begin(), again.end(), data)) {
    adtgw::fuzz::InvariantFailed("an accepted manifest does not re-encode to its bytes");
  }
  if (!adtgw::ValidateManifest(*parsed).ok()) adtgw::fuzz::InvariantFailed("accepted invalid");
  return 0;
}
