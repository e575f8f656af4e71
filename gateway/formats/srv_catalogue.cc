#include "gateway/formats/srv_catalogue.h"

#include "certs/credential_files.h"
#include "gateway/common/line_splitter.h"
#include "gateway/formats/csv_line.h"

namespace adtgw {
namespace {

constexpr std::string_view kHeader =
    "srv,service_reference,name,eligible_user_roles,non_device_request";
constexpr size_t kMaxCatalogue = 1 << 20;  // 129 SRVs today are 8 KB
constexpr size_t kMaxLine = 1024;
// DUIS has 129; the ADT rules keep an SRV's index in 16 bits (adt_file.cc).
constexpr size_t kMaxSrvs = 10000;

bool IsSrv(std::string_view s) {  // digits and dots: 4.1.1
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.' ? s[i - 1] == '.' : (s[i] < '0' || s[i] > '9')) return false;
  }
  return true;
}

}  // namespace

std::optional<UserRole> ParseUserRole(std::string_view text) {
  for (size_t i = 0; i < std::size(kUserRoleNames); ++i) {
    if (text == kUserRoleNames[i]) return static_cast<UserRole>(i);
  }
  return std::nullopt;
}

const char* UserRoleName(UserRole role) { return kUserRoleNames[static_cast<size_t>(role)]; }

Result<SrvCatalogue> SrvCatalogue::Load(const std::string& path) {
  ADTGW_ASSIGN(std::vector<uint8_t> bytes, ReadFileCapped(path, kMaxCatalogue));
  return Parse(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path);
}

Result<SrvCatalogue> SrvCatalogue::Parse(std::string_view text, const std::string& what) {
  SrvCatalogue c;
  CsvLineSplitter splitter(5);
  LineSplitter lines(what, kMaxLine);
  size_t line_no = 0;
  auto bad = [&](const std::string& why) {
    return MakeError(ErrorKind::kInvalidInput, "srv_catalogue.malformed",
                     what + ":" + std::to_string(line_no) + ": " + why,
                     "the catalogue's format is in docs/formats.md, SRV catalogue");
  };
  auto on_line = [&](std::string_view line) -> Status {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no == 1) {
      if (line != kHeader) return bad("the first line is not '" + std::string(kHeader) + "'");
      return OkStatus();
    }
    if (line.empty()) return OkStatus();
    if (!splitter.Split(line)) return bad(splitter.error_message());
    const auto& f = splitter.fields();
    if (f.size() != 5) return bad("a line has " + std::to_string(f.size()) + " fields, not 5");
    if (!IsSrv(f[0])) return bad("'" + std::string(f[0]) + "' is not an SRV such as 4.1.1");
    if (c.index_.count(f[0]) != 0) return bad("SRV " + std::string(f[0]) + " is listed twice");
    SrvEntry e;
    e.srv = std::string(f[0]);
    e.name = std::string(f[2]);
    std::string_view roles = f[3];
    while (!roles.empty()) {
      size_t sp = roles.find(' ');
      std::string_view name = roles.substr(0, sp);
      roles = sp == std::string_view::npos ? std::string_view() : roles.substr(sp + 1);
      auto role = ParseUserRole(name);
      if (!role) return bad("'" + std::string(name) + "' is not a User Role");
      e.roles |= static_cast<uint8_t>(1u << static_cast<unsigned>(*role));
    }
    if (c.entries_.size() == kMaxSrvs) {
      return bad("more than " + std::to_string(kMaxSrvs) + " SRVs");
    }
    c.index_.emplace(e.srv, c.entries_.size());
    c.entries_.push_back(std::move(e));
    return OkStatus();
  };
  ADTGW_TRY(lines.Feed(text, on_line));
  ADTGW_TRY(lines.Finish(on_line));
  if (c.entries_.empty()) return bad("the catalogue lists no SRV");
  return c;
}

const SrvEntry* SrvCatalogue::Find(std::string_view srv) const {
  auto it = index_.find(srv);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

}  // namespace adtgw
