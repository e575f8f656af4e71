// The subcommands of `adtgw audit` (docs/cli.md; docs/audit-log.md, "Auditing"), one
// file each: verify, query, show and export. AddAuditCommand (commands.h) registers the
// group; each Add*Command here registers its flags on the group's `audit` and returns
// the action to run when that subcommand is chosen.
//
// Thread safety: main thread only.
#pragma once

#include <CLI/CLI.hpp>

#include "gateway/cli/commands.h"

namespace adtgw {

CommandAction AddAuditVerifyCommand(CLI::App* audit);
CommandAction AddAuditQueryCommand(CLI::App* audit);
CommandAction AddAuditShowCommand(CLI::App* audit);
CommandAction AddAuditExportCommand(CLI::App* audit);

}  // namespace adtgw
