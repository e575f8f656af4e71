// QREP/1, the Quarantined Communications Report the DCC sends a DCC User
// (docs/formats.md, "QREP/1"): which of the user's requests the DCC quarantined, and why.
// It must be signed by the DCC and name its recipient; every Request ID in it must be
// one the recipient originated, so that a report never shows a user another's requests.
//
// Thread safety: one thread at a time.
#pragma once

#include <memory>

#include "gateway/formats/domain_file.h"

namespace adtgw {

inline constexpr std::string_view kQuarantineReportHeaderRow =
    "rec,quarantine_event_ref,request_id,srv,threshold_kind,detected_at,note";

std::unique_ptr<RecordRules> MakeQuarantineReportRules(const DomainFileOptions& options);

}  // namespace adtgw
