// Accepted durable uploads per second through a running gateway (issue: at least
// 3,000/s with 16 concurrent senders over keep-alive). Run by bench/gateway_send.sh;
// by hand:
//   adtgw_gateway_load --config client-supplier-a.yaml [--count 20000] [--concurrency 16]
//                      [--seconds 20] [--size 10240]
//
// One envelope of --size random bytes is sealed once (signed with the sender's DS key,
// encrypted to the configured DCC KA certificate) and written to a scratch file. Each
// upload then offers its own manifest for that envelope (own file name and idempotency
// key, signed with the DS key, so the gateway verifies a signature and makes a new
// transfer every time) and PATCHes the envelope: one transfer counts when the PATCH
// answers 201 with a receipt naming it, i.e. once the gateway says it is durable.
// The manifests are signed before the clock starts, so the measurement is the
// gateway's work plus the client's HTTP, not the client's ECDSA.
//
// Each thread has its own GatewayApi (cpprestsdk http_client, which keeps its
// connection alive) and makes one untimed warm-up upload to open it. The run stops
// after --count uploads or --seconds, whichever comes first. Any failed upload is
// printed and makes the exit status 1.
//
// Output: a human line on stderr and, on stdout, one line of key=value pairs:
//   uploads=N errors=E seconds=S rate=R p50_ms=X p99_ms=Y max_ms=Z envelope_bytes=B
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "certs/credential_files.h"
#include "certs/trust_store.h"
#include "crypto/envelope.h"
#include "crypto/random_hex.h"
#include "gateway/client/client_config.h"
#include "gateway/client/gateway_api.h"
#include "gateway/common/scratch_file.h"
#include "gateway/transfer/manifest.h"
#include "gateway/transfer/receipt.h"

namespace adtgw {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string config;
  uint64_t count = 20000;
  int concurrency = 16;
  double seconds = 20;
  uint64_t size = 10240;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "adtgw_gateway_load: %s\n"
               "usage: adtgw_gateway_load --config CLIENT.yaml [--count N] [--concurrency C]\n"
               "                          [--seconds S] [--size BYTES]\n",
               why);
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) Usage(("missing value after " + flag).c_str());
    std::string value = argv[++i];
    char* end = nullptr;
    if (flag == "--config") {
      o.config = value;
      continue;
    }
    double v = std::strtod(value.c_str(), &end);
    if (end == value.c_str() || *end != '\0' || !(v > 0)) {
      Usage(("bad value for " + flag + ": " + value).c_str());
    }
    if (flag == "--count") {
      o.count = static_cast<uint64_t>(v);
    } else if (flag == "--concurrency") {
      o.concurrency = std::clamp(static_cast<int>(v), 1, 1024);
    } else if (flag == "--seconds") {
      o.seconds = v;
    } else if (flag == "--size") {
      o.size = static_cast<uint64_t>(v);
    } else {
      Usage(("unknown option " + flag).c_str());
    }
  }
  if (o.config.empty()) Usage("--config is required");
  return o;
}

[[noreturn]] void Fail(const std::string& what, const Error& e) {
  std::fprintf(stderr, "adtgw_gateway_load: %s: %s [%s]%s%s\n", what.c_str(), e.message.c_str(),
               e.code.c_str(), e.hint.empty() ? "" : "; ", e.hint.c_str());
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const std::string& what) {
  if (!r.ok()) Fail(what, r.error());
  return std::move(r).value();
}

void Must(const Status& s, const std::string& what) {
  if (!s.ok()) Fail(what, s.error());
}

// Endless source of the same pseudo-random bytes (content need not be secret here).
class PatternSource final : public ByteSource {
 public:
  explicit PatternSource(uint64_t size) : left_(size) {}
  Result<size_t> Read(std::span<uint8_t> out) override {
    size_t n = static_cast<size_t>(std::min<uint64_t>(out.size(), left_));
    for (size_t i = 0; i < n; ++i) {
      state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
      out[i] = static_cast<uint8_t>(state_ >> 56);
    }
    left_ -= n;
    return n;
  }

