// Shared pieces of the libFuzzer targets in tests/fuzz: the fixed, test-only
// credentials the envelope and signature targets use (embedded PEM, so that seed
// envelopes sealed by one run stay openable by the next), seed writing, and a
// ByteSource that hands out its bytes in small pieces.
//
// Seed mode: every target calls MaybeWriteSeedsAndExit() from LLVMFuzzerInitialize.
// When the environment variable ADTGW_FUZZ_WRITE_SEEDS names a directory, the target
// writes its seed inputs there (seed-000, seed-001, ...) and exits 0 instead of
// fuzzing. tests/fuzz/run-all.sh does this before each run.
//
// NOT for production: the private keys below are public test data.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

#include "crypto/byte_stream.h"
#include "crypto/der_writer.h"
#include "crypto/ossl_ptr.h"
#include "crypto/signed_data.h"
#include "gateway/audit/checkpoint.h"

namespace adtgw::fuzz {

struct Credential {
  X509Ptr cert;
  EvpPkeyPtr key;
};

// The embedded key-agreement recipient (P-256, keyUsage keyAgreement) and
// digital-signature signer (P-256, keyUsage digitalSignature). Loaded once; abort if
// the embedded PEM does not load (a broken build, not a finding).
const Credential& FixedRecipient();
const Credential& FixedSigner();
adtgw::Signer FixedSignerRef();

// The audit log key of the fuzz targets: FixedSigner()'s P-256 key, origin kFuzzLogOrigin.
inline constexpr char kFuzzLogOrigin[] = "adtgw.fuzz.example/log";
const adtgw::LogSigner& FixedLogSigner();

// A fixed signing time for seeds (2024-01-01T00:00:00Z).
inline constexpr std::time_t kSeedSigningTime = 1704067200;

// The certificatePolicies OID of the seed certificates (a made-up test arc).
inline constexpr char kSeedPolicyOid[] = "1.3.6.1.4.1.99999.1.1";

// 256 bytes of fixed content that the signature target signs and verifies against.
std::span<const uint8_t> FixedContent();

// Seed builders (abort on failure: they only run in seed mode).
// An envelope from FixedSigner() to FixedRecipient() (plus `extra_recipients`
// freshly generated P-256 recipients listed first) holding `content`.
der::Bytes EnvelopeSeed(std::span<const uint8_t> content, int extra_recipients);
// Detached and attached SignedData by FixedSigner() over `content`.
der::Bytes DetachedSignature(std::span<const uint8_t> content);
der::Bytes AttachedSignature(std::span<const uint8_t> content);
// DER certificates: the two embedded ones, SMKI-conforming ones made with
// IssueCertificate, and a range of non-conforming ones.
std::vector<der::Bytes> CertificateSeeds();

// If ADTGW_FUZZ_WRITE_SEEDS is set, writes make()'s seeds into that directory
// (created if missing) and exits the process; otherwise returns.
void MaybeWriteSeedsAndExit(const std::function<std::vector<der::Bytes>()>& make);

der::Bytes Concat(std::initializer_list<std::span<const uint8_t>> parts);
der::Bytes BytesOf(std::string_view text);

// Reads from a caller-owned buffer at most `chunk` bytes per Read, so that readers'
// refill and partial-read paths run on small inputs too.
class ChunkedSource final : public ByteSource {
 public:
  ChunkedSource(std::span<const uint8_t> data, size_t chunk) : data_(data), chunk_(chunk) {}
  Result<size_t> Read(std::span<uint8_t> out) override;

 private:
  std::span<const uint8_t> data_;
  size_t chunk_;
  size_t pos_ = 0;
};

// Reports a broken invariant found by a harness check (not by a sanitizer) and
// aborts, so that libFuzzer saves the input.
[[noreturn]] void InvariantFailed(const char* what);

}  // namespace adtgw::fuzz
