#include "gateway/formats/quarantine_report_file.h"

#include <string>

#include "gateway/formats/field_checks.h"

namespace adtgw {
namespace {

enum Column : uint32_t {
  kRec = 1,
  kEventRef,
  kRequestId,
  kSrv,
  kKind,
  kDetectedAt,
  kNote,
  kFields = kNote
};

class QuarantineReportRules final : public RecordRules {
 public:
  explicit QuarantineReportRules(const DomainFileOptions& options) : options_(options) {}

  std::string_view format() const override { return "QREP/1"; }
  std::string_view header_row() const override { return kQuarantineReportHeaderRow; }
  size_t fields() const override { return kFields; }

  void Header(std::span<const std::string_view> f, uint64_t line, FileProblems& p) override {
    CheckEmpty(f[kEventRef - 1], line, kEventRef, p);
    user_ = CheckEui64(f[kRequestId - 1], line, kRequestId, p);
    if (user_ && options_.recipient && *user_ != *options_.recipient) {
      p.Add(line, kRequestId, "binding.wrong_recipient",
            "the report is for " + user_->ToString() + ", not for its recipient " +
                options_.recipient->ToString());
    }
    if (options_.signer && options_.signer_is_dcc == false) {
      p.Add(line, kRequestId, "binding.not_dcc",
            "a quarantine report is signed by the DCC, and its signer " +
                options_.signer->ToString() + " is not the DCC");
    }
    CheckEmpty(f[kSrv - 1], line, kSrv, p);
    CheckEmpty(f[kKind - 1], line, kKind, p);
    CheckUtcTime(f[kDetectedAt - 1], line, kDetectedAt, p);
    CheckFormatTag(f[kNote - 1], "QREP/1", "fmt=QREP/1", line, kNote, p);
  }

  void Detail(std::span<const std::string_view> f, uint64_t line, FileProblems& p) override {
    refs_.Check(f[kEventRef - 1], line, kEventRef, p);
    CheckRequestOf(f[kRequestId - 1], user_, "qrep.not_users_request", line, kRequestId, p);
    std::string_view srv = f[kSrv - 1];
    if (options_.catalogue != nullptr && options_.catalogue->Find(srv) == nullptr) {
      p.Add(line, kSrv, "qrep.unknown_srv",
            "'" + ClipField(srv) + "' is not an SRV of the catalogue");
    }
    std::string_view kind = f[kKind - 1];
    if (kind != "USER_WARNING" && kind != "USER_QUARANTINE" && kind != "DCC_QUARANTINE") {
      p.Add(line, kKind, "qrep.bad_kind",
            "'" + ClipField(kind) + "' is not USER_WARNING, USER_QUARANTINE or DCC_QUARANTINE");
    }
    CheckUtcTime(f[kDetectedAt - 1], line, kDetectedAt, p);
  }

 private:
  DomainFileOptions options_;  // a copy: the rules may outlive the caller's
  std::optional<Eui64> user_;  // the H record's
  EventRefs refs_{"qrep.duplicate_event_ref"};
};

}  // namespace

std::unique_ptr<RecordRules> MakeQuarantineReportRules(const DomainFileOptions& options) {
  return std::make_unique<QuarantineReportRules>(options);
}

}  // namespace adtgw
