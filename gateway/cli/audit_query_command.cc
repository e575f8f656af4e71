// `adtgw audit query` (docs/cli.md; docs/audit-log.md, "The audit API"): lists the
// log's entries by party, file type, event and time, as a table, JSON or CSV, after
// witnessing the log.
#include <cpprest/json.h>
#include <cpprest/uri.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>

#include "crypto/byte_stream.h"
#include "crypto/encoding.h"
#include "gateway/audit/audit_entry.h"
#include "gateway/cli/audit_commands.h"
#include "gateway/cli/audit_output.h"
#include "gateway/cli/auditor_session.h"
#include "gateway/cli/table_printer.h"
#include "gateway/common/date_argument.h"
#include "gateway/common/strict_json.h"
#include "gateway/formats/csv_writer.h"

namespace adtgw {
namespace {

using web::json::value;

struct QueryFlags {
  AuditorFlags auditor;
  std::string party, type, event, since, until, month;
  uint64_t limit = 0;
  bool csv = false;
};

struct QueriedEntry {
  uint64_t index;
  const std::string* text;  // the canonical entry, inside the parsed answer
  AuditEntry entry;
};

std::string Encode(const std::string& s) {
  return utility::conversions::to_utf8string(
      web::uri::encode_data_string(utility::conversions::to_string_t(s)));
}

std::string Recipients(const AuditEntry& e, const char* separator) {
  std::string out;
  for (const auto& r : e.recipients) out += (out.empty() ? "" : separator) + r.ToString();
  return out;
}

Status RunQuery(const QueryFlags& f) {
  std::string query;
  auto add = [&query](const char* key, const std::string& v) {
    query += (query.empty() ? "?" : "&") + std::string(key) + "=" + Encode(v);
  };
  if (!f.party.empty()) {
    ADTGW_ASSIGN(Eui64 party, Eui64::Parse(f.party));
    add("party", party.ToString());
  }
  if (!f.event.empty()) {
    if (!IsAuditEvent(f.event)) {
      return MakeError(ErrorKind::kUsage, "usage", "--event " + f.event + " is not an audit event",
                       "the events are listed in docs/audit-log.md, e.g. envelope.stored");
    }
    add("event", f.event);
  }
  if (!f.type.empty()) add("type", f.type);
  std::optional<std::time_t> since, until;
  if (!f.month.empty()) {
    ADTGW_ASSIGN(since, ParseDate(f.month + "-01", "--month"));
    int y = std::stoi(f.month.substr(0, 4)), m = std::stoi(f.month.substr(5, 2));
    char next[32];
    std::snprintf(next, sizeof next, "%04d-%02d-01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
    ADTGW_ASSIGN(until, ParseDate(next, "--month"));
  }
  if (!f.since.empty()) {
    ADTGW_ASSIGN(since, ParseDate(f.since, "--since"));
  }
  if (!f.until.empty()) {
    ADTGW_ASSIGN(until, ParseDate(f.until, "--until"));
  }
  if (since) add("since", FormatTime(*since));
  if (until) add("until", FormatTime(*until));
  if (f.limit > 0) add("limit", std::to_string(f.limit));

  ADTGW_ASSIGN(AuditorSession a, ConnectAuditor(f.auditor));
  ADTGW_TRY(a.witness.Observe(*a.api, a.key()));
  ADTGW_ASSIGN(std::string body, a.api->AuditGet("/v1/audit/query" + query));
  StrictJsonObject::Rules rules{"response", "see docs/audit-log.md, The audit API", kMaxAuditAnswer,
                                3};
  ADTGW_ASSIGN(value v, ParseCappedJson(AsBytes(body), rules));
  std::string().swap(body);  // a month's answer is half a megabyte: let the entries reuse it
  auto malformed = [](const std::string& what) {
    return MakeError(ErrorKind::kInvalidInput, "response.malformed",
                     "the gateway's query answer " + what, "see docs/audit-log.md, The audit API");
  };
  if (!v.is_object() || !v.has_array_field("entries") || !v.has_boolean_field("truncated")) {
    return malformed("is not {\"entries\": [...], \"truncated\": BOOL}");
  }
  bool truncated = v.at("truncated").as_bool();
  const auto& items = v.at("entries").as_array();
  std::vector<QueriedEntry> entries;
  entries.reserve(items.size());
  for (const auto& item : items) {
    if (!item.is_object() || !item.has_string_field("entry") || !item.has_field("index") ||
        !item.at("index").is_integer() || !item.at("index").as_number().is_uint64()) {
      return malformed("has an item that is not {\"entry\": TEXT, \"index\": N}");
    }
    QueriedEntry q;
    q.index = item.at("index").as_number().to_uint64();
    q.text = &item.at("entry").as_string();
    auto parsed = ParseAuditEntry(AsBytes(*q.text));
    if (!parsed.ok()) {
      return MakeError(ErrorKind::kIntegrity, "audit.entry_malformed",
                       "entry " + std::to_string(q.index) +
                           " from the gateway is not a canonical "
                           "audit entry: " +
                           parsed.error().message,
                       "run adtgw audit verify --full and report it to the DCC");
    }
    q.entry = std::move(parsed).value();
    entries.push_back(std::move(q));
  }

  if (f.auditor.json) {
    // Each entry is a canonical JSON object (checked above): it is printed as it is,
    // with its index put first, rather than parsed into a tree again and serialised.
    // Written piece by piece: a copy of the whole answer would only cost page faults.
    std::cout << "{\"entries\":[";
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i > 0) std::cout << ',';
      std::cout << "{\"index\":" << entries[i].index;
      std::string_view rest = std::string_view(*entries[i].text).substr(1);  // after '{'
      if (rest != "}") std::cout << ',';
      std::cout << rest;
    }
    std::cout << "],\"truncated\":" << (truncated ? "true" : "false") << "}\n";
  } else if (f.csv) {
    const std::vector<std::string> header = {
        "index",         "time",          "event",         "outcome",
        "reason",        "actor",         "peer",          "sender",
        "recipients",    "transfer_id",   "file_type",     "envelope_sha256",
        "envelope_size", "rule",          "policy_sha256", "request",
        "signer_issuer", "signer_serial", "address",       "count"};
    std::string line;
    for (const auto& h : header) line += (line.empty() ? "" : ",") + h;
    std::cout << line << "\r\n";
    for (const auto& q : entries) {
      const AuditEntry& e = q.entry;
      std::vector<std::string> row = {std::to_string(q.index),
                                      FormatTime(e.at),
                                      e.event,
                                      e.outcome,
                                      e.reason,
                                      e.actor ? e.actor->ToString() : "",
                                      e.peer,
                                      e.sender ? e.sender->ToString() : "",
                                      Recipients(e, " "),
                                      e.transfer_id,
                                      e.file_type,
                                      e.envelope_sha256,
                                      e.envelope_size ? std::to_string(*e.envelope_size) : "",
                                      e.rule,
                                      e.policy_sha256,
                                      e.request,
                                      e.signer_issuer,
                                      e.signer_serial,
                                      e.address,
                                      e.count ? std::to_string(*e.count) : ""};
      line.clear();
      for (size_t i = 0; i < row.size(); ++i) line += (i ? "," : "") + CsvField(row[i]);
      std::cout << line << "\r\n";
    }
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& q : entries) {
      const AuditEntry& e = q.entry;
      rows.push_back({std::to_string(q.index), FormatTime(e.at), e.event, e.outcome, e.reason,
                      Actor(e), e.sender ? e.sender->ToString() : "", Recipients(e, ","),
                      e.transfer_id, e.file_type});
    }
    PrintTable({"INDEX", "TIME", "EVENT", "OUTCOME", "REASON", "ACTOR", "SENDER", "RECIPIENTS",
                "TRANSFER", "TYPE"},
               rows);
    std::cout << entries.size() << " entr" << (entries.size() == 1 ? "y" : "ies")
              << (truncated ? " (truncated: narrow the query, or page with --since)" : "") << "\n";
  }
  if (truncated && (f.auditor.json || f.csv)) {
    std::cerr << "adtgw: note: the answer was truncated at " << entries.size()
              << " entries: narrow the query\n";
  }
  return OkStatus();
}

}  // namespace

