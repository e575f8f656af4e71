// The libFuzzer body shared by the three domain-file targets (adt_file_fuzz.cc,
// exit_quarantine_file_fuzz.cc, quarantine_report_file_fuzz.cc): the input is a file,
// checked by RecordFileChecker with that format's rules (docs/formats.md), bound to a
// fixed signer who may act for one other user, with a small SRV catalogue.
//
// Checks: the problems are the same whether the file arrives whole or in pieces of a
// size taken from the input (with a 4 KiB size cap, so that is fuzzed too); every
// problem has a code, a message, a line within the
// file (or the one after it) and a column from 1; no more problems are kept than the
// cap, and the count is never below what is kept; a file without problems is one whose
// T record counts its D lines.
//
// Seeds (ADTGW_FUZZ_WRITE_SEEDS=DIR): a valid file of the format, its CRLF and byte-
// order-mark variants, and copies with a broken field, a wrong digest and a cut end.
#pragma once

#include <string>
#include <vector>

#include "crypto/sha256.h"
#include "gateway/formats/domain_file.h"
#include "tests/fuzz/fuzz_support.h"

namespace adtgw::fuzz {

inline const SrvCatalogue& FuzzCatalogue() {
  static const SrvCatalogue c =
      SrvCatalogue::Parse(
          "srv,service_reference,name,eligible_user_roles,non_device_request\n"
          "1.1.1,1.1,Update Import Tariff (Primary Element),IS GS,No\n"
          "4.1.1,4.1,Read Instantaneous Import Registers,IS GS ED GT,No\n"
          "8.5,8.5,Service Opt Out,,No\n",
          "fuzz catalogue")
          .value();
  return c;
}

inline DomainFileOptions FuzzOptions() {
  DomainFileOptions o;
  o.catalogue = &FuzzCatalogue();
  o.signer = Eui64::Parse("AD-7C-00-00-00-00-02-01").value();
  o.may_act_for = [](const Eui64& u) { return u.ToString() == "AD-7C-00-00-00-00-02-02"; };
  o.signer_is_dcc = false;
  return o;
}

// A file of `header`, `h` and the D lines `d`, with its true trailer.
inline std::string FileOf(const std::string& header, const std::string& h,
                          const std::vector<std::string>& d, const char* eol = "\n") {
  Sha256 digest;
  std::string text = header + eol + h + eol;
  for (const std::string& line : d) {
    std::string hashed = line + "\n";
    digest.Update(AsBytes(hashed));
    text += line + eol;
  }
  return text + "T," + std::to_string(d.size()) + "," + ToHex(digest.Finish()) + eol;
}

inline std::vector<der::Bytes> DomainFileSeeds(const std::string& header, const std::string& h,
                                               const std::vector<std::string>& d) {
  std::string valid = FileOf(header, h, d);
  std::string broken = valid;
  broken.replace(broken.find("D,") + 2, 1, "\"");
  std::string wrong_digest = valid;
  wrong_digest[wrong_digest.size() - 2] = wrong_digest[wrong_digest.size() - 2] == '0' ? '1' : '0';
  return {BytesOf(valid),
          BytesOf(FileOf(header, h, d, "\r\n")),
          BytesOf("\xEF\xBB\xBF" + valid),
          BytesOf(broken),
          BytesOf(wrong_digest),
          BytesOf(valid.substr(0, valid.size() / 2))};
}

inline std::vector<std::string> Problems(DomainFileType type, std::span<const uint8_t> bytes,
                                         size_t piece, uint64_t* lines, bool* ok) {
  DomainFileOptions options = FuzzOptions();
  auto rules = MakeDomainFileRules(type, options);
  if (!rules.ok()) InvariantFailed("no rules for the format");
  RecordFileLimits limits;
  limits.max_line = 512;
  limits.max_problems = 20;
  limits.max_bytes = 4096;  // small, so that the size cap is fuzzed too
  RecordFileChecker checker(**rules, limits);
  for (size_t i = 0; i < bytes.size(); i += piece) {
    checker.Feed(bytes.subspan(i, std::min(piece, bytes.size() - i)));
  }
  RecordFileReport r = checker.Finish();
  if (r.problems.size() > limits.max_problems || r.problems_total < r.problems.size()) {
    InvariantFailed("the problem cap or count is wrong");
  }
  std::vector<std::string> out;
  for (const FileProblem& p : r.problems) {
    if (p.code.empty() || p.message.empty() || p.line == 0 || p.line > r.lines + 1 ||
        p.column == 0) {
      InvariantFailed("a problem without code, message or place");
    }
    out.push_back(std::to_string(p.line) + ":" + std::to_string(p.column) + ":" + p.code);
  }
  *lines = r.lines;
  *ok = r.ok();
  return out;
}

inline int FuzzDomainFile(DomainFileType type, const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  uint64_t lines = 0, lines_again = 0;
  bool ok = false, ok_again = false;
  auto whole = Problems(type, bytes, size + 1, &lines, &ok);
  const size_t piece = size == 0 ? 1 : 1 + data[0] % 17;
  if (Problems(type, bytes, piece, &lines_again, &ok_again) != whole || lines != lines_again) {
    InvariantFailed("fed in pieces, the file gives other problems");
  }
  if (ok) {
    // A valid file ends with a T record whose count is the D lines'.
    std::string text(reinterpret_cast<const char*>(data), size);
    size_t d = 0;
    for (size_t at = 0; (at = text.find("\nD,", at)) != std::string::npos; ++at) ++d;
    if (text.find("\nT," + std::to_string(d) + ",") == std::string::npos) {
      InvariantFailed("a valid file's trailer does not count its D lines");
    }
  }
  return 0;
}

}  // namespace adtgw::fuzz
