// The flags that say which audit log key to trust (--config, --log-key, --origin),
// shared by the commands that verify the log's signatures offline (`adtgw receipt
// verify`, `adtgw audit verify --from`), and where the key comes from in the end.
//
// Thread safety: used on the main thread.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "crypto/result.h"
#include "gateway/audit/checkpoint.h"

namespace adtgw {

struct LogKeyFlags {
  std::string config;
  std::string log_key;
  std::string origin;
};

// --config FILE, --log-key PEM and --origin O (which needs --log-key); --config and
// --log-key exclude each other.
void AddLogKeyFlags(CLI::App* cmd, LogKeyFlags& flags);

struct TrustedLogKey {
  std::shared_ptr<const LogVerifier> verifier;
  std::string source;  // for people: which file was trusted, and why
};

// The key, in this order: --log-key (origin --origin, else `note_origin`: the origin
// line of the note about to be verified, so the signature line's key name and key ID
// must still match); --config; `default_key` when given (with `note_origin`); else the
// client configuration at ClientConfigPath("").
Result<TrustedLogKey> ResolveLogKey(const LogKeyFlags& flags, const std::string& note_origin,
                                    const std::string& default_key = {});

// The key ID of the log key's signature lines, 8 hex digits, as messages show it.
std::string KeyId(const LogVerifier& v);

// The first line of a note (its origin), without checking anything else.
std::string NoteOrigin(std::string_view note);

}  // namespace adtgw