CommandAction AddAuditQueryCommand(CLI::App* audit) {
  auto query = std::make_shared<QueryFlags>();
  CLI::App* q = audit->add_subcommand("query", "list log entries by party, type, event and time");
  AddAuditorFlags(q, query->auditor);
  q->add_option("--party", query->party, "entries naming this EUI-64 (actor, sender, recipient)")
      ->type_name("EUI");
  q->add_option("--type", query->type, "file type")
      ->check(CLI::IsMember({"adt", "exit-quarantine", "quarantine-report"}));
  q->add_option("--event", query->event, "event name, e.g. envelope.stored");
  auto* since =
      q->add_option("--since", query->since, "from this time on (inclusive)")->type_name("DATE");
  auto* until =
      q->add_option("--until", query->until, "before this time (exclusive)")->type_name("DATE");
  q->add_option("--month", query->month, "one calendar month (UTC), instead of --since/--until")
      ->type_name("YYYY-MM")
      ->check(CLI::Validator(
          [](std::string& s) {
            bool ok = s.size() == 7 && s[4] == '-' &&
                      std::all_of(s.begin(), s.begin() + 4, ::isdigit) && ::isdigit(s[5]) &&
                      ::isdigit(s[6]) && std::stoi(s.substr(5)) >= 1 &&
                      std::stoi(s.substr(5)) <= 12;
            return ok ? std::string() : "--month must be YYYY-MM";
          },
          "YYYY-MM"))
      ->excludes(since)
      ->excludes(until);
  q->add_option("--limit", query->limit, "at most this many entries (the gateway gives 10000)");
  q->add_flag("--csv", query->csv, "print CSV (RFC 4180) instead of a table");
  q->footer(
      "DATE is YYYY-MM-DD (midnight UTC) or RFC 3339 (2026-03-01T12:00:00Z, ...+01:00).\n"
      "Examples:\n"
      "  adtgw audit query --party AD-7C-00-00-00-00-02-01 --month 2026-03\n"
      "  adtgw audit query --event request.refused --since 2026-03-01 --csv > refused.csv");
  return [query]() -> Status {
    if (query->csv && query->auditor.json) {
      return MakeError(ErrorKind::kUsage, "usage", "give --json or --csv, not both");
    }
    return RunQuery(*query);
  };
}

}  // namespace adtgw
