// The audit log's own speed, without the gateway around it (bench/audit_log.sh).
//
//   adtgw_audit_log_bench append --db NEW.db --key LOG_KEY.pem --origin ORIGIN
//                                [--threads 16] [--seconds 10]
//     --threads threads each call AuditLog::Append (one entry per call, entries as
//     bench/audit_bench_entries.h makes them) until --seconds have passed: entries per
//     second, how many batches (signed checkpoints) the group commit made, and the
//     latency of Append (until the entry is durable and covered by a checkpoint).
//
//   adtgw_audit_log_bench read --db FILLED.db --key LOG_KEY.pem --origin ORIGIN
//                              [--samples 2000] [--party EUI --since TIME --until TIME]
//                              [--query-runs 50] [--users N] [--seed N]
//     Over a filled log (adtgw_audit_log_fill): AuditLog::Open, --samples
//     InclusionProof(random index, size) and ConsistencyProof(random m, size), each
//     timed alone; a sample of them checked with the merkle verifiers against the
//     signed head (so nothing wrong is timed); then AuditLog::Find({party, since,
//     until}) --query-runs times for the given party and month, and once for each of
//     --query-runs random (user, month) pairs of bench/audit_bench_entries.h's users.
//
// Output: a human summary on stderr; on stdout one line of key=value pairs
// (latencies in microseconds for proofs and queries, milliseconds for appends).
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "bench/audit_bench_entries.h"
#include "bench/audit_bench_util.h"
#include "crypto/byte_stream.h"
#include "crypto/encoding.h"
#include "gateway/audit/audit_log.h"
#include "gateway/audit/merkle_tree.h"

