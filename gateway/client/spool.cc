#include "gateway/client/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "crypto/posix_file.h"
#include "gateway/common/atomic_file.h"
#include "gateway/common/file_source.h"

namespace adtgw {
namespace {

constexpr size_t kMaxRecordFile = 256 * 1024;  // a manifest or its signature
constexpr const char* kSubfolders[] = {"outgoing", "sending", "sent",
                                       "failed",   ".adtgw",  ".adtgw/prepared"};

Error SystemError(const std::string& what, int err) {
  return ErrnoError(ErrorKind::kIo, "spool.io", what, err,
                    "check the spool folder's permissions and free space");
}

bool EndsWith(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

// Renames without ever replacing: EEXIST when `to` exists. Both folders are synced.
Status MoveNoReplace(const std::string& from, const std::string& to) {
  if (renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) != 0) {
    int err = errno;
    if (err == EEXIST) {
      return MakeError(ErrorKind::kConflict, "push.name_in_use", to + " exists already",
                       "move it away; until then the file is left as it is");
    }
    if (err == ENOENT) {
      return MakeError(ErrorKind::kNotFound, "push.gone", from + " is gone");
    }
    return SystemError("cannot move " + from + " to " + to, err);
  }
  ADTGW_TRY(SyncDirectory(to.substr(0, to.rfind('/'))));
  return SyncDirectory(from.substr(0, from.rfind('/')));
}

// The sidecar goes where its file went, from wherever it is (a crash may have moved
// the file and not yet its sidecar).
Status MoveSidecar(const std::string& dir, const std::string& name, const std::string& to_dir,
                   const std::string& to_name) {
  for (const char* from : {"sending", "outgoing"}) {
    std::string path = dir + "/" + from + "/" + name + kSidecarSuffix;
    if (!Exists(path)) continue;
    return MoveNoReplace(path, to_dir + "/" + to_name + kSidecarSuffix);
  }
  return OkStatus();
}

Result<std::string> ReadSmallFile(const std::string& path, size_t cap) {
  ADTGW_ASSIGN(FileSource source, FileSource::Open(path));
  if (source.size() > cap) {
    return MakeError(ErrorKind::kTooLarge, "spool.too_large",
                     path + " is larger than " + std::to_string(cap) + " bytes");
  }
  std::string out(source.size(), '\0');
  size_t got = 0;
  while (got < out.size()) {
    ADTGW_ASSIGN(size_t n, source.Read(std::span<uint8_t>(
                               reinterpret_cast<uint8_t*>(out.data()) + got, out.size() - got)));
    if (n == 0) break;
    got += n;
  }
  out.resize(got);
  return out;
}

// Regular files of `folder` (not links, dot-files or sidecars), sorted by name.
Result<std::vector<std::pair<std::string, struct stat>>> FilesIn(const std::string& folder) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(folder.c_str()), closedir);
  if (!d) return SystemError("cannot list " + folder, errno);
  std::vector<std::pair<std::string, struct stat>> out;
  while (struct dirent* e = readdir(d.get())) {
    std::string name = e->d_name;
    if (name.empty() || name[0] == '.' || EndsWith(name, kSidecarSuffix)) continue;
    struct stat st;
    if (fstatat(dirfd(d.get()), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (!S_ISREG(st.st_mode)) continue;
    out.emplace_back(std::move(name), st);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

FileIdentity IdentityOf(const struct stat& st) {
  return {static_cast<uint64_t>(st.st_size),
          static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
          static_cast<uint64_t>(st.st_ino)};
}

std::string IdentityText(const FileIdentity& id) {
  return std::to_string(id.size) + " " + std::to_string(id.mtime_ns) + " " +
         std::to_string(id.inode) + "\n";
}

bool IsTransferId(const std::string& s) { return s.size() == 32 && IsLowerHex(s); }

}  // namespace

Result<Spool> Spool::Open(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return MakeError(ErrorKind::kNotFound, "input.not_found", "--spool " + dir + " is not a folder",
                     "create it (and its outgoing/ folder) first");
  }
  std::string root = dir;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  for (const char* sub : kSubfolders) {
    std::string path = root + "/" + sub;
    if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
      return SystemError("cannot create " + path, errno);
    }
    if (lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return MakeError(ErrorKind::kPermission, "spool.not_a_folder",
                       path + " is not a folder (a link or a file?)",
                       "the spool's subfolders must be real folders");
    }
  }
  return Spool(root);
}

Result<FolderLock> Spool::Lock() const {
  return FolderLock::Acquire(dir_ + "/.adtgw/lock", "push.locked",
                             "another adtgw push is running on " + dir_,
                             "runs never overlap; this one sends nothing, the next one continues");
}

Result<std::vector<std::string>> Spool::Ready(std::chrono::seconds settle,
                                              std::chrono::system_clock::time_point now) const {
  const int64_t now_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  ADTGW_ASSIGN(auto files, FilesIn(dir_ + "/outgoing"));
  std::vector<std::string> out;
  for (const auto& [name, st] : files) {
    // A file still being written keeps changing: wait until it has been quiet a while.
    const int64_t changed_ns =
        static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    if (changed_ns + settle.count() * 1000000000 > now_ns) {
      continue;
    }
    out.push_back(name);
  }
  return out;
}

Result<std::vector<std::string>> Spool::Claimed() const {
  ADTGW_ASSIGN(auto files, FilesIn(dir_ + "/sending"));
  std::vector<std::string> out;
  for (const auto& entry : files) out.push_back(entry.first);
  return out;
}

Status Spool::Claim(const std::string& name) const {
  // A sidecar left in sending/ without its file (a run that stopped between moving a file
  // and its sidecar out) belongs to an earlier file of that name, not to this one.
  const std::string stale = SendingPath(name) + kSidecarSuffix;
  if (!Exists(SendingPath(name)) && Exists(stale)) {
    if (unlink(stale.c_str()) != 0) return SystemError("cannot remove " + stale, errno);
  }
  ADTGW_TRY(MoveNoReplace(dir_ + "/outgoing/" + name, SendingPath(name)));
  return MoveSidecar(dir_, name, dir_ + "/sending", name);
}

Status Spool::Postpone(const std::string& name) const {
  ADTGW_TRY(MoveNoReplace(SendingPath(name), dir_ + "/outgoing/" + name));
  return MoveSidecar(dir_, name, dir_ + "/outgoing", name);
}

Result<std::string> Spool::MarkSent(const std::string& name, const std::string& transfer_id,
                                    const std::string& receipt_json) const {
  // The first free name, NAME then NAME.ID8: free when neither the file nor a receipt
  // is there, or when the receipt there is this one (written by a run that stopped
  // before the move, which this run finishes).
  std::string target;
  for (const std::string& candidate : {name, name + "." + transfer_id.substr(0, 8)}) {
    const std::string receipt = dir_ + "/sent/" + candidate + ".receipt.json";
    if (Exists(dir_ + "/sent/" + candidate)) continue;
    if (Exists(receipt)) {
      auto earlier = ReadSmallFile(receipt, kMaxRecordFile);
      if (!earlier.ok() || *earlier != receipt_json + "\n") continue;
    }
    target = candidate;
    break;
  }
  if (target.empty()) {
    return MakeError(
        ErrorKind::kConflict, "push.name_in_use",
        "sent/" + name + " and sent/" + name + "." + transfer_id.substr(0, 8) + " are taken",
        "move earlier files out of sent/; the next run finishes this one");
  }
  // Written first, and again by a run that finds the file still in sending/: the same
  // transfer's receipt, so replacing it changes nothing.
  ADTGW_TRY(WriteFileAtomically(dir_ + "/sent/" + target + ".receipt.json", receipt_json + "\n",
                                0600, /*replace=*/true));
  ADTGW_TRY(MoveNoReplace(SendingPath(name), dir_ + "/sent/" + target));
  ADTGW_TRY(MoveSidecar(dir_, name, dir_ + "/sent", target));
  ADTGW_TRY(ForgetPrepared(name));
  return dir_ + "/sent/" + target;
}

Result<std::string> Spool::MarkFailed(const std::string& name, const Error& error,
                                      const std::vector<std::string>& problems) const {
  const std::time_t now = std::time(nullptr);
  // The first name with neither a file nor an error record: NAME, NAME.TIME, NAME.TIME.2...
  std::string target = name;
  for (int n = 1;
       Exists(dir_ + "/failed/" + target) || Exists(dir_ + "/failed/" + target + ".error.json");
       ++n) {
    target = name + "." + std::to_string(now) + (n == 1 ? "" : "." + std::to_string(n));
  }
  std::vector<cjson::Text> lines;
  for (const auto& p : problems) lines.push_back(cjson::String(p));
  std::string json = cjson::Object({{"code", cjson::String(error.code)},
                                    {"file", cjson::String(name)},
                                    {"hint", cjson::String(error.hint)},
                                    {"message", cjson::String(error.message)},
                                    {"problems", cjson::Array(lines)},
                                    {"refused_at", cjson::Integer(static_cast<uint64_t>(now))}});
  ADTGW_TRY(WriteFileAtomically(dir_ + "/failed/" + target + ".error.json", json + "\n", 0600,
                                /*replace=*/true));
  ADTGW_TRY(MoveNoReplace(SendingPath(name), dir_ + "/failed/" + target));
  ADTGW_TRY(MoveSidecar(dir_, name, dir_ + "/failed", target));
  ADTGW_TRY(ForgetPrepared(name));
  return dir_ + "/failed/" + target;
}

Result<FileIdentity> Spool::Identity(const std::string& name) const {
  struct stat st;
  if (lstat(SendingPath(name).c_str(), &st) != 0) {
    return SystemError("cannot read " + SendingPath(name), errno);
  }
  return IdentityOf(st);
}

Result<std::optional<std::string>> Spool::Sidecar(const std::string& name) const {
  for (const char* folder : {"sending", "outgoing"}) {
    std::string path = dir_ + "/" + folder + "/" + name + kSidecarSuffix;
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) continue;
    if (!S_ISREG(st.st_mode)) {
      return MakeError(ErrorKind::kInvalidInput, "push.bad_sidecar",
                       path + " is not a regular file");
    }
    auto text = ReadSmallFile(path, kMaxSidecarSize);
    if (!text.ok()) {
      Error e = std::move(text).error();
      if (e.kind == ErrorKind::kTooLarge) {
        e = MakeError(ErrorKind::kInvalidInput, "push.bad_sidecar", path + " is larger than 4 KiB",
                      "see docs/push.md, File types");
      }
      return e;
    }
    return std::optional<std::string>(std::move(text).value());
  }
  return std::optional<std::string>();
}

