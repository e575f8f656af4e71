#include "gateway/client/acknowledgement_check.h"

#include "gateway/common/strict_json.h"

namespace adtgw {

Result<Acknowledgement> CheckDeliveryAcknowledgement(const TransferView& view,
                                                     const DeliveryView& delivery,
                                                     const TrustConfig& trust) {
  auto unlike = [&](const std::string& what) {
    return MakeError(ErrorKind::kIntegrity, "ack.unverified",
                     "the acknowledgement of " + delivery.recipient + " shown for transfer " +
                         view.id + " " + what,
                     "keep adtgw status --json's output and report this to the DCC");
  };
  auto verified = VerifyAcknowledgement(AsBytes(delivery.acknowledgement),
                                        AsBytes(delivery.acknowledgement_signature));
  if (!verified.ok()) return unlike("does not verify: " + verified.error().message);
  const Acknowledgement& ack = verified->ack;
  auto signer =
      VerifySmkiCertificateFor(verified->signature.signer.get(), trust,
                               SmkiKeyUsage::kDigitalSignature, "the acknowledgement's signer");
  if (!signer.ok())
    return unlike("is signed by an untrusted certificate: " + signer.error().message);
  if (signer->identity.eui64 != ack.recipient) {
    return unlike("is signed by " + signer->identity.eui64.ToString() + " in the name of " +
                  ack.recipient.ToString());
  }
  // Compared as values: the gateway's spelling of an EUI-64 or a digest does not matter.
  auto shown_recipient = Eui64::Parse(delivery.recipient);
  if (!shown_recipient.ok() || *shown_recipient != ack.recipient) {
    return unlike("is in the name of " + ack.recipient.ToString() + ", not of that recipient");
  }
  auto shown_digest = ParseHexDigest(view.envelope_sha256);
  if (ack.transfer_id != view.id || !shown_digest || *shown_digest != ack.envelope_sha256) {
    return unlike("is about another transfer or envelope");
  }
  const char* decision = ack.accepted ? "accepted" : "rejected";
  if (delivery.state != decision || delivery.reason != ack.reason) {
    return unlike("says " + std::string(decision) + " (" + ack.reason + "), the gateway says " +
                  delivery.state + " (" + delivery.reason + ")");
  }
  return ack;
}

}  // namespace adtgw
