#include "gateway/formats/field_checks.h"

namespace adtgw {

std::string ClipField(std::string_view field) {
  return field.size() <= 40 ? std::string(field) : std::string(field.substr(0, 40)) + "...";
}

std::optional<Eui64> CheckEui64(std::string_view field, uint64_t line, uint32_t column,
                                FileProblems& problems) {
  auto eui = Eui64::Parse(field);
  if (eui.ok()) return *eui;
  problems.Add(line, column, "field.bad_eui64",
               "'" + ClipField(field) + "' is not an EUI-64 such as 90-B3-D5-1F-30-01-00-00");
  return std::nullopt;
}

bool CheckUtcTime(std::string_view field, uint64_t line, uint32_t column, FileProblems& problems) {
  if (IsUtcTime(field)) return true;
  problems.Add(line, column, "field.bad_time",
               "'" + ClipField(field) + "' is not a UTC time such as 2026-01-06T00:00:00Z");
  return false;
}

bool CheckEventRef(std::string_view field, uint64_t line, uint32_t column, FileProblems& problems) {
  bool ok = !field.empty() && field.size() <= 20 &&
            field.find_first_not_of("0123456789") == std::string_view::npos;
  if (!ok) {
    problems.Add(line, column, "field.bad_event_ref",
                 "'" + ClipField(field) + "' is not a quarantine event reference (1 to 20 digits)");
  }
  return ok;
}

std::optional<Eui64> CheckRequestId(std::string_view field, uint64_t line, uint32_t column,
                                    FileProblems& problems) {
  auto originator = ParseRequestId(field);
  if (!originator) {
    problems.Add(line, column, "field.bad_request_id",
                 "'" + ClipField(field) +
                     "' is not a Request ID <originator EUI-64>:<target EUI-64>:<counter>");
  }
  return originator;
}

void CheckRequestOf(std::string_view field, const std::optional<Eui64>& user, const char* code,
                    uint64_t line, uint32_t column, FileProblems& problems) {
  auto originator = CheckRequestId(field, line, column, problems);
  if (originator && user && *originator != *user) {
    problems.Add(line, column, code,
                 "the request was originated by " + originator->ToString() +
                     ", not by the file's user " + user->ToString());
  }
}

void EventRefs::Check(std::string_view field, uint64_t line, uint32_t column,
                      FileProblems& problems) {
  if (!CheckEventRef(field, line, column, problems)) return;
  auto [it, fresh] = first_line_.emplace(std::string(field), line);
  if (!fresh) {
    problems.Add(line, column, duplicate_code_,
                 "quarantine event " + std::string(field) + " is named on line " +
                     std::to_string(it->second) + " already");
  }
}

void CheckEmpty(std::string_view field, uint64_t line, uint32_t column, FileProblems& problems) {
  if (!field.empty()) {
    problems.Add(line, column, "field.not_empty", "the H record leaves this field empty");
  }
}

std::optional<FormatTag> CheckFormatTag(std::string_view field, std::string_view format,
                                        const char* usage, uint64_t line, uint32_t column,
                                        FileProblems& problems) {
  auto tag = ParseFormatTag(field);
  if (!tag) {
    problems.Add(line, column, "header.bad_tag", std::string("the H record ends with ") + usage);
    return std::nullopt;
  }
  if (tag->fmt != format) {
    problems.Add(line, column, "header.wrong_format",
                 "the file says it is " + ClipField(tag->fmt) + ", not " + std::string(format) +
                     ": check --type");
    return std::nullopt;
  }
  return tag;
}

}  // namespace adtgw
