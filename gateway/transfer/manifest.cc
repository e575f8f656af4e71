#include "gateway/transfer/manifest.h"

#include <algorithm>
#include <map>

#include "crypto/byte_stream.h"
#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "gateway/common/strict_json.h"

namespace adtgw {
namespace {

constexpr int kManifestVersion = 1;

Error Bad(const std::string& field, const std::string& message, const std::string& hint = {}) {
  return MakeError(ErrorKind::kInvalidInput, "manifest." + field, "manifest " + message,
                   hint.empty() ? "see docs/manifest.md" : hint);
}

bool IsFileType(const std::string& t) {
  return t == "adt" || t == "exit-quarantine" || t == "quarantine-report";
}

// A plain base name: letters, digits, '.', '_', '-'; starting with a letter or digit;
// at most 128 bytes. No separators, no "..", no NUL, no control or shell characters.
bool IsPlainFileName(const std::string& name) {
  if (name.empty() || name.size() > 128 || !std::isalnum(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  if (name.find("..") != std::string::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

bool IsIdempotencyKey(const std::string& key) {
  return key.size() >= 16 && key.size() <= 64 && std::all_of(key.begin(), key.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
         });
}

}  // namespace

Status ValidateManifest(const Manifest& m) {
  if (!IsFileType(m.file_type)) {
    return Bad("file_type", "file_type '" + m.file_type.substr(0, 40) + "' is not a file type",
               "use adt, exit-quarantine or quarantine-report");
  }
  if (m.recipients.empty() || m.recipients.size() > kMaxManifestRecipients) {
    return Bad("recipients", "must name 1 to 16 recipients");
  }
  std::vector<Eui64> sorted = m.recipients;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return Bad("recipients", "names a recipient twice");
  }
  if (!IsPlainFileName(m.file_name)) {
    return Bad("file_name",
               "file_name '" + m.file_name.substr(0, 40) + "' is not a plain file name",
               "1-128 letters, digits, '.', '_' or '-', starting with a letter or digit; no "
               "paths");
  }
  if (m.envelope_size == 0) return Bad("envelope_size", "envelope_size must be positive");
  if (m.created <= 0) return Bad("created", "created is not a valid time");
  if (!IsIdempotencyKey(m.idempotency_key)) {
    return Bad("idempotency_key", "idempotency_key must be 16-64 of A-Z a-z 0-9 _ -");
  }
  return OkStatus();
}

std::string ManifestToJson(const Manifest& m) {
  std::vector<cjson::Text> recipients;
  for (const auto& r : m.recipients) recipients.push_back(cjson::String(r.ToString()));
  return cjson::Object({
      {"created", cjson::String(FormatTime(m.created))},
      {"envelope_sha256", cjson::String(ToHex(m.envelope_sha256))},
      {"envelope_size", cjson::Integer(m.envelope_size)},
      {"file_name", cjson::String(m.file_name)},
      {"file_type", cjson::String(m.file_type)},
      {"idempotency_key", cjson::String(m.idempotency_key)},
      {"recipients", cjson::Array(recipients, /*sort=*/true)},
      {"sender", cjson::String(m.sender.ToString())},
      {"version", cjson::Integer(kManifestVersion)},
  });
}

Result<Manifest> ParseManifest(std::span<const uint8_t> bytes) {
  StrictJsonObject::Rules rules{"manifest", "see docs/manifest.md", kMaxManifestSize, 2};
  ADTGW_ASSIGN(
      StrictJsonObject obj,
      StrictJsonObject::Parse(bytes, rules,
                              {"created", "envelope_sha256", "envelope_size", "file_name",
                               "file_type", "idempotency_key", "recipients", "sender", "version"}));
  ADTGW_ASSIGN(uint64_t version, obj.Number("version"));
  if (version != kManifestVersion) return Bad("version", "version is not 1");
  Manifest m;
  ADTGW_ASSIGN(m.file_type, obj.Text("file_type"));
  ADTGW_ASSIGN(std::string sender, obj.Text("sender"));
  ADTGW_ASSIGN(m.sender, Eui64::Parse(sender));
  ADTGW_ASSIGN(std::vector<std::string> recipients, obj.TextArray("recipients"));
  if (recipients.size() > kMaxManifestRecipients) {
    return Bad("recipients", "must name 1 to 16 recipients");
  }
  for (const auto& r : recipients) {
    ADTGW_ASSIGN(Eui64 e, Eui64::Parse(r));
    m.recipients.push_back(e);
  }
  ADTGW_ASSIGN(m.file_name, obj.Text("file_name"));
  ADTGW_ASSIGN(std::string digest, obj.Text("envelope_sha256"));
  auto parsed_digest = ParseHexDigest(digest);
  if (!parsed_digest) {
    return Bad("envelope_sha256", "envelope_sha256 is not 64 lower-case hex digits");
  }
  m.envelope_sha256 = *parsed_digest;
  ADTGW_ASSIGN(m.envelope_size, obj.Number("envelope_size"));
  ADTGW_ASSIGN(std::string created, obj.Text("created"));
  auto t = ParseTime(created);
  if (!t.ok() || created.size() != 20) return Bad("created", "created is not an RFC 3339 UTC time");
  m.created = *t;
  ADTGW_ASSIGN(m.idempotency_key, obj.Text("idempotency_key"));
  ADTGW_TRY(ValidateManifest(m));
  // One manifest, one byte form: anything else (spacing, key order, escapes, duplicate
  // keys, upper-case hex, unsorted recipients) is refused.
  std::string canonical = ManifestToJson(m);
  if (!SameBytes(bytes, canonical)) {
    return Bad("not_canonical", "is not in canonical form",
               "manifests are canonical JSON: keys sorted, no spaces, recipients sorted");
  }
  return m;
}

Result<std::vector<uint8_t>> SignManifest(const Manifest& manifest, const Signer& signer,
                                          std::time_t signing_time) {
  ADTGW_TRY(ValidateManifest(manifest));
  std::string json = ManifestToJson(manifest);
  return SignDetached(signer, AsBytes(json), signing_time);
}

Result<VerifiedManifest> VerifyManifest(std::span<const uint8_t> manifest_bytes,
                                        std::span<const uint8_t> signature) {
  ADTGW_ASSIGN(Manifest m, ParseManifest(manifest_bytes));
  ADTGW_ASSIGN(VerifiedSignature sig, VerifyDetached(signature, manifest_bytes));
  return VerifiedManifest{std::move(m), std::move(sig)};
}

}  // namespace adtgw
