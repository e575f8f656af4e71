// AuditApi: the audit log's read-only HTTP resources (docs/api.md, "Audit log"),
// without any HTTP machinery: a request target in, a status, content type and body
// out, so that it is tested without a network.
//
// Every party may read the newest checkpoint and ask for consistency proofs, on the
// parties' listener, to witness the log (DESIGN.md section 3). Everything else (the
// entries, queries, one transfer's life with proofs, inclusion proofs, every
// checkpoint) is served only on the auditors' listener (DESIGN.md section 7, rule 4),
// and only to a party whose role is auditor. Refusals are logged as request.refused.
//
// Ownership: borrows the log. Thread safety: Get may be called from any thread.
#pragma once

#include <string>
#include <string_view>

#include "crypto/result.h"
#include "gateway/audit/audit_log.h"
#include "gateway/server/transfer_service.h"

namespace adtgw {

struct ApiResponse {
  int status = 200;
  std::string content_type;
  std::string body;
};

class AuditApi {
 public:
  // Most entries one /v1/audit/entries or /v1/audit/query answer carries.
  static constexpr size_t kPageLimit = 10000;

  explicit AuditApi(AuditLog& log) : log_(log) {}

  // Whether `target` is one of this API's resources (it starts with /v1/audit/).
  static bool Serves(std::string_view target);

  // A GET of `target` by `caller`; `auditor_listener`: it came to the auditors' listener.
  Result<ApiResponse> Get(std::string_view target, const Caller& caller, bool auditor_listener);

 private:
  Result<ApiResponse> Answer(std::string_view target, const Caller& caller, bool auditor_listener);
  AuditLog& log_;
};

}  // namespace adtgw
