// The audit log's checkpoints: C2SP signed notes (c2sp.org/signed-note,
// c2sp.org/tlog-checkpoint) asserting a tree head (origin, tree size, base64 root),
// signed with the gateway's ECDSA P-256 log key (signed-note type 0x02: key ID =
// SHA-256(DER SubjectPublicKeyInfo)[:4], signature = key ID || DER ECDSA-Sig-Value over
// SHA-256 of the note text). docs/audit-log.md section 6 is the specification.
//
// ParseCheckpointNote reads a note strictly without verifying it (for diagnostics);
// LogVerifier checks a note against one log key and origin; LogSigner makes notes.
// Failures are typed: checkpoint.malformed (kInvalidInput), checkpoint.wrong_origin,
// checkpoint.unknown_key and checkpoint.bad_signature (kIntegrity); log_key.* when a
// key cannot be used.
//
// Ownership: LogVerifier and LogSigner own a reference to their EVP_PKEY (FromKey takes
// a new reference; the caller keeps its own). They are move-only.
// Thread safety: the free functions are pure; a LogVerifier or LogSigner is immutable
// after construction, so its const methods may be called from several threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "crypto/ossl_ptr.h"
#include "crypto/result.h"
#include "crypto/sha256.h"

namespace adtgw {

// A tree head: what a checkpoint asserts (c2sp.org/tlog-checkpoint).
struct Checkpoint {
  std::string origin;  // e.g. "adtgw.demo.example/log"; no newline, not empty
  uint64_t size = 0;
  Sha256Digest root{};
  bool operator==(const Checkpoint&) const = default;
};

// Limits of a signed note (docs/audit-log.md section 6).
inline constexpr size_t kMaxCheckpointNoteSize = 16 * 1024;
inline constexpr size_t kMaxCheckpointSignatures = 16;

// The note text of a checkpoint: "<origin>\n<size decimal>\n<base64 root>\n".
std::string CheckpointText(const Checkpoint& c);

// Parses a signed note WITHOUT verifying it (for diagnostics: "the gateway showed
// size N root R"). Strict: UTF-8, no control characters other than \n, at most
// kMaxCheckpointNoteSize bytes; the three checkpoint lines (no extension lines), a
// blank line, then 1..kMaxCheckpointSignatures lines "— <name> <base64>\n". The size
// is decimal without leading zeros (except "0") and fits uint64; the root is exactly
// 32 bytes of canonical standard base64. Errors: checkpoint.malformed.
Result<Checkpoint> ParseCheckpointNote(std::string_view note);

// Verifies notes against one log key (the public half of the gateway's log key).
class LogVerifier {
 public:
  // From a PEM SubjectPublicKeyInfo file or text; must be an EC key on P-256.
  // Errors: log_key.unreadable, log_key.not_p256, log_key.bad_origin (the origin is
  // not a valid key name), and the file errors of ReadFileCapped.
  static Result<LogVerifier> LoadPublicKey(const std::string& pem_file, std::string origin);
  static Result<LogVerifier> FromPublicKeyPem(std::string_view pem, std::string origin);
  static Result<LogVerifier> FromKey(EVP_PKEY* key, std::string origin);  // up-refs

  const std::string& origin() const { return origin_; }
  // SHA-256(DER SPKI)[:4], big-endian (C2SP signed-note type 0x02).
  uint32_t key_id() const { return key_id_; }
  std::string PublicKeyPem() const;

  // Accepts the note only if it is well formed (checkpoint.malformed), its origin
  // line is origin() (checkpoint.wrong_origin), it has a signature line whose key name
  // is origin() and key ID is key_id() (checkpoint.unknown_key), and every such
  // signature verifies over the note text with SHA-256 (checkpoint.bad_signature).
  // Signature lines by other keys are ignored. Returns the checkpoint.
  Result<Checkpoint> Verify(std::string_view note) const;

 private:
  friend class LogSigner;
  // Takes `key` (P-256 checked here) and computes the key ID.
  static Result<LogVerifier> Make(EvpPkeyPtr key, std::string origin);
  LogVerifier(EvpPkeyPtr key, std::string origin, uint32_t key_id)
      : key_(std::move(key)), origin_(std::move(origin)), key_id_(key_id) {}

  EvpPkeyPtr key_;
  std::string origin_;
  uint32_t key_id_ = 0;
};

// Signs checkpoints with the log's private key.
class LogSigner {
 public:
  // Loads the private key with LoadPrivateKey (which refuses files readable by group
  // or others). Errors as LoadPrivateKey's (a file that is not a key:
  // log_key.unreadable), log_key.not_p256, log_key.bad_origin.
  static Result<LogSigner> Load(const std::string& private_key_pem_file, std::string origin);
  static Result<LogSigner> FromKey(EVP_PKEY* key, std::string origin);  // up-refs; P-256 only

  const LogVerifier& verifier() const { return verifier_; }

  // The complete signed note: CheckpointText + "\n" + "— <origin> <base64(key ID ||
  // DER ECDSA signature)>\n". Refuses a checkpoint whose origin is not this log's
  // (checkpoint.wrong_origin).
  Result<std::string> Sign(const Checkpoint& c) const;

 private:
  LogSigner(EvpPkeyPtr key, LogVerifier verifier)
      : key_(std::move(key)), verifier_(std::move(verifier)) {}

  EvpPkeyPtr key_;
  LogVerifier verifier_;
};

}  // namespace adtgw
