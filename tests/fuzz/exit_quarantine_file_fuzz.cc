// libFuzzer target: EXITQ/1 (gateway/formats/exit_quarantine_file.h). See
// domain_file_target.h.
#include "gateway/formats/exit_quarantine_file.h"
#include "tests/fuzz/domain_file_target.h"

using namespace adtgw;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::MaybeWriteSeedsAndExit([] {
    return fuzz::DomainFileSeeds(
        std::string(kExitQuarantineHeaderRow),
        "H,,AD-7C-00-00-00-00-02-01,,fmt=EXITQ/1;generated=2026-01-07T09:30:00Z",
        {"D,1001,AD-7C-00-00-00-00-02-01:00-DB-12-34-56-78-90-A1:17,RELEASE,planned",
         "D,1002,AD-7C-00-00-00-00-02-01:00-DB-12-34-56-78-90-A2:18,DELETE,\"twice, by mistake\""});
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return fuzz::FuzzDomainFile(DomainFileType::kExitQuarantine, data, size);
}
