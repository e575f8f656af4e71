// AuditLog: the gateway's tamper-evident log (docs/audit-log.md; docs/architecture.md, rule 8).
//
// Entries (audit_entry.h) are numbered from 0 and appended to a SQLite database
// (sqlite_database.h) together with the Merkle tree's perfect subtree hashes and a
// checkpoint signed with the log key (checkpoint.h), in one durable transaction per
// batch. Append() returns only when its entry is durable and covered by a signed
// checkpoint, so every answer the gateway gives can cite the entry. One writer thread
// commits whatever has queued while the previous batch was committing (group commit),
// so the log costs one fsync and one signature per batch, not per entry.
//
// The newest checkpoint advances by compare-and-swap on (size, root): a batch whose
// starting tree is not the stored head is refused and the writer reloads, so the log
// never signs two checkpoints that are not consistent with each other. At open, the
// stored head must be signed by this log key and equal the root of the stored nodes.
//
// Proofs read O(log n) stored nodes. Reads (proofs, entries, queries) use their own
// connection, so they do not wait for commits.
//
// Ownership: the log owns its connections, its writer thread and its signer.
// Thread safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/audit/audit_entry.h"
#include "gateway/audit/checkpoint.h"

namespace adtgw {

// A signed checkpoint: what it says, and the signed note itself.
struct SignedCheckpoint {
  Checkpoint checkpoint;
  std::string note;
};

// Where an appended entry landed, the first checkpoint that covers it and, from
// AppendProved, the entry's inclusion proof in that checkpoint's tree and the canonical
// bytes the log hashed (what a receipt quotes, so they are not encoded twice).
struct LogPosition {
  uint64_t index = 0;
  SignedCheckpoint head;
  std::vector<Sha256Digest> inclusion;
  std::string entry;
};

// An entry as stored: its index, its bytes and the leaf hash stored for it (absent
// when the row has none: the row was added behind the log's back).
struct StoredEntry {
  uint64_t index = 0;
  std::string entry;
  std::optional<Sha256Digest> leaf;
};

struct AuditQuery {
  std::optional<Eui64> party;  // named anywhere in the entry
  std::string event;
  std::string file_type;
  std::optional<std::time_t> since;  // at >= since
  std::optional<std::time_t> until;  // at < until
  size_t limit = 10000;
};

class AuditLog {
 public:
  // Opens (or creates, with a signed checkpoint of the empty tree) the log at `path`.
  static Result<std::unique_ptr<AuditLog>> Open(const std::string& path, LogSigner signer);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends and waits until the entry is durable and signed. audit.unavailable when it
  // could not be (the caller must then fail closed).
  Result<LogPosition> Append(const AuditEntry& entry);
  // Append, with the inclusion proof filled in by the writer from the nodes it has just
  // written (a receipt's proof without a read of the stored tree).
  Result<LogPosition> AppendProved(const AuditEntry& entry);
  // Appends many in one batch (bulk loads, tests); positions in the same order.
  Result<std::vector<LogPosition>> AppendAll(const std::vector<AuditEntry>& entries);

  SignedCheckpoint Latest() const;
  const LogVerifier& verifier() const;

  Result<std::vector<Sha256Digest>> InclusionProof(uint64_t index, uint64_t size);
  Result<std::vector<Sha256Digest>> ConsistencyProof(uint64_t old_size, uint64_t size);

  // Stored rows with index >= from, in index order, at most `limit`, read in one short
  // read transaction (callers reading the whole log page through it, so that no
  // snapshot is held open for long). Rows past the newest checkpoint are returned too:
  // only tampering puts them there.
  Result<std::vector<StoredEntry>> Entries(uint64_t from, size_t limit);
  Result<std::vector<StoredEntry>> Find(const AuditQuery& query);
  Result<std::vector<StoredEntry>> ForTransfer(const std::string& transfer_id);
  // The signed notes of the checkpoints of size >= from_size, smallest first, at most
  // `limit`. A quiet log signs one checkpoint per entry, so callers page through them.
  Result<std::vector<std::string>> Checkpoints(uint64_t from_size, size_t limit);

 private:
  class Impl;
  explicit AuditLog(std::unique_ptr<Impl> impl);
  Result<std::vector<LogPosition>> Submit(const std::vector<AuditEntry>& entries, bool prove);
  std::unique_ptr<Impl> impl_;
};

}  // namespace adtgw
