#include "gateway/transfer/transfer_record.h"

namespace adtgw {

const char* DeliveryStateName(DeliveryState state) {
  switch (state) {
    case DeliveryState::kWaiting:
      return "waiting";
    case DeliveryState::kDownloaded:
      return "downloaded";
    case DeliveryState::kAccepted:
      return "accepted";
    case DeliveryState::kRejected:
      return "rejected";
  }
  return "unknown";
}

std::optional<DeliveryState> ParseDeliveryState(std::string_view name) {
  for (DeliveryState s : {DeliveryState::kWaiting, DeliveryState::kDownloaded,
                          DeliveryState::kAccepted, DeliveryState::kRejected}) {
    if (name == DeliveryStateName(s)) return s;
  }
  return std::nullopt;
}

const char* TransferStateName(TransferState state) {
  switch (state) {
    case TransferState::kReceiving:
      return "receiving";
    case TransferState::kReceived:
      return "received";
    case TransferState::kDownloaded:
      return "downloaded";
    case TransferState::kAccepted:
      return "accepted";
    case TransferState::kRejected:
      return "rejected";
    case TransferState::kExpired:
      return "expired";
    case TransferState::kAbandoned:
      return "abandoned";
  }
  return "unknown";
}

std::optional<TransferState> ParseTransferState(std::string_view name) {
  for (TransferState s :
       {TransferState::kReceiving, TransferState::kReceived, TransferState::kDownloaded,
        TransferState::kAccepted, TransferState::kRejected, TransferState::kExpired,
        TransferState::kAbandoned}) {
    if (name == TransferStateName(s)) return s;
  }
  return std::nullopt;
}

}  // namespace adtgw
