// ADT/1, the Anomaly Detection Threshold file a DCC User sends the DCC (docs/formats.md,
// "ADT/1"): per user, role, SRV and period, the WARNING and QUARANTINE counts.
//
// Across rows the rules keep 32 bytes a row (sorted at the end for the duplicate and
// QUARANTINE >= WARNING checks), so a file of 1,000,000 rows needs about 32 MB.
//
// Thread safety: one thread at a time.
#pragma once

#include <memory>

#include "gateway/formats/domain_file.h"

namespace adtgw {

inline constexpr std::string_view kAdtHeaderRow =
    "rec,user_id,user_role,srv,threshold_type,period,max_count,effective_from,note";

// options.catalogue must be set.
std::unique_ptr<RecordRules> MakeAdtRules(const DomainFileOptions& options);

}  // namespace adtgw
