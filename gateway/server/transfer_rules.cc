#include "gateway/server/transfer_rules.h"

#include <algorithm>

#include "certs/trust_store.h"
#include "crypto/encoding.h"

namespace adtgw::transfer_rules {

Error NotFound(const std::string& id) {
  return MakeError(ErrorKind::kNotFound, "transfer.not_found",
                   "no transfer " + id.substr(0, 64) + " that you may see",
                   "check the transfer id (adtgw inbox lists yours)");
}

bool IsParty(const TransferRecord& r, const Eui64& who) {
  return r.sender == who ||
         std::find(r.recipients.begin(), r.recipients.end(), who) != r.recipients.end();
}

bool IsRecipient(const TransferRecord& r, const Eui64& who) {
  return std::find(r.recipients.begin(), r.recipients.end(), who) != r.recipients.end();
}

bool EnvelopeKept(TransferState s) {
  return s == TransferState::kReceived || s == TransferState::kDownloaded ||
         s == TransferState::kAccepted || s == TransferState::kRejected;
}

// The SMKI DS certificate that made a signature, trusted for `party` under `policy`,
// and naming `expected` as its EUI-64.
Status CheckSigner(X509* cert, const Policy& policy, const Eui64& expected,
                   const std::string& what) {
  auto party = policy.party_by_eui.find(expected);
  if (party == policy.party_by_eui.end()) {
    return MakeError(ErrorKind::kDenied, "policy.unknown_party",
                     what + " names " + expected.ToString() + ", which the policy does not know");
  }
  ADTGW_ASSIGN(TrustedSmkiCertificate trusted,
               VerifySmkiCertificateFor(cert, policy.parties[party->second].smki,
                                        SmkiKeyUsage::kDigitalSignature, what + " signer"));
  if (trusted.identity.eui64 != expected) {
    return MakeError(ErrorKind::kIntegrity,
                     what == "manifest" ? "manifest.sender_not_signer" : "ack.recipient_not_signer",
                     what + " names " + expected.ToString() + " but was signed by " +
                         trusted.identity.eui64.ToString(),
                     "sign with the SMKI DS key of the party the " + what + " names");
  }
  return OkStatus();
}

void SetSigner(X509* cert, AuditEntry& e) {
  CertificateId id = CertificateIdOf(cert);
  e.signer_issuer = std::move(id.issuer);
  e.signer_serial = std::move(id.serial);
}

// An entry about transfer `r`, with the manifest's signer: `signer` when the caller
// knows it, else read from the stored manifest signature (a CMS parse and an ECDSA
// verification, which the upload path avoids).
AuditEntry TransferEntry(const char* event, const TransferRecord& r, std::time_t now,
                         const CertificateId* signer) {
  AuditEntry e;
  e.at = now;
  e.event = event;
  e.sender = r.sender;
  e.recipients = r.recipients;
  e.transfer_id = r.id;
  e.file_type = r.file_type;
  e.envelope_sha256 = r.envelope_sha256;
  e.envelope_size = r.envelope_size;
  e.policy_sha256 = r.policy_sha256;
  e.rule = r.rule;
  if (signer != nullptr) {
    e.signer_issuer = signer->issuer;
    e.signer_serial = signer->serial;
    return e;
  }
  auto vm = VerifyManifest(AsBytes(r.manifest), AsBytes(r.signature));
  if (vm.ok()) SetSigner(vm->signature.signer.get(), e);
  return e;
}

// A refused request that is not an offer: who asked what about which transfer.
AuditEntry RequestEntry(const Caller& caller, const char* request, const std::string& id) {
  AuditEntry e;
  e.at = std::time(nullptr);
  e.event = audit_event::kRequestRefused;
  e.actor = caller.eui64;
  e.request = request;
  // Only a well-formed id is recorded: the rest is whatever the client typed.
  if (StorageKey::Parse(id).ok()) e.transfer_id = id;
  return e;
}

}  // namespace adtgw::transfer_rules