namespace adtgw::bench {
namespace {

using Clock = std::chrono::steady_clock;
using Flags = std::multimap<std::string, std::string>;

constexpr char kUsage[] =
    "adtgw_audit_log_bench append|read --db FILE --key LOG_KEY.pem --origin ORIGIN [options]";

double Micros(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

// This thread's CPU time in microseconds: unlike wall time, not inflated when other
// processes take the CPU away (the machine may be shared).
double ThreadCpuMicros() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// How many checkpoints of size >= from_size the log holds, read a page at a time (a
// quiet log signs one per entry).
size_t CountCheckpoints(AuditLog& log, uint64_t from_size) {
  constexpr size_t kPage = 10000;
  size_t count = 0;
  for (;;) {
    auto page = Must(log.Checkpoints(from_size, kPage), "checkpoints");
    count += page.size();
    if (page.size() < kPage) return count;
    from_size = Must(log.verifier().Verify(page.back()), "stored checkpoint").size + 1;
  }
}

std::unique_ptr<AuditLog> OpenLog(const Flags& flags, double* open_ms) {
  const std::string db = Flag(flags, "db", "");
  const std::string key = Flag(flags, "key", "");
  const std::string origin = Flag(flags, "origin", "");
  if (db.empty() || key.empty() || origin.empty()) {
    std::fprintf(stderr, "usage: %s\n", kUsage);
    std::exit(2);
  }
  LogSigner signer = Must(LogSigner::Load(key, origin), "log key");
  auto t0 = Clock::now();
  auto log = Must(AuditLog::Open(db, std::move(signer)), "open " + db);
  *open_ms = Micros(t0, Clock::now()) / 1000;
  return log;
}

int Append(const Flags& flags) {
  const int threads = std::max(1, static_cast<int>(NumberFlag(flags, "threads", 16)));
  const double seconds = NumberFlag(flags, "seconds", 10);
  double open_ms = 0;
  auto log = OpenLog(flags, &open_ms);
  // Every batch signs a checkpoint larger than this one.
  const uint64_t size_before = log->Latest().checkpoint.size;

  std::atomic<bool> go{false};
  std::atomic<int> ready{0};
  std::atomic<uint64_t> errors{0}, bytes{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(threads));
  Clock::time_point deadline;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      // Entries of a busy day: one generator per thread, stamped about now.
      AuditEntryGenerator gen(BenchUsers({}, 99), Must(Eui64::Parse("AD-7C-00-00-00-00-04-01"), ""),
                              std::time(nullptr), 1, 1, 1000 + static_cast<uint64_t>(t));
      std::vector<AuditEntry> entries;
      for (int i = 0; i < 256; ++i) entries.push_back(gen.Next());
      auto& lat = latencies[static_cast<size_t>(t)];
      lat.reserve(1 << 16);
      ready.fetch_add(1);
      go.wait(false);
      for (size_t i = 0;; ++i) {
        const AuditEntry& e = entries[i % entries.size()];
        auto t0 = Clock::now();
        if (t0 >= deadline) break;
        auto r = log->Append(e);
        auto t1 = Clock::now();
        if (!r.ok()) {
          if (errors.fetch_add(1) == 0) {
            std::fprintf(stderr, "append: %s [%s]\n", r.error().message.c_str(),
                         r.error().code.c_str());
          }
          continue;
        }
        lat.push_back(Micros(t0, t1) / 1000);
        bytes.fetch_add(AuditEntryToJson(e).size());
      }
    });
  }
  while (ready.load() < threads) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto start = Clock::now();
  deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  go.store(true);
  go.notify_all();
  for (auto& t : pool) t.join();
  const double elapsed = Micros(start, Clock::now()) / 1e6;

  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  const size_t batches = CountCheckpoints(*log, size_before + 1);
  const double rate = static_cast<double>(all.size()) / elapsed;
  std::fprintf(stderr,
               "append: %zu entries in %.2f s with %d threads: %.0f/s, %zu batches (%.1f entries "
               "each), Append p50 %.2f ms, p99 %.2f ms, max %.2f ms, %llu error(s)\n",
               all.size(), elapsed, threads, rate, batches,
               batches ? static_cast<double>(all.size()) / static_cast<double>(batches) : 0,
               Percentile(all, 0.5), Percentile(all, 0.99), all.empty() ? 0 : all.back(),
               static_cast<unsigned long long>(errors.load()));
  std::printf(
      "entries=%zu seconds=%.3f threads=%d rate=%.1f batches=%zu entries_per_batch=%.2f "
      "p50_ms=%.3f p99_ms=%.3f max_ms=%.3f avg_entry_bytes=%.0f errors=%llu\n",
      all.size(), elapsed, threads, rate, batches,
      batches ? static_cast<double>(all.size()) / static_cast<double>(batches) : 0,
      Percentile(all, 0.5), Percentile(all, 0.99), all.empty() ? 0 : all.back(),
      all.empty() ? 0 : static_cast<double>(bytes.load()) / static_cast<double>(all.size()),
      static_cast<unsigned long long>(errors.load()));
  return errors.load() == 0 && !all.empty() ? 0 : 1;
}

struct Stats {
  double median, p99, max;
};
Stats Summarise(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {Percentile(v, 0.5), Percentile(v, 0.99), v.empty() ? 0 : v.back()};
}

