// Field checks the three formats' rules share: each checks one field, adds a problem
// with the format-neutral code of docs/formats.md ("Problem codes") when it is wrong,
// and hands back the parsed value when it is right.
//
// Thread safety: the functions are pure (the problems list is the caller's); an
// EventRefs is used by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "certs/eui64.h"
#include "gateway/formats/field_syntax.h"
#include "gateway/formats/file_problems.h"

namespace adtgw {

// A field quoted in a message, cut at 40 bytes.
std::string ClipField(std::string_view field);

std::optional<Eui64> CheckEui64(std::string_view field, uint64_t line, uint32_t column,
                                FileProblems& problems);
bool CheckUtcTime(std::string_view field, uint64_t line, uint32_t column, FileProblems& problems);
// 1 to 20 digits: a quarantine event reference.
bool CheckEventRef(std::string_view field, uint64_t line, uint32_t column, FileProblems& problems);
std::optional<Eui64> CheckRequestId(std::string_view field, uint64_t line, uint32_t column,
                                    FileProblems& problems);
// A Request ID that `user` (the file's, when known) must have originated; `code` if not.
void CheckRequestOf(std::string_view field, const std::optional<Eui64>& user, const char* code,
                    uint64_t line, uint32_t column, FileProblems& problems);

// The quarantine event references of one file, each named once: a repeat is
// `duplicate_code`, pointing at the line that named it first.
class EventRefs {
 public:
  explicit EventRefs(const char* duplicate_code) : duplicate_code_(duplicate_code) {}
  void Check(std::string_view field, uint64_t line, uint32_t column, FileProblems& problems);

 private:
  const char* duplicate_code_;
  std::unordered_map<std::string, uint64_t> first_line_;
};
// The H record's fields that a format leaves empty.
void CheckEmpty(std::string_view field, uint64_t line, uint32_t column, FileProblems& problems);
// The format tag: `fmt=` must be `format`; `usage` shows the whole tag in the message.
std::optional<FormatTag> CheckFormatTag(std::string_view field, std::string_view format,
                                        const char* usage, uint64_t line, uint32_t column,
                                        FileProblems& problems);

}  // namespace adtgw
