#include "gateway/formats/domain_file_template.h"

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "gateway/formats/adt_file.h"
#include "gateway/formats/exit_quarantine_file.h"
#include "gateway/formats/quarantine_report_file.h"

namespace adtgw {
namespace {

// A free-text field, quoted when it needs to be (RFC 4180).
std::string CsvText(const std::string& text) {
  if (text.find_first_of(",\"") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string TrailerRecord(const std::vector<std::string>& d_lines) {
  Sha256 digest;
  for (const std::string& line : d_lines) {
    digest.Update(AsBytes(line));
    digest.Update(AsBytes("\n"));
  }
  return "T," + std::to_string(d_lines.size()) + "," + ToHex(digest.Finish());
}

Result<std::string> DomainFileTemplate(DomainFileType type, const Eui64& user,
                                       std::optional<UserRole> role, const SrvCatalogue* catalogue,
                                       std::time_t now) {
  const std::string eui = user.ToString();
  std::string header, h;
  std::vector<std::string> d;
  switch (type) {
    case DomainFileType::kAdt: {
      if (!role || catalogue == nullptr) {
        return MakeError(ErrorKind::kUsage, "usage", "an ADT template needs --role",
                         "the role decides which SRVs get a row: IS, ES, GS, ED, GT, RSA or OU");
      }
      const std::string from = FormatTime((now / 86400 + 1) * 86400);
      header = std::string(kAdtHeaderRow);
      h = "H," + eui + "," + UserRoleName(*role) + ",,,,," + from + ",fmt=ADT/1;ref=FILL-IN";
      for (const SrvEntry& e : catalogue->entries()) {
        if (!e.Allows(*role)) continue;
        d.push_back("D," + eui + "," + UserRoleName(*role) + "," + e.srv + ",WARNING,PT24H,0," +
                    from + "," + CsvText(e.name));
      }
      break;
    }
    case DomainFileType::kExitQuarantine:
      header = std::string(kExitQuarantineHeaderRow);
      h = "H,," + eui + ",,fmt=EXITQ/1;generated=" + FormatTime(now);
      break;
    case DomainFileType::kQuarantineReport:
      header = std::string(kQuarantineReportHeaderRow);
      h = "H,," + eui + ",,," + FormatTime(now) + ",fmt=QREP/1";
      break;
  }
  std::string text = header + "\n" + h + "\n";
  for (const std::string& line : d) text += line + "\n";
  return text + TrailerRecord(d) + "\n";
}

}  // namespace adtgw
