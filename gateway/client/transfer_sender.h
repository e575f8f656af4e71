// TransferSender: what `adtgw send` does once the command line is parsed: choose and
// check the recipients' KA certificates, seal the file (sign with the DS key, encrypt
// to every recipient) into a private scratch file while checking its content against
// its format and its signer (content_rules.h; a bad file is never offered), sign a
// manifest for it, offer it to
// the gateway, upload the envelope, and resume from the gateway's durable offset when
// the connection breaks (bounded retries with backoff), then check the receipt.
//
// Ownership: holds the loaded credentials; borrows the GatewayApi per call.
// Thread safety: one thread at a time.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "certs/eui64.h"
#include "crypto/ossl_ptr.h"
#include "gateway/client/client_config.h"
#include "gateway/client/content_rules.h"
#include "gateway/client/gateway_api.h"
#include "gateway/transfer/receipt.h"

namespace adtgw {

struct SendRequest {
  std::string path;
  std::string file_type;
  std::vector<Eui64> to;        // empty: the configured recipients with the DCC's role
  std::string idempotency_key;  // empty: a fresh random key
};

struct SentTransfer {
  std::string transfer_id;
  std::vector<Eui64> recipients;
  uint64_t content_size = 0;
  uint64_t envelope_size = 0;
  std::string envelope_sha256;
  std::string receipt_json;
  Receipt receipt;
  int attempts = 0;  // upload requests made (1 when nothing broke)
};

// What the sender is doing, for progress displays: "sealing", "uploading", "done".
using PhaseCallback = std::function<void(const std::string& phase, uint64_t total)>;

class TransferSender {
 public:
  static Result<TransferSender> New(const ClientConfig& config);

  // A file whose content fails its check is format.invalid, and its problems, as
  // FILE:LINE:COLUMN lines, go to `content_problems` when given.
  Result<SentTransfer> Send(GatewayApi& api, const SendRequest& request, const PhaseCallback& phase,
                            const ProgressCallback& progress,
                            std::vector<std::string>* content_problems = nullptr);

 private:
  struct Recipient {
    Eui64 eui64;
    X509Ptr certificate;
    bool is_dcc = false;
  };
  TransferSender(Eui64 party, bool is_dcc, X509Ptr cert, EvpPkeyPtr key,
                 std::vector<Recipient> recipients, ContentRules content)
      : party_(party),
        is_dcc_(is_dcc),
        cert_(std::move(cert)),
        key_(std::move(key)),
        recipients_(std::move(recipients)),
        content_(std::move(content)) {}
  Result<std::vector<X509*>> ChooseRecipients(const SendRequest& request,
                                              std::vector<Eui64>* chosen) const;

  Eui64 party_;
  bool is_dcc_;  // our DS certificate's role is the DCC's: we may sign quarantine reports
  X509Ptr cert_;
  EvpPkeyPtr key_;
  std::vector<Recipient> recipients_;
  ContentRules content_;
};

}  // namespace adtgw
