// SignerBinding: whether a file's signer may name a user (docs/formats.md, "Binding to
// the signer"): the signer itself, or a user the policy lets it act for. Files name the
// same user on row after row, so the last answer is remembered.
//
// Ownership: keeps its own copy of the options. Thread safety: one thread at a time
// (the remembered answer).
#pragma once

#include <optional>

#include "gateway/formats/domain_file.h"

namespace adtgw {

class SignerBinding {
 public:
  explicit SignerBinding(const DomainFileOptions& options) : options_(options) {}

  // True when nothing is bound (no signer given) or the signer may name `user`.
  bool Allows(const Eui64& user) {
    if (!options_.signer || user == *options_.signer) return true;
    if (last_ && last_->first == user) return last_->second;
    bool allowed = options_.may_act_for && options_.may_act_for(user);
    last_ = std::pair{user, allowed};
    return allowed;
  }

  std::string Refusal(const Eui64& user) const {
    return user.ToString() + " is not the signer (" + options_.signer->ToString() +
           ") nor a user the policy lets the signer act for";
  }

 private:
  DomainFileOptions options_;
  std::optional<std::pair<Eui64, bool>> last_;
};

}  // namespace adtgw
