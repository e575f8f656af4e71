#include "gateway/client/checkpoint_witness.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "certs/credential_files.h"
#include "crypto/byte_stream.h"
#include "crypto/encoding.h"
#include "crypto/posix_file.h"
#include "crypto/sha256.h"
#include "gateway/audit/merkle_tree.h"
#include "gateway/common/atomic_file.h"

namespace adtgw {
namespace {

std::string SafeName(const std::string& origin) {
  std::string out = origin;
  for (char& c : out) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return out;
}

Error IoError(const std::string& what, const std::string& path) {
  return ErrnoError(ErrorKind::kIo, "io.write", what + " " + path, errno,
                    "the client keeps the audit log's checkpoints there (state_dir in the client "
                    "configuration)");
}

// mkdir -p, 0700 for what it creates.
Status MakeDirs(const std::string& dir) {
  for (size_t at = 1; at <= dir.size(); ++at) {
    if (at != dir.size() && dir[at] != '/') continue;
    std::string prefix = dir.substr(0, at);
    if (mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      return IoError("cannot create the state directory", prefix);
    }
  }
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    return IoError("cannot use the state directory", dir);
  }
  return OkStatus();
}

// An exclusive flock on a file, released when destroyed.
class FileLock {
 public:
  static Result<FileLock> Take(const std::string& path) {
    UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd.valid()) return IoError("cannot open the lock", path);
    while (flock(fd.get(), LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      return IoError("cannot lock", path);
    }
    return FileLock(std::move(fd));
  }

 private:
  explicit FileLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;  // closing it releases the lock
};

// A checkpoint.* error about a note, with the context of where the note came from.
Error NoteError(Error e, const std::string& whose, const std::string& hint) {
  Error out = std::move(e).With(whose);
  out.hint = hint;
  return out;
}

}  // namespace

std::string DescribeCheckpoint(const Checkpoint& c) {
  // The root in base64, as the note writes it: the form auditors compare.
  return "origin " + c.origin + ", size " + std::to_string(c.size) + ", root " +
         Base64Encode(c.root);
}

std::string CheckpointWitness::NotePath(const std::string& origin) const {
  return state_dir_ + "/checkpoints/" + SafeName(origin) + ".note";
}

