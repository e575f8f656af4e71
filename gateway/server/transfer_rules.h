// What both halves of TransferService share (transfer_service.cc: identify, offer,
// upload; transfer_delivery.cc: status, inbox, download, acknowledge, retention): who
// is a party to a transfer, the signer check, and the audit entries of a transfer's
// events. Internal to gateway/server/.
//
// Thread safety: pure functions (TransferEntry may read the stored manifest signature).
#pragma once

#include <ctime>
#include <string>

#include "gateway/audit/audit_entry.h"
#include "gateway/server/transfer_service.h"

namespace adtgw::transfer_rules {

inline constexpr std::time_t kDay = 86400;

// transfer.not_found for `id`: also the answer for an id of the wrong form, and for a
// transfer the caller is no party to (TransferService::Refused), so that an outsider
// cannot tell which ids exist.
Error NotFound(const std::string& id);

// The reason recorded when a caller who is no party to a transfer asks about it; the
// caller is answered NotFound.
inline constexpr char kNotParty[] = "transfer.not_party";

bool IsParty(const TransferRecord& r, const Eui64& who);
bool IsRecipient(const TransferRecord& r, const Eui64& who);

// Whether a transfer in state `s` still has its envelope in the document store.
bool EnvelopeKept(TransferState s);

// The SMKI DS certificate that made a signature, trusted for `party` under `policy`,
// and naming `expected` as its EUI-64.
Status CheckSigner(X509* cert, const Policy& policy, const Eui64& expected,
                   const std::string& what);

// Names the signer certificate (issuer and serial) in `e`.
void SetSigner(X509* cert, AuditEntry& e);

// An entry about transfer `r`, with the manifest's signer: `signer` when the caller
// knows it, else read from the stored manifest signature (a CMS parse and an ECDSA
// verification, which the upload path avoids).
AuditEntry TransferEntry(const char* event, const TransferRecord& r, std::time_t now,
                         const CertificateId* signer = nullptr);

// A refused request that is not an offer: who asked what about which transfer.
AuditEntry RequestEntry(const Caller& caller, const char* request, const std::string& id);

}  // namespace adtgw::transfer_rules
