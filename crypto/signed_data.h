// CMS SignedData (RFC 5652 section 5) as adtgw writes and reads it: one signer,
// ECDSA P-256 with SHA-256, signed attributes contentType, signingTime and
// messageDigest, the signer's certificate included. Used attached (the content
// inside, as the plaintext of every envelope) and detached (manifests).
// The byte layout is specified in docs/envelope.md.
//
// Writing is split in a prefix (everything before the content octets) and a suffix
// (certificates and SignerInfo, made once the digest is known) so that the sealer can
// stream content of any size between them. To know every length before the content is
// read, signatures are always 72 bytes long: ECDSA is re-run with fresh randomness
// until both DER integers take their full 33 bytes (one try in four succeeds; the
// choice among valid random signatures reveals nothing about the key).
//
// Reading streams the content through a SHA-256 and into a caller's sink, holding
// only certificates and the SignerInfo in memory (each size-capped).
//
// Thread safety: pure functions; the caller keeps ownership of keys and certificates.
#pragma once

#include <ctime>
#include <optional>
#include <span>
#include <vector>

#include "crypto/ber_reader.h"
#include "crypto/byte_stream.h"
#include "crypto/der_writer.h"
#include "crypto/ossl_ptr.h"
#include "crypto/result.h"
#include "crypto/sha256.h"

namespace adtgw {

inline constexpr size_t kEcdsaSignatureSize = 72;

// A signer's certificate and private key (borrowed).
struct Signer {
  X509* cert = nullptr;
  EVP_PKEY* key = nullptr;
};

// Checks that the signer holds an EC P-256 key matching its certificate.
Status CheckSigner(const Signer& signer);

class SignedDataWriter {
 public:
  // `content_size` is ignored when detached.
  SignedDataWriter(const Signer& signer, std::time_t signing_time, bool detached,
                   uint64_t content_size);

  // ContentInfo up to and including the eContent OCTET STRING header (attached), or
  // up to the end of the encapContentInfo (detached).
  const der::Bytes& prefix() const { return prefix_; }
  // Total size of prefix + content + suffix.
  uint64_t total_size() const { return total_size_; }
  // Certificates and SignerInfo for the content whose SHA-256 is `digest`; always
  // exactly the size assumed by prefix().
  Result<der::Bytes> Suffix(const Sha256Digest& digest) const;

 private:
  der::Bytes SuffixWith(const der::Bytes& signer_info) const;
  der::Bytes SignedAttributes(const Sha256Digest& digest) const;
  der::Bytes SignerInfo(const der::Bytes& signed_attrs, std::span<const uint8_t> sig) const;

  Signer signer_;
  std::time_t signing_time_;
  der::Bytes cert_der_;
  der::Bytes prefix_;
  uint64_t total_size_ = 0;
};

// Signs small in-memory content, detached: DER ContentInfo of a SignedData without
// eContent (openssl cms -verify -binary -content FILE accepts it).
Result<der::Bytes> SignDetached(const Signer& signer, std::span<const uint8_t> content,
                                std::time_t signing_time);

// What a SignedData said, before its signature is checked.
struct SignedDataContents {
  std::vector<X509Ptr> certificates;
  der::Bytes signer_info;         // the one SignerInfo, raw DER
  Sha256Digest content_digest{};  // of the eContent, or of the detached content
  uint64_t content_size = 0;
  bool had_content = false;
};

// Reads a ContentInfo holding a SignedData from `r`. Attached content is streamed into
// `content_sink` (which must be non-null when content is present).
Result<SignedDataContents> ReadSignedData(BerReader& r, ByteSink* content_sink);

struct VerifiedSignature {
  X509Ptr signer;            // the certificate whose key made the signature
  std::time_t signing_time;  // from the signed attributes
};

// Checks the SignerInfo against the digest: digest algorithm, content type, message
// digest, signature. Says nothing about whether the signer is trusted (certs/ does).
Result<VerifiedSignature> VerifySignedData(const SignedDataContents& contents);

// ReadSignedData over `signature` for the detached `content`, then VerifySignedData.
Result<VerifiedSignature> VerifyDetached(std::span<const uint8_t> signature,
                                         std::span<const uint8_t> content);

}  // namespace adtgw
