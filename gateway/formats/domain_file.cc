#include "gateway/formats/domain_file.h"

#include "gateway/formats/adt_file.h"
#include "gateway/formats/exit_quarantine_file.h"
#include "gateway/formats/quarantine_report_file.h"

namespace adtgw {

std::optional<DomainFileType> ParseDomainFileType(std::string_view name) {
  if (name == "adt") return DomainFileType::kAdt;
  if (name == "exit-quarantine") return DomainFileType::kExitQuarantine;
  if (name == "quarantine-report") return DomainFileType::kQuarantineReport;
  return std::nullopt;
}

const char* DomainFileTypeName(DomainFileType type) {
  switch (type) {
    case DomainFileType::kAdt:
      return "adt";
    case DomainFileType::kExitQuarantine:
      return "exit-quarantine";
    case DomainFileType::kQuarantineReport:
      return "quarantine-report";
  }
  return "?";
}

Result<std::unique_ptr<RecordRules>> MakeDomainFileRules(DomainFileType type,
                                                         const DomainFileOptions& options) {
  switch (type) {
    case DomainFileType::kAdt:
      if (options.catalogue == nullptr) {
        return MakeError(ErrorKind::kUsage, "formats.no_catalogue",
                         "checking an ADT/1 file needs the SRV catalogue",
                         "see docs/formats.md, SRV catalogue");
      }
      return MakeAdtRules(options);
    case DomainFileType::kExitQuarantine:
      return MakeExitQuarantineRules(options);
    case DomainFileType::kQuarantineReport:
      if (options.catalogue == nullptr) {
        return MakeError(ErrorKind::kUsage, "formats.no_catalogue",
                         "checking a QREP/1 file needs the SRV catalogue",
                         "see docs/formats.md, SRV catalogue");
      }
      if (options.signer && !options.signer_is_dcc) {
        return MakeError(ErrorKind::kUsage, "usage",
                         "a quarantine report's signer is checked against the DCC's EUI-64",
                         "give the DCC's EUI-64 too (adtgw validate --dcc EUI)");
      }
      return MakeQuarantineReportRules(options);
  }
  return MakeError(ErrorKind::kInternal, "internal.file_type", "unknown file type");
}

}  // namespace adtgw