 private:
  uint64_t left_;
  uint64_t state_ = 0x9e3779b97f4a7c15ULL;
};

struct Shared {
  const ClientConfig* config = nullptr;
  const std::string* envelope_path = nullptr;
  uint64_t envelope_size = 0;
  const std::vector<SignedDocument>* offers = nullptr;  // [0, concurrency) are warm-ups
  uint64_t count = 0;
  Clock::time_point deadline;
  std::atomic<uint64_t> next{0};  // index into the timed offers
  std::atomic<uint64_t> errors{0};
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::mutex mu;  // guards first_error
  std::string first_error;
};

// One offer + upload; an empty string on success, else what went wrong.
std::string UploadOnce(GatewayApi& api, const SignedDocument& offer, const Shared& s) {
  auto view = api.Offer(offer);
  if (!view.ok()) return "offer: " + view.error().message + " [" + view.error().code + "]";
  if (view->upload_offset != 0) return "offer: transfer " + view->id + " is not new";
  auto outcome = api.Upload(view->id, *s.envelope_path, 0, s.envelope_size, nullptr);
  if (!outcome.ok()) {
    return "upload: " + outcome.error().message + " [" + outcome.error().code + "]";
  }
  if (!outcome->receipt)
    return "upload: no receipt (offset " + std::to_string(outcome->offset) + ")";
  const std::string& json = *outcome->receipt;
  auto receipt = ParseReceipt(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(json.data()), json.size()));
  if (!receipt.ok()) return "receipt: " + receipt.error().message;
  if (receipt->transfer_id != view->id || receipt->envelope_size != s.envelope_size) {
    return "receipt: does not describe transfer " + view->id;
  }
  return {};
}

