// Opening: see envelope.h and docs/envelope.md.
#include <cstring>

#include "crypto/ber_reader.h"
#include "crypto/cms_oids.h"
#include "crypto/envelope.h"
#include "crypto/key_agreement.h"
#include "crypto/ossl_error.h"
#include "crypto/secret_bytes.h"

namespace adtgw {
namespace {

constexpr size_t kTagSize = 16;
constexpr size_t kNonceSize = 12;
constexpr size_t kMaxRecipientInfoSize = 64 * 1024;
constexpr size_t kMaxRecipientInfos = 256;

// Decrypts the ciphertext stream into plaintext; the tag is checked in Finish().
class GcmDecryptSource final : public ByteSource {
 public:
  GcmDecryptSource(ByteSource& ciphertext, EVP_CIPHER_CTX* ctx)
      : ciphertext_(ciphertext), ctx_(ctx) {}

  Result<size_t> Read(std::span<uint8_t> out) override {
    size_t want = std::min<size_t>(out.size(), 1 << 20);
    ADTGW_ASSIGN(size_t n, ciphertext_.Read(buf_.Reserve(want)));
    if (n == 0) return size_t{0};
    int m = 0;
    if (EVP_DecryptUpdate(ctx_, out.data(), &m, buf_.data(), static_cast<int>(n)) != 1 ||
        static_cast<size_t>(m) != n) {
      return InternalOpenSslError("AES-256-GCM decryption failed");
    }
    return n;
  }

  // Reads and discards what is left (so the tag can still be checked).
  Status Drain() {
    ScratchBuffer scratch(1 << 16);
    for (;;) {
      ADTGW_ASSIGN(size_t n, Read(scratch.span()));
      if (n == 0) return OkStatus();
    }
  }

