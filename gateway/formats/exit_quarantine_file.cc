#include "gateway/formats/exit_quarantine_file.h"

#include <string>

#include "gateway/formats/field_checks.h"
#include "gateway/formats/signer_binding.h"

namespace adtgw {
namespace {

enum Column : uint32_t { kRec = 1, kEventRef, kRequestId, kAction, kReason, kFields = kReason };

class ExitQuarantineRules final : public RecordRules {
 public:
  explicit ExitQuarantineRules(const DomainFileOptions& options) : binding_(options) {}

  std::string_view format() const override { return "EXITQ/1"; }
  std::string_view header_row() const override { return kExitQuarantineHeaderRow; }
  size_t fields() const override { return kFields; }

  void Header(std::span<const std::string_view> f, uint64_t line, FileProblems& p) override {
    CheckEmpty(f[kEventRef - 1], line, kEventRef, p);
    user_ = CheckEui64(f[kRequestId - 1], line, kRequestId, p);
    if (user_ && !binding_.Allows(*user_)) {
      p.Add(line, kRequestId, "binding.not_signer", binding_.Refusal(*user_));
    }
    CheckEmpty(f[kAction - 1], line, kAction, p);
    auto tag = CheckFormatTag(f[kReason - 1], "EXITQ/1", "fmt=EXITQ/1;generated=<UTC time>", line,
                              kReason, p);
    if (!tag) return;
    auto generated = tag->Get("generated");
    if (!generated || !IsUtcTime(*generated)) {
      p.Add(line, kReason, "header.bad_generated",
            "the H record's generated=... is not a UTC time such as 2026-01-06T00:00:00Z");
    }
  }

  void Detail(std::span<const std::string_view> f, uint64_t line, FileProblems& p) override {
    refs_.Check(f[kEventRef - 1], line, kEventRef, p);
    CheckRequestOf(f[kRequestId - 1], user_, "exitq.not_originator", line, kRequestId, p);
    std::string_view action = f[kAction - 1];
    if (action != "RELEASE" && action != "DELETE") {
      p.Add(line, kAction, "exitq.bad_action",
            "'" + ClipField(action) + "' is not RELEASE or DELETE");
    }
  }

 private:
  SignerBinding binding_;
  std::optional<Eui64> user_;  // the H record's
  EventRefs refs_{"exitq.duplicate_event_ref"};
};

}  // namespace

std::unique_ptr<RecordRules> MakeExitQuarantineRules(const DomainFileOptions& options) {
  return std::make_unique<ExitQuarantineRules>(options);
}

}  // namespace adtgw
