// adtgw push --spool DIR [--deadline D] [--settle S] [client flags]: sends every file
// in DIR/outgoing exactly once (docs/push.md). Each file is claimed (renamed into
// sending/), checked and sealed once (what was prepared is kept in the spool, so a run
// after a crash offers the same manifest again and the gateway answers with the same
// transfer), delivered with capped, jittered backoff until --deadline, and moved with
// its receipt to sent/, or with its reason to failed/ when refused, or back to
// outgoing/ when the gateway could not be reached in time.
//
// Exit codes (its own, for schedulers): 0 all sent (or nothing to send), 1 some
// refused, 2 some postponed (and none refused), 3 configuration error. One line per
// file on stderr; --json prints a summary on stdout.
#include <cpprest/json.h>

#include <chrono>
#include <iostream>
#include <optional>
#include <set>
#include <thread>

#include "gateway/cli/client_session.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/progress_bar.h"
#include "gateway/client/spool.h"
#include "gateway/client/spool_file_type.h"
#include "gateway/client/transfer_sender.h"
#include "gateway/common/atomic_file.h"
#include "gateway/common/exit_code.h"
#include "gateway/transfer/manifest.h"

namespace adtgw {
namespace {

using web::json::value;

constexpr int kPushAllSent = 0;
constexpr int kPushSomeRefused = 1;
constexpr int kPushSomePostponed = 2;
constexpr int kPushConfigError = kPushConfigurationError;

struct PushFlags {
  ClientFlags client;
  std::string spool;
  std::string deadline = "30m";
  int settle = 5;
};

// "90s", "30m", "2h" or plain seconds.
std::optional<std::chrono::seconds> ParseDeadline(const std::string& text) {
  if (text.empty() || text.size() > 12) return std::nullopt;
  uint64_t n = 0;
  size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) n = n * 10 + (text[i] - '0');
  if (i == 0 || n == 0) return std::nullopt;
  std::string unit = text.substr(i);
  if (unit.empty() || unit == "s") return std::chrono::seconds(n);
  if (unit == "m") return std::chrono::seconds(n * 60);
  if (unit == "h") return std::chrono::seconds(n * 3600);
  return std::nullopt;
}

enum class Outcome { kSent, kRefused, kPostponed, kConfigError };

struct FileResult {
  std::string name;
  Outcome outcome = Outcome::kPostponed;
  std::string transfer_id;
  std::string path;  // where the file is now
  std::optional<Error> error;
  std::vector<std::string> problems;
};

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kSent:
      return "sent";
    case Outcome::kRefused:
      return "refused";
    case Outcome::kPostponed:
      return "postponed";
    case Outcome::kConfigError:
      return "not sent (configuration)";
  }
  return "?";
}

class PushRun {
 public:
  PushRun(const PushFlags& flags, Spool spool, ClientSession session, TransferSender sender,
          std::chrono::steady_clock::time_point deadline)
      : flags_(flags),
        spool_(std::move(spool)),
        session_(std::move(session)),
        sender_(std::move(sender)),
        deadline_(deadline) {
    retry_.max_attempts = 1 << 20;  // the deadline bounds it
    retry_.first_delay = std::chrono::milliseconds(500);
    retry_.max_delay = std::chrono::seconds(30);
    retry_.jitter = true;
    retry_.deadline = deadline_;
    retry_.retry_handshake_failures = true;
  }

