// The auditor's commands (docs/cli.md; docs/audit-log.md, "Auditing"): adtgw audit
// verify, query, show and export. They read a client configuration (--config) of a
// party with the auditor role and talk to the gateway's auditor listener (auditor_url,
// or --auditor URL); `verify --from DIR` checks an export offline. Every online command
// witnesses the log first (checkpoint_witness.h), as every party's client does.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpprest/json.h>
#include <cpprest/uri.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "certs/credential_files.h"
#include "certs/trust_store.h"
#include "crypto/byte_stream.h"
#include "crypto/canonical_json.h"
#include "gateway/audit/audit_entry.h"
#include "gateway/audit/merkle_tree.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/log_key_flags.h"
#include "gateway/cli/table_printer.h"
#include "gateway/client/checkpoint_history.h"
#include "gateway/client/checkpoint_witness.h"
#include "gateway/client/client_config.h"
#include "gateway/client/gateway_api.h"
#include "gateway/client/log_auditor.h"
#include "gateway/common/atomic_file.h"
#include "gateway/common/date_argument.h"
#include "gateway/common/line_splitter.h"
#include "gateway/common/temp_dir_guard.h"
#include "gateway/formats/csv_writer.h"
#include "gateway/transfer/strict_json.h"

namespace adtgw {
namespace {

using web::json::value;

constexpr uint64_t kSegment = 100000;     // rows per GET /v1/audit/entries (see StreamEntries)
constexpr uint64_t kHistoryPage = 10000;  // checkpoints per GET /v1/audit/checkpoints (its most)
constexpr size_t kReadChunk = 1 << 20;
// A row line: index, leaf hash and an entry of at most kMaxAuditEntrySize bytes.
constexpr size_t kMaxEntryLine = kMaxAuditEntrySize + 128;
// A checkpoints.jsonl line: a note, every byte of it escaped at worst.
constexpr size_t kMaxNoteLine = 6 * kMaxCheckpointNoteSize + 16;

// ---- Connecting -----------------------------------------------------------------------

struct AuditorFlags {
  std::string config;
  std::string auditor;
  bool json = false;
};

void AddAuditorFlags(CLI::App* cmd, AuditorFlags& f) {
  cmd->add_option("--config", f.config,
                  "client configuration of an auditor party (default: $ADTGW_CONFIG, then "
                  "~/.config/adtgw/client.yaml)");
  cmd->add_option("--auditor", f.auditor,
                  "the gateway's auditor listener, instead of the configuration's auditor_url")
      ->type_name("URL");
  cmd->add_flag("--json", f.json, "print the result as JSON");
}

struct Auditor {
  ClientConfig config;
  std::unique_ptr<GatewayApi> api;
  CheckpointWitness witness{""};
  const LogVerifier& key() const { return *config.log_verifier; }
};

Result<Auditor> ConnectAuditor(const AuditorFlags& f) {
  Auditor a;
  std::string path = ClientConfigPath(f.config);
  ADTGW_ASSIGN(a.config, LoadClientConfig(path));
  std::string url = f.auditor.empty() ? a.config.auditor_url : f.auditor;
  if (url.empty()) {
    return MakeError(ErrorKind::kUsage, "usage", path + " names no auditor_url",
                     "add 'auditor_url: https://HOST:PORT' (the gateway's auditor listener) to "
                     "the configuration, or give --auditor URL");
  }
  if (url.rfind("https://", 0) != 0) {
    return MakeError(ErrorKind::kUsage, "usage", "--auditor must be an https:// URL");
  }
  while (url.back() == '/') url.pop_back();
  a.config.gateway_url = url;  // every call goes to the auditor listener
  ADTGW_ASSIGN(a.api, NewGatewayClient(a.config));
  a.witness = CheckpointWitness(a.config.state_dir);
  return a;
}

// ---- Formatting ----------------------------------------------------------------------

std::string RootBase64(const Sha256Digest& root) {
  std::string text = CheckpointText(Checkpoint{"x", 0, root});  // "x\n0\nROOT\n"
  return text.substr(4, text.size() - 5);
}

value CheckpointJson(const Checkpoint& c) {
  value v = value::object();
  v["origin"] = value::string(c.origin);
  v["size"] = value::number(c.size);
  v["root"] = value::string(RootBase64(c.root));
  return v;
}

std::string KeyId(const LogVerifier& v) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", v.key_id());
  return hex;
}

// What the witness found, for people.
std::string DescribeWitness(const WitnessReport& r, const std::string& note_path) {
  if (!r.stored) return "first checkpoint seen from this log; kept in " + note_path;
  if (r.stored->size == r.checkpoint.size) return "the same checkpoint as you saw before";
  if (r.stored->size < r.checkpoint.size) {
    return "consistent with the checkpoint of size " + std::to_string(r.stored->size) +
           " you saw before (proof checked); kept in " + note_path;
  }
  return "older than the checkpoint of size " + std::to_string(r.stored->size) +
         " you saw before, which the gateway proved extends it";
}

std::string Recipients(const AuditEntry& e, const char* separator) {
  std::string out;
  for (const auto& r : e.recipients) out += (out.empty() ? "" : separator) + r.ToString();
  return out;
}

std::string Actor(const AuditEntry& e) {
  if (e.actor) return e.actor->ToString();
  return e.peer.empty() ? "" : "peer " + e.peer;
}

// ---- Reading the log -------------------------------------------------------------------

// The index a row line starts with (ParseEntryLine checks the rest), if it has one.
std::optional<uint64_t> LineIndex(std::string_view line) {
  uint64_t index = 0;
  auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), index);
  if (ec != std::errc() || end == line.data() || end == line.data() + line.size() || *end != ' ') {
    return std::nullopt;
  }
  return index;
}

