// `adtgw audit`: the auditor's commands (docs/cli.md; docs/audit-log.md, "Auditing"):
// verify, query, show and export, each in a file of its own (audit_commands.h). They
// read a client configuration (--config) of a party with the auditor role and talk to
// the gateway's auditor listener (auditor_url, or --auditor URL; auditor_session.h);
// `verify --from DIR` checks an export offline. Every online command witnesses the log
// first (checkpoint_witness.h), as every party's client does.
#include "gateway/cli/audit_commands.h"

#include <utility>
#include <vector>

#include "gateway/cli/commands.h"

namespace adtgw {

CommandAction AddAuditCommand(CLI::App& app) {
  CLI::App* audit =
      app.add_subcommand("audit", "verify, query and export the audit log (auditors)");
  audit->require_subcommand(1);
  audit->footer(
      "The auditor commands talk to the gateway's auditor listener (auditor_url in the\n"
      "client configuration) with a TLS certificate the policy gives the auditor role.\n"
      "Exit codes: docs/cli.md.");

  std::vector<std::pair<CLI::App*, CommandAction>> commands;
  auto add = [&](CommandAction action) {
    commands.emplace_back(audit->get_subcommands({}).back(), std::move(action));
  };
  add(AddAuditVerifyCommand(audit));
  add(AddAuditQueryCommand(audit));
  add(AddAuditShowCommand(audit));
  add(AddAuditExportCommand(audit));
  return [commands]() -> Status {
    for (const auto& [cmd, action] : commands) {
      if (cmd->parsed()) return action();
    }
    return MakeError(ErrorKind::kUsage, "usage", "no audit command given",
                     "run: adtgw audit --help");
  };
}

}  // namespace adtgw
