// The gateway's API as rows of the route table, without their handlers
// (docs/api.md; docs/architecture.md, section 7, "A route"): method, path pattern,
// who may call it, what it does with a body and a query string, and the operation it
// names. ApiRouter pairs each operation with its coroutine handler and, for the audit
// log's routes, the AuditApi resource; the HTTP front door's fuzz target
// (tests/fuzz/http_front_door_fuzz.cc) routes with these same rows, compiled without
// any coroutine.
//
// Thread safety: an immutable constant table.
#pragma once

#include "gateway/server/route_table.h"

namespace adtgw {

// What a row does, one value per row.
enum class ApiOperation {
  kInbox,
  kOfferTransfer,
  kTransferStatus,
  kUploadOffset,
  kUpload,
  kDownloadEnvelope,
  kAcknowledgeTransfer,
  kPartyEntry,
  kAuditCheckpoint,
  kAuditConsistency,
  kAuditInclusion,
  kAuditEntries,
  kAuditCheckpoints,
  kAuditQuery,
  kAuditTransferLife,
  kAuditNoSuchResource,
};

// The whole API of both listeners. A request no row matches does not reach any
// handler. The rows keep their order: the first whose path and method fit wins.
inline constexpr Route<ApiOperation> kApiRoutes[] = {
    // method, pattern, who may call it, request body, query string, operation
    {"GET", "/v1/inbox", Audience::kParty, BodyUse::kIgnored, QueryUse::kRefused,
     ApiOperation::kInbox},
    {"POST", "/v1/transfers", Audience::kParty, BodyUse::kJson, QueryUse::kRefused,
     ApiOperation::kOfferTransfer},
    {"GET", "/v1/transfers/{id}", Audience::kParty, BodyUse::kIgnored, QueryUse::kRefused,
     ApiOperation::kTransferStatus},
    {"HEAD", "/v1/transfers/{id}/envelope", Audience::kParty, BodyUse::kIgnored, QueryUse::kRefused,
     ApiOperation::kUploadOffset},
    {"PATCH", "/v1/transfers/{id}/envelope", Audience::kParty, BodyUse::kStream, QueryUse::kRefused,
     ApiOperation::kUpload},
    {"GET", "/v1/transfers/{id}/envelope", Audience::kParty, BodyUse::kIgnored, QueryUse::kRefused,
     ApiOperation::kDownloadEnvelope},
    {"POST", "/v1/transfers/{id}/acknowledgement", Audience::kParty, BodyUse::kJson,
     QueryUse::kRefused, ApiOperation::kAcknowledgeTransfer},
    {"GET", "/v1/parties/{eui64}", Audience::kParty, BodyUse::kIgnored, QueryUse::kRefused,
     ApiOperation::kPartyEntry},
    // The audit log: witnessed by every party, read whole by auditors.
    {"GET", "/v1/audit/checkpoint", Audience::kWitness, BodyUse::kRefused, QueryUse::kRead,
     ApiOperation::kAuditCheckpoint},
    {"GET", "/v1/audit/consistency", Audience::kWitness, BodyUse::kRefused, QueryUse::kRead,
     ApiOperation::kAuditConsistency},
    {"GET", "/v1/audit/inclusion", Audience::kAuditor, BodyUse::kRefused, QueryUse::kRead,
     ApiOperation::kAuditInclusion},
    {"GET", "/v1/audit/entries", Audience::kAuditor, BodyUse::kRefused, QueryUse::kRead,
     ApiOperation::kAuditEntries},
    {"GET", "/v1/audit/checkpoints", Audience::kAuditor, BodyUse::kRefused, QueryUse::kRead,
     ApiOperation::kAuditCheckpoints},
    {"GET", "/v1/audit/query", Audience::kAuditor, BodyUse::kRefused, QueryUse::kRead,
     ApiOperation::kAuditQuery},
    {"GET", "/v1/audit/transfers/{id}", Audience::kAuditor, BodyUse::kRefused, QueryUse::kRead,
     ApiOperation::kAuditTransferLife},
    // Last: an audit resource that is not above is still the auditors' to be told so.
    {"GET", "/v1/audit/{name}", Audience::kAuditor, BodyUse::kRefused, QueryUse::kRead,
     ApiOperation::kAuditNoSuchResource},
};

}  // namespace adtgw