// Every stored row from index 0 on, line by line (without the newline), streamed from
// GET /v1/audit/entries kSegment rows a request. The segments bound what the client
// holds: cpprestsdk reads ahead of a consumer that checks more slowly than the gateway
// sends. `on_line` may call the gateway (a newer checkpoint) between lines.
Status StreamEntries(GatewayApi& api, const std::function<Status(std::string_view)>& on_line) {
  uint64_t from = 0;
  for (;;) {
    uint64_t lines = 0;
    std::optional<uint64_t> last;
    auto each = [&](std::string_view line) -> Status {
      ++lines;
      last = LineIndex(line);
      return on_line(line);
    };
    LineSplitter splitter("the gateway's entries from " + std::to_string(from), kMaxEntryLine);
    ADTGW_TRY(api.AuditStream(
        "/v1/audit/entries?from=" + std::to_string(from) + "&limit=" + std::to_string(kSegment),
        [&](std::string_view piece) { return splitter.Feed(piece, each); }));
    ADTGW_TRY(splitter.Finish(each));
    if (lines < kSegment) return OkStatus();
    if (!last || *last < from) {
      return MakeError(
          ErrorKind::kInvalidInput, "response.malformed",
          "the gateway's entries from " + std::to_string(from) + " do not end with a row past it",
          "run adtgw audit verify --full and report it to the DCC");
    }
    from = *last + 1;
  }
}

// GET /v1/audit/checkpoints?from=, a page at a time, until a page says it is the last.
CheckpointHistory::PageSource OnlineHistory(GatewayApi& api) {
  auto last_page_read = std::make_shared<bool>(false);
  return [&api, last_page_read](uint64_t from) -> Result<std::vector<std::string>> {
    if (*last_page_read) return std::vector<std::string>{};
    ADTGW_ASSIGN(std::string body,
                 api.AuditGet("/v1/audit/checkpoints?from=" + std::to_string(from) +
                              "&limit=" + std::to_string(kHistoryPage)));
    StrictJsonObject::Rules rules{"response", "see docs/api.md, Audit log", kMaxAuditAnswer, 2};
    ADTGW_ASSIGN(StrictJsonObject page,
                 StrictJsonObject::Parse(AsBytes(body), rules, {"checkpoints", "truncated"}));
    ADTGW_ASSIGN(bool truncated, page.Bool("truncated"));
    ADTGW_ASSIGN(std::vector<std::string> notes, page.TextArray("checkpoints"));
    *last_page_read = !truncated;
    return notes;
  };
}