  // Leftovers of a run that stopped first, then whatever is ready in outgoing/, again
  // and again until nothing new is ready or the deadline passes.
  std::vector<FileResult> Run() {
    std::vector<FileResult> results;
    std::set<std::string> seen;  // one attempt per file and run
    auto leftovers = spool_.Claimed();
    if (leftovers.ok()) {
      for (const std::string& name : *leftovers) {
        seen.insert(name);
        if (!Handle(name, results)) return results;
      }
    } else {
      results.push_back({"(sending/)", Outcome::kConfigError, "", "", leftovers.error(), {}});
      return results;
    }
    for (bool more = true; more && std::chrono::steady_clock::now() < deadline_;) {
      more = false;
      auto ready =
          spool_.Ready(std::chrono::seconds(flags_.settle), std::chrono::system_clock::now());
      if (!ready.ok()) {
        results.push_back({"(outgoing/)", Outcome::kConfigError, "", "", ready.error(), {}});
        return results;
      }
      for (const std::string& name : *ready) {
        if (std::chrono::steady_clock::now() >= deadline_) break;
        // A postponed file is back in outgoing/: it waits for the next run.
        if (!seen.insert(name).second) continue;
        Status claimed = spool_.Claim(name);
        if (!claimed.ok()) {
          if (claimed.error().code == "push.gone") continue;  // taken away meanwhile
          results.push_back(Log({name,
                                 Outcome::kPostponed,
                                 "",
                                 spool_.dir() + "/outgoing/" + name,
                                 claimed.error(),
                                 {}}));
          continue;
        }
        more = true;
        if (!Handle(name, results)) return results;
      }
    }
    return results;
  }

 private:
  // False when the run must stop (a configuration error).
  bool Handle(const std::string& name, std::vector<FileResult>& results) {
    FileResult r = Process(name);
    if (r.outcome == Outcome::kPostponed || r.outcome == Outcome::kConfigError) {
      Status back = spool_.Postpone(name);
      r.path = back.ok() ? spool_.dir() + "/outgoing/" + name : spool_.SendingPath(name);
    }
    const bool go_on = r.outcome != Outcome::kConfigError;
    results.push_back(Log(std::move(r)));
    return go_on;
  }

