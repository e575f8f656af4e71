#include "crypto/signed_data.h"

#include <algorithm>
#include <cstring>
#include <string>

#include <openssl/crypto.h>

#include "crypto/cms_oids.h"
#include "crypto/key_agreement.h"
#include "crypto/ossl_error.h"
#include "crypto/ossl_string.h"

namespace adtgw {
namespace {

constexpr size_t kMaxCertificateSize = 16 * 1024;
constexpr size_t kMaxCertificates = 16;
constexpr size_t kMaxSignerInfoSize = 64 * 1024;
constexpr size_t kStreamChunk = 1 << 20;

der::Bytes Sha256AlgorithmId() { return der::Sequence({der::Oid(oid::kSha256)}); }

der::Bytes CertDer(X509* cert) { return I2dKept(cert, i2d_X509, "a certificate (i2d_X509)"); }

Error SignatureError(std::string code, std::string message, std::string hint = {}) {
  return MakeError(ErrorKind::kIntegrity, std::move(code), std::move(message), std::move(hint));
}

// One ECDSA signature over `data` whose DER encoding is exactly kEcdsaSignatureSize.
Result<der::Bytes> SignFixedSize(EVP_PKEY* key, std::span<const uint8_t> data) {
  for (int attempt = 0; attempt < 256; ++attempt) {
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    size_t len = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1) {
      return InternalOpenSslError("ECDSA signing failed");
    }
    der::Bytes sig(len);
    if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) != 1) {
      return InternalOpenSslError("ECDSA signing failed");
    }
    if (len == kEcdsaSignatureSize) {
      sig.resize(len);
      return sig;
    }
  }
  return MakeError(ErrorKind::kInternal, "internal.signature",
                   "could not produce a full-length ECDSA signature");
}

Result<std::time_t> ParseTime(std::span<const uint8_t> element) {
  const unsigned char* p = element.data();
  Asn1TimePtr t(d2i_ASN1_TIME(nullptr, &p, static_cast<long>(element.size())));
  std::tm tm{};
  if (!t || p != element.data() + element.size() || ASN1_TIME_to_tm(t.get(), &tm) != 1) {
    DrainOpenSslErrors();
    return MakeError(ErrorKind::kInvalidInput, "signature.malformed",
                     "signingTime is not a valid time");
  }
  return timegm(&tm);
}

struct SignedAttrs {
  der::Bytes content_type;
  der::Bytes message_digest;
  std::optional<std::time_t> signing_time;
};

Result<SignedAttrs> ParseSignedAttrs(std::span<const uint8_t> element) {
  MemorySource src(element);
  BerReader r(src, "signature");
  ADTGW_ASSIGN(BerHeader set, r.Expect(der::ContextConstructed(0), "signedAttrs"));
  ADTGW_TRY(r.Open(set, "signedAttrs"));
  SignedAttrs out;
  bool seen_time = false;
  for (;;) {
    ADTGW_ASSIGN(bool more, r.More());
    if (!more) break;
    ADTGW_ASSIGN(BerHeader attr, r.Expect(der::kSequence, "Attribute"));
    ADTGW_TRY(r.Open(attr, "Attribute"));
    ADTGW_ASSIGN(der::Bytes type, r.ExpectContent(der::kOid, 64, "attribute type"));
    ADTGW_ASSIGN(BerHeader values, r.Expect(der::kSet, "attribute values"));
    bool known = type == der::OidContent(oid::kContentTypeAttr) ||
                 type == der::OidContent(oid::kMessageDigestAttr) ||
                 type == der::OidContent(oid::kSigningTimeAttr);
    if (!known) {
      ADTGW_TRY(r.SkipContent(values, 16 * 1024));
      ADTGW_TRY(r.Close());
      continue;
    }
    ADTGW_TRY(r.Open(values, "attribute values"));
    ADTGW_ASSIGN(der::Bytes value, r.ReadElement(256, "attribute value"));
    ADTGW_ASSIGN(bool extra, r.More());
    if (extra) return r.Malformed("a signed attribute has more than one value");
    ADTGW_TRY(r.Close());
    ADTGW_TRY(r.Close());
    auto duplicate = [&r] { return r.Malformed("a signed attribute appears twice"); };
    if (type == der::OidContent(oid::kContentTypeAttr)) {
      if (!out.content_type.empty()) return duplicate();
      out.content_type = std::move(value);
    } else if (type == der::OidContent(oid::kMessageDigestAttr)) {
      if (!out.message_digest.empty()) return duplicate();
      out.message_digest = std::move(value);
    } else {
      if (seen_time) return duplicate();
      seen_time = true;
      ADTGW_ASSIGN(std::time_t t, ParseTime(value));
      out.signing_time = t;
    }
  }
  ADTGW_TRY(r.Close());
  return out;
}