std::string Spool::PreparedDir(const std::string& name) const {
  return dir_ + "/.adtgw/prepared/" + name;
}

Result<std::string> Spool::NewPreparedDir(const std::string& name) const {
  ADTGW_TRY(ForgetPrepared(name));
  std::string dir = PreparedDir(name);
  if (mkdir(dir.c_str(), 0700) != 0) return SystemError("cannot create " + dir, errno);
  return dir;
}

Status Spool::SavePrepared(const std::string& name, const PreparedRecord& record) const {
  std::string dir = PreparedDir(name);
  ADTGW_TRY(WriteFileAtomically(dir + "/manifest.json", record.manifest, 0600, true));
  ADTGW_TRY(WriteFileAtomically(dir + "/manifest.sig", record.signature, 0600, true));
  return WriteFileAtomically(dir + "/record", IdentityText(record.identity), 0600, true);
}

Status Spool::SaveTransferId(const std::string& name, const std::string& id) const {
  return WriteFileAtomically(PreparedDir(name) + "/transfer-id", id + "\n", 0600, true);
}

Result<std::optional<PreparedRecord>> Spool::LoadPrepared(const std::string& name,
                                                          const FileIdentity& identity) const {
  std::string dir = PreparedDir(name);
  if (!Exists(dir + "/record")) {
    ADTGW_TRY(ForgetPrepared(name));  // an unfinished preparation
    return std::optional<PreparedRecord>();
  }
  ADTGW_ASSIGN(std::string text, ReadSmallFile(dir + "/record", 128));
  if (text != IdentityText(identity)) {
    ADTGW_TRY(ForgetPrepared(name));  // prepared from another version of the file
    return std::optional<PreparedRecord>();
  }
  PreparedRecord record;
  record.identity = identity;
  ADTGW_ASSIGN(record.manifest, ReadSmallFile(dir + "/manifest.json", kMaxRecordFile));
  ADTGW_ASSIGN(record.signature, ReadSmallFile(dir + "/manifest.sig", kMaxRecordFile));
  record.envelope_path = dir + "/envelope.cms";
  if (Exists(dir + "/transfer-id")) {
    ADTGW_ASSIGN(std::string id, ReadSmallFile(dir + "/transfer-id", 64));
    if (!id.empty() && id.back() == '\n') id.pop_back();
    if (!IsTransferId(id)) {
      return MakeError(ErrorKind::kInvalidInput, "spool.bad_record",
                       dir + "/transfer-id is not a transfer id",
                       "remove " + dir + " to prepare the file again");
    }
    record.transfer_id = id;
  }
  return std::optional<PreparedRecord>(std::move(record));
}

Status Spool::ForgetPrepared(const std::string& name) const {
  std::string dir = PreparedDir(name);
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), closedir);
  if (!d) {
    if (errno == ENOENT) return OkStatus();
    return SystemError("cannot list " + dir, errno);
  }
  while (struct dirent* e = readdir(d.get())) {
    std::string entry = e->d_name;
    if (entry == "." || entry == "..") continue;
    if (unlinkat(dirfd(d.get()), entry.c_str(), 0) != 0 && errno != ENOENT) {
      return SystemError("cannot remove " + dir + "/" + entry, errno);
    }
  }
  d.reset();
  if (rmdir(dir.c_str()) != 0 && errno != ENOENT) return SystemError("cannot remove " + dir, errno);
  return OkStatus();
}

}  // namespace adtgw