Result<std::optional<Checkpoint>> CheckpointWitness::Stored(const LogVerifier& verifier) const {
  std::string path = NotePath(verifier.origin());
  auto bytes = ReadFileCapped(path, kMaxCheckpointNoteSize);
  if (!bytes.ok()) {
    if (bytes.error().code == "input.not_found") return std::optional<Checkpoint>();
    return std::move(bytes).error();
  }
  auto stored = verifier.Verify(
      std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
  if (!stored.ok()) {
    Error e = std::move(stored).error();
    e.kind = ErrorKind::kIntegrity;
    return NoteError(std::move(e), "the checkpoint stored in " + path,
                     "it does not verify with audit_log.public_key of your configuration. If "
                     "the DCC has replaced the log key, move " +
                         path +
                         " away (keep it) and run the command again; otherwise your state "
                         "directory was changed: report it");
  }
  return std::optional<Checkpoint>(std::move(stored).value());
}

Result<WitnessReport> CheckpointWitness::Observe(GatewayApi& api, const LogVerifier& verifier) {
  return Check(api, verifier, {}, /*latest=*/true);
}

Result<WitnessReport> CheckpointWitness::ObserveNote(GatewayApi& api, const LogVerifier& verifier,
                                                     std::string_view note) {
  return Check(api, verifier, note, /*latest=*/false);
}

Result<WitnessReport> CheckpointWitness::Check(GatewayApi& api, const LogVerifier& verifier,
                                               std::string_view given, bool latest) {
  std::string dir = state_dir_ + "/checkpoints";
  ADTGW_TRY(MakeDirs(dir));
  std::string path = NotePath(verifier.origin());
  // Held until the end: the fetch, the checks and the write are one step for every
  // process sharing this state directory.
  ADTGW_ASSIGN(FileLock lock, FileLock::Take(dir + "/" + SafeName(verifier.origin()) + ".lock"));
  (void)lock;

  std::string note(given);
  if (latest) {
    ADTGW_ASSIGN(note, api.AuditCheckpoint());
  }
  const std::string key_hint =
      "the checkpoint is not signed by the audit log key in your configuration "
      "(audit_log.public_key). If the DCC has replaced the log key, get the new one from it; "
      "otherwise keep this output and report it to the DCC";
  auto verified = verifier.Verify(note);
  if (!verified.ok()) {
    return NoteError(std::move(verified).error(),
                     latest ? "the gateway's checkpoint" : "the receipt's checkpoint", key_hint);
  }
  WitnessReport report;
  report.checkpoint = std::move(verified).value();
  ADTGW_ASSIGN(report.stored, Stored(verifier));
  const Checkpoint& now = report.checkpoint;

  auto store = [&]() -> Status {
    ADTGW_TRY(WriteFileAtomically(path, note, 0600, /*replace=*/true));
    report.replaced = true;
    return OkStatus();
  };
  if (!report.stored) {
    ADTGW_TRY(store());
    return report;
  }
  const Checkpoint& before = *report.stored;

  // A hard error naming both checkpoints; the gateway's note is kept as evidence.
  auto evidence = [&](const std::string& code, const std::string& what) -> Error {
    // Named by its content, so that seeing the same note again saves it once.
    std::string saved = dir + "/" + SafeName(verifier.origin()) + ".rejected-" +
                        std::to_string(now.size) + "-" +
                        ToHex(Sha256Of(AsBytes(note))).substr(0, 16) + ".note";
    Status kept = WriteFileAtomically(saved, note, 0600, /*replace=*/false);
    if (!kept.ok() && kept.error().code == "output.exists") kept = OkStatus();
    std::string where =
        kept.ok()
            ? saved + " (the gateway's)"
            : "the gateway's checkpoint (it could not be saved: " + kept.error().message + ")";
    return MakeError(ErrorKind::kIntegrity, code,
                     what + ": the gateway's checkpoint is " + DescribeCheckpoint(now) +
                         "; the one you saw before is " + DescribeCheckpoint(before),
                     "keep both signed checkpoints as evidence, " + path + " (seen before) and " +
                         where + ", and report this to the DCC. Do not delete " + path +
                         ": until this is explained, every command that contacts this gateway "
                         "fails");
  };

  if (now.size == before.size) {
    if (now.root == before.root) return report;
    return evidence("audit.log_forked", "the audit log forked: two different trees of " +
                                            std::to_string(now.size) +
                                            " entries, both signed with the log key");
  }
  if (now.size > before.size) {
    std::vector<Sha256Digest> proof;
    if (before.size > 0) {
      auto got = api.AuditConsistency(before.size, now.size);
      if (!got.ok()) {
        return std::move(got).error().With(
            "the gateway did not prove that its checkpoint (" + DescribeCheckpoint(now) +
            ") extends the one you saw before (" + DescribeCheckpoint(before) + ")");
      }
      proof = std::move(got).value();
    }
    Status consistent =
        merkle::VerifyConsistency(before.size, now.size, before.root, now.root, proof);
    if (!consistent.ok()) {
      return evidence("audit.log_forked",
                      "the audit log forked: the gateway's proof that its tree extends the one "
                      "you saw before fails (" +
                          consistent.error().code + ": " + consistent.error().message + ")");
    }
    ADTGW_TRY(store());
    return report;
  }

  // A smaller tree than one seen before. The gateway is asked to prove that the stored
  // tree extends it (it cannot if its head is really this small).
  auto got = api.AuditConsistency(now.size, before.size);
  Status consistent =
      got.ok() ? merkle::VerifyConsistency(now.size, before.size, now.root, before.root, *got)
               : Status(got.error());
  if (!latest) {
    // An older checkpoint (a receipt's): fine if it is a prefix of what was seen.
    if (consistent.ok()) return report;
    if (!got.ok()) {
      return std::move(got).error().With(
          "the gateway did not prove that the checkpoint you saw before (" +
          DescribeCheckpoint(before) + ") extends the receipt's (" + DescribeCheckpoint(now) + ")");
    }
    return evidence("audit.log_forked",
                    "the audit log forked: the receipt's checkpoint is not a prefix of the one "
                    "you saw before (" +
                        consistent.error().code + ": " + consistent.error().message + ")");
  }
  std::string how =
      consistent.ok()
          ? "it still proves that the larger tree extends its own, so it showed an older "
            "checkpoint as its latest (a rolled-back or stale view of the log)"
      : got.ok() ? "and its tree is not even a prefix of the one you saw before (" +
                       consistent.error().code + ")"
                 : "and it cannot prove its tree is a prefix of the one you saw before (" +
                       got.error().code + ")";
  return evidence("audit.log_truncated",
                  "the audit log went back: the gateway's latest checkpoint has " +
                      std::to_string(now.size) + " entries, fewer than the " +
                      std::to_string(before.size) + " it showed you before; " + how);
}

}  // namespace adtgw