  FileResult Process(const std::string& name) {
    FileResult r{name, Outcome::kPostponed, "", "", std::nullopt, {}};
    auto refuse = [&](Error e) {
      auto failed = spool_.MarkFailed(name, e, r.problems);
      if (!failed.ok()) {
        r.outcome = Outcome::kPostponed;
        r.error = failed.error();
        return r;
      }
      r.outcome = Outcome::kRefused;
      r.path = *failed;
      r.error = std::move(e);
      return r;
    };
    // Ours to fix (configuration) or passing (network): the file waits.
    auto wait = [&](Error e) {
      r.outcome = e.kind == ErrorKind::kUsage ? Outcome::kConfigError : Outcome::kPostponed;
      r.error = std::move(e);
      return r;
    };
    auto identity = spool_.Identity(name);
    if (!identity.ok()) return wait(identity.error());
    auto sidecar = spool_.Sidecar(name);
    if (!sidecar.ok()) return refuse(sidecar.error());
    auto type = SpoolFileTypeOf(name, *sidecar);
    if (!type.ok()) return refuse(type.error());

    auto record = spool_.LoadPrepared(name, *identity);
    if (!record.ok()) return wait(record.error());
    PreparedTransfer prepared;
    if (*record) {
      auto manifest = ParseManifest(AsBytes((*record)->manifest));
      if (!manifest.ok()) return wait(manifest.error());
      prepared.manifest = (*record)->manifest;
      prepared.signature = (*record)->signature;
      prepared.envelope_path = (*record)->envelope_path;
      prepared.envelope_size = manifest->envelope_size;
      prepared.envelope_sha256 = manifest->envelope_sha256;
      prepared.recipients = manifest->recipients;
      prepared.content_size = identity->size;
    } else {
      auto dir = spool_.NewPreparedDir(name);
      if (!dir.ok()) return wait(dir.error());
      auto envelope = AtomicFile::Create(*dir + "/envelope.cms", 0600, /*replace=*/false);
      if (!envelope.ok()) return wait(envelope.error());
      SendRequest request;
      request.path = spool_.SendingPath(name);
      request.file_name = name;
      request.file_type = type->file_type;
      request.to = type->to;
      ProgressBar bar;
      auto made = sender_.Prepare(
          *session_.api, request, *envelope,
          [&bar](const std::string& phase, uint64_t total) { bar.Start(phase, total); },
          &r.problems);
      bar.Finish();
      if (!made.ok()) {
        (void)spool_.ForgetPrepared(name);
        const Error& e = made.error();
        if (e.kind == ErrorKind::kUsage || retry_.Retries(e)) return wait(e);
        return refuse(e);
      }
      if (Status committed = envelope->Commit(); !committed.ok()) return wait(committed.error());
      prepared = std::move(made).value();
      prepared.envelope_path = *dir + "/envelope.cms";
      // A file still being written when it was claimed is not sent half-read.
      auto after = spool_.Identity(name);
      if (!after.ok() || *after != *identity) {
        (void)spool_.ForgetPrepared(name);
        return wait(MakeError(ErrorKind::kUnavailable, "push.file_changed",
                              name + " changed while it was being read",
                              "it is sent once it has stopped changing (--settle)"));
      }
      Status saved = spool_.SavePrepared(
          name, {*identity, prepared.manifest, prepared.signature, prepared.envelope_path, ""});
      if (!saved.ok()) return wait(saved.error());
    }

    DeliveryOptions options;
    options.retry = retry_;
    options.transfer_id = *record ? (*record)->transfer_id : "";
    options.on_offered = [&](const std::string& id) { return spool_.SaveTransferId(name, id); };
    ProgressBar bar;
    auto sent = sender_.Deliver(
        *session_.api, prepared, options,
        [&bar](const std::string& phase, uint64_t total) {
          if (phase == "done") {
            bar.Finish();
          } else if (phase == "uploading") {
            bar.Start(phase, total);
          }
        },
        [&bar](uint64_t done) { bar.Update(done); });
    bar.Finish();
    if (!sent.ok()) {
      const Error& e = sent.error();
      if (e.code == "transfer.abandoned" || e.code == "transfer.expired") {
        // That transfer will never complete: the next run prepares the file anew.
        (void)spool_.ForgetPrepared(name);
        return wait(e);
      }
      if (retry_.Retries(e)) return wait(e);
      return refuse(e);
    }
    r.transfer_id = sent->transfer_id;
    auto moved = spool_.MarkSent(name, sent->transfer_id, sent->receipt_json);
    if (!moved.ok()) return wait(moved.error());  // delivered; the next run finishes the move
    r.path = *moved;
    // Delivered either way; a receipt the log does not prove is reported, not resent.
    // Proving asks the gateway for a consistency proof, which a restarting gateway may
    // not answer at once.
    auto proved = ProveReceipt(session_, sent->receipt_json);
    for (int attempt = 1; !proved.ok() && retry_.Retries(proved.error()); ++attempt) {
      auto delay = retry_.Delay(attempt);
      if (std::chrono::steady_clock::now() + delay > deadline_) break;
      std::this_thread::sleep_for(delay);
      proved = ProveReceipt(session_, sent->receipt_json);
    }
    if (!proved.ok()) {
      r.outcome = Outcome::kRefused;
      r.error = std::move(proved).error().With("transfer " + sent->transfer_id +
                                               " was delivered, but its receipt does not prove "
                                               "it was logged");
      return r;
    }
    r.outcome = Outcome::kSent;
    return r;
  }

  FileResult Log(FileResult r) {
    std::string line = "adtgw push: " + r.name + ": " + OutcomeName(r.outcome);
    if (!r.transfer_id.empty()) line += " as transfer " + r.transfer_id;
    if (r.error) line += ": " + r.error->code + ": " + r.error->message;
    if (!r.path.empty()) line += " -> " + r.path;
    std::cerr << line << "\n";
    for (const std::string& p : r.problems) std::cerr << "  " << p << "\n";
    return r;
  }

  const PushFlags& flags_;
  Spool spool_;
  ClientSession session_;
  TransferSender sender_;
  std::chrono::steady_clock::time_point deadline_;
  RetryPolicy retry_;  // capped, jittered, until the deadline
};

// Setup failures: a busy spool or an unreachable gateway waits; the rest is configuration.
int SetupFailure(const Error& e) {
  ReportError(e);
  if (e.code == "push.locked" || e.kind == ErrorKind::kUnavailable) return kPushSomePostponed;
  return kPushConfigError;
}

