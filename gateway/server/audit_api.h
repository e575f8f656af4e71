// AuditApi: the audit log's read-only HTTP resources (docs/api.md, "Audit log"),
// without any HTTP machinery: a query (and a path segment) in, a status, content type
// and body out, so that it is tested without a network. The body of GET /v1/audit/entries,
// which may be the whole log, is not built in memory: the answer carries a producer
// of its chunks (ApiResponse::next_chunk) that the server sends as they come.
//
// Who may read which resource is the route table's concern (api_router.cc: every party
// reads the newest checkpoint and consistency proofs on either listener, to witness
// the log; the rest is for auditors on the auditors' listener), and so is recording a
// refusal (request.refused): a resource only answers or says why it cannot.
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

// What a resource is asked: the query string (after '?', possibly empty) and the
// route's `{name}` path segment, if it has one.
struct AuditRequest {
  std::string_view query;
  std::string_view param;
};

class AuditApi;
using AuditResource = Result<ApiResponse> (AuditApi::*)(const AuditRequest&);

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

  // GET /v1/audit/checkpoint: the newest signed checkpoint.
  Result<ApiResponse> Checkpoint(const AuditRequest& request);
  // GET /v1/audit/consistency?from=&to=: a consistency proof.
  Result<ApiResponse> Consistency(const AuditRequest& request);
  // GET /v1/audit/inclusion?index=&size=: an inclusion proof.
  Result<ApiResponse> Inclusion(const AuditRequest& request);
  // GET /v1/audit/entries?from=&limit=: the entries, streamed.
  Result<ApiResponse> Entries(const AuditRequest& request);
  // GET /v1/audit/checkpoints?from=&limit=: the signed checkpoints, a page.
  Result<ApiResponse> Checkpoints(const AuditRequest& request);
  // GET /v1/audit/query?party=&event=&type=&since=&until=&limit=: matching entries.
  Result<ApiResponse> Query(const AuditRequest& request);
  // GET /v1/audit/transfers/{id}: one transfer's entries with inclusion proofs.
  Result<ApiResponse> TransferLife(const AuditRequest& request);
  // Any other GET /v1/audit/{name}: http.no_route. It has a row of its own, for
  // auditors, so that probing for resources is no way around the listener rule.
  Result<ApiResponse> NoSuchResource(const AuditRequest& request);

 private:
  AuditLog& log_;
};

}  // namespace adtgw
