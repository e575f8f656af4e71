// The transfer manifest (docs/manifest.md): what a sender declares about an envelope
// before uploading it, signed with its SMKI DS key as a detached CMS signature, so the
// gateway can authenticate and authorise a transfer without decrypting anything.
//
// The manifest travels as canonical JSON (crypto/canonical_json.h). ParseManifest is
// strict: at most 8 KiB, only the known keys, every field validated (file names are
// plain base names, never paths), and the bytes must be exactly the canonical encoding
// of what they say, so one manifest has exactly one signed form.
//
// Thread safety: value types and pure functions.
#pragma once

#include <ctime>
#include <span>
#include <string>
#include <vector>

#include "certs/eui64.h"
#include "crypto/result.h"
#include "crypto/sha256.h"
#include "crypto/signed_data.h"

namespace adtgw {

inline constexpr size_t kMaxManifestSize = 8 * 1024;
inline constexpr size_t kMaxManifestRecipients = 16;

struct Manifest {
  std::string file_type;  // adt, exit-quarantine or quarantine-report
  Eui64 sender;
  std::vector<Eui64> recipients;  // 1..16, distinct; encoded sorted
  std::string file_name;          // a plain base name (docs/manifest.md)
  Sha256Digest envelope_sha256{};
  uint64_t envelope_size = 0;
  std::time_t created = 0;
  std::string idempotency_key;  // 16..64 of [A-Za-z0-9_-]

  bool operator==(const Manifest&) const = default;
};

// Checks every field; the first problem as an Error ("manifest.<field>").
Status ValidateManifest(const Manifest& manifest);

// The canonical JSON bytes (the manifest must be valid).
std::string ManifestToJson(const Manifest& manifest);

Result<Manifest> ParseManifest(std::span<const uint8_t> bytes);

// A detached CMS signature over the canonical bytes, by the sender's DS key.
Result<std::vector<uint8_t>> SignManifest(const Manifest& manifest, const Signer& signer,
                                          std::time_t signing_time);

struct VerifiedManifest {
  Manifest manifest;
  VerifiedSignature signature;  // who signed (trust is checked by the caller, certs/)
};

// Parses the manifest bytes and verifies the detached signature over exactly them.
Result<VerifiedManifest> VerifyManifest(std::span<const uint8_t> manifest_bytes,
                                        std::span<const uint8_t> signature);

}  // namespace adtgw