int RunPush(const PushFlags& f) {
  const auto start = std::chrono::steady_clock::now();
  auto budget = ParseDeadline(f.deadline);
  if (!budget) {
    return SetupFailure(MakeError(ErrorKind::kUsage, "usage",
                                  "--deadline " + f.deadline + " is not a duration",
                                  "e.g. --deadline 45m (s, m or h)"));
  }
  auto spool = Spool::Open(f.spool);
  if (!spool.ok()) return SetupFailure(spool.error());
  auto lock = spool->Lock();
  if (!lock.ok()) return SetupFailure(lock.error());
  auto session = ConnectClient(f.client);
  if (!session.ok()) return SetupFailure(session.error());
  auto sender = TransferSender::New(session->config);
  if (!sender.ok()) return SetupFailure(sender.error());
  PushRun run(f, std::move(spool).value(), std::move(session).value(), std::move(sender).value(),
              start + *budget);
  std::vector<FileResult> results = run.Run();

  int exit_code = kPushAllSent;
  size_t counts[4] = {0, 0, 0, 0};
  for (const FileResult& r : results) ++counts[static_cast<int>(r.outcome)];
  if (counts[static_cast<int>(Outcome::kConfigError)] > 0) {
    exit_code = kPushConfigError;
  } else if (counts[static_cast<int>(Outcome::kRefused)] > 0) {
    exit_code = kPushSomeRefused;
  } else if (counts[static_cast<int>(Outcome::kPostponed)] > 0) {
    exit_code = kPushSomePostponed;
  }
  if (f.client.json) {
    std::vector<value> files;
    for (const FileResult& r : results) {
      value v = value::object();
      v["file"] = value::string(r.name);
      v["outcome"] = value::string(r.outcome == Outcome::kConfigError ? "configuration"
                                                                      : OutcomeName(r.outcome));
      v["transfer_id"] = value::string(r.transfer_id);
      v["path"] = value::string(r.path);
      v["code"] = value::string(r.error ? r.error->code : "");
      v["message"] = value::string(r.error ? r.error->message : "");
      std::vector<value> problems;
      for (const auto& p : r.problems) problems.push_back(value::string(p));
      v["problems"] = value::array(problems);
      files.push_back(v);
    }
    value out = value::object();
    out["files"] = value::array(files);
    out["sent"] = value::number(counts[static_cast<int>(Outcome::kSent)]);
    out["refused"] = value::number(counts[static_cast<int>(Outcome::kRefused)]);
    out["postponed"] = value::number(counts[static_cast<int>(Outcome::kPostponed)]);
    out["exit_code"] = value::number(exit_code);
    std::cout << out.serialize() << "\n";
  } else {
    std::cout << "adtgw push: " << counts[static_cast<int>(Outcome::kSent)] << " sent, "
              << counts[static_cast<int>(Outcome::kRefused)] << " refused, "
              << counts[static_cast<int>(Outcome::kPostponed)] << " postponed\n";
  }
  return exit_code;
}

}  // namespace

ExitCodeAction AddPushCommand(CLI::App& app) {
  auto f = std::make_shared<PushFlags>();
  CLI::App* cmd = app.add_subcommand("push", "send every file in a spool folder, exactly once");
  cmd->footer(
      "Example: adtgw push --spool /var/spool/adtgw --deadline 45m\n"
      "Files dropped in SPOOL/outgoing (named ADT_* or EXITQ_*, or with a NAME.adtgw.json\n"
      "sidecar) are checked, sealed and sent; they end in SPOOL/sent with their receipt,\n"
      "in SPOOL/failed with NAME.error.json when refused, or back in SPOOL/outgoing when\n"
      "the gateway could not be reached before the deadline. Exit codes: 0 all sent,\n"
      "1 some refused, 2 some postponed, 3 configuration error. docs/push.md");
  cmd->add_option("--spool", f->spool, "the spool folder (with outgoing/ in it)")->required();
  cmd->add_option("--deadline", f->deadline,
                  "stop retrying and leave the rest for the next run after this long "
                  "(default 30m; s, m or h)");
  cmd->add_option("--settle", f->settle,
                  "take a file only once it has not changed for this many seconds (default 5)")
      ->check(CLI::Range(0, 86400));
  AddClientFlags(cmd, f->client);
  return [f] { return RunPush(*f); };
}

}  // namespace adtgw
