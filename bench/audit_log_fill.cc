// Fills a new audit log database with a year of realistic entries (bench/audit_log.sh),
// for timing `adtgw audit verify --full`, proofs and queries over a large log:
//   adtgw_audit_log_fill --db STATE_DIR/audit.db --key audit/log-key.pem
//                        --origin adtgw.demo.example/log [--entries 1000000] [--batch 1000]
//                        [--start 2025-07-01T00:00:00Z] [--days 365] [--users 99]
//                        [--user EUI]... [--dcc EUI] [--seed 1]
//
// The entries (bench/audit_bench_entries.h) go through AuditLog::AppendAll, --batch at
// a time, so the database is exactly what the gateway would have written: entries,
// party index, tree nodes and one signed checkpoint per batch. The --user EUIs (e.g.
// the demo PKI's parties) come first among the --users senders, the rest are made up;
// --dcc is the DCC. The database must not exist yet.
//
// Output: progress on stderr; on stdout one line of key=value pairs:
//   entries=N batches=B seconds=S entries_per_s=R avg_entry_bytes=A size=N root=HEX
#include <sys/stat.h>

#include <chrono>
#include <cstdio>

#include "bench/audit_bench_entries.h"
#include "bench/audit_bench_util.h"
#include "crypto/encoding.h"
#include "gateway/audit/audit_log.h"

namespace adtgw::bench {
namespace {

constexpr char kUsage[] =
    "adtgw_audit_log_fill --db FILE --key LOG_KEY.pem --origin ORIGIN [--entries N] "
    "[--batch N] [--start TIME] [--days D] [--users N] [--user EUI]... [--dcc EUI] [--seed N]";

int Run(int argc, char** argv) {
  auto flags = ParseFlags(argc, argv, kUsage);
  const std::string db = Flag(flags, "db", "");
  const std::string key = Flag(flags, "key", "");
  const std::string origin = Flag(flags, "origin", "");
  if (db.empty() || key.empty() || origin.empty()) {
    std::fprintf(stderr, "usage: %s\n", kUsage);
    return 2;
  }
  struct stat st;
  if (stat(db.c_str(), &st) == 0) {
    std::fprintf(stderr, "adtgw_audit_log_fill: %s exists; it fills new databases only\n",
                 db.c_str());
    return 2;
  }
  const auto entries = static_cast<uint64_t>(NumberFlag(flags, "entries", 1000000));
  const auto batch = std::max<uint64_t>(1, static_cast<uint64_t>(NumberFlag(flags, "batch", 1000)));
  const std::time_t start =
      Must(ParseTime(Flag(flags, "start", "2025-07-01T00:00:00Z")), "--start");
  const double days = NumberFlag(flags, "days", 365);
  const auto user_count = static_cast<size_t>(NumberFlag(flags, "users", 99));
  std::vector<Eui64> given;
  for (auto [it, end] = flags.equal_range("user"); it != end; ++it) {
    given.push_back(Must(Eui64::Parse(it->second), "--user"));
  }
  const Eui64 dcc = Must(Eui64::Parse(Flag(flags, "dcc", "AD-7C-00-00-00-00-04-01")), "--dcc");
  const auto seed = static_cast<uint64_t>(NumberFlag(flags, "seed", 1));

  LogSigner signer = Must(LogSigner::Load(key, origin), "log key");
  std::unique_ptr<AuditLog> log = Must(AuditLog::Open(db, std::move(signer)), "open " + db);
  AuditEntryGenerator gen(BenchUsers(given, std::max(user_count, given.size())), dcc, start,
                          days * 86400, entries, seed);

  const auto t0 = std::chrono::steady_clock::now();
  uint64_t done = 0, batches = 0, bytes = 0;
  std::vector<AuditEntry> chunk;
  while (done < entries) {
    chunk.clear();
    const uint64_t n = std::min(batch, entries - done);
    for (uint64_t i = 0; i < n; ++i) {
      chunk.push_back(gen.Next());
      bytes += AuditEntryToJson(chunk.back()).size();
    }
    Must(log->AppendAll(chunk), "append");
    done += n;
    ++batches;
    if (batches % 100 == 0 || done == entries) {
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::fprintf(stderr, "\radtgw_audit_log_fill: %llu / %llu entries, %.1f s",
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(entries),
                   s);
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "\n");
  SignedCheckpoint head = log->Latest();
  std::printf(
      "entries=%llu batches=%llu seconds=%.2f entries_per_s=%.0f avg_entry_bytes=%.0f "
      "size=%llu root=%s\n",
      static_cast<unsigned long long>(done), static_cast<unsigned long long>(batches), seconds,
      seconds > 0 ? static_cast<double>(done) / seconds : 0,
      done ? static_cast<double>(bytes) / static_cast<double>(done) : 0,
      static_cast<unsigned long long>(head.checkpoint.size), ToHex(head.checkpoint.root).c_str());
  return head.checkpoint.size == done ? 0 : 1;
}

}  // namespace
}  // namespace adtgw::bench

int main(int argc, char** argv) { return adtgw::bench::Run(argc, argv); }