int Read(const Flags& flags) {
  const auto samples = static_cast<size_t>(NumberFlag(flags, "samples", 2000));
  const auto query_runs = static_cast<size_t>(NumberFlag(flags, "query-runs", 50));
  std::mt19937_64 rng(static_cast<uint64_t>(NumberFlag(flags, "seed", 7)));
  double open_ms = 0;
  auto log = OpenLog(flags, &open_ms);
  const SignedCheckpoint head = log->Latest();
  const uint64_t size = head.checkpoint.size;
  if (size < 2) {
    std::fprintf(stderr, "read: the log has %llu entries; fill it first\n",
                 static_cast<unsigned long long>(size));
    return 2;
  }

  // Inclusion proofs: time each; check every 20th against the signed root.
  std::vector<double> inc, inc_cpu;
  size_t inc_checked = 0, proof_hashes = 0;
  for (size_t i = 0; i < samples; ++i) {
    uint64_t index = rng() % size;
    double c0 = ThreadCpuMicros();
    auto t0 = Clock::now();
    auto proof = Must(log->InclusionProof(index, size), "inclusion proof");
    inc.push_back(Micros(t0, Clock::now()));
    inc_cpu.push_back(ThreadCpuMicros() - c0);
    proof_hashes += proof.size();
    if (i % 20 == 0) {
      auto rows = Must(log->Entries(index, 1), "entry");
      if (rows.size() != 1 || rows[0].index != index)
        Fail("entry", MakeError(ErrorKind::kIntegrity, "bench.entry", "missing"));
      Must(merkle::VerifyInclusion(index, size, merkle::LeafHash(AsBytes(rows[0].entry)), proof,
                                   head.checkpoint.root),
           "inclusion proof of " + std::to_string(index) + " does not verify");
      ++inc_checked;
    }
  }

  // Consistency proofs from random sizes; checked against the signed checkpoints'
  // roots (the sizes for which the log holds a root).
  std::vector<double> con, con_cpu;
  for (size_t i = 0; i < samples; ++i) {
    uint64_t m = 1 + rng() % (size - 1);
    double c0 = ThreadCpuMicros();
    auto t0 = Clock::now();
    auto proof = Must(log->ConsistencyProof(m, size), "consistency proof");
    con.push_back(Micros(t0, Clock::now()));
    con_cpu.push_back(ThreadCpuMicros() - c0);
  }
  // Up to 50 of them, spread over the log: the first checkpoint at or after each of 50
  // evenly spaced sizes.
  const size_t checkpoints = CountCheckpoints(*log, 0);
  size_t con_checked = 0;
  uint64_t last_checked = 0;
  for (uint64_t k = 1; k <= 50; ++k) {
    auto notes = Must(log->Checkpoints(size * k / 51, 1), "checkpoints");
    if (notes.empty()) continue;
    Checkpoint c = Must(log->verifier().Verify(notes[0]), "stored checkpoint");
    if (c.size == 0 || c.size >= size || c.size == last_checked) continue;  // few checkpoints
    last_checked = c.size;
    auto proof = Must(log->ConsistencyProof(c.size, size), "consistency proof");
    Must(merkle::VerifyConsistency(c.size, size, c.root, head.checkpoint.root, proof),
         "consistency proof from " + std::to_string(c.size) + " does not verify");
    ++con_checked;
  }

  // Queries: the named party and month, then random (user, month) pairs.
  std::vector<double> q_named, q_random, q_named_cpu;
  size_t named_rows = 0, random_rows = 0;
  double q_first = 0;
  const std::string party = Flag(flags, "party", "");
  if (!party.empty()) {
    AuditQuery q;
    q.party = Must(Eui64::Parse(party), "--party");
    q.since = Must(ParseTime(Flag(flags, "since", "2026-03-01T00:00:00Z")), "--since");
    q.until = Must(ParseTime(Flag(flags, "until", "2026-04-01T00:00:00Z")), "--until");
    for (size_t i = 0; i <= query_runs; ++i) {
      double c0 = ThreadCpuMicros();
      auto t0 = Clock::now();
      auto rows = Must(log->Find(q), "find");
      double us = Micros(t0, Clock::now());
      if (i == 0) {
        q_first = us;  // the first run reads the pages into SQLite's cache
      } else {
        q_named.push_back(us);
        q_named_cpu.push_back(ThreadCpuMicros() - c0);
      }
      named_rows = rows.size();
    }
  }
  const auto users = BenchUsers({}, static_cast<size_t>(NumberFlag(flags, "users", 99)));
  const std::time_t year_start =
      Must(ParseTime(Flag(flags, "start", "2025-07-01T00:00:00Z")), "--start");
  for (size_t i = 0; i < query_runs; ++i) {
    AuditQuery q;
    q.party = users[rng() % users.size()];
    std::time_t month = year_start + static_cast<std::time_t>(rng() % 12) * 30 * 86400;
    q.since = month;
    q.until = month + 30 * 86400;
    auto t0 = Clock::now();
    auto rows = Must(log->Find(q), "find");
    q_random.push_back(Micros(t0, Clock::now()));
    random_rows += rows.size();
  }

  Stats si = Summarise(inc), sc = Summarise(con), sn = Summarise(q_named), sr = Summarise(q_random);
  Stats ci = Summarise(inc_cpu), cc = Summarise(con_cpu), cn = Summarise(q_named_cpu);
  std::fprintf(
      stderr,
      "read: log of %llu entries, %zu checkpoints, opened in %.1f ms\n"
      "  inclusion proof (%zu, %.1f hashes each, %zu verified): median %.1f us, p99 %.1f us, max "
      "%.1f us; CPU median %.1f us, p99 %.1f us\n"
      "  consistency proof (%zu, %zu verified): median %.1f us, p99 %.1f us, max %.1f us; CPU "
      "median %.1f us, p99 %.1f us\n"
      "  Find party %s month (%zu runs, %zu rows, first run %.0f us): median %.0f us, p99 %.0f us; "
      "CPU median %.0f us, p99 %.0f us\n"
      "  Find random user and month (%zu runs, %.0f rows each): median %.0f us, p99 %.0f us\n",
      static_cast<unsigned long long>(size), checkpoints, open_ms, inc.size(),
      inc.empty() ? 0 : static_cast<double>(proof_hashes) / static_cast<double>(inc.size()),
      inc_checked, si.median, si.p99, si.max, ci.median, ci.p99, con.size(), con_checked, sc.median,
      sc.p99, sc.max, cc.median, cc.p99, party.c_str(), q_named.size(), named_rows, q_first,
      sn.median, sn.p99, cn.median, cn.p99, q_random.size(),
      q_random.empty() ? 0
                       : static_cast<double>(random_rows) / static_cast<double>(q_random.size()),
      sr.median, sr.p99);
  std::printf(
      "size=%llu checkpoints=%zu open_ms=%.1f inc_n=%zu inc_median_us=%.1f inc_p99_us=%.1f "
      "inc_max_us=%.1f inc_verified=%zu con_n=%zu con_median_us=%.1f con_p99_us=%.1f "
      "con_max_us=%.1f con_verified=%zu find_rows=%zu find_first_us=%.0f find_median_us=%.0f "
      "find_p99_us=%.0f find_random_median_us=%.0f find_random_p99_us=%.0f "
      "find_random_rows=%.0f inc_cpu_median_us=%.1f inc_cpu_p99_us=%.1f "
      "con_cpu_median_us=%.1f con_cpu_p99_us=%.1f find_cpu_median_us=%.0f "
      "find_cpu_p99_us=%.0f\n",
      static_cast<unsigned long long>(size), checkpoints, open_ms, inc.size(), si.median, si.p99,
      si.max, inc_checked, con.size(), sc.median, sc.p99, sc.max, con_checked, named_rows, q_first,
      sn.median, sn.p99, sr.median, sr.p99,
      q_random.empty() ? 0
                       : static_cast<double>(random_rows) / static_cast<double>(q_random.size()),
      ci.median, ci.p99, cc.median, cc.p99, cn.median, cn.p99);
  return 0;
}

}  // namespace
}  // namespace adtgw::bench

int main(int argc, char** argv) {
  using namespace adtgw::bench;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s\n", kUsage);
    return 2;
  }
  std::string mode = argv[1];
  auto flags = ParseFlags(argc - 1, argv + 1, kUsage);
  if (mode == "append") return Append(flags);
  if (mode == "read") return Read(flags);
  std::fprintf(stderr, "usage: %s\n", kUsage);
  return 2;
}
