// libFuzzer target: ADT/1 (gateway/formats/adt_file.h). See domain_file_target.h.
#include "gateway/formats/adt_file.h"
#include "tests/fuzz/domain_file_target.h"

using namespace adtgw;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::MaybeWriteSeedsAndExit([] {
    return fuzz::DomainFileSeeds(
        std::string(kAdtHeaderRow),
        "H,AD-7C-00-00-00-00-02-01,IS,,,,,2026-01-06T00:00:00Z,fmt=ADT/1;ref=SM-1",
        {"D,AD-7C-00-00-00-00-02-01,IS,1.1.1,WARNING,PT1H,100,2026-01-06T00:00:00Z,hourly",
         "D,AD-7C-00-00-00-00-02-01,IS,1.1.1,QUARANTINE,PT1H,200,2026-01-06T00:00:00Z,\"a, b\"",
         "D,AD-7C-00-00-00-00-02-02,GS,*,WARNING,P7D,0,2026-01-06T00:00:00Z,"});
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return fuzz::FuzzDomainFile(DomainFileType::kAdt, data, size);
}
