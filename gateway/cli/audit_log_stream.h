// Reading the whole audit log from the gateway's auditor listener, for adtgw audit
// verify --full and export (docs/audit-log.md, "The audit API"): every stored row,
// streamed in segments of kSegment rows, and every signed checkpoint the log lists, a
// page at a time. Nothing here judges what it reads: LogAuditor and CheckpointHistory
// (gateway/client/) do.
//
// Ownership: the functions borrow the GatewayApi; OnlineHistory's source keeps a
// reference to it, so the API must outlive the source. Thread safety: one thread at a
// time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "crypto/result.h"
#include "gateway/audit/audit_entry.h"
#include "gateway/client/checkpoint_history.h"
#include "gateway/client/gateway_api.h"

namespace adtgw {

// Rows per GET /v1/audit/entries (see StreamEntries).
inline constexpr uint64_t kSegment = 100000;
// Checkpoints per GET /v1/audit/checkpoints (its most).
inline constexpr uint64_t kHistoryPage = 10000;
// Bytes read from, or written to, an export file at a time.
inline constexpr size_t kReadChunk = 1 << 20;
// A row line: index, leaf hash and an entry of at most kMaxAuditEntrySize bytes.
inline constexpr size_t kMaxEntryLine = kMaxAuditEntrySize + 128;

// The index a row line starts with (ParseEntryLine checks the rest), if it has one.
std::optional<uint64_t> LineIndex(std::string_view line);

// Every stored row from index 0 on, line by line (without the newline); `on_line` may
// call the gateway (a newer checkpoint) between lines.
Status StreamEntries(GatewayApi& api, const std::function<Status(std::string_view)>& on_line);

// GET /v1/audit/checkpoints?from=, a page at a time, until a page says it is the last.
CheckpointHistory::PageSource OnlineHistory(GatewayApi& api);

}  // namespace adtgw
