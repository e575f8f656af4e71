// `adtgw audit export DIR` (docs/cli.md; docs/audit-log.md, "Exports"): writes the
// whole log, its signed checkpoints and its key to a new directory, which appears whole
// or not at all; adtgw audit verify --from DIR checks it offline.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpprest/json.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "crypto/byte_stream.h"
#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "crypto/posix_file.h"
#include "gateway/audit/checkpoint.h"
#include "gateway/cli/audit_commands.h"
#include "gateway/cli/audit_log_stream.h"
#include "gateway/cli/audit_output.h"
#include "gateway/cli/auditor_session.h"
#include "gateway/common/atomic_file.h"
#include "gateway/common/temp_dir_guard.h"

namespace adtgw {
namespace {

using web::json::value;

struct ExportFlags {
  AuditorFlags auditor;
  std::string dir;
};

std::string ReadmeText(const Checkpoint& head, uint64_t rows, uint64_t checkpoints,
                       const std::string& url, const ClientConfig& config, const std::string& dir) {
  std::ostringstream out;
  out << "adtgw audit log export\n"
      << "======================\n\n"
      << "log:         " << head.origin << "\n"
      << "checkpoint:  size " << head.size << ", root " << Base64Encode(head.root) << "\n"
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
  ADTGW_ASSIGN(AuditorSession a, ConnectAuditor(f.auditor));
  ADTGW_TRY(a.witness.Observe(*a.api, a.key()));

  std::string temp = dir + ".tmp-XXXXXX";
  if (mkdtemp(temp.data()) == nullptr) {
    return ErrnoError(ErrorKind::kIo, "io.write", "cannot create a directory beside " + dir, errno);
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
  ADTGW_TRY(SyncDirectory(temp));
  if (renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, dir.c_str(), RENAME_NOREPLACE) != 0) {
    int err = errno;
    return ErrnoError(err == EEXIST ? ErrorKind::kConflict : ErrorKind::kIo,
                      err == EEXIST ? "output.exists" : "io.write",
                      "cannot move the export into " + dir, err);
  }
  guard.Release();
  std::string parent = dir.rfind('/') == std::string::npos ? "." : dir.substr(0, dir.rfind('/'));
  ADTGW_TRY(SyncDirectory(parent.empty() ? "/" : parent));

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

CommandAction AddAuditExportCommand(CLI::App* audit) {
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
  return [exp]() { return RunExport(*exp); };
}

}  // namespace adtgw