// One of an export's line files (entries.log, checkpoints.jsonl), read a chunk at a time
// and cut into whole lines.
class ExportLines {
 public:
  static Result<std::unique_ptr<ExportLines>> Open(const std::string& path, size_t max_line) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return MakeError(ErrorKind::kNotFound, "input.not_found", path + ": " + std::strerror(errno),
                       "an export holds entries.log, checkpoints.jsonl, checkpoint.note and "
                       "log-key.pub.pem (adtgw audit export DIR)");
    }
    return std::unique_ptr<ExportLines>(new ExportLines(path, max_line, fd));
  }
  ~ExportLines() { close(fd_); }
  ExportLines(const ExportLines&) = delete;
  ExportLines& operator=(const ExportLines&) = delete;

  // Reads one chunk and gives `each` the lines it completes; at the end of the file, the
  // last line if it has no newline (the file was cut), and done() turns true.
  template <class Each>
  Status ReadSome(Each&& each) {
    for (;;) {
      ssize_t n = read(fd_, buf_.data(), buf_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return MakeError(ErrorKind::kIo, "io.read", path_ + ": " + std::strerror(errno));
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
  ExportLines(const std::string& path, size_t max_line, int fd)
      : path_(path), splitter_(path, max_line), fd_(fd), buf_(kReadChunk) {}
  std::string path_;
  LineSplitter splitter_;
  int fd_;
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

// ---- verify ---------------------------------------------------------------------------

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
Result<Checkpoint> NewerHead(Auditor& a, uint64_t last) {
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
              << "  checkpoint: size " << o.head.size << ", root " << RootBase64(o.head.root)
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
  ADTGW_ASSIGN(Auditor a, ConnectAuditor(f.auditor));
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

// ---- query ----------------------------------------------------------------------------

struct QueryFlags {
  AuditorFlags auditor;
  std::string party, type, event, since, until, month;
  uint64_t limit = 0;
  bool csv = false;
};

struct QueriedEntry {
  uint64_t index;
  const std::string* text;  // the canonical entry, inside the parsed answer
  AuditEntry entry;
};

std::string Encode(const std::string& s) {
  return utility::conversions::to_utf8string(
      web::uri::encode_data_string(utility::conversions::to_string_t(s)));
}

Status RunQuery(const QueryFlags& f) {
  std::string query;
  auto add = [&query](const char* key, const std::string& v) {
    query += (query.empty() ? "?" : "&") + std::string(key) + "=" + Encode(v);
  };
  if (!f.party.empty()) {
    ADTGW_ASSIGN(Eui64 party, Eui64::Parse(f.party));
    add("party", party.ToString());
  }
  if (!f.event.empty()) {
    if (!IsAuditEvent(f.event)) {
      return MakeError(ErrorKind::kUsage, "usage", "--event " + f.event + " is not an audit event",
                       "the events are listed in docs/audit-log.md, e.g. envelope.stored");
    }
    add("event", f.event);
  }
  if (!f.type.empty()) add("type", f.type);
  std::optional<std::time_t> since, until;
  if (!f.month.empty()) {
    ADTGW_ASSIGN(since, ParseDate(f.month + "-01", "--month"));
    int y = std::stoi(f.month.substr(0, 4)), m = std::stoi(f.month.substr(5, 2));
    char next[32];
    std::snprintf(next, sizeof next, "%04d-%02d-01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
    ADTGW_ASSIGN(until, ParseDate(next, "--month"));
  }
  if (!f.since.empty()) {
    ADTGW_ASSIGN(since, ParseDate(f.since, "--since"));
  }
  if (!f.until.empty()) {
    ADTGW_ASSIGN(until, ParseDate(f.until, "--until"));
  }
  if (since) add("since", FormatTime(*since));
  if (until) add("until", FormatTime(*until));
  if (f.limit > 0) add("limit", std::to_string(f.limit));

  ADTGW_ASSIGN(Auditor a, ConnectAuditor(f.auditor));
  ADTGW_TRY(a.witness.Observe(*a.api, a.key()));
  ADTGW_ASSIGN(std::string body, a.api->AuditGet("/v1/audit/query" + query));
  StrictJsonObject::Rules rules{"response", "see docs/audit-log.md, The audit API", kMaxAuditAnswer,
                                3};
  ADTGW_ASSIGN(value v, ParseCappedJson(AsBytes(body), rules));
  std::string().swap(body);  // a month's answer is half a megabyte: let the entries reuse it
  auto malformed = [](const std::string& what) {
    return MakeError(ErrorKind::kInvalidInput, "response.malformed",
                     "the gateway's query answer " + what, "see docs/audit-log.md, The audit API");
  };
  if (!v.is_object() || !v.has_array_field("entries") || !v.has_boolean_field("truncated")) {
    return malformed("is not {\"entries\": [...], \"truncated\": BOOL}");
  }
  bool truncated = v.at("truncated").as_bool();
  const auto& items = v.at("entries").as_array();
  std::vector<QueriedEntry> entries;
  entries.reserve(items.size());
  for (const auto& item : items) {
    if (!item.is_object() || !item.has_string_field("entry") || !item.has_field("index") ||
        !item.at("index").is_integer() || !item.at("index").as_number().is_uint64()) {
      return malformed("has an item that is not {\"entry\": TEXT, \"index\": N}");
    }
    QueriedEntry q;
    q.index = item.at("index").as_number().to_uint64();
    q.text = &item.at("entry").as_string();
    auto parsed = ParseAuditEntry(AsBytes(*q.text));
    if (!parsed.ok()) {
      return MakeError(ErrorKind::kIntegrity, "audit.entry_malformed",
                       "entry " + std::to_string(q.index) +
                           " from the gateway is not a canonical "
                           "audit entry: " +
                           parsed.error().message,
                       "run adtgw audit verify --full and report it to the DCC");
    }
    q.entry = std::move(parsed).value();
    entries.push_back(std::move(q));
  }

  if (f.auditor.json) {
    // Each entry is a canonical JSON object (checked above): it is printed as it is,
    // with its index put first, rather than parsed into a tree again and serialised.
    // Written piece by piece: a copy of the whole answer would only cost page faults.
    std::cout << "{\"entries\":[";
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i > 0) std::cout << ',';
      std::cout << "{\"index\":" << entries[i].index;
      std::string_view rest = std::string_view(*entries[i].text).substr(1);  // after '{'
      if (rest != "}") std::cout << ',';
      std::cout << rest;
    }
    std::cout << "],\"truncated\":" << (truncated ? "true" : "false") << "}\n";
  } else if (f.csv) {
    const std::vector<std::string> header = {"index",         "time",          "event",
                                             "outcome",       "reason",        "actor",
                                             "peer",          "sender",        "recipients",
                                             "transfer_id",   "file_type",     "envelope_sha256",
                                             "envelope_size", "rule",          "policy_sha256",
                                             "request",       "signer_issuer", "signer_serial"};
    std::string line;
    for (const auto& h : header) line += (line.empty() ? "" : ",") + h;
    std::cout << line << "\r\n";
    for (const auto& q : entries) {
      const AuditEntry& e = q.entry;
      std::vector<std::string> row = {std::to_string(q.index),
                                      FormatTime(e.at),
                                      e.event,
                                      e.outcome,
                                      e.reason,
                                      e.actor ? e.actor->ToString() : "",
                                      e.peer,
                                      e.sender ? e.sender->ToString() : "",
                                      Recipients(e, " "),
                                      e.transfer_id,
                                      e.file_type,
                                      e.envelope_sha256,
                                      e.envelope_size ? std::to_string(*e.envelope_size) : "",
                                      e.rule,
                                      e.policy_sha256,
                                      e.request,
                                      e.signer_issuer,
                                      e.signer_serial};
      line.clear();
      for (size_t i = 0; i < row.size(); ++i) line += (i ? "," : "") + CsvField(row[i]);
      std::cout << line << "\r\n";
    }
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& q : entries) {
      const AuditEntry& e = q.entry;
      rows.push_back({std::to_string(q.index), FormatTime(e.at), e.event, e.outcome, e.reason,
                      Actor(e), e.sender ? e.sender->ToString() : "", Recipients(e, ","),
                      e.transfer_id, e.file_type});
    }
    PrintTable({"INDEX", "TIME", "EVENT", "OUTCOME", "REASON", "ACTOR", "SENDER", "RECIPIENTS",
                "TRANSFER", "TYPE"},
               rows);
    std::cout << entries.size() << " entr" << (entries.size() == 1 ? "y" : "ies")
              << (truncated ? " (truncated: narrow the query, or page with --since)" : "") << "\n";
  }
  if (truncated && (f.auditor.json || f.csv)) {
    std::cerr << "adtgw: note: the answer was truncated at " << entries.size()
              << " entries: narrow the query\n";
  }
  return OkStatus();
}

// ---- show -----------------------------------------------------------------------------

struct ShowFlags {
  AuditorFlags auditor;
  std::string id;
};

bool IsTransferId(const std::string& id) {
  return id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Status RunShow(const ShowFlags& f) {
  if (!IsTransferId(f.id)) {
    return MakeError(ErrorKind::kUsage, "usage", "'" + f.id + "' is not a transfer id",
                     "a transfer id is 32 lower-case hex digits (adtgw send and adtgw inbox "
                     "print them)");
  }
  ADTGW_ASSIGN(Auditor a, ConnectAuditor(f.auditor));
  ADTGW_ASSIGN(std::string body, a.api->AuditGet("/v1/audit/transfers/" + f.id));
  StrictJsonObject::Rules rules{"response", "see docs/audit-log.md, The audit API", kMaxAuditAnswer,
                                4};
  ADTGW_ASSIGN(value v, ParseCappedJson(AsBytes(body), rules));
  auto malformed = [](const std::string& what) {
    return MakeError(ErrorKind::kInvalidInput, "response.malformed",
                     "the gateway's transfer history " + what,
                     "see docs/audit-log.md, The audit API");
  };
  if (!v.is_object() || !v.has_string_field("checkpoint") || !v.has_array_field("entries")) {
    return malformed("is not {\"checkpoint\": NOTE, \"entries\": [...]}");
  }
  // The checkpoint must be the log key's and consistent with what this auditor saw.
  ADTGW_ASSIGN(WitnessReport seen,
               a.witness.ObserveNote(*a.api, a.key(), v.at("checkpoint").as_string()));
  const Checkpoint& cp = seen.checkpoint;

  struct Shown {
    uint64_t index = 0;
    std::string text;
    std::optional<AuditEntry> entry;
    std::optional<Error> problem;
  };
  std::vector<Shown> shown;
  for (const auto& item : v.at("entries").as_array()) {
    if (!item.is_object() || !item.has_string_field("entry") || !item.has_field("index") ||
        !item.at("index").is_integer() || !item.at("index").as_number().is_uint64() ||
        !item.has_array_field("proof") || item.at("proof").as_array().size() > kMaxAuditProof) {
      return malformed("has an item that is not {\"entry\", \"index\", \"proof\"}");
    }
    Shown s;
    s.index = item.at("index").as_number().to_uint64();
    s.text = item.at("entry").as_string();
    std::vector<Sha256Digest> proof;
    for (const auto& h : item.at("proof").as_array()) {
      auto d = h.is_string() ? ParseHexDigest(h.as_string()) : std::nullopt;
      if (!d) return malformed("has a proof hash that is not 64 lower-case hex digits");
      proof.push_back(*d);
    }
    auto parsed = ParseAuditEntry(AsBytes(s.text));
    if (!parsed.ok()) {
      s.problem = MakeError(ErrorKind::kIntegrity, "audit.entry_malformed",
                            "entry " + std::to_string(s.index) +
                                " is not a canonical audit entry: " + parsed.error().message);
    } else {
      s.entry = std::move(parsed).value();
      if (s.entry->transfer_id != f.id) {
        s.problem = MakeError(ErrorKind::kIntegrity, "audit.entry_mismatch",
                              "entry " + std::to_string(s.index) + " names transfer '" +
                                  s.entry->transfer_id + "', not " + f.id);
      }
    }
    Status included = merkle::VerifyInclusion(s.index, cp.size, merkle::LeafHash(AsBytes(s.text)),
                                              proof, cp.root);
    if (!included.ok() && !s.problem) {
      s.problem = MakeError(ErrorKind::kIntegrity, "audit.not_included",
                            "entry " + std::to_string(s.index) + " is not in the signed tree of " +
                                std::to_string(cp.size) + " entries: " + included.error().code +
                                ": " + included.error().message);
    }
    shown.push_back(std::move(s));
  }
  if (shown.empty()) {
    return MakeError(ErrorKind::kNotFound, "audit.no_entries",
                     "the audit log has no entry naming transfer " + f.id,
                     "check the id; a transfer refused before its offer was accepted has no id");
  }
  const Error* first_problem = nullptr;
  size_t problems = 0;
  for (const auto& s : shown) {
    if (s.problem) {
      ++problems;
      if (!first_problem) first_problem = &*s.problem;
    }
  }
  if (f.auditor.json) {
    std::vector<value> items;
    for (const auto& s : shown) {
      value item = s.entry ? value::parse(s.text) : value::object();
      item["index"] = value::number(s.index);
      item["proof_ok"] = value::boolean(!s.problem);
      if (s.problem) item["problem"] = value::string(s.problem->code + ": " + s.problem->message);
      items.push_back(item);
    }
    value out = value::object();
    out["transfer_id"] = value::string(f.id);
    out["checkpoint"] = CheckpointJson(cp);
    out["witness"] = value::string(DescribeWitness(seen, a.witness.NotePath(cp.origin)));
    out["entries"] = value::array(items);
    std::cout << out.serialize() << "\n";
  } else {
    std::cout << "transfer " << f.id << " in the audit log " << cp.origin << "\n"
              << "  checkpoint: size " << cp.size << ", root " << RootBase64(cp.root)
              << ": signature OK (key ID " << KeyId(a.key()) << ")\n"
              << "  witness:    " << DescribeWitness(seen, a.witness.NotePath(cp.origin)) << "\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& s : shown) {
      std::string verdict = s.problem ? "FAILED: " + s.problem->code : "proof OK";
      if (s.entry) {
        const AuditEntry& e = *s.entry;
        rows.push_back({std::to_string(s.index), FormatTime(e.at), e.event, e.outcome, e.reason,
                        Actor(e), verdict});
      } else {
        rows.push_back({std::to_string(s.index), "", "", "", "", "", verdict});
      }
    }
    PrintTable({"INDEX", "TIME", "EVENT", "OUTCOME", "REASON", "ACTOR", "PROOF"}, rows);
  }
  if (first_problem) {
    Error e = *first_problem;
    e.message = std::to_string(problems) + " of " + std::to_string(shown.size()) +
                " entries failed; the first: " + e.message;
    e.hint = "keep this output and report it to the DCC";
    return e;
  }
  return OkStatus();
}

// ---- export ---------------------------------------------------------------------------

struct ExportFlags {
  AuditorFlags auditor;
  std::string dir;
};

Status SyncPath(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_DIRECTORY);
  if (fd < 0 || fsync(fd) != 0) {
    int err = errno;
    if (fd >= 0) close(fd);
    return MakeError(ErrorKind::kIo, "io.write", path + ": " + std::strerror(err));
  }
  close(fd);
  return OkStatus();
}

std::string ReadmeText(const Checkpoint& head, uint64_t rows, uint64_t checkpoints,
                       const std::string& url, const ClientConfig& config, const std::string& dir) {
  std::ostringstream out;
  out << "adtgw audit log export\n"
      << "======================\n\n"
      << "log:         " << head.origin << "\n"
      << "checkpoint:  size " << head.size << ", root " << RootBase64(head.root) << "\n"
      << "entries:     " << rows << " row(s)\n"
      << "checkpoints: " << checkpoints << " signed checkpoint(s) listed\n"
      << "exported:    " << FormatTime(std::time(nullptr)) << " from " << url << " by "
      << config.party.ToString() << "\n\n"
      << "Files\n"
      << "  entries.log       every stored row of the log, as GET /v1/audit/entries gave it:\n"
      << "                    one line per row, 'INDEX LEAF-HASH ENTRY' (LEAF-HASH '-' when\n"
      << "                    the row has none)\n"
      << "  checkpoints.jsonl every checkpoint the log signed up to checkpoint.note, oldest\n"
      << "                    first, one {\"note\":\"<signed note>\"} a line\n"
      << "  checkpoint.note   the latest signed checkpoint (a C2SP signed note)\n"
      << "  log-key.pub.pem   the log's public key, from the exporting auditor's\n"
      << "                    configuration\n\n"
      << "Verify\n"
      << "  adtgw audit verify --from " << dir << " --full\n\n"
      << "checks every entry (order, canonical form, leaf hash, signed or not), recomputes the\n"
      << "tree head and compares it with checkpoint.note and with every checkpoint in\n"
      << "checkpoints.jsonl, and checks their signatures with log-key.pub.pem. That key came\n"
      << "with the export: compare it with the key the DCC publishes, or trust your own copy\n"
      << "with --log-key FILE or --config FILE. Specification: docs/audit-log.md.\n";
  return out.str();
}

Status RunExport(const ExportFlags& f) {
  std::string dir = f.dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  struct stat st;
  if (lstat(dir.c_str(), &st) == 0) {
    return MakeError(ErrorKind::kConflict, "output.exists", dir + " already exists",
                     "adtgw audit export writes a new directory; choose another name");
  }
  ADTGW_ASSIGN(Auditor a, ConnectAuditor(f.auditor));
  ADTGW_TRY(a.witness.Observe(*a.api, a.key()));

  std::string temp = dir + ".tmp-XXXXXX";
  if (mkdtemp(temp.data()) == nullptr) {
    return MakeError(ErrorKind::kIo, "io.write",
                     "cannot create a directory beside " + dir + ": " + std::strerror(errno));
  }
  TempDirGuard guard(temp);
  auto write = [&](const std::string& name, const std::string& text) {
    return WriteFileAtomically(temp + "/" + name, text, 0644, /*replace=*/false);
  };

  // The latest checkpoint, then the rows (a newer checkpoint when they go past it), then
  // the list up to that checkpoint, so the export is one consistent view.
  ADTGW_ASSIGN(std::string note, a.api->AuditCheckpoint());
  ADTGW_ASSIGN(Checkpoint head, ParseCheckpointNote(note));
  ADTGW_ASSIGN(AtomicFile entries, AtomicFile::Create(temp + "/entries.log", 0644, false));
  uint64_t rows = 0;
  std::string buffer;  // written a MiB at a time
  std::optional<uint64_t> waited_at;
  auto each = [&](std::string_view line) -> Status {
    auto index = LineIndex(line);
    // The log grew since (or rows were added behind its back): as NewerHead, without
    // judging (the export is verified later).
    if (index && *index >= head.size && (!waited_at || *index >= *waited_at + kSegment)) {
      waited_at = *index;
      for (int attempt = 0; attempt < 6 && *index >= head.size; ++attempt) {
        if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
        ADTGW_ASSIGN(std::string newer, a.api->AuditCheckpoint());
        ADTGW_ASSIGN(Checkpoint c, ParseCheckpointNote(newer));
        if (c.size > head.size) {
          head = c;
          note = newer;
        }
      }
    }
    ++rows;
    buffer.append(line);
    buffer += '\n';
    if (buffer.size() >= kReadChunk) {
      ADTGW_TRY(entries.Write(AsBytes(buffer)));
      buffer.clear();
    }
    return OkStatus();
  };
  ADTGW_TRY(StreamEntries(*a.api, each));
  ADTGW_TRY(entries.Write(AsBytes(buffer)));
  ADTGW_TRY(entries.Commit());

  ADTGW_ASSIGN(AtomicFile listed, AtomicFile::Create(temp + "/checkpoints.jsonl", 0644, false));
  uint64_t checkpoints = 0;
  auto source = OnlineHistory(*a.api);
  for (uint64_t from = 0; from <= head.size;) {
    ADTGW_ASSIGN(std::vector<std::string> page, source(from));
    if (page.empty()) break;
    buffer.clear();
    uint64_t next = from;
    for (const std::string& n : page) {
      ADTGW_ASSIGN(Checkpoint c, ParseCheckpointNote(n));
      if (c.size < from || c.size > head.size) continue;  // not in order, or after the head
      next = c.size + 1;
      buffer += cjson::Object({{"note", cjson::String(n)}});
      buffer += '\n';
      ++checkpoints;
    }
    ADTGW_TRY(listed.Write(AsBytes(buffer)));
    if (next == from) break;  // no progress: the rest is past the head
    from = next;
  }
  ADTGW_TRY(listed.Commit());
  ADTGW_TRY(write("checkpoint.note", note));
  ADTGW_TRY(write("log-key.pub.pem", a.key().PublicKeyPem()));
  ADTGW_TRY(
      write("README", ReadmeText(head, rows, checkpoints, a.config.gateway_url, a.config, dir)));
  ADTGW_TRY(SyncPath(temp));
  if (renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, dir.c_str(), RENAME_NOREPLACE) != 0) {
    int err = errno;
    return MakeError(err == EEXIST ? ErrorKind::kConflict : ErrorKind::kIo,
                     err == EEXIST ? "output.exists" : "io.write",
                     "cannot move the export into " + dir + ": " + std::strerror(err));
  }
  guard.Release();
  std::string parent = dir.rfind('/') == std::string::npos ? "." : dir.substr(0, dir.rfind('/'));
  ADTGW_TRY(SyncPath(parent.empty() ? "/" : parent));

  if (f.auditor.json) {
    value v = value::object();
    v["directory"] = value::string(dir);
    v["rows"] = value::number(rows);
    v["checkpoints"] = value::number(checkpoints);
    v["checkpoint"] = CheckpointJson(head);
    std::cout << v.serialize() << "\n";
  } else {
    std::cout << "exported " << rows << " row(s) and " << checkpoints << " signed checkpoint(s) of "
              << head.origin << " (checkpoint size " << head.size << ") to " << dir << "\n"
              << "  verify with: adtgw audit verify --from " << dir << " --full\n";
  }
  return OkStatus();
}

}  // namespace

