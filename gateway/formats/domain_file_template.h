// DomainFileTemplate: a valid starter file of a format for a user to fill in (adtgw
// template, docs/formats.md section 11): the header row, the H record, and for ADT/1
// one WARNING row per SRV the role may send, with a count of 0 and a period of PT24H,
// named after the SRV; EXITQ/1 and QREP/1 start with no D record. Every template
// passes the format's own check.
//
// Thread safety: pure function.
#pragma once

#include <ctime>
#include <optional>
#include <string>

#include "certs/eui64.h"
#include "crypto/result.h"
#include "gateway/formats/domain_file.h"

namespace adtgw {

// `role` and `catalogue` are needed for ADT/1. Times are `now`, or for ADT/1 the next
// midnight UTC after it (thresholds take effect from a day's start).
Result<std::string> DomainFileTemplate(DomainFileType type, const Eui64& user,
                                       std::optional<UserRole> role, const SrvCatalogue* catalogue,
                                       std::time_t now);

// `T,<count>,<digest>` for these D lines (each without its line break).
std::string TrailerRecord(const std::vector<std::string>& d_lines);

}  // namespace adtgw