bool SkiEquals(X509* cert, std::span<const uint8_t> ski) {
  const ASN1_OCTET_STRING* own = X509_get0_subject_key_id(cert);
  return own != nullptr && static_cast<size_t>(ASN1_STRING_length(own)) == ski.size() &&
         std::memcmp(ASN1_STRING_get0_data(own), ski.data(), ski.size()) == 0;
}

}  // namespace

Status CheckSigner(const Signer& signer) {
  if (signer.cert == nullptr || signer.key == nullptr) std::abort();
  if (!IsP256Key(signer.key)) {
    return MakeError(ErrorKind::kTrust, "cert.profile.key_not_p256",
                     "the signing key is not an EC P-256 key (SMKI requires ECDSA P-256)",
                     "use the private key of your SMKI digital-signature (DS) certificate");
  }
  if (X509_check_private_key(signer.cert, signer.key) != 1) {
    DrainOpenSslErrors();
    return MakeError(ErrorKind::kUsage, "key.mismatch",
                     "the signing key does not belong to the signing certificate",
                     "pass the key file that was issued with --sign-cert");
  }
  return OkStatus();
}

SignedDataWriter::SignedDataWriter(const Signer& signer, std::time_t signing_time, bool detached,
                                   uint64_t content_size)
    : signer_(signer), signing_time_(signing_time), cert_der_(CertDer(signer.cert)) {
  Sha256Digest zero{};
  der::Bytes dummy_sig(kEcdsaSignatureSize, 0);
  uint64_t suffix_len = SuffixWith(SignerInfo(SignedAttributes(zero), dummy_sig)).size();

  der::Bytes version = der::Integer(1);
  der::Bytes digest_algs = der::SetOf({Sha256AlgorithmId()});
  der::Bytes oid_data = der::Oid(oid::kData);
  der::Bytes oid_signed = der::Oid(oid::kSignedData);
  uint64_t content = detached ? 0 : content_size;
  uint64_t octet_len = der::EncodedSize(content);
  uint64_t encap_content = oid_data.size() + (detached ? 0 : der::EncodedSize(octet_len));
  uint64_t sd_content =
      version.size() + digest_algs.size() + der::EncodedSize(encap_content) + suffix_len;
  uint64_t sd_total = der::EncodedSize(sd_content);
  uint64_t ci_content = oid_signed.size() + der::EncodedSize(sd_total);
  total_size_ = der::EncodedSize(ci_content);

  prefix_ = der::Header(der::kSequence, ci_content);
  der::Append(prefix_, oid_signed);
  der::Append(prefix_, der::Header(der::ContextConstructed(0), sd_total));
  der::Append(prefix_, der::Header(der::kSequence, sd_content));
  der::Append(prefix_, version);
  der::Append(prefix_, digest_algs);
  der::Append(prefix_, der::Header(der::kSequence, encap_content));
  der::Append(prefix_, oid_data);
  if (!detached) {
    der::Append(prefix_, der::Header(der::ContextConstructed(0), octet_len));
    der::Append(prefix_, der::Header(der::kOctetString, content));
  }
}

der::Bytes SignedDataWriter::SignedAttributes(const Sha256Digest& digest) const {
  return der::SetOf({
      der::Sequence({der::Oid(oid::kContentTypeAttr), der::SetOf({der::Oid(oid::kData)})}),
      der::Sequence({der::Oid(oid::kSigningTimeAttr), der::SetOf({der::Time(signing_time_)})}),
      der::Sequence({der::Oid(oid::kMessageDigestAttr), der::SetOf({der::OctetString(digest)})}),
  });
}

der::Bytes SignedDataWriter::SignerInfo(const der::Bytes& signed_attrs,
                                        std::span<const uint8_t> sig) const {
  // The signed attributes are signed as a SET (tag 0x31) and stored [0] IMPLICIT.
  der::Bytes implicit = signed_attrs;
  implicit[0] = der::ContextConstructed(0);
  return der::Sequence({der::Integer(1), IssuerAndSerialNumber(signer_.cert), Sha256AlgorithmId(),
                        implicit, der::Sequence({der::Oid(oid::kEcdsaWithSha256)}),
                        der::OctetString(sig)});
}

