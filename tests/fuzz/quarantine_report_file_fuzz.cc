// libFuzzer target: QREP/1 (gateway/formats/quarantine_report_file.h). See
// domain_file_target.h.
#include "gateway/formats/quarantine_report_file.h"
#include "tests/fuzz/domain_file_target.h"

using namespace adtgw;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::MaybeWriteSeedsAndExit([] {
    return fuzz::DomainFileSeeds(
        std::string(kQuarantineReportHeaderRow),
        "H,,AD-7C-00-00-00-00-02-01,,,2026-01-07T06:00:00Z,fmt=QREP/1",
        {"D,1001,AD-7C-00-00-00-00-02-01:00-DB-12-34-56-78-90-A1:17,1.1.1,USER_QUARANTINE,"
         "2026-01-06T23:10:00Z,over 200",
         "D,1002,AD-7C-00-00-00-00-02-01:00-DB-12-34-56-78-90-A2:18,4.1.1,DCC_QUARANTINE,"
         "2026-01-06T23:40:00Z,\"over, the DCC's limit\""});
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return fuzz::FuzzDomainFile(DomainFileType::kQuarantineReport, data, size);
}
