// TransferReceiver: what `adtgw receive` does for one transfer in the inbox:
//   1. fetch the manifest and its signature; verify the signature, the signer's SMKI
//      certificate (chain, CRL, profile, DS usage) and that it names the sender;
//   2. download the envelope into a private scratch file; its size and SHA-256 must be
//      the manifest's;
//   3. decrypt with the KA key into a temporary file beside the output, checking the
//      content on its way against its format and its signer (content_rules.h), and
//      check that the inner signer is the manifest's signer;
//   4. only then publish the file (rename, never overwriting), recorded in the output
//      folder's journal first (receive_journal.h), and acknowledge it with a signed
//      "accepted". A transfer whose journal entry shows it was published before the
//      receiver stopped is acknowledged without being received again.
// A transfer that fails 1-3 is acknowledged "rejected" with the reason code (for bad
// content, format.invalid with its problems) and nothing is written; a failure that is
// ours or passing (network, disk, our SRV catalogue) is reported without
// acknowledging, so the transfer stays in the inbox for the next run.
//
// Ownership: holds the loaded credentials; borrows the GatewayApi per call.
// Thread safety: one thread at a time.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "crypto/ossl_ptr.h"
#include "gateway/client/client_config.h"
#include "gateway/client/content_rules.h"
#include "gateway/client/gateway_api.h"
#include "gateway/client/receive_journal.h"

namespace adtgw {

struct ReceivedTransfer {
  TransferView view;
  bool accepted = false;
  std::string path;              // the written file, when accepted
  std::optional<Error> problem;  // why it was rejected
  // For a file that failed its content check: its problems, FILE:LINE:COLUMN: ...
  std::vector<std::string> content_problems;
  uint64_t content_size = 0;
};

class TransferReceiver {
 public:
  static Result<TransferReceiver> New(const ClientConfig& config);

  // Handles one inbox entry; an Error only for failures that leave it in the inbox.
  // `journal` is the output folder's (ReceiveJournal::Open(out_dir)).
  Result<ReceivedTransfer> Receive(GatewayApi& api, const TransferView& entry,
                                   const std::string& out_dir, const ReceiveJournal& journal,
                                   const ProgressCallback& progress);

 private:
  TransferReceiver(Eui64 party, std::shared_ptr<TrustConfig> trust, X509Ptr ds_cert,
                   EvpPkeyPtr ds_key, X509Ptr ka_cert, EvpPkeyPtr ka_key, ContentRules content)
      : party_(party),
        trust_(std::move(trust)),
        ds_cert_(std::move(ds_cert)),
        ds_key_(std::move(ds_key)),
        ka_cert_(std::move(ka_cert)),
        ka_key_(std::move(ka_key)),
        content_(std::move(content)) {}
  Result<TransferView> Acknowledge(GatewayApi& api, const TransferView& view,
                                   const std::optional<Error>& problem,
                                   const std::vector<std::string>& content_problems);

  Eui64 party_;
  std::shared_ptr<TrustConfig> trust_;
  X509Ptr ds_cert_;
  EvpPkeyPtr ds_key_;
  X509Ptr ka_cert_;
  EvpPkeyPtr ka_key_;
  ContentRules content_;
};

}  // namespace adtgw
