// AcknowledgementCheck: what a sender (adtgw status) does with a recipient's signed
// acknowledgement that the gateway relays in a transfer's full view (docs/api.md,
// Acknowledgement): the signature verifies over exactly those bytes, the signer's SMKI
// certificate is trusted under the client's `smki` trust with DS usage and names the
// recipient, and the acknowledgement is about this transfer and envelope, with the
// decision the gateway shows. Only then are its problems the recipient's own words.
//
// Thread safety: a pure function.
#pragma once

#include "certs/trust_store.h"
#include "crypto/result.h"
#include "gateway/transfer/acknowledgement.h"
#include "gateway/transfer/api_messages.h"

namespace adtgw {

Result<Acknowledgement> CheckDeliveryAcknowledgement(const TransferView& view,
                                                     const DeliveryView& delivery,
                                                     const TrustConfig& trust);

}  // namespace adtgw
