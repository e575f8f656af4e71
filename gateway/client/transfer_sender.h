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

#include <chrono>
#include <functional>
#include <optional>
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
  std::string file_name;  // the manifest's name for it; empty: the path's last part
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

// A sealed file and its signed manifest, ready to offer: what Deliver needs, and what
// a spool keeps on disk so that a run after a crash offers the same manifest again
// (the gateway answers a repeated manifest with the same transfer: docs/api.md).
struct PreparedTransfer {
  std::string manifest;   // canonical JSON bytes as signed
  std::string signature;  // DER
  std::string envelope_path;
  uint64_t envelope_size = 0;
  Sha256Digest envelope_sha256{};
  std::vector<Eui64> recipients;
  uint64_t content_size = 0;
};

// How long Deliver keeps trying through transient failures: `first_delay` doubling to
// `max_delay` between attempts (with `jitter`, a random point in the upper half of
// each), at most `max_attempts` attempts, and none that would start after `deadline`.
// The default is `adtgw send`'s: 12 attempts over about a minute, so that an upload
// whose connection stalled outlives the gateway's body timer (60 s by default), after
// which the gateway lets go of the old request and HEAD tells the true offset.
struct RetryPolicy {
  int max_attempts = 12;
  std::chrono::milliseconds first_delay{500};
  std::chrono::milliseconds max_delay{8000};
  bool jitter = false;
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Also retry a failed TLS handshake: a gateway that is restarting fails handshakes
  // for a moment, which an unattended run should ride out (a person at `adtgw send`
  // is told at once).
  bool retry_handshake_failures = false;
  bool Retries(const Error& e) const;
  // The pause before attempt `attempt` (1-based count of failures so far).
  std::chrono::milliseconds Delay(int attempt) const;
};

struct DeliveryOptions {
  RetryPolicy retry;
  std::string transfer_id;  // known from an earlier run: ask its offset, do not offer
  // Called once the gateway has given the transfer its id, before any byte is uploaded;
  // an error stops the delivery.
  std::function<Status(const std::string& id)> on_offered;
};

// Worth retrying: the network, a busy gateway, or the gateway still holding the previous
// (broken) request for this upload, whose bytes HEAD will count once it lets go.
bool IsTransientSendError(const Error& e);

class TransferSender {
 public:
  static Result<TransferSender> New(const ClientConfig& config);

  // Prepare into a private scratch file, then Deliver with the default retries.
  // A file whose content fails its check is format.invalid, and its problems, as
  // FILE:LINE:COLUMN lines, go to `content_problems` when given.
  Result<SentTransfer> Send(GatewayApi& api, const SendRequest& request, const PhaseCallback& phase,
                            const ProgressCallback& progress,
                            std::vector<std::string>* content_problems = nullptr);

  // Checks and seals the file into `envelope` and signs its manifest; sends nothing
  // (the gateway is asked only whom this party may act for). The caller closes
  // `envelope` and sets envelope_path.
  Result<PreparedTransfer> Prepare(GatewayApi& api, const SendRequest& request, ByteSink& envelope,
                                   const PhaseCallback& phase,
                                   std::vector<std::string>* content_problems);

  // Offers (or, with a known id, resumes) and uploads until the gateway's receipt, which
  // is checked against the envelope. Transient failures past the retry policy return the
  // last of them (IsTransientSendError); anything else returns at once.
  Result<SentTransfer> Deliver(GatewayApi& api, const PreparedTransfer& prepared,
                               const DeliveryOptions& options, const PhaseCallback& phase,
                               const ProgressCallback& progress);

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
