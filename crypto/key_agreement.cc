#include "crypto/key_agreement.h"

#include <cstring>
#include <string>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "crypto/ber_reader.h"
#include "crypto/cms_oids.h"
#include "crypto/ossl_error.h"
#include "crypto/ossl_ptr.h"
#include "crypto/ossl_string.h"

namespace adtgw {
namespace {

constexpr size_t kWrappedCekSize = kCekSize + 8;

// RFC 5753 section 7.2: ECC-CMS-SharedInfo, the X9.63 KDF's "other info".
der::Bytes SharedInfo(std::span<const uint8_t> wrap_alg_der, std::span<const uint8_t> ukm) {
  const uint8_t key_bits[4] = {0, 0, (kCekSize * 8) >> 8, (kCekSize * 8) & 0xff};
  der::Bytes supp_pub = der::Constructed(der::ContextConstructed(2), {der::OctetString(key_bits)});
  if (ukm.empty()) return der::Sequence({wrap_alg_der, supp_pub});
  der::Bytes entity = der::Constructed(der::ContextConstructed(0), {der::OctetString(ukm)});
  return der::Sequence({wrap_alg_der, entity, supp_pub});
}

Result<SecretBytes> DeriveKek(EVP_PKEY* own, EVP_PKEY* peer, std::span<const uint8_t> wrap_alg_der,
                              std::span<const uint8_t> ukm) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr));
  size_t z_len = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer_ex(ctx.get(), peer, 1) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &z_len) != 1) {
    return OpenSslError(ErrorKind::kIntegrity, "envelope.key_agreement",
                        "ECDH with the envelope's ephemeral key failed");
  }
  SecretBytes z(z_len);
  if (EVP_PKEY_derive(ctx.get(), z.data(), &z_len) != 1) {
    return OpenSslError(ErrorKind::kIntegrity, "envelope.key_agreement", "ECDH failed");
  }
  z.Resize(z_len);

  der::Bytes info = SharedInfo(wrap_alg_der, ukm);
  EvpKdfPtr kdf(EVP_KDF_fetch(nullptr, "X963KDF", nullptr));
  EvpKdfCtxPtr kctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
  if (!kctx) return InternalOpenSslError("X9.63 KDF unavailable");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, z.data(), z.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end()};
  SecretBytes kek(kCekSize);
  if (EVP_KDF_derive(kctx.get(), kek.data(), kek.size(), params) != 1) {
    return InternalOpenSslError("X9.63 KDF failed");
  }
  return kek;
}

Result<der::Bytes> WrapKey(const SecretBytes& kek, std::span<const uint8_t> cek) {
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return InternalOpenSslError("cipher context");
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  der::Bytes out(cek.size() + 16);
  int n = 0, m = 0;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_wrap(), nullptr, kek.data(), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &n, cek.data(), static_cast<int>(cek.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + n, &m) != 1 || n < 0 || m < 0 ||
      static_cast<size_t>(n + m) != cek.size() + 8) {  // RFC 3394: +8 bytes
    return InternalOpenSslError("AES key wrap failed");
  }
  out.resize(static_cast<size_t>(n + m));
  return out;
}

Result<SecretBytes> UnwrapKey(const SecretBytes& kek, std::span<const uint8_t> wrapped) {
  if (wrapped.size() != kWrappedCekSize) {
    return MakeError(ErrorKind::kInvalidInput, "envelope.malformed",
                     "wrapped content key has " + std::to_string(wrapped.size()) +
                         " bytes; AES-256 needs " + std::to_string(kWrappedCekSize));
  }
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return InternalOpenSslError("cipher context");
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  SecretBytes cek(wrapped.size() + 16);
  int n = 0, m = 0;
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_wrap(), nullptr, kek.data(), nullptr) != 1 ||
      EVP_DecryptUpdate(ctx.get(), cek.data(), &n, wrapped.data(),
                        static_cast<int>(wrapped.size())) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), cek.data() + n, &m) != 1) {
    DrainOpenSslErrors();
    return MakeError(ErrorKind::kIntegrity, "envelope.wrong_key",
                     "the content key does not unwrap with this private key",
                     "use the private key that belongs to the recipient certificate given");
  }
  cek.Resize(static_cast<size_t>(n + m));
  if (cek.size() != kCekSize) {
    return MakeError(ErrorKind::kInvalidInput, "envelope.malformed",
                     "unwrapped content key is not 32 bytes");
  }
  return cek;
}

