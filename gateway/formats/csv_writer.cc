#include "gateway/formats/csv_writer.h"

#include <string_view>

namespace adtgw {

std::string CsvField(const std::string& s) {
  // Built by appending: GCC 12 at -O2 warns falsely (-Wrestrict) on inserting at 0.
  std::string v;
  if (!s.empty() && std::string_view("=+-@\t\r").find(s[0]) != std::string_view::npos) v = "'";
  v += s;
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace adtgw
