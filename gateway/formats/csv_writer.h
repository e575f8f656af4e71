// CsvField: one field written for a CSV file (RFC 4180), the writing side of
// csv_line.h. `adtgw audit query --csv` writes its rows with it.
//
// A field is quoted when it holds a comma, a quote, CR or LF, with its quotes doubled.
// The text written is meant for spreadsheets too, and what the audit log records (TLS
// subjects, DNs) comes from outside: a field a spreadsheet would run as a formula
// (first character =, +, -, @, tab or CR) gets a leading apostrophe, which a spreadsheet
// hides. What is written is not always what CsvLineSplitter reads back: adtgw's own
// formats have no line break or control character in a field, the audit log's text may.
//
// Thread safety: a pure function.
#pragma once

#include <string>

namespace adtgw {

std::string CsvField(const std::string& s);

}  // namespace adtgw
