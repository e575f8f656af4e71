// `adtgw audit show ID` (docs/cli.md; docs/audit-log.md, "The audit API"): the whole
// life of one transfer, every entry proven included in a signed checkpoint that the
// witness accepts.
#include <cpprest/json.h>

#include <algorithm>
#include <iostream>
#include <optional>

#include "crypto/byte_stream.h"
#include "crypto/encoding.h"
#include "gateway/audit/audit_entry.h"
#include "gateway/audit/merkle_tree.h"
#include "gateway/cli/audit_commands.h"
#include "gateway/cli/audit_output.h"
#include "gateway/cli/auditor_session.h"
#include "gateway/cli/log_key_flags.h"
#include "gateway/cli/table_printer.h"
#include "gateway/common/strict_json.h"

namespace adtgw {
namespace {

using web::json::value;

struct ShowFlags {
  AuditorFlags auditor;
  std::string id;
};

bool IsTransferId(const std::string& id) { return id.size() == 32 && IsLowerHex(id); }

Status RunShow(const ShowFlags& f) {
  if (!IsTransferId(f.id)) {
    return MakeError(ErrorKind::kUsage, "usage", "'" + f.id + "' is not a transfer id",
                     "a transfer id is 32 lower-case hex digits (adtgw send and adtgw inbox "
                     "print them)");
  }
  ADTGW_ASSIGN(AuditorSession a, ConnectAuditor(f.auditor));
  ADTGW_ASSIGN(std::string body, a.api->AuditGet("/v1/audit/transfers/" + f.id));
  StrictJsonObject::Rules rules{"response", "see docs/audit-log.md, The audit API", kMaxAuditAnswer,
                                4};
  ADTGW_ASSIGN(value v, ParseCappedJson(AsBytes(body), rules));
  auto malformed = [](const std::string& what) {
    return MakeError(ErrorKind::kInvalidInput, "response.malformed",
                     "the gateway's transfer history " + what,
                     "see docs/audit-log.md, The audit API");
  };
  if (!v.is_object() || !v.has_string_field("checkpoint") || !v.has_array_field("entries")) {
    return malformed("is not {\"checkpoint\": NOTE, \"entries\": [...]}");
  }
  // The checkpoint must be the log key's and consistent with what this auditor saw.
  ADTGW_ASSIGN(WitnessReport seen,
               a.witness.ObserveNote(*a.api, a.key(), v.at("checkpoint").as_string()));
  const Checkpoint& cp = seen.checkpoint;

  struct Shown {
    uint64_t index = 0;
    std::string text;
    std::optional<AuditEntry> entry;
    std::optional<Error> problem;
  };
  std::vector<Shown> shown;
  for (const auto& item : v.at("entries").as_array()) {
    if (!item.is_object() || !item.has_string_field("entry") || !item.has_field("index") ||
        !item.at("index").is_integer() || !item.at("index").as_number().is_uint64() ||
        !item.has_array_field("proof") || item.at("proof").as_array().size() > kMaxAuditProof) {
      return malformed("has an item that is not {\"entry\", \"index\", \"proof\"}");
    }
    Shown s;
    s.index = item.at("index").as_number().to_uint64();
    s.text = item.at("entry").as_string();
    std::vector<Sha256Digest> proof;
    for (const auto& h : item.at("proof").as_array()) {
      auto d = h.is_string() ? ParseHexDigest(h.as_string()) : std::nullopt;
      if (!d) return malformed("has a proof hash that is not 64 lower-case hex digits");
      proof.push_back(*d);
    }
    auto parsed = ParseAuditEntry(AsBytes(s.text));
    if (!parsed.ok()) {
      s.problem = MakeError(ErrorKind::kIntegrity, "audit.entry_malformed",
                            "entry " + std::to_string(s.index) +
                                " is not a canonical audit entry: " + parsed.error().message);
    } else {
      s.entry = std::move(parsed).value();
      if (s.entry->transfer_id != f.id) {
        s.problem = MakeError(ErrorKind::kIntegrity, "audit.entry_mismatch",
                              "entry " + std::to_string(s.index) + " names transfer '" +
                                  s.entry->transfer_id + "', not " + f.id);
      }
    }
    Status included = merkle::VerifyInclusion(s.index, cp.size, merkle::LeafHash(AsBytes(s.text)),
                                              proof, cp.root);
    if (!included.ok() && !s.problem) {
      s.problem = MakeError(ErrorKind::kIntegrity, "audit.not_included",
                            "entry " + std::to_string(s.index) + " is not in the signed tree of " +
                                std::to_string(cp.size) + " entries: " + included.error().code +
                                ": " + included.error().message);
    }
    shown.push_back(std::move(s));
  }
  if (shown.empty()) {
    return MakeError(ErrorKind::kNotFound, "audit.no_entries",
                     "the audit log has no entry naming transfer " + f.id,
                     "check the id; a transfer refused before its offer was accepted has no id");
  }
  const Error* first_problem = nullptr;
  size_t problems = 0;
  for (const auto& s : shown) {
    if (s.problem) {
      ++problems;
      if (!first_problem) first_problem = &*s.problem;
    }
  }
  if (f.auditor.json) {
    std::vector<value> items;
    for (const auto& s : shown) {
      value item = value::object();
      if (s.entry) {
        ADTGW_ASSIGN(item, ParseCappedJson(AsBytes(s.text), rules));
      }
      item["index"] = value::number(s.index);
      item["proof_ok"] = value::boolean(!s.problem);
      if (s.problem) item["problem"] = value::string(s.problem->code + ": " + s.problem->message);
      items.push_back(item);
    }
    value out = value::object();
    out["transfer_id"] = value::string(f.id);
    out["checkpoint"] = CheckpointJson(cp);
    out["witness"] = value::string(DescribeWitness(seen, a.witness.NotePath(cp.origin)));
    out["entries"] = value::array(items);
    std::cout << out.serialize() << "\n";
  } else {
    std::cout << "transfer " << f.id << " in the audit log " << cp.origin << "\n"
              << "  checkpoint: size " << cp.size << ", root " << Base64Encode(cp.root)
              << ": signature OK (key ID " << KeyId(a.key()) << ")\n"
              << "  witness:    " << DescribeWitness(seen, a.witness.NotePath(cp.origin)) << "\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& s : shown) {
      std::string verdict = s.problem ? "FAILED: " + s.problem->code : "proof OK";
      if (s.entry) {
        const AuditEntry& e = *s.entry;
        rows.push_back({std::to_string(s.index), FormatTime(e.at), e.event, e.outcome, e.reason,
                        Actor(e), verdict});
      } else {
        rows.push_back({std::to_string(s.index), "", "", "", "", "", verdict});
      }
    }
    PrintTable({"INDEX", "TIME", "EVENT", "OUTCOME", "REASON", "ACTOR", "PROOF"}, rows);
  }
  if (first_problem) {
    Error e = *first_problem;
    e.message = std::to_string(problems) + " of " + std::to_string(shown.size()) +
                " entries failed; the first: " + e.message;
    e.hint = "keep this output and report it to the DCC";
    return e;
  }
  return OkStatus();
}

}  // namespace

CommandAction AddAuditShowCommand(CLI::App* audit) {
  auto show = std::make_shared<ShowFlags>();
  CLI::App* s = audit->add_subcommand(
      "show", "the whole life of one transfer, every entry proven in the signed log");
  s->add_option("ID", show->id, "the transfer id")->required();
  AddAuditorFlags(s, show->auditor);
  s->footer("Example: adtgw audit show 40ec53d1bcb8ea35c733f2d7ea966660");
  return [show]() { return RunShow(*show); };
}

}  // namespace adtgw
