// adtgw validate FILE --type T [--signer EUI [--acts-for EUI...]] [--srv-catalogue FILE]
// [--max-problems N] [--json]: checks a domain file (docs/formats.md) and lists every
// problem as FILE:LINE:COLUMN: code: message, the first --max-problems of them in full.
#include <cpprest/json.h>

#include <algorithm>
#include <iostream>

#include "gateway/cli/commands.h"
#include "gateway/cli/srv_catalogue_flag.h"
#include "gateway/common/file_source.h"
#include "gateway/formats/domain_file_check.h"

namespace adtgw {
namespace {

using web::json::value;

struct ValidateFlags {
  std::string file, type, signer, catalogue, dcc, recipient;
  std::vector<std::string> acts_for;
  size_t max_problems = 100;
  bool json = false;
};

Status RunValidate(const ValidateFlags& f) {
  ADTGW_ASSIGN(const DomainFileType type, DomainFileTypeFlag(f.type));
  DomainFileOptions options;
  std::optional<SrvCatalogue> catalogue;
  if (type != DomainFileType::kExitQuarantine) {
    ADTGW_ASSIGN(catalogue, LoadSrvCatalogue(f.catalogue));
    options.catalogue = &*catalogue;
  }
  std::vector<Eui64> acts_for;
  if (!f.signer.empty()) {
    ADTGW_ASSIGN(options.signer, Eui64::Parse(f.signer));
    for (const std::string& text : f.acts_for) {
      ADTGW_ASSIGN(Eui64 user, Eui64::Parse(text));
      acts_for.push_back(user);
    }
    options.may_act_for = [&acts_for](const Eui64& user) {
      return std::find(acts_for.begin(), acts_for.end(), user) != acts_for.end();
    };
  } else if (!f.acts_for.empty()) {
    return MakeError(ErrorKind::kUsage, "usage", "--acts-for needs --signer");
  }
  if (!f.dcc.empty()) {
    ADTGW_ASSIGN(const Eui64 dcc, Eui64::Parse(f.dcc));
    if (options.signer) options.signer_is_dcc = *options.signer == dcc;
  }
  if (!f.recipient.empty()) {
    ADTGW_ASSIGN(options.recipient, Eui64::Parse(f.recipient));
  }
  ADTGW_ASSIGN(FileSource source, FileSource::Open(f.file));
  RecordFileLimits limits;
  limits.max_problems = f.max_problems;
  ADTGW_ASSIGN(RecordFileReport report, CheckDomainFile(source, type, options, limits));

  if (f.json) {
    value v = value::object();
    v["file"] = value::string(f.file);
    v["type"] = value::string(DomainFileTypeName(type));
    v["format"] = value::string(report.format);
    v["ok"] = value::boolean(report.ok());
    v["lines"] = value::number(report.lines);
    v["records"] = value::number(report.details);
    v["problems_total"] = value::number(report.problems_total);
    std::vector<value> problems;
    for (const FileProblem& p : report.problems) {
      value item = value::object();
      item["line"] = value::number(p.line);
      item["column"] = value::number(p.column);
      item["code"] = value::string(p.code);
      item["message"] = value::string(p.message);
      problems.push_back(std::move(item));
    }
    v["problems"] = value::array(std::move(problems));
    std::cout << v.serialize() << "\n";
  } else {
    for (const std::string& line : DomainFileProblemLines(f.file, report)) {
      std::cout << line << "\n";
    }
    if (report.ok()) {
      std::cout << f.file << ": valid " << report.format << ", " << report.details
                << " D records\n";
    }
  }
  if (report.ok()) return OkStatus();
  return InvalidDomainFileError(f.file, report,
                                "fix the lines listed above; the rules are in docs/formats.md");
}

}  // namespace

CommandAction AddValidateCommand(CLI::App& app) {
  auto f = std::make_shared<ValidateFlags>();
  CLI::App* cmd = app.add_subcommand("validate",
                                     "check an ADT, exit-quarantine or quarantine "
                                     "report file against its format (no network)");
  cmd->add_option("FILE", f->file, "the file to check")->required();
  cmd->add_option("--type", f->type, "adt, exit-quarantine or quarantine-report")->required();
  cmd->add_option("--signer", f->signer,
                  "the EUI-64 that signs the file: every user it names must be this one, or one "
                  "of --acts-for")
      ->type_name("EUI");
  cmd->add_option("--acts-for", f->acts_for, "a user the signer may act for (repeatable)")
      ->type_name("EUI");
  cmd->add_option("--dcc", f->dcc, "quarantine report: the DCC's EUI-64, its only signer")
      ->type_name("EUI");
  cmd->add_option("--recipient", f->recipient,
                  "quarantine report: the user it is sent to, whom it must name")
      ->type_name("EUI");
  cmd->add_option("--srv-catalogue", f->catalogue,
                  std::string("the DUIS SRV catalogue (default: $ADTGW_SRV_CATALOGUE, then ") +
                      DefaultSrvCataloguePath() + ")");
  cmd->add_option("--max-problems", f->max_problems, "problems listed in full (default 100)")
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  cmd->add_flag("--json", f->json, "print the result as JSON");
  cmd->footer(
      "Every problem is listed as FILE:LINE:COLUMN: code: message; the exit code is 0 when\n"
      "the file is valid and 3 when it is not. The formats: docs/formats.md.\n"
      "Example:\n"
      "  adtgw validate ADT_20260106.csv --type adt --signer AD-7C-00-00-00-00-02-01");
  return [f] { return RunValidate(*f); };
}

}  // namespace adtgw