der::Bytes SignedDataWriter::SuffixWith(const der::Bytes& signer_info) const {
  der::Bytes out = der::Tlv(der::ContextConstructed(0), cert_der_);
  der::Append(out, der::SetOf({signer_info}));
  return out;
}

Result<der::Bytes> SignedDataWriter::Suffix(const Sha256Digest& digest) const {
  der::Bytes attrs = SignedAttributes(digest);
  ADTGW_ASSIGN(der::Bytes sig, SignFixedSize(signer_.key, attrs));
  return SuffixWith(SignerInfo(attrs, sig));
}

Result<der::Bytes> SignDetached(const Signer& signer, std::span<const uint8_t> content,
                                std::time_t signing_time) {
  ADTGW_TRY(CheckSigner(signer));
  SignedDataWriter writer(signer, signing_time, /*detached=*/true, 0);
  der::Bytes out = writer.prefix();
  ADTGW_ASSIGN(der::Bytes suffix, writer.Suffix(Sha256Of(content)));
  der::Append(out, suffix);
  if (out.size() != writer.total_size()) std::abort();
  return out;
}

Result<SignedDataContents> ReadSignedData(BerReader& r, ByteSink* content_sink) {
  SignedDataContents out;
  ADTGW_ASSIGN(BerHeader ci, r.Expect(der::kSequence, "ContentInfo"));
  ADTGW_TRY(r.Open(ci, "ContentInfo"));
  ADTGW_ASSIGN(der::Bytes ct, r.ExpectContent(der::kOid, 64, "contentType"));
  if (ct != der::OidContent(oid::kSignedData)) {
    return MakeError(ErrorKind::kInvalidInput, "signature.not_signed_data",
                     "the content is not a CMS SignedData",
                     "adtgw expects content signed with adtgw seal or openssl cms -sign");
  }
  ADTGW_ASSIGN(BerHeader explicit0, r.Expect(der::ContextConstructed(0), "content"));
  ADTGW_TRY(r.Open(explicit0, "content"));
  ADTGW_ASSIGN(BerHeader sd, r.Expect(der::kSequence, "SignedData"));
  ADTGW_TRY(r.Open(sd, "SignedData"));
  ADTGW_ASSIGN(der::Bytes version, r.ExpectContent(der::kInteger, 8, "SignedData version"));
  if (version != der::Bytes{1} && version != der::Bytes{3}) {
    return r.Malformed("unsupported SignedData version");
  }
  ADTGW_ASSIGN(der::Bytes algs, r.ExpectContent(der::kSet, 1024, "digestAlgorithms"));
  (void)algs;  // the SignerInfo's own digestAlgorithm is what is checked

  ADTGW_ASSIGN(BerHeader encap, r.Expect(der::kSequence, "encapContentInfo"));
  ADTGW_TRY(r.Open(encap, "encapContentInfo"));
  ADTGW_ASSIGN(der::Bytes ect, r.ExpectContent(der::kOid, 64, "eContentType"));
  if (ect != der::OidContent(oid::kData)) {
    return MakeError(ErrorKind::kInvalidInput, "signature.unsupported",
                     "the signed content type is not id-data");
  }
  ADTGW_ASSIGN(bool has_content, r.More());
  if (has_content) {
    if (content_sink == nullptr) {
      return MakeError(ErrorKind::kInvalidInput, "signature.unexpected_content",
                       "a detached signature was expected, but the content is inside it");
    }
    ADTGW_ASSIGN(BerHeader e0, r.Expect(der::ContextConstructed(0), "eContent"));
    ADTGW_TRY(r.Open(e0, "eContent"));
    ADTGW_ASSIGN(BerHeader os, r.ReadHeader());
    if (os.tag != der::kOctetString && os.tag != (der::kOctetString | 0x20)) {
      return r.Malformed("eContent is not an OCTET STRING");
    }
    OctetStringSource content(r, os);
    Sha256 hash;
    // Sized to the content when it says (primitive encoding), else one streaming chunk.
    ScratchBuffer chunk(
        os.constructed() ? kStreamChunk
                         : static_cast<size_t>(std::clamp<uint64_t>(os.length, 1, kStreamChunk)));
    for (;;) {
      ADTGW_ASSIGN(size_t n, content.Read(chunk.span()));
      if (n == 0) break;
      std::span<const uint8_t> piece(chunk.data(), n);
      hash.Update(piece);
      ADTGW_TRY(content_sink->Write(piece));
    }
    out.content_size = content.total();
    out.content_digest = hash.Finish();
    out.had_content = true;
    ADTGW_TRY(r.Close());
  }
  ADTGW_TRY(r.Close());

  ADTGW_ASSIGN(uint8_t tag, r.PeekTag());
  if (tag == der::ContextConstructed(0)) {
    ADTGW_ASSIGN(BerHeader certs, r.Expect(der::ContextConstructed(0), "certificates"));
    ADTGW_TRY(r.Open(certs, "certificates"));
    for (;;) {
      ADTGW_ASSIGN(bool more, r.More());
      if (!more) break;
      ADTGW_ASSIGN(uint8_t ctag, r.PeekTag());
      if (ctag != der::kSequence) {  // attribute or other certificate formats: not ours
        ADTGW_ASSIGN(BerHeader other, r.ReadHeader());
        ADTGW_TRY(r.SkipContent(other, kMaxCertificateSize));
        continue;
      }
      ADTGW_ASSIGN(der::Bytes der, r.ReadElement(kMaxCertificateSize, "certificate"));
      if (out.certificates.size() >= kMaxCertificates) {
        return r.Malformed("more than 16 certificates");
      }
      const unsigned char* p = der.data();
      X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
      if (!cert || p != der.data() + der.size()) {
        DrainOpenSslErrors();
        return r.Malformed("an included certificate does not parse");
      }
      out.certificates.push_back(std::move(cert));
    }
    ADTGW_TRY(r.Close());
    ADTGW_ASSIGN(tag, r.PeekTag());
  }
  if (tag == der::ContextConstructed(1)) {  // CRLs: revocation comes from configuration
    ADTGW_ASSIGN(BerHeader crls, r.ReadHeader());
    ADTGW_TRY(r.SkipContent(crls, 1 << 20));
  }
  ADTGW_ASSIGN(BerHeader infos, r.Expect(der::kSet, "signerInfos"));
  ADTGW_TRY(r.Open(infos, "signerInfos"));
  ADTGW_ASSIGN(out.signer_info, r.ReadElement(kMaxSignerInfoSize, "SignerInfo"));
  ADTGW_ASSIGN(bool second, r.More());
  if (second) {
    return MakeError(ErrorKind::kInvalidInput, "signature.multiple_signers",
                     "the content carries more than one signature; adtgw requires exactly one");
  }
  ADTGW_TRY(r.Close());
  ADTGW_TRY(r.Close());  // SignedData
  ADTGW_TRY(r.Close());  // [0]
  ADTGW_TRY(r.Close());  // ContentInfo
  return out;
}

