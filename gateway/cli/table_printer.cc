#include "gateway/cli/table_printer.h"

#include <algorithm>
#include <iostream>

namespace adtgw {
namespace {

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

}  // namespace

void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], OrDash(row[c]).size());
  }
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      std::string cell = OrDash(row[c]);
      line += cell;
      if (c + 1 < row.size()) line += std::string(width[c] - cell.size() + 2, ' ');
    }
    std::cout << line << "\n";
  };
  print(header);
  for (const auto& row : rows) print(row);
}

}  // namespace adtgw
