#include "gateway/audit/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <span>
#include <vector>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "certs/credential_files.h"
#include "crypto/encoding.h"
#include "crypto/ossl_error.h"
#include "crypto/ossl_string.h"

namespace adtgw {
namespace {

// U+2014 EM DASH, then a space: how every signature line starts.
constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";
constexpr size_t kMaxPublicKeyPem = 64 * 1024;
constexpr char kSpecHint[] =
    "a checkpoint is a C2SP signed note: origin, tree size and base64 root lines, a blank "
    "line, then signature lines (docs/audit-log.md section 6); keep the note and report it";

Error Malformed(const std::string& what) {
  return MakeError(ErrorKind::kInvalidInput, "checkpoint.malformed",
                   "not a valid checkpoint note: " + what, kSpecHint);
}

std::string KeyIdHex(uint32_t id) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", id);
  return buf;
}

// Some text for a message: at most 64 bytes (cut at a character boundary).
std::string Shorten(std::string_view s) {
  constexpr size_t kMax = 64;
  if (s.size() <= kMax) return std::string(s);
  size_t cut = kMax;
  while (cut > 0 && (static_cast<uint8_t>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "...";
}

std::string Quote(std::string_view s) { return "\"" + Shorten(s) + "\""; }

// Unicode category Cc: C0 controls, DEL and C1 controls.
bool IsControl(char32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// Unicode white space (Go's unicode.IsSpace, as C2SP implementations use).
bool IsUnicodeSpace(char32_t cp) {
  return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

// UTF-8 and no control character other than \n; names the first offending line.
Status CheckCharacters(std::string_view note) {
  size_t line = 1;
  for (size_t i = 0; i < note.size();) {
    size_t at = i;
    std::optional<char32_t> cp = DecodeUtf8(note, i);
    if (!cp) {
      return Malformed("line " + std::to_string(line) + ": invalid UTF-8 at byte offset " +
                       std::to_string(at));
    }
    if (*cp == '\n') {
      ++line;
    } else if (IsControl(*cp)) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(*cp));
      return Malformed("line " + std::to_string(line) + ": control character " + buf +
                       " (only newline is allowed)");
    }
  }
  return OkStatus();
}

// A key name (signed-note): not empty, UTF-8, no control character, Unicode space or '+'.
bool IsValidKeyName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size();) {
    std::optional<char32_t> cp = DecodeUtf8(s, i);
    if (!cp || IsControl(*cp) || IsUnicodeSpace(*cp) || *cp == '+') return false;
  }
  return true;
}

// ---- The note ----

struct NoteSignature {
  std::string_view name;
  uint32_t key_id = 0;
  std::vector<uint8_t> signature;  // after the key ID
};

struct ParsedNote {
  Checkpoint checkpoint;
  std::string_view text;  // the note text, including its final \n
  std::vector<NoteSignature> signatures;
};

Result<uint64_t> ParseTreeSize(std::string_view line) {
  if (line.empty()) return Malformed("line 2 (tree size) is empty");
  uint64_t value = 0;
  for (char c : line) {
    if (c < '0' || c > '9') {
      return Malformed("line 2 (tree size) " + Quote(line) + " is not a decimal number");
    }
    unsigned d = static_cast<unsigned>(c - '0');
    if (value > (UINT64_MAX - d) / 10) {
      return Malformed("line 2 (tree size) " + Quote(line) + " does not fit 64 bits");
    }
    value = value * 10 + d;
  }
  if (line.size() > 1 && line[0] == '0') {
    return Malformed("line 2 (tree size) " + Quote(line) + " has a leading zero");
  }
  return value;
}

Result<NoteSignature> ParseSignatureLine(std::string_view line, size_t number) {
  const std::string where = "line " + std::to_string(number) + " (signature)";
  if (!line.starts_with(kSignaturePrefix)) {
    return Malformed(where +
                     " does not start with an em dash (U+2014) and a space: " + Quote(line));
  }
  line.remove_prefix(kSignaturePrefix.size());
  size_t space = line.find(' ');
  if (space == std::string_view::npos) {
    return Malformed(where + " has no space between key name and signature");
  }
  NoteSignature sig;
  sig.name = line.substr(0, space);
  std::string_view encoded = line.substr(space + 1);
  if (!IsValidKeyName(sig.name)) {
    return Malformed(where + ": the key name " + Quote(sig.name) +
                     " is empty or contains a space or '+'");
  }
  std::optional<std::vector<uint8_t>> bytes = Base64Decode(encoded);
  if (!bytes) {
    return Malformed(where + ": the signature " + Quote(encoded) + " is not standard base64");
  }
  if (bytes->size() <= 4) {
    return Malformed(where + ": the signature has " + std::to_string(bytes->size()) +
                     " bytes; it needs a 4-byte key ID and the signature itself");
  }
  const std::vector<uint8_t>& b = *bytes;
  sig.key_id = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  sig.signature.assign(b.begin() + 4, b.end());
  return sig;
}

Result<ParsedNote> ParseNote(std::string_view note) {
  if (note.size() > kMaxCheckpointNoteSize) {
    return Malformed("the note is " + std::to_string(note.size()) + " bytes, more than the " +
                     std::to_string(kMaxCheckpointNoteSize) + " allowed");
  }
  ADTGW_TRY(CheckCharacters(note));
  if (note.empty() || note.back() != '\n') return Malformed("the note does not end with a newline");

  std::vector<std::string_view> lines;  // without their \n
  for (size_t start = 0; start < note.size();) {
    size_t end = note.find('\n', start);
    lines.push_back(note.substr(start, end - start));
    start = end + 1;
  }
  if (lines.size() < 3) {
    return Malformed("the note has " + std::to_string(lines.size()) +
                     " lines; it needs an origin, a tree size and a root hash line");
  }
  ParsedNote parsed;
  if (lines[0].empty()) return Malformed("line 1 (origin) is empty");
  parsed.checkpoint.origin = std::string(lines[0]);
  ADTGW_ASSIGN(parsed.checkpoint.size, ParseTreeSize(lines[1]));
  std::optional<std::vector<uint8_t>> root = Base64Decode(lines[2]);
  if (!root || root->size() != parsed.checkpoint.root.size()) {
    return Malformed("line 3 (root hash) " + Quote(lines[2]) +
                     " is not the standard base64 of 32 bytes");
  }
  std::copy(root->begin(), root->end(), parsed.checkpoint.root.begin());
  if (lines.size() == 3) {
    return Malformed("no blank line after the root hash (line 3), and so no signatures");
  }
  if (!lines[3].empty()) {
    return Malformed("line 4 " + Quote(lines[3]) +
                     " is not blank: the note text ends with the root hash (adtgw checkpoints "
                     "have no extension lines) and a blank line must follow it");
  }
  parsed.text = note.substr(0, lines[0].size() + lines[1].size() + lines[2].size() + 3);
  size_t count = lines.size() - 4;
  if (count == 0) return Malformed("no signature lines after the blank line (line 4)");
  if (count > kMaxCheckpointSignatures) {
    return Malformed(std::to_string(count) + " signature lines, more than the " +
                     std::to_string(kMaxCheckpointSignatures) + " allowed");
  }
  for (size_t i = 4; i < lines.size(); ++i) {
    ADTGW_ASSIGN(NoteSignature sig, ParseSignatureLine(lines[i], i + 1));
    parsed.signatures.push_back(std::move(sig));
  }
  return parsed;
}

// ---- Keys ----

Status CheckOrigin(const std::string& origin) {
  if (!IsValidKeyName(origin)) {
    return MakeError(ErrorKind::kUsage, "log_key.bad_origin",
                     "the log origin " + Quote(origin) +
                         " is not usable as a key name: it must be non-empty UTF-8 without "
                         "spaces, control characters or '+'",
                     "use a schema-less URL such as adtgw.example.org/log");
  }
  return OkStatus();
}

Status CheckP256(EVP_PKEY* key) {
  char group[64] = "";
  size_t len = 0;
  bool ec = EVP_PKEY_is_a(key, "EC") == 1;
  if (ec && EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1 &&
      std::string_view(group, len) == "prime256v1") {
    return OkStatus();
  }
  DrainOpenSslErrors();
  const char* type = EVP_PKEY_get0_type_name(key);
  std::string what = type != nullptr ? type : "unknown";
  if (ec) what += std::string(" on curve ") + (len > 0 ? group : "(unnamed)");
  return MakeError(ErrorKind::kInvalidInput, "log_key.not_p256",
                   "the log key is " + what + ", not an ECDSA key on P-256 (prime256v1)",
                   "make the log key with: openssl genpkey -algorithm EC -pkeyopt "
                   "ec_paramgen_curve:P-256");
}

Result<std::vector<uint8_t>> SpkiDer(EVP_PKEY* key) {
  return I2d(key, i2d_PUBKEY, "the log public key (i2d_PUBKEY)");
}

}  // namespace

