#include "gateway/formats/domain_file_check.h"

namespace adtgw {

Result<RecordFileReport> CheckDomainFile(ByteSource& source, DomainFileType type,
                                         const DomainFileOptions& options,
                                         const RecordFileLimits& limits) {
  ADTGW_ASSIGN(std::unique_ptr<RecordRules> rules, MakeDomainFileRules(type, options));
  return CheckRecordFile(source, *rules, limits);
}

Result<DomainFileCheck> DomainFileCheck::New(DomainFileType type, const DomainFileOptions& options,
                                             const RecordFileLimits& limits) {
  ADTGW_ASSIGN(std::unique_ptr<RecordRules> rules, MakeDomainFileRules(type, options));
  return DomainFileCheck(std::move(rules), limits);
}

void DomainFileCheck::Feed(std::span<const uint8_t> piece) {
  // Past the size cap or the T record the checker has its answer: it is not fed more.
  if (!checker_->done()) checker_->Feed(piece);
}

std::vector<std::string> DomainFileProblemLines(const std::string& file,
                                                const RecordFileReport& report) {
  std::vector<std::string> lines;
  lines.reserve(report.problems.size() + 1);
  for (const FileProblem& p : report.problems) lines.push_back(FormatFileProblem(file, p));
  if (report.problems_total > report.problems.size()) {
    const uint64_t more = report.problems_total - report.problems.size();
    lines.push_back(file + ": " + std::to_string(more) + " more problem" + (more == 1 ? "" : "s") +
                    " not listed");
  }
  return lines;
}

Error InvalidDomainFileError(const std::string& file, const RecordFileReport& report,
                             std::string hint) {
  return MakeError(ErrorKind::kInvalidInput, "format.invalid",
                   file + " is not a valid " + report.format +
                       " file: " + std::to_string(report.problems_total) + " problem" +
                       (report.problems_total == 1 ? "" : "s"),
                   std::move(hint));
}

}  // namespace adtgw
