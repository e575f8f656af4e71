// The adtgw subcommands. Each Add*Command registers its flags on `app` and returns
// the action to run when that subcommand is chosen; the action reports its result on
// stdout and returns an Error for main() to print (gateway/common/exit_code.h).
//
// Thread safety: main thread only.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "crypto/result.h"

namespace adtgw {

using CommandAction = std::function<Status()>;
// For a command with exit codes of its own (push): it prints its errors itself.
using ExitCodeAction = std::function<int()>;

CommandAction AddSealCommand(CLI::App& app);
CommandAction AddOpenCommand(CLI::App& app);
CommandAction AddCertsCommand(CLI::App& app);
CommandAction AddDemoPkiCommand(CLI::App& app);
CommandAction AddPolicyCommand(CLI::App& app);
CommandAction AddServeCommand(CLI::App& app);
CommandAction AddSendCommand(CLI::App& app);
CommandAction AddInboxCommand(CLI::App& app);
CommandAction AddReceiveCommand(CLI::App& app);
CommandAction AddStatusCommand(CLI::App& app);
CommandAction AddReceiptCommand(CLI::App& app);
CommandAction AddAuditCommand(CLI::App& app);
CommandAction AddValidateCommand(CLI::App& app);
CommandAction AddTemplateCommand(CLI::App& app);
ExitCodeAction AddPushCommand(CLI::App& app);

}  // namespace adtgw
