// adtgw template --type T --user EUI [--role R] [--srv-catalogue FILE] -o OUT [--force]:
// writes a valid starter file for a user to fill in (docs/formats.md section 11).
#include <iostream>

#include "gateway/cli/commands.h"
#include "gateway/cli/srv_catalogue_flag.h"
#include "gateway/common/atomic_file.h"
#include "gateway/formats/domain_file_template.h"

namespace adtgw {
namespace {

struct TemplateFlags {
  std::string type, user, role, catalogue, output;
  bool force = false;
};

Status RunTemplate(const TemplateFlags& f) {
  ADTGW_ASSIGN(const DomainFileType type, DomainFileTypeFlag(f.type));
  ADTGW_ASSIGN(Eui64 user, Eui64::Parse(f.user));
  std::optional<UserRole> role;
  if (!f.role.empty()) {
    role = ParseUserRole(f.role);
    if (!role) {
      return MakeError(ErrorKind::kUsage, "usage", "--role " + f.role + " is not a User Role",
                       "use IS, ES, GS, ED, GT, RSA or OU");
    }
  }
  std::optional<SrvCatalogue> catalogue;
  if (type == DomainFileType::kAdt) {
    ADTGW_ASSIGN(catalogue, LoadSrvCatalogue(f.catalogue));
  }
  ADTGW_ASSIGN(
      std::string text,
      DomainFileTemplate(type, user, role, catalogue ? &*catalogue : nullptr, std::time(nullptr)));
  ADTGW_TRY(WriteFileAtomically(f.output, text, 0644, f.force));
  std::cout << "wrote " << f.output << ": a " << DomainFileTypeName(type) << " file for "
            << user.ToString() << "; fill it in, then run adtgw validate\n";
  return OkStatus();
}

}  // namespace

CommandAction AddTemplateCommand(CLI::App& app) {
  auto f = std::make_shared<TemplateFlags>();
  CLI::App* cmd = app.add_subcommand("template", "write a valid starter file to fill in");
  cmd->add_option("--type", f->type, "adt, exit-quarantine or quarantine-report")->required();
  cmd->add_option("--user", f->user, "the user the file is about")->required()->type_name("EUI");
  cmd->add_option("--role", f->role, "the User Role (ADT): one row per SRV it may send");
  cmd->add_option("--srv-catalogue", f->catalogue, "the DUIS SRV catalogue (as for validate)");
  cmd->add_option("-o,--out", f->output, "the file to write")->required();
  cmd->add_flag("--force", f->force, "replace OUT if it exists");
  cmd->footer(
      "ADT: one WARNING row per SRV the role may send (count 0, period PT24H, effective\n"
      "from the next midnight UTC); replace ref=FILL-IN with your service management\n"
      "reference, set the counts, and add QUARANTINE rows. The T record is the one for\n"
      "the rows as written: after editing, fix its count and digest (docs/formats.md).\n"
      "Example:\n"
      "  adtgw template --type adt --user AD-7C-00-00-00-00-02-01 --role IS -o ADT.csv");
  return [f] { return RunTemplate(*f); };
}

}  // namespace adtgw
