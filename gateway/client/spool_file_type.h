// What a spooled file is and to whom it goes (docs/push.md, "File types"): its sidecar,
// NAME.adtgw.json, when there is one, else its name:
//   ADT_*    adt              (to the DCC)
//   EXITQ_*  exit-quarantine  (to the DCC)
// (prefixes in any case). A sidecar is one strict JSON object of at most 4 KiB:
//   {"type": "adt" | "exit-quarantine" | "quarantine-report", "to": ["EUI-64", ...]}
// where "type" is required and "to" optional (without it, adt and exit-quarantine go
// to the DCC; a quarantine report needs it). Anything else is push.unknown_type or
// push.bad_sidecar, and the file is refused.
//
// Thread safety: a pure function.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "certs/eui64.h"
#include "crypto/result.h"

namespace adtgw {

struct SpoolFileType {
  std::string file_type;  // adt, exit-quarantine, quarantine-report
  std::vector<Eui64> to;  // empty: the client's default (the DCC)
};

Result<SpoolFileType> SpoolFileTypeOf(const std::string& name,
                                      const std::optional<std::string>& sidecar);

}  // namespace adtgw
