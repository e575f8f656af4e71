// ContentRules: what `adtgw send` (before offering) and `adtgw receive` (before
// publishing) need to check the domain file inside a transfer (docs/formats.md): the
// options of its format's check. They come from two places:
//   - the SRV catalogue (client.yaml `srv_catalogue`, resolved by the command), read
//     the first time a file needs it;
//   - whom the signer may act for: the signer's entry in the gateway's policy
//     (GET /v1/parties/{eui64}, docs/api.md), asked once per signer and command, so the
//     sender and the recipient check against the same list.
// Whether a signer is the DCC is not asked of the gateway: the caller knows it from the
// signer's verified SMKI certificate (Remote Party Role 04).
//
// Ownership: the options returned refer to this object, which must outlive their use and
// not be moved meanwhile (it is moved only into its owner, before any use).
// Thread safety: one thread at a time.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "certs/eui64.h"
#include "crypto/result.h"
#include "gateway/client/gateway_api.h"
#include "gateway/formats/domain_file.h"
#include "gateway/formats/srv_catalogue.h"

namespace adtgw {

struct ContentSigner {
  Eui64 eui64;
  bool is_dcc = false;  // its SMKI certificate's role is the DCC's
};

class ContentRules {
 public:
  explicit ContentRules(std::string catalogue_path) : catalogue_path_(std::move(catalogue_path)) {}
  ContentRules(ContentRules&&) = default;
  ContentRules& operator=(ContentRules&&) = default;

  // The options for a file of `type` signed by `signer`; `recipient` is the user a
  // quarantine report must name.
  Result<DomainFileOptions> For(GatewayApi& api, DomainFileType type, const ContentSigner& signer,
                                const std::optional<Eui64>& recipient);

 private:
  Result<const std::vector<Eui64>*> ActsFor(GatewayApi& api, const Eui64& signer);

  std::string catalogue_path_;
  std::optional<SrvCatalogue> catalogue_;
  std::map<Eui64, std::vector<Eui64>> acts_for_;  // node addresses are stable
};

}  // namespace adtgw