std::string CheckpointText(const Checkpoint& c) {
  return c.origin + "\n" + std::to_string(c.size) + "\n" + Base64Encode(c.root) + "\n";
}

Result<Checkpoint> ParseCheckpointNote(std::string_view note) {
  ADTGW_ASSIGN(ParsedNote parsed, ParseNote(note));
  return std::move(parsed.checkpoint);
}

// ---- LogVerifier ----

Result<LogVerifier> LogVerifier::Make(EvpPkeyPtr key, std::string origin) {
  ADTGW_TRY(CheckOrigin(origin));
  ADTGW_TRY(CheckP256(key.get()));
  ADTGW_ASSIGN(std::vector<uint8_t> der, SpkiDer(key.get()));
  Sha256Digest h = Sha256Of(der);
  uint32_t id = (uint32_t{h[0]} << 24) | (uint32_t{h[1]} << 16) | (uint32_t{h[2]} << 8) | h[3];
  return LogVerifier(std::move(key), std::move(origin), id);
}

Result<LogVerifier> LogVerifier::FromKey(EVP_PKEY* key, std::string origin) {
  if (key == nullptr) std::abort();  // a programming error
  return Make(UpRef(key), std::move(origin));
}

Result<LogVerifier> LogVerifier::FromPublicKeyPem(std::string_view pem, std::string origin) {
  const char* hint =
      "give the log's public key as PEM SubjectPublicKeyInfo; make it from the "
      "log key with: openssl pkey -in log-key.pem -pubout";
  if (pem.find("PRIVATE KEY-----") != std::string_view::npos) {
    return MakeError(ErrorKind::kInvalidInput, "log_key.unreadable",
                     "this is a private key; a verifier needs only the public half", hint);
  }
  if (pem.size() > kMaxPublicKeyPem) {
    return MakeError(
        ErrorKind::kInvalidInput, "log_key.unreadable",
        "the public key text is larger than " + std::to_string(kMaxPublicKeyPem) + " bytes", hint);
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return InternalOpenSslError("BIO_new_mem_buf");
  EvpPkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return OpenSslError(ErrorKind::kInvalidInput, "log_key.unreadable",
                        "not a PEM public key (-----BEGIN PUBLIC KEY-----)", hint);
  }
  return Make(std::move(key), std::move(origin));
}

