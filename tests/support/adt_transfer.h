// A valid ADT/1 file (docs/formats.md) and its preparation for delivery, for tests that
// send through a real gateway: AdtFileText writes what scripts/make-adt-file.sh writes
// (WARNING thresholds of one user for SRV 1.1.1, one row per period, with the true T
// record), and PrepareAdtFile seals and signs such a file with a TransferSender into an
// envelope file of the test's own.
//
// Thread safety: the functions share nothing.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "crypto/result.h"
#include "gateway/client/gateway_api.h"
#include "gateway/client/transfer_sender.h"

namespace adtgw::testing {

// At least `min_bytes` of D records (one record when 0) for `user` (an EUI-64).
std::string AdtFileText(const std::string& user, size_t min_bytes = 0);

// Writes `text` to `path` (created or replaced).
Status WriteTextFile(const std::string& path, const std::string& text);

// Checks, seals and signs `path` as an ADT file with `sender`, writing the envelope to
// `envelope_path` and setting the result's envelope_path. `idempotency_key` empty: a
// fresh one. The file's content problems go to `problems` when given.
Result<PreparedTransfer> PrepareAdtFile(TransferSender& sender, GatewayApi& api,
                                        const std::string& path, const std::string& envelope_path,
                                        const std::string& idempotency_key = "",
                                        std::vector<std::string>* problems = nullptr);

}  // namespace adtgw::testing
