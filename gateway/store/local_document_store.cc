#include "gateway/store/local_document_store.h"

#include "crypto/random_hex.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <openssl/rand.h>

#include "crypto/encoding.h"
#include "crypto/posix_file.h"
#include "crypto/sha256.h"
#include "gateway/common/file_source.h"

namespace adtgw {
namespace {

constexpr size_t kKeyHexDigits = 32;

Error IoError(const std::string& what, int err) {
  return ErrnoError(ErrorKind::kIo, "store.io", what, err,
                    err == ENOSPC ? "the document store is full" : "");
}

Error NoSuch(const StorageKey& key, const char* what) {
  return MakeError(ErrorKind::kNotFound, "store.not_found",
                   std::string("no ") + what + " " + key.str() + " in the document store");
}

Status MakeDirectory(const std::string& path) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return IoError("mkdir " + path, errno);
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return MakeError(ErrorKind::kIo, "store.io", path + " is not a folder");
  }
  return OkStatus();
}

Result<uint64_t> FileSize(const std::string& path, const StorageKey& key, const char* what) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return NoSuch(key, what);
    return IoError("stat " + path, errno);
  }
  if (!S_ISREG(st.st_mode)) {  // never follow a link planted in the store
    return MakeError(ErrorKind::kIo, "store.io", path + " is not a regular file");
  }
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace

StorageKey StorageKey::Generate() { return StorageKey(RandomHex(kKeyHexDigits / 2)); }

Result<StorageKey> StorageKey::Parse(std::string_view text) {
  if (text.size() != kKeyHexDigits || !IsLowerHex(text)) {
    return MakeError(ErrorKind::kInvalidInput, "store.bad_key",
                     "'" + std::string(text.substr(0, 40)) + "' is not a storage key",
                     "storage keys are 32 lower-case hex digits made by the gateway");
  }
  return StorageKey(std::string(text));
}

Result<std::unique_ptr<LocalDocumentStore>> LocalDocumentStore::Create(const std::string& root) {
  ADTGW_TRY(MakeDirectory(root));
  ADTGW_TRY(MakeDirectory(root + "/objects"));
  ADTGW_TRY(MakeDirectory(root + "/partial"));
  return std::unique_ptr<LocalDocumentStore>(new LocalDocumentStore(root));
}

std::string LocalDocumentStore::PartialPath(const StorageKey& key) const {
  return root_ + "/partial/" + key.str();
}

std::string LocalDocumentStore::ObjectPath(const StorageKey& key) const {
  return root_ + "/objects/" + key.str();
}

Result<StorageKey> LocalDocumentStore::BeginUpload() {
  StorageKey key = StorageKey::Generate();
  UniqueFd fd(
      open(PartialPath(key).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) return IoError("create " + PartialPath(key), errno);
  fd.reset();
  ADTGW_TRY(SyncDirectory(root_ + "/partial"));
  return key;
}

Result<uint64_t> LocalDocumentStore::UploadOffset(const StorageKey& key) {
  return FileSize(PartialPath(key), key, "upload");
}

Result<uint64_t> LocalDocumentStore::Append(const StorageKey& key, uint64_t offset,
                                            std::span<const uint8_t> data, bool then_commit) {
  UniqueFd fd(open(PartialPath(key).c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) {
    if (errno == ENOENT) return NoSuch(key, "upload");
    return IoError("open " + PartialPath(key), errno);
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0 || static_cast<uint64_t>(st.st_size) != offset) {
    uint64_t have = static_cast<uint64_t>(st.st_size);
    return MakeError(ErrorKind::kConflict, "store.offset_mismatch",
                     "append at offset " + std::to_string(offset) + ", but the upload holds " +
                         std::to_string(have) + " bytes",
                     "ask for the offset (HEAD) and resume from there");
  }
  uint64_t pos = offset;
  while (!data.empty()) {
    ssize_t n = pwrite(fd.get(), data.data(), data.size(), static_cast<off_t>(pos));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      if (ftruncate(fd.get(), static_cast<off_t>(offset)) != 0) {
        // The size check on the next append refuses whatever was left.
      }
      return IoError("write " + PartialPath(key), err);
    }
    pos += static_cast<uint64_t>(n);
    data = data.subspan(static_cast<size_t>(n));
  }
  if (!then_commit && fdatasync(fd.get()) != 0) return IoError("fsync " + PartialPath(key), errno);
  return pos;
}

Status LocalDocumentStore::Commit(const StorageKey& key) {
  std::string from = PartialPath(key);
  UniqueFd fd(open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) {
    if (errno == ENOENT) return NoSuch(key, "upload");
    return IoError("open " + from, errno);
  }
  if (fsync(fd.get()) != 0) return IoError("fsync " + from, errno);
  fd.reset();
  if (rename(from.c_str(), ObjectPath(key).c_str()) != 0) {
    return IoError("rename into objects/", errno);
  }
  // One directory sync: the journal commits the whole rename (both names) with it. Were
  // the partial name to reappear after a crash, the upload would look complete but
  // uncommitted, and the sender's completing PATCH commits it again (same bytes).
  return SyncDirectory(root_ + "/objects");
}

Status LocalDocumentStore::AbandonUpload(const StorageKey& key) {
  if (unlink(PartialPath(key).c_str()) != 0 && errno != ENOENT) {
    return IoError("unlink " + PartialPath(key), errno);
  }
  return SyncDirectory(root_ + "/partial");
}

Result<std::vector<StorageKey>> LocalDocumentStore::PendingUploads() {
  std::vector<StorageKey> out;
  DIR* d = opendir((root_ + "/partial").c_str());
  if (d == nullptr) return IoError("open " + root_ + "/partial", errno);
  while (dirent* e = readdir(d)) {
    auto key = StorageKey::Parse(e->d_name);
    if (key.ok()) out.push_back(*key);  // anything else is not ours: left alone
  }
  closedir(d);
  return out;
}

Result<std::unique_ptr<ByteSource>> LocalDocumentStore::Open(const StorageKey& key) {
  // FileSize refuses a missing key by name, and anything but a regular file.
  ADTGW_ASSIGN(uint64_t size, FileSize(ObjectPath(key), key, "object"));
  (void)size;
  ADTGW_ASSIGN(FileSource source, FileSource::Open(ObjectPath(key)));
  return std::unique_ptr<ByteSource>(new FileSource(std::move(source)));
}

Result<std::unique_ptr<ByteSource>> LocalDocumentStore::OpenUpload(const StorageKey& key) {
  ADTGW_ASSIGN(uint64_t size, FileSize(PartialPath(key), key, "upload"));
  (void)size;
  ADTGW_ASSIGN(FileSource source, FileSource::Open(PartialPath(key)));
  return std::unique_ptr<ByteSource>(new FileSource(std::move(source)));
}

Result<uint64_t> LocalDocumentStore::Size(const StorageKey& key) {
  return FileSize(ObjectPath(key), key, "object");
}

Status LocalDocumentStore::Remove(const StorageKey& key) {
  if (unlink(ObjectPath(key).c_str()) != 0 && errno != ENOENT) {
    return IoError("unlink " + ObjectPath(key), errno);
  }
  return SyncDirectory(root_ + "/objects");
}

}  // namespace adtgw
