// adtgw receive --out DIR (--once | --watch [--interval S]) [client flags]: receives the
// transfers in this party's inbox into DIR (docs/receive.md). --once takes what is
// waiting and exits; --watch keeps receiving until SIGTERM or SIGINT, backing off while
// the gateway cannot be reached. Either way every transfer lands in DIR exactly once:
// one receiver per DIR (a lock), and a journal that survives being killed anywhere
// (receive_journal.h). One line per transfer (JSON lines with --json under --watch).
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <optional>
#include <thread>

#include "gateway/cli/client_output.h"
#include "gateway/cli/client_session.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/progress_bar.h"
#include "gateway/client/receive_journal.h"
#include "gateway/client/transfer_receiver.h"
#include "gateway/common/folder_lock.h"

namespace adtgw {
namespace {

using web::json::value;

struct ReceiveFlags {
  ClientFlags client;
  std::string out;
  bool once = false;
  bool watch = false;
  int interval = 10;
};

std::atomic<bool> g_stop{false};
extern "C" void OnStopSignal(int) { g_stop.store(true); }

// Sleeps up to `d`, waking early when asked to stop; false when asked.
bool Pause(std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!g_stop.load()) {
    auto left = until - std::chrono::steady_clock::now();
    if (left <= std::chrono::milliseconds(0)) return true;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(100)));
  }
  return false;
}

// Gone for a moment (network, a restarting gateway): worth waiting for.
bool Passing(const Error& e) {
  return e.kind == ErrorKind::kUnavailable || e.code == "tls.handshake_failed";
}

value ResultJson(const ReceivedTransfer& got) {
  value v = value::object();
  v["transfer_id"] = value::string(got.view.id);
  v["sender"] = value::string(got.view.sender);
  v["file_type"] = value::string(got.view.file_type);
  v["decision"] = value::string(got.accepted ? "accepted" : "rejected");
  v["path"] = value::string(got.path);
  v["reason"] = value::string(got.problem ? got.problem->code : "");
  v["problems"] = JsonStrings(got.content_problems);
  v["state"] = value::string(got.view.state);
  return v;
}

void PrintResult(const ReceivedTransfer& got) {
  if (got.accepted) {
    std::cout << "received " << got.view.id << " from " << got.view.sender << " ("
              << got.view.file_type << ", " << HumanSize(got.content_size) << ") -> " << got.path
              << "; acknowledged: accepted\n";
    return;
  }
  std::cout << "rejected " << got.view.id << " from " << got.view.sender << ": "
            << got.problem->code << ": " << got.problem->message << "; acknowledged: rejected\n";
  for (const std::string& line : got.content_problems) std::cout << "  " << line << "\n";
}

// One pass over the inbox: each transfer received and reported as it is done.
// `rejected` counts rejections; an error is one that leaves the rest for later.
Status ReceiveWaiting(ClientSession& c, TransferReceiver& receiver, const ReceiveFlags& f,
                      const ReceiveJournal& journal, std::vector<value>* collected,
                      size_t* received, size_t* rejected) {
  ADTGW_ASSIGN(std::vector<TransferView> items, c.api->Inbox());
  std::vector<std::string> waiting;
  for (const auto& item : items) waiting.push_back(item.id);
  ADTGW_TRY(journal.Prune(waiting));
  for (const auto& item : items) {
    if (g_stop.load()) break;
    ProgressBar bar;
    bar.Start("receiving", item.envelope_size);
    ADTGW_ASSIGN(ReceivedTransfer got, receiver.Receive(*c.api, item, f.out, journal,
                                                        [&bar](uint64_t n) { bar.Update(n); }));
    bar.Finish();
    ++*received;
    if (!got.accepted) ++*rejected;
    if (!f.client.json) {
      PrintResult(got);
    } else if (collected != nullptr) {
      collected->push_back(ResultJson(got));
    } else {
      std::cout << ResultJson(got).serialize() << "\n";  // JSON lines, as they happen
    }
    std::cout.flush();
  }
  return OkStatus();
}

Status RunOnce(const ReceiveFlags& f, const ReceiveJournal& journal) {
  ADTGW_ASSIGN(ClientSession c, ConnectClient(f.client));
  ADTGW_ASSIGN(TransferReceiver receiver, TransferReceiver::New(c.config));
  std::vector<value> results;
  size_t received = 0, rejected = 0;
  Status done = ReceiveWaiting(c, receiver, f, journal, &results, &received, &rejected);
  if (f.client.json) {
    value v = value::object();
    v["received"] = value::array(results);
    std::cout << v.serialize() << "\n";
  } else if (done.ok() && received == 0) {
    std::cout << "nothing to receive for " << c.config.party.ToString() << "\n";
  }
  ADTGW_TRY(done);
  if (rejected > 0) {
    return MakeError(ErrorKind::kIntegrity, "receive.rejected",
                     std::to_string(rejected) +
                         " transfer(s) failed their checks and were "
                         "rejected; nothing was written for them",
                     "the senders see the reason with adtgw status");
  }
  return OkStatus();
}