Result<LogVerifier> LogVerifier::LoadPublicKey(const std::string& pem_file, std::string origin) {
  auto bytes = ReadFileCapped(pem_file, kMaxPublicKeyPem);
  if (!bytes.ok()) return std::move(bytes).error().With("log public key");
  std::string_view pem(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  auto verifier = FromPublicKeyPem(pem, std::move(origin));
  if (!verifier.ok()) return std::move(verifier).error().With(pem_file);
  return verifier;
}

std::string LogVerifier::PublicKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) std::abort();  // no memory
  Result<std::string> pem = BioContents(bio.get());
  if (!pem.ok()) std::abort();
  return std::move(pem).value();
}

Result<Checkpoint> LogVerifier::Verify(std::string_view note) const {
  ADTGW_ASSIGN(ParsedNote parsed, ParseNote(note));
  const std::string self = origin_ + " " + KeyIdHex(key_id_);
  if (parsed.checkpoint.origin != origin_) {
    return MakeError(ErrorKind::kIntegrity, "checkpoint.wrong_origin",
                     "the checkpoint is for log " + Quote(parsed.checkpoint.origin) +
                         ", not for log " + Quote(origin_),
                     "this checkpoint comes from another log; check that you are talking to "
                     "the right gateway and that its log origin is configured correctly");
  }
  std::vector<const NoteSignature*> ours;
  std::string others;
  for (const NoteSignature& sig : parsed.signatures) {
    if (sig.name == origin_ && sig.key_id == key_id_) {
      ours.push_back(&sig);
    } else {
      others += (others.empty() ? "" : ", ") + Shorten(sig.name) + " " + KeyIdHex(sig.key_id);
    }
  }
  if (ours.empty()) {
    return MakeError(
        ErrorKind::kIntegrity, "checkpoint.unknown_key",
        "the checkpoint is not signed by log key " + self + "; it carries signatures by: " + others,
        "it was signed with another key: check that you have the gateway's "
        "current log public key; if you do, the gateway "
        "is not the log you know, so do not trust it");
  }
  for (const NoteSignature* sig : ours) {
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1) {
      return InternalOpenSslError("EVP_DigestVerifyInit");
    }
    int rc = EVP_DigestVerify(ctx.get(), sig->signature.data(), sig->signature.size(),
                              reinterpret_cast<const unsigned char*>(parsed.text.data()),
                              parsed.text.size());
    DrainOpenSslErrors();  // a DER error from a damaged signature is just a failure
    if (rc != 1) {
      const Checkpoint& c = parsed.checkpoint;
      return MakeError(ErrorKind::kIntegrity, "checkpoint.bad_signature",
                       "the signature by log key " + self +
                           " does not verify over the checkpoint (size " + std::to_string(c.size) +
                           ", root " + ToHex(c.root) +
                           "): the checkpoint was altered or its signature damaged",
                       "do not trust this checkpoint; keep the note and report it to the "
                       "gateway's operator");
    }
  }
  return std::move(parsed.checkpoint);
}