Result<EvpPkeyPtr> PeerKeyFromPoint(EVP_PKEY* like, std::span<const uint8_t> point) {
  EvpPkeyPtr peer(EVP_PKEY_new());
  if (!peer || EVP_PKEY_copy_parameters(peer.get(), like) != 1 ||
      EVP_PKEY_set1_encoded_public_key(peer.get(), point.data(), point.size()) != 1) {
    return OpenSslError(ErrorKind::kInvalidInput, "envelope.malformed",
                        "the ephemeral public key is not a valid P-256 point");
  }
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, peer.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return OpenSslError(ErrorKind::kInvalidInput, "envelope.malformed",
                        "the ephemeral public key fails the P-256 public key check");
  }
  return peer;
}

}  // namespace

bool IsP256Key(EVP_PKEY* key) {
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
  char group[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) != 1) return false;
  return std::string(group, len) == "prime256v1";
}

der::Bytes IssuerAndSerialNumber(X509* cert) {
  return der::Sequence(
      {I2dKept(X509_get_issuer_name(cert), i2d_X509_NAME, "an issuer name (i2d_X509_NAME)"),
       I2dKept(X509_get0_serialNumber(cert), i2d_ASN1_INTEGER,
               "a serial number (i2d_ASN1_INTEGER)")});
}

Result<der::Bytes> BuildKeyAgreeRecipientInfo(X509* recipient, std::span<const uint8_t> cek) {
  EVP_PKEY* recipient_key = X509_get0_pubkey(recipient);
  if (!IsP256Key(recipient_key)) {
    return MakeError(ErrorKind::kTrust, "cert.profile.key_not_p256",
                     "recipient certificate does not hold an EC P-256 key",
                     "give the recipient's SMKI key-agreement (KA) certificate");
  }
  EvpPkeyPtr ephemeral(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!ephemeral) return InternalOpenSslError("ephemeral key generation failed");
  unsigned char* point = nullptr;
  size_t point_len = EVP_PKEY_get1_encoded_public_key(ephemeral.get(), &point);
  OsslBytes owned_point(point);
  if (point_len == 0) return InternalOpenSslError("ephemeral public key encoding failed");
  der::Bytes point_bytes(point, point + point_len);

  der::Bytes wrap_alg = der::Sequence({der::Oid(oid::kAes256Wrap)});
  ADTGW_ASSIGN(SecretBytes kek, DeriveKek(ephemeral.get(), recipient_key, wrap_alg, {}));
  ADTGW_ASSIGN(der::Bytes wrapped, WrapKey(kek, cek));

  der::Bytes originator = der::Constructed(
      der::ContextConstructed(0),
      {der::Constructed(der::ContextConstructed(1), {der::Sequence({der::Oid(oid::kEcPublicKey)}),
                                                     der::BitString(point_bytes)})});
  der::Bytes kek_alg = der::Sequence({der::Oid(oid::kEcdhSha256Kdf), wrap_alg});
  der::Bytes rek =
      der::Sequence({der::Sequence({IssuerAndSerialNumber(recipient), der::OctetString(wrapped)})});
  return der::Constructed(der::ContextConstructed(1), {der::Integer(3), originator, kek_alg, rek});
}

