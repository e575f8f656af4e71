#include "gateway/client/spool_file_type.h"

#include <strings.h>

#include "crypto/byte_stream.h"
#include "gateway/common/strict_json.h"
#include "gateway/formats/domain_file.h"

namespace adtgw {
namespace {

bool HasPrefix(const std::string& name, const char* prefix) {
  const size_t n = std::char_traits<char>::length(prefix);
  return name.size() > n && strncasecmp(name.c_str(), prefix, n) == 0;
}

}  // namespace

Result<SpoolFileType> SpoolFileTypeOf(const std::string& name,
                                      const std::optional<std::string>& sidecar) {
  SpoolFileType out;
  if (!sidecar) {
    if (HasPrefix(name, "ADT_")) {
      out.file_type = "adt";
    } else if (HasPrefix(name, "EXITQ_")) {
      out.file_type = "exit-quarantine";
    } else {
      return MakeError(ErrorKind::kInvalidInput, "push.unknown_type",
                       name + " is not named ADT_* or EXITQ_* and has no sidecar",
                       "rename it, or write " + name +
                           ".adtgw.json beside it, e.g. {\"type\":\"quarantine-report\","
                           "\"to\":[\"EUI-64\"]} (docs/push.md)");
    }
    return out;
  }
  StrictJsonObject::Rules rules{"push.bad_sidecar", "see docs/push.md, File types", 4096, 2};
  auto parsed = StrictJsonObject::Parse(AsBytes(*sidecar), rules, {"type", "to"});
  if (!parsed.ok()) {
    Error e = std::move(parsed).error();
    e.code = "push.bad_sidecar";
    e.message = name + ".adtgw.json: " + e.message;
    return e;
  }
  auto type = parsed->Text("type");
  if (!type.ok() || !ParseDomainFileType(*type)) {
    return MakeError(ErrorKind::kInvalidInput, "push.bad_sidecar",
                     name +
                         ".adtgw.json: \"type\" must be adt, exit-quarantine or "
                         "quarantine-report",
                     "see docs/push.md, File types");
  }
  out.file_type = *type;
  if (parsed->Has("to")) {
    auto to = parsed->TextArray("to");
    if (!to.ok() || to->empty() || to->size() > 64) {
      return MakeError(ErrorKind::kInvalidInput, "push.bad_sidecar",
                       name + ".adtgw.json: \"to\" must list 1 to 64 EUI-64s",
                       "see docs/push.md, File types");
    }
    for (const std::string& text : *to) {
      auto eui = Eui64::Parse(text);
      if (!eui.ok()) {
        return MakeError(ErrorKind::kInvalidInput, "push.bad_sidecar",
                         name + ".adtgw.json: " + eui.error().message,
                         "see docs/push.md, File types");
      }
      out.to.push_back(*eui);
    }
  }
  if (out.file_type == "quarantine-report" && out.to.size() != 1) {
    return MakeError(ErrorKind::kInvalidInput, "push.bad_sidecar",
                     name + ".adtgw.json: a quarantine report goes to exactly one user (\"to\")",
                     "see docs/push.md, File types");
  }
  return out;
}

}  // namespace adtgw
