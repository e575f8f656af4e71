// adtgw: the one binary (docs/cli.md; docs/architecture.md, section 7). Parses the command line
// with CLI11 and runs the chosen subcommand; errors become "adtgw: error: CODE: message" and
// "adtgw: hint: ..." with the exit codes of docs/cli.md.
#include <malloc.h>

#include <cstdio>
#include <vector>

#include "gateway/cli/commands.h"
#include "gateway/common/exit_code.h"

namespace {

// Every command but `serve` is one process doing one job, with one busy thread and
// cpprestsdk's I/O thread. On the VM adtgw is measured on, a first touch of a page costs
// 12-30 us, and page faults were most of what `adtgw audit query` cost
// (docs/performance.md): one heap shared by both threads, big blocks from that heap and
// nothing handed back to the kernel, so memory freed once is reused instead of faulted
// in again. `serve`, with many threads and a long life, sets its own (serve_command.cc).
void TuneAllocatorForShortCommand() {
  mallopt(M_ARENA_MAX, 1);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace adtgw;
  CLI::App app{"adtgw: signed, end-to-end encrypted transfer of ADT and quarantine files", "adtgw"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "adtgw 0.1.0");
  app.footer("Exit codes and every command: docs/cli.md");
  std::vector<std::pair<CLI::App*, ExitCodeAction>> commands;
  auto add_with_exit_codes = [&](ExitCodeAction action) {
    commands.emplace_back(app.get_subcommands({}).back(), std::move(action));
  };
  auto add = [&](CommandAction action) {
    add_with_exit_codes([action = std::move(action)] {
      Status status = action();
      return status.ok() ? kExitOk : ReportError(status.error());
    });
  };
  add(AddSealCommand(app));
  add(AddOpenCommand(app));
  add(AddCertsCommand(app));
  add(AddDemoPkiCommand(app));
  add(AddPolicyCommand(app));
  add(AddServeCommand(app));
  const CLI::App* serve = commands.back().first;
  add(AddSendCommand(app));
  add_with_exit_codes(AddPushCommand(app));
  add(AddInboxCommand(app));
  add(AddReceiveCommand(app));
  add(AddStatusCommand(app));
  add(AddReceiptCommand(app));
  add(AddAuditCommand(app));
  add(AddValidateCommand(app));
  add(AddTemplateCommand(app));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string command = argc > 1 ? std::string(" ") + argv[1] : "";
    int code = ReportError(
        MakeError(ErrorKind::kUsage, "usage", e.what(), "run: adtgw" + command + " --help"));
    // push's exit codes are a scheduler's (docs/push.md): 2 means "postponed, fine".
    return command == " push" ? kPushConfigurationError : code;
  }
  for (auto& [cmd, action] : commands) {
    if (!cmd->parsed()) continue;
    if (cmd != serve) TuneAllocatorForShortCommand();
    return action();
  }
  return ReportError(
      MakeError(ErrorKind::kUsage, "usage", "no command given", "run: adtgw --help"));
}