Result<std::optional<SecretBytes>> UnwrapFromKeyAgreeRecipientInfo(std::span<const uint8_t> kari,
                                                                   X509* own_cert,
                                                                   EVP_PKEY* own_key) {
  MemorySource src(kari);
  BerReader r(src, "envelope");
  ADTGW_ASSIGN(BerHeader top, r.Expect(der::ContextConstructed(1), "KeyAgreeRecipientInfo"));
  ADTGW_TRY(r.Open(top, "KeyAgreeRecipientInfo"));
  ADTGW_ASSIGN(der::Bytes version, r.ExpectContent(der::kInteger, 8, "kari version"));
  if (version != der::Bytes{3}) return r.Malformed("KeyAgreeRecipientInfo version is not 3");

  // originator [0] EXPLICIT OriginatorIdentifierOrKey: only originatorKey [1].
  ADTGW_ASSIGN(BerHeader orig, r.Expect(der::ContextConstructed(0), "originator"));
  ADTGW_TRY(r.Open(orig, "originator"));
  ADTGW_ASSIGN(uint8_t orig_tag, r.PeekTag());
  if (orig_tag != der::ContextConstructed(1)) {
    return MakeError(ErrorKind::kInvalidInput, "envelope.unsupported",
                     "the sender used static-static ECDH (an originator certificate), which "
                     "adtgw does not accept",
                     "seal with an ephemeral key: adtgw seal, or openssl cms -encrypt");
  }
  ADTGW_ASSIGN(BerHeader okey, r.Expect(der::ContextConstructed(1), "originatorKey"));
  ADTGW_TRY(r.Open(okey, "originatorKey"));
  ADTGW_ASSIGN(BerHeader alg, r.Expect(der::kSequence, "originatorKey algorithm"));
  ADTGW_TRY(r.Open(alg, "originatorKey algorithm"));
  ADTGW_ASSIGN(der::Bytes alg_oid, r.ExpectContent(der::kOid, 64, "originatorKey algorithm"));
  if (alg_oid != der::OidContent(oid::kEcPublicKey)) {
    return MakeError(ErrorKind::kInvalidInput, "envelope.unsupported",
                     "the ephemeral key is not an EC key");
  }
  ADTGW_ASSIGN(bool alg_params, r.More());
  if (alg_params) {  // absent, NULL or the P-256 named curve are all seen in the wild
    ADTGW_ASSIGN(BerHeader p, r.ReadHeader());
    ADTGW_ASSIGN(der::Bytes pv, r.ReadContent(p, 64, "originatorKey parameters"));
    if (!(p.tag == der::kNull && pv.empty()) &&
        !(p.tag == der::kOid && pv == der::OidContent(oid::kPrime256v1))) {
      return MakeError(ErrorKind::kInvalidInput, "envelope.unsupported",
                       "the ephemeral key is not on P-256");
    }
  }
  ADTGW_TRY(r.Close());
  ADTGW_ASSIGN(der::Bytes point_bits, r.ExpectContent(der::kBitString, 200, "ephemeral key"));
  if (point_bits.empty() || point_bits[0] != 0) return r.Malformed("ephemeral key bit string");
  ADTGW_TRY(r.Close());
  ADTGW_TRY(r.Close());

  der::Bytes ukm;
  ADTGW_ASSIGN(uint8_t next, r.PeekTag());
  if (next == der::ContextConstructed(1)) {
    ADTGW_ASSIGN(BerHeader u, r.Expect(der::ContextConstructed(1), "ukm"));
    ADTGW_TRY(r.Open(u, "ukm"));
    ADTGW_ASSIGN(ukm, r.ExpectContent(der::kOctetString, 1024, "ukm"));
    ADTGW_TRY(r.Close());
  }

  ADTGW_ASSIGN(BerHeader kea, r.Expect(der::kSequence, "keyEncryptionAlgorithm"));
  ADTGW_TRY(r.Open(kea, "keyEncryptionAlgorithm"));
  ADTGW_ASSIGN(der::Bytes kea_oid, r.ExpectContent(der::kOid, 64, "keyEncryptionAlgorithm"));
  ADTGW_ASSIGN(der::Bytes wrap_alg, r.ReadElement(256, "key wrap algorithm"));
  ADTGW_TRY(r.Close());

  ADTGW_ASSIGN(BerHeader reks, r.Expect(der::kSequence, "recipientEncryptedKeys"));
  ADTGW_TRY(r.Open(reks, "recipientEncryptedKeys"));
  der::Bytes own_ias = IssuerAndSerialNumber(own_cert);
  const ASN1_OCTET_STRING* own_ski = X509_get0_subject_key_id(own_cert);
  std::optional<der::Bytes> wrapped;
  for (;;) {
    ADTGW_ASSIGN(bool more, r.More());
    if (!more) break;
    ADTGW_ASSIGN(BerHeader rek, r.Expect(der::kSequence, "RecipientEncryptedKey"));
    ADTGW_TRY(r.Open(rek, "RecipientEncryptedKey"));
    ADTGW_ASSIGN(der::Bytes rid, r.ReadElement(4096, "recipient identifier"));
    ADTGW_ASSIGN(der::Bytes ek, r.ExpectContent(der::kOctetString, 256, "encryptedKey"));
    ADTGW_TRY(r.Close());
    bool match = rid == own_ias;
    if (!match && !rid.empty() && rid[0] == der::ContextConstructed(0) && own_ski != nullptr) {
      // rKeyId [0] RecipientKeyIdentifier { subjectKeyIdentifier, ... }
      MemorySource rs(rid);
      BerReader rr(rs, "envelope");
      ADTGW_ASSIGN(BerHeader k, rr.Expect(der::ContextConstructed(0), "rKeyId"));
      ADTGW_TRY(rr.Open(k, "rKeyId"));
      ADTGW_ASSIGN(der::Bytes ski, rr.ExpectContent(der::kOctetString, 64, "rKeyId"));
      match = ski.size() == static_cast<size_t>(ASN1_STRING_length(own_ski)) &&
              std::memcmp(ski.data(), ASN1_STRING_get0_data(own_ski), ski.size()) == 0;
    }
    if (match && !wrapped) wrapped = std::move(ek);
  }
  ADTGW_TRY(r.Close());
  ADTGW_TRY(r.Close());
  if (!wrapped) return std::optional<SecretBytes>();

  if (kea_oid == der::OidContent(oid::kEcdhSha1Kdf)) {
    return MakeError(ErrorKind::kIntegrity, "envelope.weak_kdf",
                     "the envelope's key was agreed with the SHA-1 X9.63 KDF "
                     "(dhSinglePass-stdDH-sha1kdf-scheme, OpenSSL's default); adtgw requires "
                     "SHA-256",
                     "ask the sender to re-seal with adtgw seal, or with openssl cms -encrypt "
                     "... -recip CERT -keyopt ecdh_kdf_md:sha256");
  }
  if (kea_oid != der::OidContent(oid::kEcdhSha256Kdf)) {
    return MakeError(ErrorKind::kInvalidInput, "envelope.unsupported",
                     "unsupported key agreement scheme; adtgw accepts only "
                     "dhSinglePass-stdDH-sha256kdf-scheme (1.3.132.1.11.1)");
  }
  if (wrap_alg != der::Sequence({der::Oid(oid::kAes256Wrap)})) {
    return MakeError(ErrorKind::kInvalidInput, "envelope.unsupported",
                     "unsupported key wrap algorithm; adtgw accepts only id-aes256-wrap");
  }
  ADTGW_ASSIGN(EvpPkeyPtr peer, PeerKeyFromPoint(own_key, std::span(point_bits).subspan(1)));
  ADTGW_ASSIGN(SecretBytes kek, DeriveKek(own_key, peer.get(), wrap_alg, ukm));
  ADTGW_ASSIGN(SecretBytes cek, UnwrapKey(kek, *wrapped));
  return std::optional<SecretBytes>(std::move(cek));
}

}  // namespace adtgw
