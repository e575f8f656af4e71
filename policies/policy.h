// The policy model (docs/policy.md): who the
// parties are and how their TLS and SMKI identities are recognised, which file types
// exist and how large they may be, which rules allow whom to send what to whom, daily
// limits, allowed hours and retention. Everything not allowed by a rule is denied.
//
// A Policy is built only by the loader (policy_loader.h) and is immutable afterwards,
// so one instance is shared by every request thread without locking; a reload builds
// a new Policy and swaps it in whole (policy_holder.h).
//
// Parties and file types are numbered at load time; rules hold those numbers in
// bitsets, so a decision does no string work and no allocation (policy_evaluator.h).
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <string>
#include <unordered_map>
#include <vector>

#include "certs/eui64.h"
#include "certs/trust_store.h"
#include "crypto/sha256.h"

namespace adtgw {

inline constexpr size_t kMaxPolicyParties = 4096;
inline constexpr size_t kMaxPolicyFileTypes = 16;
inline constexpr size_t kMaxPolicyActsFor = 1024;  // per party

enum class PartyRole : uint8_t { kSupplier, kNetworkOperator, kDcc, kOther, kAuditor };
inline constexpr size_t kPartyRoleCount = 5;
const char* PartyRoleName(PartyRole role);  // "supplier", "network-operator", ...

// A UTC time-of-day window [from, to) in minutes since midnight; from == 0 && to == 1440
// is all day. Windows do not wrap midnight (write two rules for that).
struct HoursWindow {
  uint16_t from_minute = 0;
  uint16_t to_minute = 24 * 60;
  bool Contains(std::time_t t) const;
  std::string ToString() const;  // "06:00-22:00"
};

struct PolicyParty {
  Eui64 eui64;
  std::string name;
  std::bitset<kPartyRoleCount> roles;
  std::vector<Sha256Digest> tls_fingerprints;  // SHA-256 of DCCKI client certificates (DER)
  std::vector<std::string> tls_subjects;       // subject names as the policy writes them
  std::vector<std::string> tls_subject_keys;   // the same, as CanonicalNameKey (matching)
  TrustConfig smki;                            // how this party's SMKI certificates are trusted
  uint32_t daily_limit = 0;
  // The users this party may sign domain files for besides itself (docs/formats.md,
  // "Binding to the signer"), sorted, without duplicates or the party itself.
  std::vector<Eui64> acts_for;
  bool MayActFor(const Eui64& user) const;
  // Auditors are read-only: a party whose only role is auditor may never send.
  bool read_only() const {
    return roles.count() == 1 && roles.test(static_cast<size_t>(PartyRole::kAuditor));
  }
};

struct PolicyFileType {
  std::string name;  // "adt", "exit-quarantine", "quarantine-report"
  uint64_t max_size = 0;
  std::string limit_label;  // "file_types.adt": names the limit in decisions
};

struct PolicyRule {
  std::string name;
  std::vector<bool> from;  // by party index
  std::vector<bool> to;    // by party index
  std::bitset<kMaxPolicyFileTypes> types;
  HoursWindow hours;
  uint64_t max_size = 0;  // 0: the file type's own limit
};

struct Policy {
  std::string source;  // file name, for messages
  std::string deployment;
  uint32_t retention_days = 0;
  std::vector<PolicyParty> parties;
  std::vector<PolicyFileType> file_types;
  std::vector<PolicyRule> rules;
  Sha256Digest canonical_sha256{};  // of the canonical JSON form (docs/policy.md)
  std::string canonical_json;

  std::unordered_map<Eui64, uint32_t> party_by_eui;
  struct DigestHash {
    size_t operator()(const Sha256Digest& d) const {
      size_t h;
      std::memcpy(&h, d.data(), sizeof h);
      return h;
    }
  };
  std::unordered_map<Sha256Digest, uint32_t, DigestHash> party_by_fingerprint;
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  // Keyed by CanonicalNameKey (certs/distinguished_name.h), never by display text.
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> party_by_subject;

  // Index of a file type by name, or -1.
  int FileTypeIndex(std::string_view name) const;
};

}  // namespace adtgw