CommandAction AddAuditCommand(CLI::App& app) {
  CLI::App* audit =
      app.add_subcommand("audit", "verify, query and export the audit log (auditors)");
  audit->require_subcommand(1);
  audit->footer(
      "The auditor commands talk to the gateway's auditor listener (auditor_url in the\n"
      "client configuration) with a TLS certificate the policy gives the auditor role.\n"
      "Exit codes: docs/cli.md.");

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

  auto query = std::make_shared<QueryFlags>();
  CLI::App* q = audit->add_subcommand("query", "list log entries by party, type, event and time");
  AddAuditorFlags(q, query->auditor);
  q->add_option("--party", query->party, "entries naming this EUI-64 (actor, sender, recipient)")
      ->type_name("EUI");
  q->add_option("--type", query->type, "file type")
      ->check(CLI::IsMember({"adt", "exit-quarantine", "quarantine-report"}));
  q->add_option("--event", query->event, "event name, e.g. envelope.stored");
  auto* since =
      q->add_option("--since", query->since, "from this time on (inclusive)")->type_name("DATE");
  auto* until =
      q->add_option("--until", query->until, "before this time (exclusive)")->type_name("DATE");
  q->add_option("--month", query->month, "one calendar month (UTC), instead of --since/--until")
      ->type_name("YYYY-MM")
      ->check(CLI::Validator(
          [](std::string& s) {
            bool ok = s.size() == 7 && s[4] == '-' &&
                      std::all_of(s.begin(), s.begin() + 4, ::isdigit) && ::isdigit(s[5]) &&
                      ::isdigit(s[6]) && std::stoi(s.substr(5)) >= 1 &&
                      std::stoi(s.substr(5)) <= 12;
            return ok ? std::string() : "--month must be YYYY-MM";
          },
          "YYYY-MM"))
      ->excludes(since)
      ->excludes(until);
  q->add_option("--limit", query->limit, "at most this many entries (the gateway gives 10000)");
  q->add_flag("--csv", query->csv, "print CSV (RFC 4180) instead of a table");
  q->footer(
      "DATE is YYYY-MM-DD (midnight UTC) or RFC 3339 (2026-03-01T12:00:00Z, ...+01:00).\n"
      "Examples:\n"
      "  adtgw audit query --party AD-7C-00-00-00-00-02-01 --month 2026-03\n"
      "  adtgw audit query --event request.refused --since 2026-03-01 --csv > refused.csv");

  auto show = std::make_shared<ShowFlags>();
  CLI::App* s = audit->add_subcommand(
      "show", "the whole life of one transfer, every entry proven in the signed log");
  s->add_option("ID", show->id, "the transfer id")->required();
  AddAuditorFlags(s, show->auditor);
  s->footer("Example: adtgw audit show 40ec53d1bcb8ea35c733f2d7ea966660");

  auto exp = std::make_shared<ExportFlags>();
  CLI::App* e = audit->add_subcommand(
      "export", "write the whole log, its checkpoints and key to a new directory");
  e->add_option("DIR", exp->dir, "the directory to create (must not exist)")->required();
  AddAuditorFlags(e, exp->auditor);
  e->footer(
      "Writes entries.log, checkpoints.jsonl, checkpoint.note, log-key.pub.pem and README;\n"
      "the directory appears whole or not at all.\n"
      "Example: adtgw audit export audit-2026-03 && adtgw audit verify --from audit-2026-03 "
      "--full");

  return [v, verify, q, query, s, show, exp]() -> Status {
    if (v->parsed()) return RunVerify(*verify);
    if (q->parsed()) {
      if (query->csv && query->auditor.json) {
        return MakeError(ErrorKind::kUsage, "usage", "give --json or --csv, not both");
      }
      return RunQuery(*query);
    }
    if (s->parsed()) return RunShow(*show);
    return RunExport(*exp);
  };
}

}  // namespace adtgw
