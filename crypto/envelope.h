// The adtgw envelope: CMS AuthEnvelopedData (RFC 5083, AES-256-GCM) to one or more
// SMKI key-agreement certificates (RFC 5753 ephemeral-static ECDH, X9.63 KDF with
// SHA-256, AES-256 key wrap), whose plaintext is the DER ContentInfo of a CMS
// SignedData over the file (signed_data.h). Byte-level specification and test
// vectors: docs/envelope.md. Stock `openssl cms -decrypt` then `openssl cms -verify`
// opens it; `openssl cms -sign | openssl cms -encrypt -aes-256-gcm ... -keyopt
// ecdh_kdf_md:sha256` makes envelopes that OpenEnvelope accepts.
//
// Both directions stream in constant memory (buffers of about 1 MiB) whatever the
// file size. Sealing writes DER; every length is known before the content is read.
//
// OpenEnvelope writes plaintext to `content_out` BEFORE the GCM tag and the signature
// have been checked (they come after the content). The caller must therefore write to
// a temporary file and publish it only when OpenEnvelope succeeds (AtomicFile does).
//
// What is NOT checked here: whether the signer is trusted, unrevoked, in date, or
// fits the SMKI profile, nor whether recipients are KA certificates. certs/ does that.
//
// Thread safety: pure functions; keys and certificates stay the caller's.
#pragma once

#include <ctime>
#include <vector>

#include "crypto/byte_stream.h"
#include "crypto/ossl_ptr.h"
#include "crypto/result.h"
#include "crypto/sha256.h"
#include "crypto/signed_data.h"

namespace adtgw {

struct SealRequest {
  Signer signer;
  std::vector<X509*> recipients;  // KA certificates, EC P-256 keys; at least one
  std::time_t signing_time = 0;
};

// The envelope's size and SHA-256 (what a manifest declares).
struct SealedEnvelope {
  uint64_t size = 0;
  Sha256Digest sha256{};
};

// Seals exactly `content_size` bytes read from `content`; fails (and the output must
// be discarded) if the source yields more or fewer. With `summary`, also returns the
// envelope's size and SHA-256, hashed on a separate thread while sealing.
Status SealEnvelope(const SealRequest& request, ByteSource& content, uint64_t content_size,
                    ByteSink& out, SealedEnvelope* summary = nullptr);

struct OpenRequest {
  X509* recipient_cert = nullptr;  // identifies which RecipientInfo is ours
  EVP_PKEY* recipient_key = nullptr;
};

struct OpenedEnvelope {
  X509Ptr signer;  // the certificate that verified the inner signature
  std::time_t signing_time = 0;
  uint64_t content_size = 0;
  Sha256Digest content_sha256{};
};

Result<OpenedEnvelope> OpenEnvelope(const OpenRequest& request, ByteSource& envelope,
                                    ByteSink& content_out);

}  // namespace adtgw
