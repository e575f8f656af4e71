// PrintTable: how a command prints rows for people (adtgw audit query and show): columns
// two spaces apart, each as wide as its widest cell, "-" for an empty cell so that every
// column stays readable with `cut` and `awk`. JSON and CSV output do not come here.
//
// Thread safety: writes to std::cout; main thread only.
#pragma once

#include <string>
#include <vector>

namespace adtgw {

// Prints the header, then each row, one line each. A row has as many cells as the header.
void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

}  // namespace adtgw
