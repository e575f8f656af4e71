// What a transfer's sender and recipients see of it: the mapping from the gateway's
// TransferRecord (gateway/transfer/transfer_record.h) to the API's TransferView
// (gateway/transfer/api_messages.h). Only the server makes views; the client only
// parses them, so the mapping lives here and the API types need no record.
//
// Thread safety: a pure function.
#pragma once

#include <cstdint>

#include "gateway/transfer/api_messages.h"
#include "gateway/transfer/transfer_record.h"

namespace adtgw {

// `upload_offset` is how many envelope bytes the gateway holds (the size once stored).
TransferView ViewOf(const TransferRecord& record, uint64_t upload_offset);

}  // namespace adtgw
