// EXITQ/1, the Exit Quarantine file ("Quarantined Communications Action File") a DCC
// User sends the DCC (docs/formats.md, "EXITQ/1"): for each quarantined request, RELEASE
// or DELETE. Every Request ID must be one the file's user originated, and each
// quarantine event is named once (the rules keep the references seen).
//
// Thread safety: one thread at a time.
#pragma once

#include <memory>

#include "gateway/formats/domain_file.h"

namespace adtgw {

inline constexpr std::string_view kExitQuarantineHeaderRow =
    "rec,quarantine_event_ref,request_id,action,reason";

std::unique_ptr<RecordRules> MakeExitQuarantineRules(const DomainFileOptions& options);

}  // namespace adtgw