void Worker(int index, Shared& s, std::vector<double>& latencies_ms) {
  auto record_error = [&s](const std::string& what) {
    s.errors.fetch_add(1);
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.first_error.empty()) s.first_error = what;
  };
  auto api = NewGatewayClient(*s.config);
  if (!api.ok()) {
    record_error("client: " + api.error().message);
    s.ready.fetch_add(1);
    return;
  }
  // Warm-up: opens this thread's keep-alive connection (TLS handshake) untimed.
  std::string warm = UploadOnce(**api, (*s.offers)[static_cast<size_t>(index)], s);
  if (!warm.empty()) record_error("warm-up " + warm);
  s.ready.fetch_add(1);
  s.go.wait(false);  // every thread starts the clock together
  if (!warm.empty()) return;
  const size_t base = s.offers->size() - s.count;
  for (;;) {
    uint64_t i = s.next.fetch_add(1);
    if (i >= s.count || Clock::now() >= s.deadline) break;
    auto t0 = Clock::now();
    std::string err = UploadOnce(**api, (*s.offers)[base + i], s);
    auto t1 = Clock::now();
    if (!err.empty()) {
      record_error(err);
      continue;
    }
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

int Run(const Options& o) {
  ClientConfig config = Must(LoadClientConfig(o.config), "client configuration " + o.config);
  X509Ptr cert = Must(LoadCertificate(config.signing_certificate), "signing certificate");
  EvpPkeyPtr key = Must(LoadPrivateKey(config.signing_key), "signing key");
  auto dcc = config.recipients.find("dcc");
  if (dcc == config.recipients.end()) {
    Fail("client configuration",
         MakeError(ErrorKind::kUsage, "load.no_dcc", "no 'dcc' under recipients"));
  }
  X509Ptr ka = Must(LoadCertificate(dcc->second), "DCC KA certificate");
  TrustedSmkiCertificate to =
      Must(VerifySmkiCertificateFor(ka.get(), *config.smki_trust, SmkiKeyUsage::kKeyAgreement,
                                    "recipient 'dcc'"),
           "DCC KA certificate");
  const Signer signer{cert.get(), key.get()};
  const std::time_t now = std::time(nullptr);

  // One envelope, sealed once, uploaded by every request.
  ScratchFile envelope = Must(ScratchFile::Create("load"), "scratch file");
  SealRequest seal{signer, {ka.get()}, now};
  PatternSource content(o.size);
  SealedEnvelope sealed;
  Must(SealEnvelope(seal, content, o.size, envelope, &sealed), "seal");
  Must(envelope.Close(), "scratch file");

  // Every manifest signed up front: warm-ups first, then the timed ones.
  const std::string run = RandomHex(6);
  const size_t total = static_cast<size_t>(o.count) + static_cast<size_t>(o.concurrency);
  std::vector<SignedDocument> offers(total);
  {
    std::vector<std::thread> signers;
    const int n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (int t = 0; t < n; ++t) {
      signers.emplace_back([&, t] {
        for (size_t i = static_cast<size_t>(t); i < total; i += static_cast<size_t>(n)) {
          Manifest m;
          m.file_type = "adt";
          m.sender = config.party;
          m.recipients = {to.identity.eui64};
          m.file_name = "load-" + run + "-" + std::to_string(i) + ".adt";
          m.envelope_sha256 = sealed.sha256;
          m.envelope_size = sealed.size;
          m.created = now;
          m.idempotency_key = "load" + run + "x" + RandomHex(12);
          auto sig = SignManifest(m, signer, now);
          if (!sig.ok()) Fail("sign manifest", sig.error());
          offers[i] = {ManifestToJson(m), std::string(sig->begin(), sig->end())};
        }
      });
    }
    for (auto& t : signers) t.join();
  }

  Shared s;
  s.config = &config;
  s.envelope_path = &envelope.path();
  s.envelope_size = sealed.size;
  s.offers = &offers;
  s.count = o.count;
  std::vector<std::vector<double>> latencies(static_cast<size_t>(o.concurrency));
  for (auto& l : latencies) l.reserve(static_cast<size_t>(o.count));
  std::vector<std::thread> workers;
  for (int t = 0; t < o.concurrency; ++t) {
    workers.emplace_back(Worker, t, std::ref(s), std::ref(latencies[static_cast<size_t>(t)]));
  }
  while (s.ready.load() < o.concurrency) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (s.errors.load() > 0) {
    s.count = 0;  // nothing timed: report the warm-up failure below
  }
  const auto start = Clock::now();
  s.deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  s.go.store(true);
  s.go.notify_all();
  for (auto& t : workers) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  const double rate = elapsed > 0 ? static_cast<double>(all.size()) / elapsed : 0;
  const uint64_t errors = s.errors.load();
  std::fprintf(stderr,
               "adtgw_gateway_load: %zu uploads of a %llu-byte envelope (%llu-byte file) in "
               "%.2f s with %d senders: %.0f/s, p50 %.1f ms, p99 %.1f ms, %llu error(s)\n",
               all.size(), static_cast<unsigned long long>(sealed.size),
               static_cast<unsigned long long>(o.size), elapsed, o.concurrency, rate,
               Percentile(all, 0.50), Percentile(all, 0.99),
               static_cast<unsigned long long>(errors));
  if (errors > 0)
    std::fprintf(stderr, "adtgw_gateway_load: first error: %s\n", s.first_error.c_str());
  std::printf(
      "uploads=%zu errors=%llu seconds=%.3f rate=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f "
      "envelope_bytes=%llu\n",
      all.size(), static_cast<unsigned long long>(errors), elapsed, rate, Percentile(all, 0.50),
      Percentile(all, 0.99), all.empty() ? 0.0 : all.back(),
      static_cast<unsigned long long>(sealed.size));
  return errors == 0 && !all.empty() ? 0 : 1;
}

}  // namespace
}  // namespace adtgw

int main(int argc, char** argv) { return adtgw::Run(adtgw::ParseOptions(argc, argv)); }