// ---- LogSigner ----

Result<LogSigner> LogSigner::FromKey(EVP_PKEY* key, std::string origin) {
  if (key == nullptr) std::abort();  // a programming error
  ADTGW_TRY(CheckP256(key));
  // The verifier gets a public-only copy, so that it never holds the private key.
  ADTGW_ASSIGN(std::vector<uint8_t> der, SpkiDer(key));
  const unsigned char* p = der.data();
  EvpPkeyPtr pub(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!pub) return InternalOpenSslError("decoding the log public key (d2i_PUBKEY)");
  ADTGW_ASSIGN(LogVerifier verifier, LogVerifier::Make(std::move(pub), std::move(origin)));
  return LogSigner(UpRef(key), std::move(verifier));
}

Result<LogSigner> LogSigner::Load(const std::string& private_key_pem_file, std::string origin) {
  auto key = LoadPrivateKey(private_key_pem_file);
  if (!key.ok()) {
    Error e = std::move(key).error();
    if (e.code == "input.bad_credential") e.code = "log_key.unreadable";
    return std::move(e).With("log key");
  }
  auto signer = FromKey(key->get(), std::move(origin));
  if (!signer.ok()) return std::move(signer).error().With(private_key_pem_file);
  return signer;
}

Result<std::string> LogSigner::Sign(const Checkpoint& c) const {
  if (c.origin != verifier_.origin()) {
    return MakeError(ErrorKind::kUsage, "checkpoint.wrong_origin",
                     "refusing to sign a checkpoint for log " + Quote(c.origin) +
                         " with the key of log " + Quote(verifier_.origin()));
  }
  const std::string text = CheckpointText(c);
  const auto* data = reinterpret_cast<const unsigned char*>(text.data());
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, data, text.size()) != 1) {
    return InternalOpenSslError("signing the checkpoint (EVP_DigestSignInit)");
  }
  std::vector<uint8_t> sig(4 + len);
  const uint32_t id = verifier_.key_id();
  sig[0] = static_cast<uint8_t>(id >> 24);
  sig[1] = static_cast<uint8_t>(id >> 16);
  sig[2] = static_cast<uint8_t>(id >> 8);
  sig[3] = static_cast<uint8_t>(id);
  if (EVP_DigestSign(ctx.get(), sig.data() + 4, &len, data, text.size()) != 1) {
    return InternalOpenSslError("signing the checkpoint (EVP_DigestSign)");
  }
  sig.resize(4 + len);
  return text + "\n" + std::string(kSignaturePrefix) + verifier_.origin() + " " +
         Base64Encode(sig) + "\n";
}

}  // namespace adtgw
