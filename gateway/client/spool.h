// Spool: the folder `adtgw push --spool DIR` sends from (docs/push.md):
//   DIR/outgoing/   producers drop files here (dot-files are ignored; a file is taken
//                   only once it has not changed for the settle time)
//   DIR/sending/    files a run has claimed (renamed from outgoing: atomic)
//   DIR/sent/       delivered files, each beside NAME.receipt.json
//   DIR/failed/     refused files, each beside NAME.error.json
//   DIR/.adtgw/lock          held (flock) by the run in progress
//   DIR/.adtgw/prepared/NAME/ a claimed file's sealed envelope, signed manifest and,
//                   once offered, its transfer id: a later run offers the same
//                   manifest again, which the gateway answers with the same transfer,
//                   so nothing is delivered twice
// A file's sidecar, NAME.adtgw.json, travels with it (docs/push.md, "File types").
//
// The spool never runs or interprets what it finds (docs/architecture.md, rule 5): it
// reads names, sizes and times, moves files by rename, and hands their bytes to the
// sealer. Every record it writes is written whole (temporary file, fsync, rename).
//
// Ownership: a Spool is a path; the FolderLock it gives owns the lock file's descriptor.
// Thread safety: one thread at a time; two processes are kept apart by the lock.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "crypto/result.h"
#include "gateway/common/folder_lock.h"

namespace adtgw {

// What identifies one version of a file: a rewritten file has another.
struct FileIdentity {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  bool operator==(const FileIdentity&) const = default;
};

// What a run kept of a claimed file (the manifest's bytes and signature, the envelope's
// path, and the transfer id once the gateway gave one).
struct PreparedRecord {
  FileIdentity identity;  // of the file it was prepared from
  std::string manifest;
  std::string signature;
  std::string envelope_path;
  std::string transfer_id;  // empty until offered
};

class Spool {
 public:
  // DIR must exist; its subfolders are created (0700) when missing.
  static Result<Spool> Open(const std::string& dir);

  // Held while a push runs; push.locked (kConflict) when another run holds it.
  Result<FolderLock> Lock() const;

  // Files in outgoing/ ready to claim, by name: regular files (not links), not dot-files
  // or sidecars, whose last change is at least `settle` before `now`.
  Result<std::vector<std::string>> Ready(std::chrono::seconds settle,
                                         std::chrono::system_clock::time_point now) const;
  // Files in sending/: claimed by a run that did not finish them.
  Result<std::vector<std::string>> Claimed() const;

  // outgoing/NAME -> sending/NAME, with its sidecar. push.gone (kNotFound) when it
  // disappeared meanwhile.
  Status Claim(const std::string& name) const;
  // sending/NAME -> outgoing/NAME, with its sidecar, for the next run; what was
  // prepared for it is kept.
  Status Postpone(const std::string& name) const;
  // Writes the receipt, then sending/NAME -> sent/NAME (NAME.ID8 when taken), with its
  // sidecar; forgets what was prepared. Returns the path in sent/.
  Result<std::string> MarkSent(const std::string& name, const std::string& transfer_id,
                               const std::string& receipt_json) const;
  // Writes NAME.error.json, then sending/NAME -> failed/NAME (with a time suffix when
  // taken), with its sidecar; forgets what was prepared. Returns the path in failed/.
  Result<std::string> MarkFailed(const std::string& name, const Error& error,
                                 const std::vector<std::string>& problems) const;

  std::string SendingPath(const std::string& name) const { return dir_ + "/sending/" + name; }
  Result<FileIdentity> Identity(const std::string& name) const;
  // The sidecar's bytes, at most 4 KiB; nullopt when there is none.
  Result<std::optional<std::string>> Sidecar(const std::string& name) const;

  // Where the envelope of `name` is sealed to (a fresh directory each time).
  Result<std::string> NewPreparedDir(const std::string& name) const;
  // Records the rest of what was prepared (the envelope is already in `dir`); written
  // last, so a record exists only once it is whole.
  Status SavePrepared(const std::string& name, const PreparedRecord& record) const;
  Status SaveTransferId(const std::string& name, const std::string& id) const;
  // What was prepared for this version of the file; nullopt when nothing, or for
  // another version (which is then forgotten).
  Result<std::optional<PreparedRecord>> LoadPrepared(const std::string& name,
                                                     const FileIdentity& identity) const;
  Status ForgetPrepared(const std::string& name) const;

  const std::string& dir() const { return dir_; }

 private:
  explicit Spool(std::string dir) : dir_(std::move(dir)) {}
  std::string PreparedDir(const std::string& name) const;

  std::string dir_;
};

// A sidecar names its file's type and, for a quarantine report, its recipients.
inline constexpr char kSidecarSuffix[] = ".adtgw.json";
inline constexpr size_t kMaxSidecarSize = 4096;

}  // namespace adtgw