// Until SIGTERM or SIGINT: connect, witness the log, receive what waits, pause. While
// the gateway cannot be reached, pauses grow from 1 s to 60 s.
Status RunWatch(const ReceiveFlags& f, const ReceiveJournal& journal) {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::optional<ClientSession> session;
  std::optional<TransferReceiver> receiver;
  auto backoff = std::chrono::milliseconds(1000);
  const auto kMaxBackoff = std::chrono::milliseconds(60000);
  std::cerr << "adtgw receive: watching the inbox every " << f.interval << " s into " << f.out
            << "\n";
  while (!g_stop.load()) {
    Status pass = OkStatus();
    if (!session) {
      auto connected = ConnectClient(f.client);
      if (connected.ok()) {
        auto made = TransferReceiver::New(connected->config);
        if (!made.ok()) return std::move(made).error();
        session = std::move(connected).value();
        receiver = std::move(made).value();
      } else {
        pass = std::move(connected).error();
      }
    } else {
      // Every contact starts by witnessing the log (checkpoint_witness.h).
      auto witnessed = session->witness.Observe(*session->api, *session->config.log_verifier);
      if (!witnessed.ok()) pass = std::move(witnessed).error();
    }
    size_t received = 0, rejected = 0;
    if (pass.ok()) {
      pass = ReceiveWaiting(*session, *receiver, f, journal, nullptr, &received, &rejected);
    }
    if (!pass.ok()) {
      const Error& e = pass.error();
      if (!Passing(e) && e.kind != ErrorKind::kIo && e.kind != ErrorKind::kConflict) return e;
      // Network, disk or a name clash: said once per pause, tried again after it.
      std::cerr << "adtgw receive: " << e.code << ": " << e.message << "; again in "
                << backoff.count() / 1000 << " s\n";
      if (Passing(e)) session.reset();
      if (!Pause(backoff)) break;
      backoff = std::min(backoff * 2, kMaxBackoff);
      continue;
    }
    backoff = std::chrono::milliseconds(1000);
    if (received == 0 && !Pause(std::chrono::seconds(f.interval))) break;
  }
  std::cerr << "adtgw receive: stopped\n";
  return OkStatus();
}

Status RunReceive(const ReceiveFlags& f) {
  if (f.once == f.watch) {
    return MakeError(ErrorKind::kUsage, "usage", "adtgw receive needs --once or --watch",
                     "--once receives everything waiting now and exits; --watch keeps "
                     "receiving until stopped");
  }
  struct stat st;
  if (stat(f.out.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return MakeError(ErrorKind::kNotFound, "input.not_found",
                     "--out " + f.out + " is not a directory", "create it first");
  }
  ADTGW_ASSIGN(ReceiveJournal journal, ReceiveJournal::Open(f.out));
  ADTGW_ASSIGN(FolderLock lock,
               FolderLock::Acquire(journal.dir() + "/lock", "receive.locked",
                                   "another adtgw receive is writing to " + f.out,
                                   "one receiver per folder: stop the other one first"));
  ADTGW_TRY(journal.RemoveStaleTemporaries());
  return f.watch ? RunWatch(f, journal) : RunOnce(f, journal);
}

}  // namespace

CommandAction AddReceiveCommand(CLI::App& app) {
  auto f = std::make_shared<ReceiveFlags>();
  CLI::App* cmd =
      app.add_subcommand("receive", "download, verify, decrypt and acknowledge your transfers");
  cmd->footer(
      "Example: adtgw receive --out ~/adt-inbox --once\n"
      "         adtgw receive --out /var/lib/adtgw/inbox --watch\n"
      "Each file is checked (manifest signature, SMKI trust, envelope hash, inner signer,\n"
      "content) before it is written; a file that fails is rejected with a signed\n"
      "acknowledgement. Every transfer lands in the folder exactly once. docs/receive.md");
  cmd->add_option("--out", f->out, "directory for the received files")->required();
  cmd->add_flag("--once", f->once, "receive what is waiting now, then exit");
  cmd->add_flag("--watch", f->watch,
                "keep receiving until SIGTERM or SIGINT (pausing --interval between looks)");
  cmd->add_option("--interval", f->interval,
                  "--watch: seconds between looks at an empty inbox (default 10)")
      ->check(CLI::Range(1, 3600));
  AddClientFlags(cmd, f->client);
  return [f] { return RunReceive(*f); };
}

}  // namespace adtgw
