// `adtgw audit verify` (docs/cli.md; docs/audit-log.md, "Auditing"): checks the log's
// signed checkpoint, its consistency with what this auditor saw before and, with --full,
// every entry and every listed checkpoint, online from the auditor listener or offline
// from an export directory (--from DIR, written by adtgw audit export).
#include <fcntl.h>
#include <unistd.h>

#include <cpprest/json.h>

#include <chrono>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "certs/credential_files.h"
#include "crypto/byte_stream.h"
#include "crypto/encoding.h"
#include "crypto/posix_file.h"
#include "gateway/audit/checkpoint.h"
#include "gateway/cli/audit_commands.h"
#include "gateway/cli/audit_log_stream.h"
#include "gateway/cli/audit_output.h"
#include "gateway/cli/auditor_session.h"
#include "gateway/cli/log_key_flags.h"
#include "gateway/client/checkpoint_history.h"
#include "gateway/client/checkpoint_witness.h"
#include "gateway/client/client_config.h"
#include "gateway/client/log_auditor.h"
#include "gateway/common/line_splitter.h"
#include "gateway/common/strict_json.h"

namespace adtgw {
namespace {

using web::json::value;

// A checkpoints.jsonl line: a note, every byte of it escaped at worst.
constexpr size_t kMaxNoteLine = 6 * kMaxCheckpointNoteSize + 16;

// One of an export's line files (entries.log, checkpoints.jsonl), read a chunk at a time
// and cut into whole lines.
class ExportLines {
 public:
  static Result<std::unique_ptr<ExportLines>> Open(const std::string& path, size_t max_line) {
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
      return ErrnoError(ErrorKind::kNotFound, "input.not_found", path, errno,
                        "an export holds entries.log, checkpoints.jsonl, checkpoint.note and "
                        "log-key.pub.pem (adtgw audit export DIR)");
    }
    return std::unique_ptr<ExportLines>(new ExportLines(path, max_line, std::move(fd)));
  }
  ExportLines(const ExportLines&) = delete;
  ExportLines& operator=(const ExportLines&) = delete;

  // Reads one chunk and gives `each` the lines it completes; at the end of the file, the
  // last line if it has no newline (the file was cut), and done() turns true.
  template <class Each>
  Status ReadSome(Each&& each) {
    for (;;) {
      ssize_t n = read(fd_.get(), buf_.data(), buf_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoError(ErrorKind::kIo, "io.read", path_, errno);
      if (n == 0) {
        done_ = true;
        return splitter_.Finish(each);
      }
      return splitter_.Feed(std::string_view(buf_.data(), static_cast<size_t>(n)), each);
    }
  }
  bool done() const { return done_; }
  const std::string& path() const { return path_; }

 private:
  ExportLines(const std::string& path, size_t max_line, UniqueFd fd)
      : path_(path), splitter_(path, max_line), fd_(std::move(fd)), buf_(kReadChunk) {}
  std::string path_;
  LineSplitter splitter_;
  UniqueFd fd_;
  std::vector<char> buf_;
  bool done_ = false;
};

// An export's checkpoints.jsonl: one {"note":"<signed note>"} a line, oldest first.
class ExportHistory {
 public:
  static Result<std::shared_ptr<ExportHistory>> Open(const std::string& path) {
    ADTGW_ASSIGN(std::unique_ptr<ExportLines> lines, ExportLines::Open(path, kMaxNoteLine));
    return std::shared_ptr<ExportHistory>(new ExportHistory(std::move(lines)));
  }

  // The next notes (the file is read in order: `from` is not needed).
  Result<std::vector<std::string>> Next() {
    std::vector<std::string> notes;
    auto each = [&](std::string_view line) -> Status {
      ++line_;
      StrictJsonObject::Rules rules{"export", "see docs/audit-log.md, Exports", kMaxNoteLine, 2};
      auto line_object = StrictJsonObject::Parse(AsBytes(line), rules, {"note"});
      Result<std::string> note =
          line_object.ok() ? line_object->Text("note") : Result<std::string>(line_object.error());
      if (!note.ok()) {
        return std::move(note).error().With(lines_->path() + ", line " + std::to_string(line_));
      }
      notes.push_back(std::move(note).value());
      return OkStatus();
    };
    while (notes.size() < kHistoryPage && !lines_->done()) ADTGW_TRY(lines_->ReadSome(each));
    return notes;
  }

