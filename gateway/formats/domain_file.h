// The three domain files adtgw carries (docs/formats.md) and what their checks need to
// know besides the file: the SRV catalogue, and who signs (or signed) it, so that a
// file naming somebody else's EUI-64 is refused ("binding to the signer").
//
// The parsers live here, apart from the transfer code: they see bytes and options, never
// a manifest or a connection.
//
// Ownership: the rules copy the options, which refer to a catalogue the caller keeps
// alive. Thread safety: the rules objects are used by one thread at a time; the
// catalogue may be shared.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "certs/eui64.h"
#include "crypto/result.h"
#include "gateway/formats/record_file.h"
#include "gateway/formats/srv_catalogue.h"

namespace adtgw {

enum class DomainFileType { kAdt, kExitQuarantine, kQuarantineReport };

// "adt", "exit-quarantine", "quarantine-report": the names of --type and of manifests.
std::optional<DomainFileType> ParseDomainFileType(std::string_view name);
const char* DomainFileTypeName(DomainFileType type);

struct DomainFileOptions {
  const SrvCatalogue* catalogue = nullptr;  // needed for ADT/1
  // The signer's EUI-64. When absent, nothing is bound (adtgw validate without --signer).
  std::optional<Eui64> signer;
  // Whether the policy lets the signer act for `user` (besides itself); absent: never.
  std::function<bool(const Eui64& user)> may_act_for;
  // QREP/1: whether the signer is the DCC, its only signer (known with the signer: by
  // its SMKI certificate's role, or its EUI-64 against the DCC's), and the recipient
  // the file must name.
  std::optional<bool> signer_is_dcc;
  std::optional<Eui64> recipient;
};

// The rules of one format, for RecordFileChecker.
Result<std::unique_ptr<RecordRules>> MakeDomainFileRules(DomainFileType type,
                                                         const DomainFileOptions& options);

}  // namespace adtgw
