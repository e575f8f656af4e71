// libFuzzer target: audit log checkpoints (gateway/audit/checkpoint.h). The whole
// input is given to ParseCheckpointNote and to LogVerifier::Verify of a fixed log key
// (the embedded test signer's P-256 key, so that seeds and corpora stay valid from run
// to run) with origin kFuzzLogOrigin.
//
// Checks: every error has a code and a message, and the code is one of the
// checkpoint.* codes; an accepted note begins with CheckpointText of what was parsed
// followed by a blank line (the text is canonical); Verify accepts only what
// ParseCheckpointNote accepts, returns the same checkpoint and the log's origin; a
// parsed checkpoint of this log, signed again, verifies.
//
// Seeds (ADTGW_FUZZ_WRITE_SEEDS=DIR): notes signed by the fixed key (sizes 0, 1 and
// 2^64-1; with a second, foreign signature line; the largest number of signature
// lines), one by another origin, and a few malformed ones.
#include <string>
#include <string_view>

#include <openssl/err.h>

#include "gateway/audit/checkpoint.h"
#include "tests/fuzz/fuzz_support.h"

using namespace adtgw;
using namespace adtgw::fuzz;

namespace {

bool IsCheckpointCode(const std::string& code) {
  return code == "checkpoint.malformed" || code == "checkpoint.wrong_origin" ||
         code == "checkpoint.unknown_key" || code == "checkpoint.bad_signature";
}

void CheckError(const Error& e) {
  if (e.code.empty() || e.message.empty()) InvariantFailed("error without code or message");
  if (!IsCheckpointCode(e.code)) InvariantFailed("unexpected error code");
}

std::vector<der::Bytes> Seeds() {
  const LogSigner& signer = FixedLogSigner();
  auto sign = [&](uint64_t size, uint8_t fill) {
    Checkpoint c{kFuzzLogOrigin, size, {}};
    c.root.fill(fill);
    auto note = signer.Sign(c);
    if (!note.ok()) InvariantFailed("seed signing failed");
    return std::move(note).value();
  };
  std::string one = sign(1, 0x11);
  std::string text = one.substr(0, one.find("\n\n") + 2);
  std::string line = one.substr(text.size());
  std::string foreign = std::string("\xE2\x80\x94 ") + "witness.example/w " +
                        "AAAAAAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJicoKSorLC0uLzAx" +
                        "MjM0NTY3ODk6Ozw9Pj8=\n";
  std::string many = text;
  for (int i = 0; i < 15; ++i) many += foreign;
  many += line;
  std::vector<der::Bytes> seeds = {
      BytesOf(sign(0, 0)),
      BytesOf(one),
      BytesOf(sign(UINT64_MAX, 0xff)),
      BytesOf(text + foreign + line),
      BytesOf(many),
      BytesOf("adtgw.other.example/log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n" +
              line),
      BytesOf(text),
      BytesOf(text + "\n" + line),
      BytesOf("adtgw.fuzz.example/log\n08\n\n"),
  };
  for (size_t i = 0; i < 5; ++i) {  // the first five are good notes of this log
    std::string_view note(reinterpret_cast<const char*>(seeds[i].data()), seeds[i].size());
    if (!signer.verifier().Verify(note).ok()) InvariantFailed("a good seed does not verify");
  }
  return seeds;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  MaybeWriteSeedsAndExit(Seeds);
  FixedLogSigner();  // outside the timed runs
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view note(reinterpret_cast<const char*>(data), size);
  auto parsed = ParseCheckpointNote(note);
  if (parsed.ok()) {
    if (!note.starts_with(CheckpointText(*parsed) + "\n")) {
      InvariantFailed("a parsed note does not start with the text of its checkpoint");
    }
  } else {
    CheckError(parsed.error());
  }

  const LogSigner& signer = FixedLogSigner();
  auto verified = signer.verifier().Verify(note);
  if (verified.ok()) {
    if (!parsed.ok()) InvariantFailed("Verify accepted what ParseCheckpointNote refused");
    if (!(*verified == *parsed)) InvariantFailed("Verify and Parse disagree");
    if (verified->origin != kFuzzLogOrigin) InvariantFailed("verified a checkpoint of another log");
  } else {
    CheckError(verified.error());
    if (!parsed.ok() && verified.error().code != "checkpoint.malformed") {
      InvariantFailed("Verify refused a malformed note with another code");
    }
  }

  if (parsed.ok() && parsed->origin == kFuzzLogOrigin) {
    auto again = signer.Sign(*parsed);
    if (!again.ok() || !signer.verifier().Verify(again.value()).ok()) {
      InvariantFailed("a re-signed checkpoint does not verify");
    }
  }
  ERR_clear_error();
  return 0;
}
