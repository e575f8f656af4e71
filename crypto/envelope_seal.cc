// Sealing: see envelope.h and docs/envelope.md.
#include <algorithm>
#include <optional>

#include <openssl/rand.h>

#include "crypto/background_sha256.h"
#include "crypto/cms_oids.h"
#include "crypto/envelope.h"
#include "crypto/key_agreement.h"
#include "crypto/ossl_error.h"
#include "crypto/secret_bytes.h"

namespace adtgw {
namespace {

constexpr size_t kChunk = 1 << 20;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;

class GcmEncryptor {
 public:
  static Result<GcmEncryptor> New(const SecretBytes& cek, std::span<const uint8_t> nonce) {
    EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                            nullptr) != 1 ||
        EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, cek.data(), nonce.data()) != 1) {
      return InternalOpenSslError("AES-256-GCM setup failed");
    }
    return GcmEncryptor(std::move(ctx));
  }

  // Encrypts `plain` and writes the ciphertext to `out`.
  // Encrypts `plain` and writes the ciphertext to `out`. Two buffers alternate, so a
  // ciphertext chunk stays intact until the next-but-one Emit (HashingOutput relies on it).
  Status Emit(std::span<const uint8_t> plain, ByteSink& out) {
    ScratchBuffer& buf = bufs_[next_ ^= 1];
    buf.Reserve(plain.size());
    int n = 0;
    if (EVP_EncryptUpdate(ctx_.get(), buf.data(), &n, plain.data(),
                          static_cast<int>(plain.size())) != 1 ||
        static_cast<size_t>(n) != plain.size()) {  // GCM is a stream: as many out as in
      return InternalOpenSslError("AES-256-GCM encryption failed");
    }
    return out.Write(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)));
  }

  Result<der::Bytes> Finish() {
    int n = 0;
    der::Bytes tag(kTagSize);
    uint8_t final_block[32];
    if (EVP_EncryptFinal_ex(ctx_.get(), final_block, &n) != 1 || n != 0 ||
        EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, tag.data()) != 1) {
      return InternalOpenSslError("AES-256-GCM finalisation failed");
    }
    return tag;
  }

 private:
  explicit GcmEncryptor(EvpCipherCtxPtr ctx) : ctx_(std::move(ctx)) {}
  EvpCipherCtxPtr ctx_;
  ScratchBuffer bufs_[2];
  int next_ = 0;
};

// Passes the envelope on to the caller's sink while hashing it on a second thread.
// Large writes (GCM output) are hashed in place, which GcmEncryptor's alternating
// buffers allow; small ones (headers, trailer, tag) are copied first, so their owners
// may go away. Must be destroyed before the GcmEncryptor whose output it hashes.
class HashingOutput final : public ByteSink {
 public:
  explicit HashingOutput(ByteSink& next) : next_(next) {}
  Status Write(std::span<const uint8_t> data) override {
    std::span<const uint8_t> hashed = data;
    if (data.size() < kCopyBelow) {
      ScratchBuffer& copy = copies_[next_copy_ ^= 1];
      std::copy(data.begin(), data.end(), copy.Reserve(data.size()).begin());
      hashed = std::span<const uint8_t>(copy.data(), data.size());
    }
    hash_.Submit(hashed);
    size_ += data.size();
    return next_.Write(data);
  }
  SealedEnvelope Finish() { return {size_, hash_.Finish()}; }

 private:
  static constexpr size_t kCopyBelow = 64 * 1024;
  ByteSink& next_;
  ScratchBuffer copies_[2];
  int next_copy_ = 0;
  uint64_t size_ = 0;
  BackgroundSha256 hash_;  // last: stopped (and joined) before the buffers go
};

}  // namespace