Result<VerifiedSignature> VerifySignedData(const SignedDataContents& contents) {
  MemorySource src(contents.signer_info);
  BerReader r(src, "signature");
  ADTGW_ASSIGN(BerHeader si, r.Expect(der::kSequence, "SignerInfo"));
  ADTGW_TRY(r.Open(si, "SignerInfo"));
  ADTGW_ASSIGN(der::Bytes version, r.ExpectContent(der::kInteger, 8, "SignerInfo version"));
  ADTGW_ASSIGN(der::Bytes sid, r.ReadElement(4096, "signer identifier"));
  X509* signer = nullptr;
  for (const auto& cert : contents.certificates) {
    bool match = false;
    if (version == der::Bytes{1} && sid == IssuerAndSerialNumber(cert.get())) match = true;
    if (version == der::Bytes{3} && sid.size() > 2 && sid[0] == der::ContextPrimitive(0)) {
      MemorySource ss(sid);
      BerReader sr(ss, "signature");
      ADTGW_ASSIGN(der::Bytes ski, sr.ExpectContent(der::ContextPrimitive(0), 64, "sid"));
      match = SkiEquals(cert.get(), ski);
    }
    if (match) {
      signer = cert.get();
      break;
    }
  }
  if (signer == nullptr) {
    return MakeError(ErrorKind::kInvalidInput, "signature.no_signer_certificate",
                     "the signer's certificate is not included in the signature",
                     "sign with the certificate included (adtgw seal, or openssl cms -sign "
                     "without -nocerts)");
  }
  ADTGW_ASSIGN(BerHeader dalg, r.Expect(der::kSequence, "digestAlgorithm"));
  ADTGW_TRY(r.Open(dalg, "digestAlgorithm"));
  ADTGW_ASSIGN(der::Bytes doid, r.ExpectContent(der::kOid, 64, "digestAlgorithm"));
  ADTGW_ASSIGN(bool dparams, r.More());
  if (dparams) {
    auto null_params = r.ExpectContent(der::kNull, 0, "digest parameters");
    if (!null_params.ok()) return std::move(null_params).error();
  }
  ADTGW_TRY(r.Close());
  if (doid != der::OidContent(oid::kSha256)) {
    return MakeError(ErrorKind::kIntegrity, "signature.unsupported",
                     "the signature's digest algorithm is not SHA-256");
  }
  ADTGW_ASSIGN(uint8_t atag, r.PeekTag());
  if (atag != der::ContextConstructed(0)) {
    return MakeError(ErrorKind::kIntegrity, "signature.no_signed_attributes",
                     "the signature has no signed attributes (contentType, messageDigest, "
                     "signingTime are required)");
  }
  ADTGW_ASSIGN(der::Bytes attrs_der, r.ReadElement(16 * 1024, "signedAttrs"));
  ADTGW_ASSIGN(BerHeader salg, r.Expect(der::kSequence, "signatureAlgorithm"));
  ADTGW_TRY(r.Open(salg, "signatureAlgorithm"));
  ADTGW_ASSIGN(der::Bytes soid, r.ExpectContent(der::kOid, 64, "signatureAlgorithm"));
  ADTGW_ASSIGN(bool sparams, r.More());
  if (sparams) {
    ADTGW_ASSIGN(BerHeader p, r.ReadHeader());
    ADTGW_TRY(r.SkipContent(p, 64));
  }
  ADTGW_TRY(r.Close());
  if (soid != der::OidContent(oid::kEcdsaWithSha256)) {
    return MakeError(ErrorKind::kIntegrity, "signature.unsupported",
                     "the signature algorithm is not ecdsa-with-SHA256 (SMKI requires it)");
  }
  ADTGW_ASSIGN(der::Bytes sig, r.ExpectContent(der::kOctetString, 256, "signature"));

  ADTGW_ASSIGN(SignedAttrs attrs, ParseSignedAttrs(attrs_der));
  if (attrs.content_type != der::Oid(oid::kData)) {
    return SignatureError("signature.content_type_mismatch",
                          "the signed contentType attribute is missing or is not id-data");
  }
  if (!attrs.signing_time) {
    return SignatureError("signature.no_signing_time",
                          "the signature has no signingTime attribute");
  }
  der::Bytes expected_digest = der::OctetString(contents.content_digest);
  if (attrs.message_digest.size() != expected_digest.size() ||
      CRYPTO_memcmp(attrs.message_digest.data(), expected_digest.data(), expected_digest.size()) !=
          0) {
    return SignatureError("signature.digest_mismatch",
                          "the signed content does not match its signature (message digest "
                          "differs): it was changed after signing",
                          "ask the sender to sign and send the file again");
  }
  EVP_PKEY* key = X509_get0_pubkey(signer);
  if (!IsP256Key(key)) {
    return MakeError(ErrorKind::kTrust, "cert.profile.key_not_p256",
                     "the signer's certificate does not hold an EC P-256 key");
  }
  attrs_der[0] = der::kSet;  // signed as SET OF, stored [0] IMPLICIT (RFC 5652 5.4)
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) {
    return InternalOpenSslError("signature verification setup");
  }
  if (EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), attrs_der.data(), attrs_der.size()) !=
      1) {
    DrainOpenSslErrors();
    return SignatureError("signature.invalid",
                          "the signature does not verify with the signer's certificate",
                          "the signed attributes were altered, or the certificate is not the "
                          "one that signed");
  }
  return VerifiedSignature{UpRef(signer), *attrs.signing_time};
}

Result<VerifiedSignature> VerifyDetached(std::span<const uint8_t> signature,
                                         std::span<const uint8_t> content) {
  MemorySource src(signature);
  BerReader r(src, "signature");
  ADTGW_ASSIGN(SignedDataContents contents, ReadSignedData(r, nullptr));
  ADTGW_ASSIGN(bool at_end, r.AtEnd());
  if (!at_end) return r.Malformed("trailing data after the signature");
  contents.content_digest = Sha256Of(content);
  contents.content_size = content.size();
  return VerifySignedData(contents);
}

}  // namespace adtgw
