#include "gateway/server/transfer_view.h"

#include "crypto/encoding.h"

namespace adtgw {

TransferView ViewOf(const TransferRecord& r, uint64_t upload_offset) {
  TransferView v;
  v.id = r.id;
  v.state = TransferStateName(r.state);
  v.sender = r.sender.ToString();
  for (const auto& e : r.recipients) v.recipients.push_back(e.ToString());
  for (const auto& d : r.deliveries) {
    v.deliveries.push_back(
        {d.recipient.ToString(), DeliveryStateName(d.state), d.reason, d.ack, d.ack_signature});
  }
  v.file_type = r.file_type;
  v.file_name = r.file_name;
  v.envelope_sha256 = r.envelope_sha256;
  v.envelope_size = r.envelope_size;
  v.upload_offset = upload_offset;
  v.created = FormatTime(r.created);
  v.updated = FormatTime(r.updated);
  v.reason = r.reason;
  v.manifest = r.manifest;
  v.signature = r.signature;
  v.receipt = r.receipt;
  return v;
}

}  // namespace adtgw
