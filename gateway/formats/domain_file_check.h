// DomainFileCheck: a domain file's content check the way the commands run it (adtgw
// validate, adtgw send before sealing, adtgw receive after opening): the format's rules
// (domain_file.h) over the shared frame (record_file.h), either reading a file to its
// end or watching its bytes pass while it is written or sealed, and the
// one error a bad file gives (format.invalid), with its problems as the lines people
// read: `FILE:LINE:COLUMN: code: message` (docs/formats.md, section 9).
//
// Ownership: a DomainFileCheck owns its rules and checker; the sink and the source
// borrow the check and what they wrap.
// Thread safety: one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "crypto/byte_stream.h"
#include "crypto/result.h"
#include "gateway/formats/domain_file.h"
#include "gateway/formats/record_file.h"

namespace adtgw {

// Reads `source` to its end and checks it as a file of `type`.
Result<RecordFileReport> CheckDomainFile(ByteSource& source, DomainFileType type,
                                         const DomainFileOptions& options,
                                         const RecordFileLimits& limits = {});

// One file's check, fed the file in pieces as it passes by (DomainFileCheckedSink,
// DomainFileCheckedSource), so that the bytes checked are the bytes written or sealed,
// read once.
class DomainFileCheck {
 public:
  static Result<DomainFileCheck> New(DomainFileType type, const DomainFileOptions& options,
                                     const RecordFileLimits& limits = {});
  void Feed(std::span<const uint8_t> piece);
  // After the last byte.
  RecordFileReport Finish() { return checker_->Finish(); }

 private:
  DomainFileCheck(std::unique_ptr<RecordRules> rules, const RecordFileLimits& limits)
      : rules_(std::move(rules)), checker_(std::make_unique<RecordFileChecker>(*rules_, limits)) {}

  std::unique_ptr<RecordRules> rules_;
  std::unique_ptr<RecordFileChecker> checker_;  // refers to *rules_
};

// Passes every byte written on to `next`, and shows it to `check` on the way. Checking
// never fails a write.
class DomainFileCheckedSink final : public ByteSink {
 public:
  DomainFileCheckedSink(ByteSink& next, DomainFileCheck& check) : next_(next), check_(check) {}
  Status Write(std::span<const uint8_t> data) override {
    check_.Feed(data);
    return next_.Write(data);
  }

 private:
  ByteSink& next_;
  DomainFileCheck& check_;
};

// Reads from `source`, and shows every byte read to `check`.
class DomainFileCheckedSource final : public ByteSource {
 public:
  DomainFileCheckedSource(ByteSource& source, DomainFileCheck& check)
      : source_(source), check_(check) {}
  Result<size_t> Read(std::span<uint8_t> out) override {
    ADTGW_ASSIGN(size_t n, source_.Read(out));
    check_.Feed(out.first(n));
    return n;
  }

 private:
  ByteSource& source_;
  DomainFileCheck& check_;
};

// The problems the report keeps, as `FILE:LINE:COLUMN: code: message`, and a last line
// counting those it does not keep.
std::vector<std::string> DomainFileProblemLines(const std::string& file,
                                                const RecordFileReport& report);

// format.invalid: `file` is not a valid file of its format, with how many problems.
Error InvalidDomainFileError(const std::string& file, const RecordFileReport& report,
                             std::string hint);

}  // namespace adtgw