 private:
  ByteSource& ciphertext_;
  EVP_CIPHER_CTX* ctx_;
  ScratchBuffer buf_;
};

Error NotAnEnvelope(const std::string& what, const std::string& hint) {
  return MakeError(ErrorKind::kInvalidInput, "envelope.not_an_envelope", what, hint);
}

Error Tampered() {
  return MakeError(ErrorKind::kIntegrity, "envelope.tampered",
                   "the envelope's authentication tag does not match: it was modified or "
                   "damaged after sealing",
                   "do not use this file; ask the sender to send it again");
}

Status ReadContentInfoHeader(BerReader& r) {
  ADTGW_ASSIGN(bool empty, r.AtEnd());
  if (empty) {
    return MakeError(ErrorKind::kInvalidInput, "envelope.empty", "the envelope file is empty",
                     "the file was not written completely: copy or download it again");
  }
  ADTGW_ASSIGN(uint8_t first, r.PeekTag());
  if (first != der::kSequence) {
    return NotAnEnvelope(
        "the file is not a DER CMS structure (it does not start with a "
        "SEQUENCE)",
        "give a .cms envelope made by adtgw seal; PEM/S-MIME is not accepted");
  }
  ADTGW_ASSIGN(BerHeader ci, r.Expect(der::kSequence, "ContentInfo"));
  ADTGW_TRY(r.Open(ci, "ContentInfo"));
  ADTGW_ASSIGN(der::Bytes ct, r.ExpectContent(der::kOid, 64, "contentType"));
  if (ct == der::OidContent(oid::kAuthEnvelopedData)) return OkStatus();
  if (ct == der::OidContent(oid::kEnvelopedData)) {
    return MakeError(ErrorKind::kInvalidInput, "envelope.not_authenticated",
                     "the file is a CMS EnvelopedData (CBC, no authentication tag); adtgw "
                     "accepts only AuthEnvelopedData with AES-256-GCM",
                     "seal with adtgw seal, or openssl cms -encrypt -aes-256-gcm");
  }
  if (ct == der::OidContent(oid::kSignedData)) {
    return NotAnEnvelope("the file is a signed CMS message, not an encrypted envelope",
                         "use openssl cms -verify for signed-only files");
  }
  return NotAnEnvelope("the file is a CMS structure of another type, not an envelope",
                       "give a .cms envelope made by adtgw seal");
}

}  // namespace

Result<OpenedEnvelope> OpenEnvelope(const OpenRequest& request, ByteSource& envelope,
                                    ByteSink& content_out) {
  if (X509_check_private_key(request.recipient_cert, request.recipient_key) != 1) {
    DrainOpenSslErrors();
    return MakeError(ErrorKind::kUsage, "key.mismatch",
                     "the private key does not belong to the recipient certificate",
                     "pass the key file that was issued with --cert");
  }
  BerReader r(envelope, "envelope");
  ADTGW_TRY(ReadContentInfoHeader(r));
  ADTGW_ASSIGN(BerHeader explicit0, r.Expect(der::ContextConstructed(0), "content"));
  ADTGW_TRY(r.Open(explicit0, "content"));
  ADTGW_ASSIGN(BerHeader aed, r.Expect(der::kSequence, "AuthEnvelopedData"));
  ADTGW_TRY(r.Open(aed, "AuthEnvelopedData"));
  ADTGW_ASSIGN(der::Bytes version, r.ExpectContent(der::kInteger, 8, "version"));
  if (version != der::Bytes{0}) return r.Malformed("AuthEnvelopedData version is not 0");
  ADTGW_ASSIGN(uint8_t tag, r.PeekTag());
  if (tag == der::ContextConstructed(0)) {  // originatorInfo: not used
    ADTGW_ASSIGN(BerHeader oi, r.ReadHeader());
    ADTGW_TRY(r.SkipContent(oi, 1 << 20));
  }

  ADTGW_ASSIGN(BerHeader ris, r.Expect(der::kSet, "recipientInfos"));
  ADTGW_TRY(r.Open(ris, "recipientInfos"));
  std::optional<SecretBytes> cek;
  std::optional<Error> refusal;
  size_t count = 0;
  for (;;) {
    ADTGW_ASSIGN(bool more, r.More());
    if (!more) break;
    if (++count > kMaxRecipientInfos) return r.Malformed("too many recipients");
    ADTGW_ASSIGN(uint8_t ri_tag, r.PeekTag());
    if (ri_tag != der::ContextConstructed(1) || cek) {  // not key agreement, or done
      ADTGW_ASSIGN(BerHeader other, r.ReadHeader());
      ADTGW_TRY(r.SkipContent(other, kMaxRecipientInfoSize));
      continue;
    }
    ADTGW_ASSIGN(der::Bytes kari, r.ReadElement(kMaxRecipientInfoSize, "RecipientInfo"));
    auto unwrapped =
        UnwrapFromKeyAgreeRecipientInfo(kari, request.recipient_cert, request.recipient_key);
    if (!unwrapped.ok()) {
      refusal = std::move(unwrapped).error();
    } else if (unwrapped->has_value()) {
      cek.emplace(std::move(**unwrapped));
    }
  }
  ADTGW_TRY(r.Close());
  if (!cek) {
    if (refusal) return std::move(*refusal);
    char name[256];
    X509_NAME_oneline(X509_get_subject_name(request.recipient_cert), name, sizeof name);
    return MakeError(ErrorKind::kIntegrity, "envelope.not_a_recipient",
                     std::string("the envelope is not addressed to ") + name,
                     "open it with the key-agreement certificate and key of one of its "
                     "recipients");
  }

  ADTGW_ASSIGN(BerHeader aeci, r.Expect(der::kSequence, "authEncryptedContentInfo"));
  ADTGW_TRY(r.Open(aeci, "authEncryptedContentInfo"));
  ADTGW_ASSIGN(der::Bytes ct, r.ExpectContent(der::kOid, 64, "contentType"));
  if (ct != der::OidContent(oid::kData)) {
    return MakeError(ErrorKind::kInvalidInput, "envelope.unsupported",
                     "the encrypted content type is not id-data (adtgw encrypts the DER "
                     "ContentInfo of a SignedData as data)");
  }
  ADTGW_ASSIGN(BerHeader cea, r.Expect(der::kSequence, "contentEncryptionAlgorithm"));
  ADTGW_TRY(r.Open(cea, "contentEncryptionAlgorithm"));
  ADTGW_ASSIGN(der::Bytes cea_oid, r.ExpectContent(der::kOid, 64, "contentEncryptionAlgorithm"));
  if (cea_oid != der::OidContent(oid::kAes256Gcm)) {
    return MakeError(ErrorKind::kInvalidInput, "envelope.unsupported",
                     "the content cipher is not AES-256-GCM",
                     "seal with adtgw seal, or openssl cms -encrypt -aes-256-gcm");
  }
  ADTGW_ASSIGN(BerHeader gp, r.Expect(der::kSequence, "GCMParameters"));
  ADTGW_TRY(r.Open(gp, "GCMParameters"));
  ADTGW_ASSIGN(der::Bytes nonce, r.ExpectContent(der::kOctetString, 64, "GCM nonce"));
  ADTGW_ASSIGN(bool has_icv, r.More());
  der::Bytes icv{12};  // DEFAULT 12
  if (has_icv) {
    ADTGW_ASSIGN(icv, r.ExpectContent(der::kInteger, 8, "GCM tag length"));
  }
  ADTGW_TRY(r.Close());
  ADTGW_TRY(r.Close());
  if (nonce.size() != kNonceSize || icv != der::Bytes{kTagSize}) {
    return MakeError(ErrorKind::kInvalidInput, "envelope.unsupported",
                     "AES-GCM parameters must be a 12-byte nonce and a 16-byte tag");
  }
  ADTGW_ASSIGN(BerHeader ec, r.ReadHeader());
  if (ec.tag != der::ContextPrimitive(0) && ec.tag != der::ContextConstructed(0)) {
    return r.Malformed("the encrypted content is missing");
  }

  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, cek->data(), nonce.data()) != 1) {
    return InternalOpenSslError("AES-256-GCM setup failed");
  }
  OctetStringSource ciphertext(r, ec);
  GcmDecryptSource plaintext(ciphertext, ctx.get());
  BerReader inner(plaintext, "signed content");
  auto contents = ReadSignedData(inner, &content_out);
  std::optional<Error> inner_error;
  if (!contents.ok()) {
    inner_error = std::move(contents).error();
  } else {
    ADTGW_ASSIGN(bool inner_end, inner.AtEnd());
    if (!inner_end) inner_error = inner.Malformed("trailing data after the signed content");
  }
  // Whatever the inner structure said, read to the tag: a tampered envelope must be
  // reported as tampered, not as whatever its garbled plaintext looks like.
  ADTGW_TRY(plaintext.Drain());
  ADTGW_TRY(r.Close());  // authEncryptedContentInfo

  ADTGW_ASSIGN(tag, r.PeekTag());
  if (tag == der::ContextConstructed(1)) {
    return MakeError(ErrorKind::kInvalidInput, "envelope.unsupported",
                     "the envelope has authenticated attributes, which adtgw does not accept "
                     "(they would have to be read before the content)");
  }
  ADTGW_ASSIGN(der::Bytes mac, r.ExpectContent(der::kOctetString, 64, "mac"));
  ADTGW_ASSIGN(bool more, r.More());
  if (more) {  // unauthAttrs [2]: allowed by RFC 5083, carry nothing adtgw uses
    ADTGW_ASSIGN(BerHeader ua, r.Expect(der::ContextConstructed(2), "unauthAttrs"));
    ADTGW_TRY(r.SkipContent(ua, 1 << 20));
  }
  ADTGW_TRY(r.Close());  // AuthEnvelopedData
  ADTGW_TRY(r.Close());  // [0]
  ADTGW_TRY(r.Close());  // ContentInfo
  ADTGW_ASSIGN(bool at_end, r.AtEnd());
  if (!at_end) return r.Malformed("trailing data after the envelope");

  int final_len = 0;
  uint8_t final_buf[32];
  if (mac.size() != kTagSize ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, mac.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), final_buf, &final_len) != 1) {
    DrainOpenSslErrors();
    return Tampered();
  }
  if (inner_error) return std::move(*inner_error);

  ADTGW_ASSIGN(VerifiedSignature sig, VerifySignedData(*contents));
  OpenedEnvelope opened;
  opened.signer = std::move(sig.signer);
  opened.signing_time = sig.signing_time;
  opened.content_size = contents->content_size;
  opened.content_sha256 = contents->content_digest;
  return opened;
}

}  // namespace adtgw
