// AuditApi: the audit log's read-only HTTP resources (docs/api.md, "Audit log"),
// without any HTTP machinery: a request target in, a status, content type and body
// out, so that it is tested without a network. The body of GET /v1/audit/entries,
// which may be the whole log, is not built in memory: the answer carries a producer
// of its chunks (ApiResponse::next_chunk) that the server sends as they come.
//
// Every party may read the newest checkpoint and ask for consistency proofs, on the
// parties' listener, to witness the log (DESIGN.md section 3). Everything else (the
// entries, queries, one transfer's life with proofs, inclusion proofs, the
// checkpoints) is served only on the auditors' listener (DESIGN.md section 7, rule 4),
// and only to a party whose role is auditor. Refusals are logged as request.refused.
//
// Ownership: borrows the log; so does a streamed answer, which must not outlive it.
// Thread safety: Get may be called from any thread; one answer's next_chunk from one
// thread at a time.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "crypto/result.h"
#include "gateway/audit/audit_log.h"
#include "gateway/server/transfer_service.h"

namespace adtgw {

struct ApiResponse {
  int status = 200;
  std::string content_type;
  // The whole body, unless next_chunk is set.
  std::string body;
  // Set for a streamed answer (body is then empty): each call returns the next piece
  // of the body, never empty, until it returns an empty view: the body is complete.
  // An error means the rest cannot be read: the sender must then cut the answer off
  // (no last chunk) so that the client sees it broken, never short; the error is not
  // logged as a refusal (the answer had begun). A view is valid until the next call.
  // Each call may read the log (in its own short read transaction).
  std::function<Result<std::string_view>()> next_chunk;
};

class AuditApi {
 public:
  // Most entries one /v1/audit/query answer, and most checkpoints one
  // /v1/audit/checkpoints answer, carries (its `limit`'s default and maximum).
  static constexpr size_t kPageLimit = 10000;
  // GET /v1/audit/entries reads this many rows at a time, each batch in its own read
  // transaction, and sends a batch as one chunk (1000 rows are about 650 KB) ...
  static constexpr size_t kEntriesBatch = 1000;
  // ... formatted in a buffer of this size allocated once per answer: under the 1 MiB
  // from which `adtgw serve` has malloc map fresh pages, to be faulted in, for every
  // buffer. A batch of larger entries goes as several chunks, none over this.
  static constexpr size_t kChunkCapacity = 960 * 1024;

  explicit AuditApi(AuditLog& log) : log_(log) {}

  // Whether `target` is one of this API's resources (it starts with /v1/audit/).
  static bool Serves(std::string_view target);

  // A GET of `target` by `caller`; `auditor_listener`: it came to the auditors' listener.
  // A refusal, or a failure before the first byte of the answer, is an error (and is
  // logged as request.refused).
  Result<ApiResponse> Get(std::string_view target, const Caller& caller, bool auditor_listener);

 private:
  Result<ApiResponse> Answer(std::string_view target, const Caller& caller, bool auditor_listener);
  AuditLog& log_;
};

}  // namespace adtgw
