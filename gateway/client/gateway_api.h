// GatewayApi: the client side of the gateway's HTTP API (docs/api.md), one method per
// call, so the commands (send, inbox, receive, status, audit) do not know HTTP. The
// audit log's calls (docs/audit-log.md, "The audit API") are answered by the parties'
// listener and the auditor listener alike; AuditGet is the auditor commands' generic
// read. Every answer is size-capped before it is parsed. Errors carry
// the gateway's {code, message, hint} and the kind its HTTP status maps to
// (gateway/common/http_status.h); transport failures are kUnavailable (net.*, and
// the timeouts of client_timeouts.h: net.connect_timeout, tls.handshake_timeout,
// net.idle_timeout) or, for a refused TLS handshake, kUnauthenticated
// (tls.handshake_failed).
//
// The implementation (NewGatewayClient) is cpprestsdk's http_client with the
// configured client certificate and ONLY the configured CA as trust anchor.
//
// Thread safety: one client per thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/byte_stream.h"
#include "crypto/result.h"
#include "crypto/sha256.h"
#include "gateway/client/client_config.h"
#include "gateway/transfer/api_messages.h"

namespace adtgw {

// Called with the bytes moved so far in the current request.
using ProgressCallback = std::function<void(uint64_t)>;

class GatewayApi {
 public:
  virtual ~GatewayApi() = default;

  // POST /v1/transfers: the view's upload_offset says where to (re)start.
  virtual Result<TransferView> Offer(const SignedDocument& manifest) = 0;
  // HEAD /v1/transfers/ID/envelope.
  virtual Result<uint64_t> UploadOffset(const std::string& id) = 0;

  struct UploadOutcome {
    uint64_t offset = 0;
    std::optional<std::string> receipt;  // when this request completed the upload
  };
  // PATCH /v1/transfers/ID/envelope with bytes [offset, size) of the file at `path`.
  virtual Result<UploadOutcome> Upload(const std::string& id, const std::string& path,
                                       uint64_t offset, uint64_t size,
                                       const ProgressCallback& progress) = 0;

  virtual Result<TransferView> Status(const std::string& id) = 0;
  virtual Result<std::vector<TransferView>> Inbox() = 0;
  // GET /v1/parties/EUI64: this party's own entry, or that of a party that may send to it.
  virtual Result<PartyView> Party(const Eui64& party) = 0;
  // GET /v1/transfers/ID/envelope into `out`; fails unless exactly `size` bytes came.
  virtual ::adtgw::Status Download(const std::string& id, uint64_t size, ByteSink& out,
                                   const ProgressCallback& progress) = 0;
  virtual Result<TransferView> Acknowledge(const std::string& id, const SignedDocument& ack) = 0;

  // GET /v1/audit/checkpoint: the latest signed checkpoint note, unverified (at most
  // kMaxCheckpointNoteSize bytes; checkpoint_witness.h verifies it).
  virtual Result<std::string> AuditCheckpoint() = 0;
  // GET /v1/audit/consistency?from=FROM&to=TO: the proof that the tree of FROM leaves is
  // a prefix of the tree of TO leaves (unverified; at most kMaxAuditProof hashes).
  virtual Result<std::vector<Sha256Digest>> AuditConsistency(uint64_t from, uint64_t to) = 0;
  // GET of any other /v1/audit/ path (with its query string, already encoded): the body
  // as it came, at most kMaxAuditAnswer bytes (response.too_large beyond).
  virtual Result<std::string> AuditGet(const std::string& path_and_query) = 0;
  // GET of a streamed /v1/audit/ resource (entries): the body is handed to `sink` piece
  // by piece as it arrives, so no cap on the whole applies; the caller bounds it (the
  // entries' limit=). An answer that breaks off is an error (net.*), never a short body.
  using StreamSink = std::function<::adtgw::Status(std::string_view piece)>;
  virtual ::adtgw::Status AuditStream(const std::string& path_and_query,
                                      const StreamSink& sink) = 0;
};

// The longest proof a tree of 2^64 leaves can need, with room to spare.
inline constexpr size_t kMaxAuditProof = 128;
// The largest audit answer read: a page of 10,000 entries of the largest size.
inline constexpr size_t kMaxAuditAnswer = 10000 * (16 * 1024 + 128);

Result<std::unique_ptr<GatewayApi>> NewGatewayClient(const ClientConfig& config);

}  // namespace adtgw