 private:
  explicit ExportHistory(std::unique_ptr<ExportLines> lines) : lines_(std::move(lines)) {}
  std::unique_ptr<ExportLines> lines_;
  uint64_t line_ = 0;
};

struct VerifyFlags {
  AuditorFlags auditor;
  std::string from;
  std::string log_key;
  std::string origin;
  bool full = false;
};

struct VerifyOutcome {
  std::string source;   // the auditor URL or the export directory
  std::string trusted;  // which key was trusted, and why
  std::string witness;  // what the witness found
  Checkpoint head;
  bool full = false;
  size_t history = 0;  // signed checkpoints listed
  double seconds = 0;
};

// The newest checkpoint, witnessed, after row (or listed checkpoint) `last` was at or
// past the head. The gateway commits rows and their checkpoint together but publishes
// the checkpoint a moment later, so a row still past it is asked about again for about
// a second before it is reported unsigned.
Result<Checkpoint> NewerHead(AuditorSession& a, uint64_t last) {
  Checkpoint newest;
  for (int attempt = 0; attempt < 6; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ADTGW_ASSIGN(WitnessReport seen, a.witness.Observe(*a.api, a.key()));
    newest = seen.checkpoint;
    if (newest.size > last) break;
  }
  return newest;
}

Status Report(const VerifyFlags& f, const VerifyOutcome& o, const LogAuditor& a) {
  if (f.auditor.json) {
    value v = value::object();
    v["ok"] = value::boolean(a.ok());
    v["source"] = value::string(o.source);
    v["checkpoint"] = CheckpointJson(o.head);
    v["trusted_key"] = value::string(o.trusted);
    v["witness"] = value::string(o.witness);
    v["full"] = value::boolean(o.full);
    v["entries_verified"] = value::number(a.leaves());
    v["rows"] = value::number(a.rows());
    v["checkpoints_listed"] = value::number(static_cast<uint64_t>(o.history));
    v["roots_matched"] = value::number(a.roots_matched());
    v["seconds"] = value::number(o.seconds);
    v["problem_count"] = value::number(a.problem_count());
    std::vector<value> problems;
    for (const auto& p : a.problems()) {
      value pv = value::object();
      pv["code"] = value::string(p.code);
      pv["message"] = value::string(p.message);
      problems.push_back(pv);
    }
    v["problems"] = value::array(problems);
    std::cout << v.serialize() << "\n";
  } else {
    std::ostringstream seconds;
    seconds << std::fixed << std::setprecision(1) << o.seconds;
    std::cout << "audit log " << o.head.origin << " (" << o.source << ")\n"
              << "  checkpoint: size " << o.head.size << ", root " << Base64Encode(o.head.root)
              << "\n"
              << "  signature:  OK, " << o.trusted << "\n"
              << "  witness:    " << o.witness << "\n"
              << "  history:    "
              << (o.full ? std::to_string(o.history) + " signed checkpoint(s) listed, each checked"
                         : "the newest is listed (the rest are read with --full)")
              << "\n";
    if (o.full) {
      std::cout << "  entries:    " << a.rows() << " row(s) checked in " << seconds.str()
                << " s; the tree recomputed over " << a.leaves() << " entries matched "
                << a.roots_matched() << " signed root(s)\n";
    } else {
      std::cout << "  entries:    not read (--full reads and checks every entry)\n";
    }
    if (a.ok()) {
      std::cout << "verified\n";
    } else {
      std::cout << "PROBLEMS (" << a.problem_count() << "):\n";
      for (const auto& p : a.problems()) std::cout << "  " << p.code << ": " << p.message << "\n";
      if (a.problem_count() > a.problems().size()) {
        std::cout << "  ... and " << a.problem_count() - a.problems().size() << " more\n";
      }
    }
  }
  if (!a.ok()) return a.Failure();
  return OkStatus();
}

// Feeds rows to the auditor, first reading the listed checkpoints the row is about to
// reach (CheckpointHistory::ReadUpTo).
Status AddRow(std::string_view line, LogAuditor& auditor, CheckpointHistory& history) {
  uint64_t index = LineIndex(line).value_or(auditor.next_index());
  ADTGW_TRY(history.ReadUpTo(index + 1));
  auditor.AddLine(line);
  return OkStatus();
}

Status RunVerifyOnline(const VerifyFlags& f) {
  auto start = std::chrono::steady_clock::now();
  ADTGW_ASSIGN(AuditorSession a, ConnectAuditor(f.auditor));
  VerifyOutcome o;
  o.source = a.config.gateway_url;
  o.full = f.full;
  o.trusted = "audit_log of " + a.config.source + ", " + a.config.log_public_key + " (key ID " +
              KeyId(a.key()) + ")";
  ADTGW_ASSIGN(WitnessReport seen, a.witness.Observe(*a.api, a.key()));
  o.head = seen.checkpoint;
  o.witness = DescribeWitness(seen, a.witness.NotePath(a.key().origin()));
  LogAuditor auditor(seen.checkpoint);
  if (!f.full) {
    // The log's own list must hold its newest checkpoint: one page from its size on (an
    // auditors' resource, so a party without the role is refused here too).
    ADTGW_ASSIGN(std::vector<std::string> tail, OnlineHistory(*a.api)(o.head.size));
    bool listed = false;
    for (const std::string& n : tail) {
      auto c = a.key().Verify(n);
      if (!c.ok()) {
        auditor.AddProblem(
            c.error().code,
            "a signed checkpoint of the log's list does not verify: " + c.error().message);
      } else if (c->size == o.head.size && c->root != o.head.root) {
        auditor.AddProblem("audit.log_forked", "the log's list holds " + DescribeCheckpoint(*c) +
                                                   ", another tree of the newest checkpoint's "
                                                   "size (" +
                                                   DescribeCheckpoint(o.head) + ")");
      } else if (c->size == o.head.size) {
        listed = true;
      }
    }
    if (!listed) {
      auditor.AddProblem("audit.checkpoint_unlisted",
                         "the newest checkpoint (" + DescribeCheckpoint(o.head) +
                             ") is not in the log's list of signed checkpoints");
    }
    o.history = tail.size();
  }
  if (f.full) {
    // Rows and listed checkpoints past the head: the log grew while it was read. A
    // checkpoint fetched now covers every row that was logged honestly before it was
    // read; one wait per segment of rows is enough (the honest log only grows at its end).
    auto newer = [&a, &auditor](uint64_t past) -> Result<std::optional<Checkpoint>> {
      ADTGW_ASSIGN(Checkpoint c, NewerHead(a, past));
      auditor.Advance(c);
      return std::optional<Checkpoint>(c);
    };
    CheckpointHistory history(a.key(), auditor, OnlineHistory(*a.api),
                              [&newer](uint64_t size) { return newer(size - 1); });
    std::optional<uint64_t> waited_at;
    auto each = [&](std::string_view line) -> Status {
      auto index = LineIndex(line);
      if (index && *index >= auditor.head().size &&
          (!waited_at || *index >= *waited_at + kSegment)) {
        waited_at = *index;
        ADTGW_TRY(newer(*index));
      }
      return AddRow(line, auditor, history);
    };
    ADTGW_TRY(StreamEntries(*a.api, each));
    ADTGW_TRY(history.ReadAll());
    auditor.Finish();
    o.head = auditor.head();
    o.history = history.count();
  }
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Report(f, o, auditor);
}

Status RunVerifyExport(const VerifyFlags& f) {
  auto start = std::chrono::steady_clock::now();
  const std::string dir = f.from;
  ADTGW_ASSIGN(std::vector<uint8_t> note_bytes,
               ReadFileCapped(dir + "/checkpoint.note", kMaxCheckpointNoteSize));
  std::string note(note_bytes.begin(), note_bytes.end());
  LogKeyFlags key_flags{f.auditor.config, f.log_key, f.origin};
  ADTGW_ASSIGN(TrustedLogKey key,
               ResolveLogKey(key_flags, NoteOrigin(note), dir + "/log-key.pub.pem"));
  auto head = key.verifier->Verify(note);
  if (!head.ok()) return std::move(head).error().With(dir + "/checkpoint.note");
  VerifyOutcome o;
  o.source = "export " + dir;
  o.trusted = key.source;
  o.full = f.full;
  o.head = *head;
  LogAuditor auditor(*head);

  // Offline, the witness compares with what this auditor saw before: the same size must
  // have the same root; a smaller one's root is recomputed from the entries (--full).
  o.witness = "not checked (give --config to compare with the checkpoint you saw before)";
  if (!f.auditor.config.empty() && f.log_key.empty()) {
    ADTGW_ASSIGN(ClientConfig config, LoadClientConfig(f.auditor.config));
    CheckpointWitness witness(config.state_dir);
    ADTGW_ASSIGN(std::optional<Checkpoint> stored, witness.Stored(*key.verifier));
    std::string path = witness.NotePath(key.verifier->origin());
    if (!stored) {
      o.witness = "no checkpoint of this log seen before";
    } else if (stored->size > head->size) {
      o.witness = "the export is older than the checkpoint of size " +
                  std::to_string(stored->size) + " you saw before: not compared";
    } else if (stored->size == head->size) {
      if (stored->root != head->root) {
        auditor.AddProblem("audit.log_forked",
                           "the export's checkpoint (" + DescribeCheckpoint(*head) +
                               ") and the one you saw before (" + DescribeCheckpoint(*stored) +
                               ", " + path + ") are two trees of one size");
      }
      o.witness = "the same size as the checkpoint you saw before (" + path + ")";
    } else if (f.full) {
      auditor.AlsoCheck(*stored, "the checkpoint you saw before (" + path + ")");
      o.witness = "the checkpoint of size " + std::to_string(stored->size) +
                  " you saw before is recomputed from the entries (" + path + ")";
    } else {
      o.witness = "the checkpoint of size " + std::to_string(stored->size) +
                  " you saw before is compared only with --full";
    }
  }

  if (f.full) {
    ADTGW_ASSIGN(std::shared_ptr<ExportHistory> listed,
                 ExportHistory::Open(dir + "/checkpoints.jsonl"));
    CheckpointHistory history(
        *key.verifier, auditor, [listed](uint64_t) { return listed->Next(); }, nullptr);
    ADTGW_ASSIGN(std::unique_ptr<ExportLines> entries,
                 ExportLines::Open(dir + "/entries.log", kMaxEntryLine));
    auto each = [&](std::string_view line) { return AddRow(line, auditor, history); };
    while (!entries->done()) ADTGW_TRY(entries->ReadSome(each));
    ADTGW_TRY(history.ReadAll());
    auditor.Finish();
    o.history = history.count();
  }
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Report(f, o, auditor);
}

Status RunVerify(const VerifyFlags& f) {
  if (f.from.empty()) {
    if (!f.log_key.empty() || !f.origin.empty()) {
      return MakeError(ErrorKind::kUsage, "usage", "--log-key and --origin go with --from",
                       "online, the key is the configuration's audit_log.public_key");
    }
    return RunVerifyOnline(f);
  }
  if (!f.auditor.auditor.empty()) {
    return MakeError(ErrorKind::kUsage, "usage", "--auditor does not go with --from",
                     "--from DIR verifies an export offline");
  }
  if (!f.auditor.config.empty() && !f.log_key.empty()) {
    return MakeError(ErrorKind::kUsage, "usage", "give --config or --log-key, not both");
  }
  return RunVerifyExport(f);
}

}  // namespace

CommandAction AddAuditVerifyCommand(CLI::App* audit) {
  auto verify = std::make_shared<VerifyFlags>();
  CLI::App* v = audit->add_subcommand(
      "verify", "check the log's signed checkpoint, its consistency and (--full) every entry");
  AddAuditorFlags(v, verify->auditor);
  v->add_flag("--full", verify->full,
              "read every entry: order, canonical form, leaf hash, signed, tree head");
  v->add_option("--from", verify->from, "verify an export directory offline (adtgw audit export)")
      ->type_name("DIR");
  v->add_option("--log-key", verify->log_key,
                "with --from: trust this log public key (PEM) instead of the export's")
      ->type_name("PEM");
  v->add_option("--origin", verify->origin, "with --log-key: the log's origin");
  v->footer(
      "Exit 0 when everything verified; 4 when the log failed (every problem is listed,\n"
      "the first 100 in full): audit.entry_missing, audit.entry_malformed,\n"
      "audit.entry_changed, audit.entry_unsigned, audit.log_truncated, audit.root_mismatch,\n"
      "audit.log_forked, checkpoint.*.\n"
      "Examples:\n"
      "  adtgw audit verify --full --config auditor.yaml\n"
      "  adtgw audit verify --from audit-2026-03 --full");
  return [verify]() { return RunVerify(*verify); };
}

}  // namespace adtgw
