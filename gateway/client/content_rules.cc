#include "gateway/client/content_rules.h"

#include <algorithm>

namespace adtgw {

Result<const std::vector<Eui64>*> ContentRules::ActsFor(GatewayApi& api, const Eui64& signer) {
  auto known = acts_for_.find(signer);
  if (known != acts_for_.end()) return &known->second;
  std::vector<Eui64> users;
  auto entry = api.Party(signer);
  if (entry.ok()) {
    if (entry->eui64 != signer) {
      return MakeError(ErrorKind::kIntegrity, "response.malformed",
                       "asked for party " + signer.ToString() + ", the gateway described " +
                           entry->eui64.ToString());
    }
    users = std::move(entry->acts_for);
    std::sort(users.begin(), users.end());  // as the gateway sends it, but not relied on
  } else if (entry.error().code != "party.not_found") {
    return std::move(entry).error();
  }
  // A signer the policy no longer shows this party acts for nobody else.
  return &acts_for_.emplace(signer, std::move(users)).first->second;
}

Result<DomainFileOptions> ContentRules::For(GatewayApi& api, DomainFileType type,
                                            const ContentSigner& signer,
                                            const std::optional<Eui64>& recipient) {
  DomainFileOptions options;
  options.signer = signer.eui64;
  if (type == DomainFileType::kQuarantineReport) {
    options.signer_is_dcc = signer.is_dcc;
    options.recipient = recipient;
  } else {
    ADTGW_ASSIGN(const std::vector<Eui64>* users, ActsFor(api, signer.eui64));
    options.may_act_for = [users](const Eui64& user) {
      return std::binary_search(users->begin(), users->end(), user);
    };
  }
  if (type != DomainFileType::kExitQuarantine) {
    if (!catalogue_) {
      auto loaded = SrvCatalogue::Load(catalogue_path_);
      if (!loaded.ok()) {
        Error e = std::move(loaded).error();
        e.kind = ErrorKind::kUsage;  // ours to fix, whatever the file
        e.hint = "set srv_catalogue in the client configuration, or $ADTGW_SRV_CATALOGUE";
        return e;
      }
      catalogue_ = std::move(loaded).value();
    }
    options.catalogue = &*catalogue_;
  }
  return options;
}

}  // namespace adtgw
