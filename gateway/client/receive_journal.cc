#include "gateway/client/receive_journal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <vector>

#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "crypto/posix_file.h"
#include "gateway/common/atomic_file.h"
#include "gateway/common/file_source.h"
#include "gateway/common/strict_json.h"

namespace adtgw {
namespace {

constexpr size_t kMaxEntry = 8192;

// Transfer ids come from the gateway: only 32 lower-case hex digits name a file here.
Result<std::string> EntryName(const std::string& id) {
  const bool ok = id.size() == 32 && IsLowerHex(id);
  if (!ok) {
    return MakeError(ErrorKind::kInvalidInput, "response.malformed",
                     "the gateway named a transfer '" + id.substr(0, 40) + "'");
  }
  return id + ".json";
}

Error JournalIo(const std::string& what, int err) {
  return ErrnoError(ErrorKind::kIo, "receive.journal", what, err,
                    "check the output folder's permissions and free space");
}

}  // namespace

Result<ReceiveJournal> ReceiveJournal::Open(const std::string& out_dir) {
  std::string dir = out_dir + "/.adtgw-receive";
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return JournalIo("cannot create " + dir, errno);
  }
  struct stat st;
  if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return MakeError(ErrorKind::kPermission, "receive.journal", dir + " is not a folder",
                     "remove it; adtgw receive keeps its journal there");
  }
  return ReceiveJournal(out_dir, dir);
}

Status ReceiveJournal::Record(const std::string& id, const JournalEntry& e) const {
  ADTGW_ASSIGN(std::string name, EntryName(id));
  std::string json = cjson::Object({{"final_path", cjson::String(e.final_path)},
                                    {"sha256", cjson::String(ToHex(e.sha256))},
                                    {"temp_path", cjson::String(e.temp_path)}});
  return WriteFileAtomically(dir_ + "/" + name, json, 0600, /*replace=*/true);
}

Result<std::optional<JournalEntry>> ReceiveJournal::Find(const std::string& id) const {
  ADTGW_ASSIGN(std::string name, EntryName(id));
  std::string path = dir_ + "/" + name;
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return std::optional<JournalEntry>();
  ADTGW_ASSIGN(FileSource source, FileSource::Open(path));
  if (source.size() > kMaxEntry) {
    return MakeError(ErrorKind::kInvalidInput, "receive.journal", path + " is too large");
  }
  std::vector<uint8_t> bytes(source.size());
  size_t got = 0;
  while (got < bytes.size()) {
    ADTGW_ASSIGN(size_t n, source.Read(std::span<uint8_t>(bytes).subspan(got)));
    if (n == 0) break;
    got += n;
  }
  bytes.resize(got);
  StrictJsonObject::Rules rules{"receive.journal", "remove " + path + " if it is damaged",
                                kMaxEntry, 1};
  ADTGW_ASSIGN(StrictJsonObject obj,
               StrictJsonObject::Parse(bytes, rules, {"final_path", "sha256", "temp_path"}));
  JournalEntry entry;
  ADTGW_ASSIGN(entry.final_path, obj.Text("final_path"));
  ADTGW_ASSIGN(entry.temp_path, obj.Text("temp_path"));
  ADTGW_ASSIGN(std::string hex, obj.Text("sha256"));
  auto digest = ParseHexDigest(hex);
  if (!digest) return obj.Bad("sha256", "is not a SHA-256");
  entry.sha256 = *digest;
  // What the receiver wrote: a file in the output folder and its AtomicFile temporary
  // beside it. Anything else is not followed (the receiver deletes the temporary).
  const std::string prefix = out_dir_ + "/";
  const std::string final_name = entry.final_path.substr(entry.final_path.rfind('/') + 1);
  if (entry.final_path != prefix + final_name || final_name.empty() ||
      entry.temp_path.rfind(prefix + "." + final_name + ".tmp-", 0) != 0 ||
      entry.temp_path.size() != prefix.size() + final_name.size() + 1 + 5 + 16 ||
      !IsLowerHex(std::string_view(entry.temp_path).substr(entry.temp_path.size() - 16))) {
    return obj.Bad("temp_path", "names files outside " + out_dir_);
  }
  return std::optional<JournalEntry>(std::move(entry));
}

Result<size_t> ReceiveJournal::RemoveStaleTemporaries() const {
  // AtomicFile's temporary names: "." + name + ".tmp-" + 16 hex digits.
  auto is_temporary = [](const std::string& name) {
    const size_t at = name.rfind(".tmp-");
    return name.size() > 1 && name[0] == '.' && at != std::string::npos && at > 1 &&
           name.size() - at == 5 + 16 && IsLowerHex(std::string_view(name).substr(at + 5));
  };
  size_t removed = 0;
  std::vector<std::string> named;  // temporaries the journal still needs
  std::vector<std::string> found;
  for (const auto& [folder, list] : {std::pair{dir_, &named}, std::pair{out_dir_, &found}}) {
    std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(folder.c_str()), closedir);
    if (!d) return JournalIo("cannot list " + folder, errno);
    while (struct dirent* e = readdir(d.get())) {
      std::string name = e->d_name;
      if (list == &found) {
        if (is_temporary(name)) found.push_back(name);
      } else if (is_temporary(name)) {
        // An entry whose writing was cut short: it never counted.
        if (unlinkat(dirfd(d.get()), name.c_str(), 0) == 0) ++removed;
      } else if (name.size() == 37 && name.compare(32, 5, ".json") == 0) {
        auto entry = Find(name.substr(0, 32));
        if (!entry.ok() || !*entry) continue;
        const std::string& temp = (*entry)->temp_path;
        named.push_back(temp.substr(temp.rfind('/') + 1));  // compared by name
      }
    }
  }
  for (const std::string& name : found) {
    if (std::find(named.begin(), named.end(), name) != named.end()) continue;
    if (unlink((out_dir_ + "/" + name).c_str()) == 0) ++removed;
  }
  return removed;
}

Status ReceiveJournal::Prune(const std::vector<std::string>& waiting_ids) const {
  std::vector<std::string> gone;
  {
    std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir_.c_str()), closedir);
    if (!d) return JournalIo("cannot list " + dir_, errno);
    while (struct dirent* e = readdir(d.get())) {
      std::string name = e->d_name;
      if (name.size() != 37 || name.compare(32, 5, ".json") != 0) continue;
      std::string id = name.substr(0, 32);
      if (!IsLowerHex(id)) continue;  // not an entry this journal wrote
      if (std::find(waiting_ids.begin(), waiting_ids.end(), id) == waiting_ids.end()) {
        gone.push_back(id);
      }
    }
  }
  for (const std::string& id : gone) {
    auto entry = Find(id);
    if (entry.ok() && *entry) unlink((*entry)->temp_path.c_str());
    ADTGW_TRY(Forget(id));
  }
  return OkStatus();
}

Status ReceiveJournal::Forget(const std::string& id) const {
  ADTGW_ASSIGN(std::string name, EntryName(id));
  std::string path = dir_ + "/" + name;
  if (unlink(path.c_str()) != 0 && errno != ENOENT)
    return JournalIo("cannot remove " + path, errno);
  return SyncDirectory(dir_);
}

}  // namespace adtgw