Status SealEnvelope(const SealRequest& request, ByteSource& content, uint64_t content_size,
                    ByteSink& out_sink, SealedEnvelope* summary) {
  ADTGW_TRY(CheckSigner(request.signer));
  if (request.recipients.empty()) {
    return MakeError(ErrorKind::kUsage, "usage.no_recipient", "no recipient certificate given",
                     "name at least one recipient KA certificate with --to");
  }
  SecretBytes cek(kCekSize);
  uint8_t nonce[kNonceSize];
  if (RAND_bytes(cek.data(), static_cast<int>(cek.size())) != 1 ||
      RAND_bytes(nonce, sizeof nonce) != 1) {
    return InternalOpenSslError("random number generation failed");
  }
  std::vector<der::Bytes> recipient_infos;
  for (X509* recipient : request.recipients) {
    ADTGW_ASSIGN(der::Bytes ri, BuildKeyAgreeRecipientInfo(recipient, cek.span()));
    recipient_infos.push_back(std::move(ri));
  }

  SignedDataWriter inner(request.signer, request.signing_time, /*detached=*/false, content_size);
  uint64_t plain_len = inner.total_size();

  // Outer structure up to the ciphertext: every length is known now.
  der::Bytes version = der::Integer(0);
  der::Bytes ris = der::SetOf(std::move(recipient_infos));
  der::Bytes gcm_params = der::Sequence({der::OctetString(nonce), der::Integer(kTagSize)});
  der::Bytes cea = der::Sequence({der::Oid(oid::kAes256Gcm), gcm_params});
  der::Bytes oid_data = der::Oid(oid::kData);
  uint64_t aeci_content = oid_data.size() + cea.size() + der::EncodedSize(plain_len);
  der::Bytes mac_header = der::Header(der::kOctetString, kTagSize);
  uint64_t aed_content =
      version.size() + ris.size() + der::EncodedSize(aeci_content) + mac_header.size() + kTagSize;
  uint64_t aed_total = der::EncodedSize(aed_content);
  der::Bytes oid_aed = der::Oid(oid::kAuthEnvelopedData);
  uint64_t ci_content = oid_aed.size() + der::EncodedSize(aed_total);

  der::Bytes head = der::Header(der::kSequence, ci_content);
  der::Append(head, oid_aed);
  der::Append(head, der::Header(der::ContextConstructed(0), aed_total));
  der::Append(head, der::Header(der::kSequence, aed_content));
  der::Append(head, version);
  der::Append(head, ris);
  der::Append(head, der::Header(der::kSequence, aeci_content));
  der::Append(head, oid_data);
  der::Append(head, cea);
  der::Append(head, der::Header(der::ContextPrimitive(0), plain_len));
  ADTGW_ASSIGN(GcmEncryptor gcm, GcmEncryptor::New(cek, nonce));
  std::optional<HashingOutput> hashing;
  if (summary != nullptr) hashing.emplace(out_sink);
  ByteSink& out = hashing ? static_cast<ByteSink&>(*hashing) : out_sink;
  ADTGW_TRY(out.Write(head));
  ADTGW_TRY(gcm.Emit(inner.prefix(), out));
  // Two buffers: the next chunk is read while the hasher may still be on this one.
  // They are declared first so that they outlive the hasher on every return path.
  size_t chunk_size = static_cast<size_t>(std::clamp<uint64_t>(content_size, 1, kChunk));
  ScratchBuffer chunks[2] = {ScratchBuffer(chunk_size), ScratchBuffer(chunk_size)};
  BackgroundSha256 hash;
  int current = 0;
  uint64_t seen = 0;
  for (;; current ^= 1) {
    ADTGW_ASSIGN(size_t n, content.Read(chunks[current].span()));
    if (n == 0) break;
    seen += n;
    if (seen > content_size) break;
    std::span<const uint8_t> piece(chunks[current].data(), n);
    hash.Submit(piece);
    ADTGW_TRY(gcm.Emit(piece, out));
  }
  if (seen != content_size) {
    return MakeError(ErrorKind::kIo, "io.changed_while_reading",
                     "the input changed size while it was being sealed (expected " +
                         std::to_string(content_size) + " bytes)",
                     "seal the file again once nothing is writing to it");
  }
  ADTGW_ASSIGN(der::Bytes suffix, inner.Suffix(hash.Finish()));
  ADTGW_TRY(gcm.Emit(suffix, out));
  ADTGW_ASSIGN(der::Bytes tag, gcm.Finish());
  ADTGW_TRY(out.Write(mac_header));
  ADTGW_TRY(out.Write(tag));
  if (hashing) *summary = hashing->Finish();
  return OkStatus();
}

}  // namespace adtgw
