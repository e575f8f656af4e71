// UnusedGatewayApi: a GatewayApi whose every call fails with test.unused. Test fakes
// derive from it and answer only the calls their tests make, so that a call a test did
// not expect shows up as an error instead of a silent default.
//
// Thread safety: one test thread.
#pragma once

#include <string>
#include <vector>

#include "gateway/client/gateway_api.h"

namespace adtgw::testing {

class UnusedGatewayApi : public GatewayApi {
 public:
  Result<TransferView> Offer(const SignedDocument&) override { return Unused(); }
  Result<uint64_t> UploadOffset(const std::string&) override { return Unused(); }
  Result<UploadOutcome> Upload(const std::string&, const std::string&, uint64_t, uint64_t,
                               const ProgressCallback&) override {
    return Unused();
  }
  Result<TransferView> Status(const std::string&) override { return Unused(); }
  Result<std::vector<TransferView>> Inbox() override { return Unused(); }
  Result<PartyView> Party(const Eui64&) override { return Unused(); }
  ::adtgw::Status Download(const std::string&, uint64_t, ByteSink&,
                           const ProgressCallback&) override {
    return Unused();
  }
  Result<TransferView> Acknowledge(const std::string&, const SignedDocument&) override {
    return Unused();
  }
  Result<std::string> AuditCheckpoint() override { return Unused(); }
  Result<std::vector<Sha256Digest>> AuditConsistency(uint64_t, uint64_t) override {
    return Unused();
  }
  Result<std::string> AuditGet(const std::string&) override { return Unused(); }
  ::adtgw::Status AuditStream(const std::string&, const StreamSink&) override { return Unused(); }

 protected:
  static Error Unused() {
    return MakeError(ErrorKind::kInternal, "test.unused", "not used by these tests");
  }
};

}  // namespace adtgw::testing
