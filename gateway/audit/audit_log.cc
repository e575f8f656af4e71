#include "gateway/audit/audit_log.h"

#include <sqlite3.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <limits>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "crypto/byte_stream.h"
#include "gateway/audit/merkle_tree.h"
#include "gateway/store/sqlite_database.h"

namespace adtgw {
namespace {

constexpr int kSchemaVersion = 1;
constexpr size_t kMaxBatchEntries = 50000;
// Group commit only groups what arrives during a commit, and uploads arrive spread out:
// at 500 entries a second and a commit of under a millisecond, nearly every batch held
// one entry, each paying an fsync, a dozen WAL page writes and a signature. So a busy
// log (the last commit ended under kBusyGap ago, and the last batch or the queue holds
// more than one appender's entries) keeps gathering while entries keep coming: up to
// kGatherGap for each next one, kGatherWindow in all, kGatherEnough at most. Measured
// under bench/audit_log.sh's upload load (docs/performance.md): no wait, 1.25-1.45
// entries a batch; a fixed 2 ms for 8, 2.3; this, 3.9-4.8, with 6% less gateway CPU
// per upload; a fixed 20 ms for 32, 7.5, no less CPU and fewer uploads/s. The wait
// holds up the appending thread, hence the gateway's default of more I/O threads than
// busy connections (gateway_config.h). A single appender (one sender's sequential
// uploads) never waits, nor does a quiet log.
constexpr auto kBusyGap = std::chrono::milliseconds(20);
constexpr auto kGatherWindow = std::chrono::milliseconds(10);
constexpr auto kGatherGap = std::chrono::milliseconds(4);
constexpr size_t kGatherEnough = 16;
// A batch is committed at most this many times when other writers keep moving the head.
constexpr int kCommitAttempts = 8;

// docs/audit-log.md, "Storage". The query columns (at, event, transfer_id, file_type,
// audit_parties) are copies of what the entry says, for lookups only: answers always
// carry the entry bytes themselves, which the tree covers.
const char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS audit_entries (
  idx INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  event TEXT NOT NULL,
  transfer_id TEXT NOT NULL,
  file_type TEXT NOT NULL,
  entry BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_entries_by_time ON audit_entries (at);
CREATE INDEX IF NOT EXISTS audit_entries_by_transfer ON audit_entries (transfer_id);
CREATE TABLE IF NOT EXISTS audit_parties (
  party TEXT NOT NULL,
  at INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  PRIMARY KEY (party, at, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_nodes (
  id INTEGER PRIMARY KEY,
  hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  size INTEGER PRIMARY KEY,
  root BLOB NOT NULL,
  note TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  size INTEGER NOT NULL,
  root BLOB NOT NULL,
  note TEXT NOT NULL
);
)sql";

constexpr char kInsertEntry[] = R"sql(
INSERT INTO audit_entries (idx, at, event, transfer_id, file_type, entry)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6)
)sql";
constexpr char kInsertParty[] = R"sql(
INSERT INTO audit_parties (party, at, idx) VALUES (?1, ?2, ?3)
)sql";
constexpr char kInsertNode[] = R"sql(
INSERT INTO audit_nodes (id, hash) VALUES (?1, ?2)
)sql";
constexpr char kSelectNode[] = R"sql(
SELECT hash FROM audit_nodes WHERE id = ?1
)sql";
constexpr char kInsertCheckpoint[] = R"sql(
INSERT INTO audit_checkpoints (size, root, note) VALUES (?1, ?2, ?3)
)sql";
constexpr char kSelectHead[] = R"sql(
SELECT size, root, note FROM audit_head WHERE id = 1
)sql";
constexpr char kInsertHead[] = R"sql(
INSERT INTO audit_head (id, size, root, note) VALUES (1, ?1, ?2, ?3)
)sql";
// The compare-and-swap: only the head this batch started from may be replaced.
constexpr char kAdvanceHead[] = R"sql(
UPDATE audit_head SET size = ?1, root = ?2, note = ?3
  WHERE id = 1 AND size = ?4 AND root = ?5
)sql";
// A proof's reads share one snapshot.
constexpr char kBeginRead[] = "BEGIN";
constexpr char kEndRead[] = "COMMIT";
constexpr char kLastIndex[] = R"sql(
SELECT MAX(idx) FROM audit_entries
)sql";
constexpr char kSelectEntries[] = R"sql(
SELECT e.idx, e.entry, n.hash
  FROM audit_entries e LEFT JOIN audit_nodes n ON n.id = e.idx
  WHERE e.idx >= ?1
  ORDER BY e.idx
  LIMIT ?2
)sql";
constexpr char kFindByParty[] = R"sql(
SELECT e.idx, e.entry, n.hash
  FROM audit_parties p
  JOIN audit_entries e ON e.idx = p.idx
  LEFT JOIN audit_nodes n ON n.id = e.idx
  WHERE p.party = ?1 AND p.at >= ?2 AND p.at < ?3
    AND (?4 = '' OR e.event = ?4) AND (?5 = '' OR e.file_type = ?5)
  ORDER BY p.at, p.idx
  LIMIT ?6
)sql";
constexpr char kFindByTime[] = R"sql(
SELECT e.idx, e.entry, n.hash
  FROM audit_entries e LEFT JOIN audit_nodes n ON n.id = e.idx
  WHERE e.at >= ?1 AND e.at < ?2
    AND (?3 = '' OR e.event = ?3) AND (?4 = '' OR e.file_type = ?4)
  ORDER BY e.at, e.idx
  LIMIT ?5
)sql";
constexpr char kForTransfer[] = R"sql(
SELECT e.idx, e.entry, n.hash
  FROM audit_entries e LEFT JOIN audit_nodes n ON n.id = e.idx
  WHERE e.transfer_id = ?1
  ORDER BY e.idx
)sql";
constexpr char kSelectCheckpoints[] = R"sql(
SELECT note FROM audit_checkpoints
  WHERE size >= ?1
  ORDER BY size
  LIMIT ?2
)sql";

// A perfect subtree's row id: its level above the leaves and its index on that level.
int64_t NodeId(unsigned level, uint64_t index) {
  return static_cast<int64_t>((uint64_t{level} << 48) | index);
}

std::string Bytes(const Sha256Digest& d) { return std::string(d.begin(), d.end()); }

std::optional<Sha256Digest> DigestOf(const std::string& bytes) {
  if (bytes.size() != 32) return std::nullopt;
  Sha256Digest d;
  std::copy(bytes.begin(), bytes.end(), d.begin());
  return d;
}

Error Corrupt(const std::string& message) {
  return MakeError(ErrorKind::kIntegrity, "audit.log_corrupt", message,
                   "the audit database was changed outside the gateway: keep a copy, run "
                   "`adtgw audit verify --full` and report it");
}

Error Unavailable(const Error& cause) {
  return MakeError(ErrorKind::kUnavailable, "audit.unavailable",
                   "the audit log could not record the event: " + cause.code + ": " + cause.message,
                   "the gateway refuses what it cannot log; check the state directory's disk "
                   "and the gateway's log");
}

Error HeadMoved(uint64_t start) {
  return MakeError(ErrorKind::kConflict, "audit.head_moved",
                   "the stored head is no longer the checkpoint of size " + std::to_string(start) +
                       " this batch extends; nothing was signed over it",
                   "another writer is using the audit database; run one gateway per state "
                   "directory");
}

// SQLite's integers are signed: a larger index, size or limit is as good as the
// largest one (a cast would turn it negative, which LIMIT reads as "no limit" and
// `idx >= ?` as "every row").
int64_t SqlCount(uint64_t v) {
  return static_cast<int64_t>(std::min<uint64_t>(v, std::numeric_limits<int64_t>::max()));
}

// `expected`: how many rows are likely, to size the vector once.
Result<std::vector<StoredEntry>> ReadEntries(SqliteDatabase& db, sqlite3_stmt* s,
                                             size_t expected = 0) {
  std::vector<StoredEntry> out;
  out.reserve(expected);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    StoredEntry e;
    e.index = static_cast<uint64_t>(SqlColumnInt(s, 0));
    e.entry = SqlColumn(s, 1);
    if (sqlite3_column_type(s, 2) != SQLITE_NULL) e.leaf = DigestOf(SqlColumn(s, 2));
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return db.Fail("reading audit entries");
  return out;
}

}  // namespace

class AuditLog::Impl {
 public:
  Impl(SqliteDatabase writer, SqliteDatabase reader, LogSigner signer)
      : db_(std::move(writer)), reader_(std::move(reader)), signer_(std::move(signer)) {}

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  Status Load() {
    ADTGW_ASSIGN(SqliteStatement s, db_.Statement(kSelectHead, {}));
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) return Initialise();
    if (rc != SQLITE_ROW) return db_.Fail("reading the log head");
    uint64_t size = static_cast<uint64_t>(SqlColumnInt(s.get(), 0));
    auto root = DigestOf(SqlColumn(s.get(), 1));
    std::string note = SqlColumn(s.get(), 2);
    auto checkpoint = signer_.verifier().Verify(note);
    if (!checkpoint.ok()) {
      return Corrupt("the stored head checkpoint does not verify with this gateway's log key: " +
                     checkpoint.error().code + ": " + checkpoint.error().message);
    }
    if (!root || checkpoint->size != size || checkpoint->root != *root) {
      return Corrupt("the stored head's size and root are not what its signed checkpoint says");
    }
    ADTGW_TRY(RebuildFrontier(size));
    if (FrontierRoot() != *root) {
      return Corrupt("the stored tree nodes do not reproduce the signed root of size " +
                     std::to_string(size));
    }
    ADTGW_ASSIGN(SqliteStatement last, db_.Statement(kLastIndex, {}));
    if (sqlite3_step(last.get()) != SQLITE_ROW) return db_.Fail("reading the last entry");
    if (sqlite3_column_type(last.get(), 0) != SQLITE_NULL &&
        static_cast<uint64_t>(SqlColumnInt(last.get(), 0)) + 1 != size) {
      return Corrupt("the entries table ends at index " +
                     std::to_string(SqlColumnInt(last.get(), 0)) + " but the signed head covers " +
                     std::to_string(size) + " entries");
    }
    std::lock_guard<std::mutex> lock(mu_);
    latest_ = SignedCheckpoint{*checkpoint, note};
    return OkStatus();
  }

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }

  Result<std::vector<LogPosition>> Submit(std::vector<std::string> entries,
                                          std::vector<AuditEntry> parsed, bool prove) {
    auto pending = std::make_shared<Pending>();
    pending->bytes = std::move(entries);
    pending->entries = std::move(parsed);
    pending->prove = prove;
    std::future<Result<std::vector<LogPosition>>> done = pending->done.get_future();
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) {
        return Unavailable(MakeError(ErrorKind::kUnavailable, "audit.closed", "the log is closed"));
      }
      queue_.push_back(std::move(pending));
      // Wake the writer only when it waits for this: the first entry, or enough
      // company (Run). Waking it for every entry cost a context switch each.
      wake = queue_.size() == 1 || queue_.size() == kGatherEnough;
    }
    if (wake) wake_.notify_one();
    return done.get();
  }

  SignedCheckpoint Latest() const {
    std::lock_guard<std::mutex> lock(mu_);
    return latest_;
  }

  const LogVerifier& verifier() const { return signer_.verifier(); }

  // ---- reads (own connection) --------------------------------------------------------

  template <class Body>
  auto Read(Body body) -> decltype(body(std::declval<SqliteDatabase&>())) {
    std::lock_guard<std::mutex> lock(read_mu_);
    return body(reader_);
  }

  // Reads stored nodes with one prepared statement (`select`, of kSelectNode, owned by
  // the caller), reset for each node.
  static merkle::NodeReader Nodes(SqliteDatabase& db, sqlite3_stmt* select) {
    return [&db, select](unsigned level, uint64_t index) -> Result<Sha256Digest> {
      sqlite3_reset(select);
      ADTGW_TRY(db.Bind(select, {NodeId(level, index)}));
      int rc = sqlite3_step(select);
      if (rc == SQLITE_DONE) {
        return Corrupt("the tree node at level " + std::to_string(level) + ", index " +
                       std::to_string(index) + " is missing");
      }
      if (rc != SQLITE_ROW) return db.Fail("reading a tree node");
      auto d = DigestOf(SqlColumn(select, 0));
      if (!d) return Corrupt("a tree node is not 32 bytes");
      return *d;
    };
  }

  // Runs `proof` (a function of a NodeReader) in one read transaction of the reader
  // connection: one snapshot, one lock, one statement for all its O(log n) reads.
  template <class Proof>
  auto WithNodes(Proof proof) -> decltype(proof(std::declval<merkle::NodeReader>())) {
    return Read([&](SqliteDatabase& db) -> decltype(proof(std::declval<merkle::NodeReader>())) {
      ADTGW_ASSIGN(SqliteCachedStatement begin, db.Cached(kBeginRead, {}));
      if (sqlite3_step(begin.get()) != SQLITE_DONE) return db.Fail("starting a read");
      // The node statement's loan ends (resetting it) before the read does.
      auto result = [&]() -> decltype(proof(std::declval<merkle::NodeReader>())) {
        ADTGW_ASSIGN(SqliteCachedStatement select, db.Cached(kSelectNode, {}));
        return proof(Nodes(db, select.get()));
      }();
      ADTGW_ASSIGN(SqliteCachedStatement end, db.Cached(kEndRead, {}));
      (void)sqlite3_step(end.get());
      return result;
    });
  }

  Status CheckSize(uint64_t size) const {
    uint64_t head = Latest().checkpoint.size;
    if (size > head) {
      return MakeError(
          ErrorKind::kNotFound, "audit.beyond_head",
          "the log has signed " + std::to_string(head) + " entries, not " + std::to_string(size),
          "ask for the latest checkpoint first");
    }
    return OkStatus();
  }

 private:
  struct Pending {
    std::vector<std::string> bytes;
    std::vector<AuditEntry> entries;
    bool prove = false;  // fill each position's inclusion proof
    std::promise<Result<std::vector<LogPosition>>> done;
  };

  // The inclusion proofs of the batch's entries that asked for one, in the tree the
  // batch ends with, from the nodes the writer holds: the perfect subtrees left of the
  // batch are the frontier it started from (an entry's left siblings outside the batch
  // are always among them), and those inside it were written by this batch (written_).
  // Anything else is read in the batch's transaction. This spares the caller a proof
  // read of O(log n) nodes on the reader connection.
  Status ProveBatch(const std::vector<std::shared_ptr<Pending>>& batch,
                    const std::vector<std::pair<unsigned, Sha256Digest>>& start_frontier,
                    uint64_t size, std::vector<std::vector<LogPosition>>& positions) {
    uint64_t begin = 0;
    for (const auto& [level, h] : start_frontier) {
      written_.emplace(NodeId(level, begin >> level), h);
      begin += uint64_t{1} << level;
    }
    std::optional<SqliteCachedStatement> select;
    merkle::NodeReader node = [&](unsigned level, uint64_t index) -> Result<Sha256Digest> {
      auto it = written_.find(NodeId(level, index));
      if (it != written_.end()) return it->second;
      if (!select) {
        ADTGW_ASSIGN(SqliteCachedStatement loan, db_.Cached(kSelectNode, {}));
        select.emplace(std::move(loan));
      }
      return Nodes(db_, select->get())(level, index);
    };
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!batch[i]->prove) continue;
      for (size_t j = 0; j < positions[i].size(); ++j) {
        LogPosition& pos = positions[i][j];
        ADTGW_ASSIGN(pos.inclusion, merkle::InclusionProofFromNodes(node, pos.index, size));
        pos.entry = batch[i]->bytes[j];
      }
    }
    return OkStatus();
  }

  Status Initialise() {
    frontier_.clear();
    size_ = 0;
    Checkpoint empty{signer_.verifier().origin(), 0, merkle::EmptyRoot()};
    ADTGW_ASSIGN(std::string note, signer_.Sign(empty));
    ADTGW_TRY(db_.InTransaction([&]() -> Status {
      for (const char* sql : {kInsertHead, kInsertCheckpoint}) {
        ADTGW_ASSIGN(SqliteStatement s,
                     db_.Statement(sql, {int64_t{0}, SqlBlob{Bytes(empty.root)}, note}));
        if (sqlite3_step(s.get()) != SQLITE_DONE) return db_.Fail("creating the log head");
      }
      return OkStatus();
    }));
    std::lock_guard<std::mutex> lock(mu_);
    latest_ = SignedCheckpoint{empty, note};
    return OkStatus();
  }

  // The perfect subtrees that make up [0, size), largest first: the compact range the
  // next leaf is merged into.
  Status RebuildFrontier(uint64_t size) {
    frontier_.clear();
    ADTGW_ASSIGN(SqliteStatement select, db_.Prepare(kSelectNode));
    merkle::NodeReader node = Nodes(db_, select.get());
    uint64_t begin = 0;
    while (begin < size) {
      unsigned level = static_cast<unsigned>(std::bit_width(size - begin) - 1);
      if (begin != 0) {
        level = std::min<unsigned>(level, static_cast<unsigned>(std::countr_zero(begin)));
      }
      ADTGW_ASSIGN(Sha256Digest h, node(level, begin >> level));
      frontier_.emplace_back(level, h);
      begin += uint64_t{1} << level;
    }
    size_ = size;
    return OkStatus();
  }

  Sha256Digest FrontierRoot() const {
    if (frontier_.empty()) return merkle::EmptyRoot();
    Sha256Digest root = frontier_.back().second;
    for (size_t i = frontier_.size() - 1; i-- > 0;)
      root = merkle::NodeHash(frontier_[i].second, root);
    return root;
  }

  Status InsertNode(const SqliteCachedStatement& insert, unsigned level, uint64_t index,
                    const Sha256Digest& h) {
    if (keep_written_) written_.emplace(NodeId(level, index), h);
    sqlite3_reset(insert.get());
    ADTGW_TRY(db_.Bind(insert.get(), {NodeId(level, index), SqlBlob{Bytes(h)}}));
    if (sqlite3_step(insert.get()) != SQLITE_DONE) return db_.Fail("storing a tree node");
    return OkStatus();
  }

  // Adds leaf `index` to the frontier, storing it and every subtree it completes.
  Status AddLeaf(const SqliteCachedStatement& insert, uint64_t index, Sha256Digest h) {
    unsigned level = 0;
    ADTGW_TRY(InsertNode(insert, 0, index, h));
    while (!frontier_.empty() && frontier_.back().first == level) {
      h = merkle::NodeHash(frontier_.back().second, h);
      frontier_.pop_back();
      ++level;
      index >>= 1;
      ADTGW_TRY(InsertNode(insert, level, index, h));
    }
    frontier_.emplace_back(level, h);
    return OkStatus();
  }

  Result<std::vector<std::vector<LogPosition>>> Commit(
      const std::vector<std::shared_ptr<Pending>>& batch) {
    const uint64_t start = size_;
    const Sha256Digest start_root = FrontierRoot();
    auto saved = frontier_;
    std::vector<std::vector<LogPosition>> positions;
    auto committed = db_.InTransaction([&]() -> Status {
      // Checked first so that a stale writer is named as such; the UPDATE below is the
      // compare-and-swap that decides.
      {
        ADTGW_ASSIGN(SqliteCachedStatement head, db_.Cached(kSelectHead, {}));
        if (sqlite3_step(head.get()) != SQLITE_ROW) return db_.Fail("reading the log head");
        if (static_cast<uint64_t>(SqlColumnInt(head.get(), 0)) != start ||
            DigestOf(SqlColumn(head.get(), 1)) != start_root) {
          return HeadMoved(start);
        }
      }
      ADTGW_ASSIGN(SqliteCachedStatement entry, db_.Cached(kInsertEntry, {}));
      ADTGW_ASSIGN(SqliteCachedStatement party, db_.Cached(kInsertParty, {}));
      ADTGW_ASSIGN(SqliteCachedStatement node, db_.Cached(kInsertNode, {}));
      written_.clear();
      keep_written_ = std::any_of(batch.begin(), batch.end(), [](auto& p) { return p->prove; });
      uint64_t index = start;
      for (const auto& p : batch) {
        positions.emplace_back();
        for (size_t i = 0; i < p->bytes.size(); ++i, ++index) {
          const AuditEntry& e = p->entries[i];
          sqlite3_reset(entry.get());
          ADTGW_TRY(
              db_.Bind(entry.get(), {static_cast<int64_t>(index), static_cast<int64_t>(e.at),
                                     e.event, e.transfer_id, e.file_type, SqlBlob{p->bytes[i]}}));
          if (sqlite3_step(entry.get()) != SQLITE_DONE) return db_.Fail("storing an entry");
          for (const Eui64& who : e.Parties()) {
            sqlite3_reset(party.get());
            ADTGW_TRY(db_.Bind(party.get(), {who.ToString(), static_cast<int64_t>(e.at),
                                             static_cast<int64_t>(index)}));
            if (sqlite3_step(party.get()) != SQLITE_DONE) return db_.Fail("indexing an entry");
          }
          ADTGW_TRY(AddLeaf(node, index, merkle::LeafHash(AsBytes(p->bytes[i]))));
          positions.back().push_back(LogPosition{index, {}, {}, {}});
        }
      }
      if (keep_written_) ADTGW_TRY(ProveBatch(batch, saved, index, positions));
      Checkpoint next{signer_.verifier().origin(), index, FrontierRoot()};
      ADTGW_ASSIGN(std::string note, signer_.Sign(next));
      ADTGW_ASSIGN(SqliteCachedStatement advance,
                   db_.Cached(kAdvanceHead,
                              {static_cast<int64_t>(next.size), SqlBlob{Bytes(next.root)}, note,
                               static_cast<int64_t>(start), SqlBlob{Bytes(start_root)}}));
      if (sqlite3_step(advance.get()) != SQLITE_DONE) return db_.Fail("advancing the head");
      if (sqlite3_changes(db_.get()) != 1) return HeadMoved(start);
      ADTGW_ASSIGN(SqliteCachedStatement record,
                   db_.Cached(kInsertCheckpoint,
                              {static_cast<int64_t>(next.size), SqlBlob{Bytes(next.root)}, note}));
      if (sqlite3_step(record.get()) != SQLITE_DONE) return db_.Fail("storing a checkpoint");
      SignedCheckpoint signed_head{next, note};
      for (auto& list : positions) {
        for (LogPosition& pos : list) pos.head = signed_head;
      }
      size_ = index;
      return OkStatus();
    });
    if (!committed.ok()) {
      frontier_ = std::move(saved);
      size_ = start;
      // Someone else moved the head, or the database changed under us: start again from
      // what is stored (Load verifies it), never from what this writer believed.
      (void)Load();
      return std::move(committed).error();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      latest_ = positions.empty() ? latest_ : positions.back().back().head;
    }
    return positions;
  }

  void Run() {
    for (;;) {
      std::vector<std::shared_ptr<Pending>> batch;
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, nothing left
        // Under load, wait a moment for company: see kGatherWindow.
        auto now = std::chrono::steady_clock::now();
        if (now - last_commit_ < kBusyGap && (last_batch_ > 1 || queue_.size() > 1)) {
          const auto deadline = now + kGatherWindow;
          for (size_t seen = queue_.size();; seen = queue_.size()) {
            auto until = std::min(deadline, std::chrono::steady_clock::now() + kGatherGap);
            wake_.wait_until(lock, until,
                             [this] { return stopping_ || queue_.size() >= kGatherEnough; });
            if (stopping_ || queue_.size() >= kGatherEnough || queue_.size() == seen ||
                std::chrono::steady_clock::now() >= deadline) {
              break;
            }
          }
        }
        size_t count = 0;
        while (!queue_.empty() &&
               (batch.empty() || count + queue_.front()->bytes.size() <= kMaxBatchEntries)) {
          count += queue_.front()->bytes.size();
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      auto result = Commit(batch);
      // Another process sharing the database moved the head: Commit has reloaded (and
      // verified) what is stored, so the batch goes on top of it. Bounded, because each
      // attempt can lose again to a busy neighbour.
      for (int attempt = 1;
           attempt < kCommitAttempts && !result.ok() && result.error().code == "audit.head_moved";
           ++attempt) {
        result = Commit(batch);
      }
      last_commit_ = std::chrono::steady_clock::now();
      last_batch_ = batch.size();
      for (size_t i = 0; i < batch.size(); ++i) {
        if (result.ok()) {
          batch[i]->done.set_value(std::move((*result)[i]));
        } else {
          batch[i]->done.set_value(Unavailable(result.error()));
        }
      }
    }
  }

  SqliteDatabase db_;      // the writer thread's (and Load's, before it starts)
  SqliteDatabase reader_;  // guarded by read_mu_
  std::mutex read_mu_;
  LogSigner signer_;
  // Writer state: the tree's compact range and size.
  std::vector<std::pair<unsigned, Sha256Digest>> frontier_;
  uint64_t size_ = 0;
  // The batch being committed: the nodes it wrote, kept when an entry wants its proof.
  bool keep_written_ = false;
  std::unordered_map<int64_t, Sha256Digest> written_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::chrono::steady_clock::time_point last_commit_;  // the writer's
  size_t last_batch_ = 0;  // appenders (Append or AppendAll calls) in it; the writer's
  std::deque<std::shared_ptr<Pending>> queue_;
  bool stopping_ = false;
  SignedCheckpoint latest_;
  std::thread thread_;
};

AuditLog::AuditLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AuditLog::~AuditLog() = default;

Result<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path, LogSigner signer) {
  ADTGW_ASSIGN(SqliteDatabase writer,
               SqliteDatabase::Open(path, "audit database", kSchema, kSchemaVersion));
  ADTGW_ASSIGN(SqliteDatabase reader,
               SqliteDatabase::Open(path, "audit database", kSchema, kSchemaVersion));
  auto impl = std::make_unique<Impl>(std::move(writer), std::move(reader), std::move(signer));
  ADTGW_TRY(impl->Load());
  impl->Start();
  return std::unique_ptr<AuditLog>(new AuditLog(std::move(impl)));
}

Result<LogPosition> AuditLog::Append(const AuditEntry& entry) {
  ADTGW_ASSIGN(std::vector<LogPosition> positions, Submit({entry}, false));
  return positions.front();
}

Result<LogPosition> AuditLog::AppendProved(const AuditEntry& entry) {
  ADTGW_ASSIGN(std::vector<LogPosition> positions, Submit({entry}, true));
  return positions.front();
}

Result<std::vector<LogPosition>> AuditLog::AppendAll(const std::vector<AuditEntry>& entries) {
  return Submit(entries, false);
}

Result<std::vector<LogPosition>> AuditLog::Submit(const std::vector<AuditEntry>& entries,
                                                  bool prove) {
  if (entries.empty()) return std::vector<LogPosition>{};
  std::vector<std::string> bytes;
  bytes.reserve(entries.size());
  for (const AuditEntry& e : entries) {
    bytes.push_back(AuditEntryToJson(e));
    if (bytes.back().size() > kMaxAuditEntrySize || !IsAuditEvent(e.event)) {
      return MakeError(
          ErrorKind::kInvalidInput, "audit.bad_entry",
          "an audit entry is too large or has an unknown event '" + e.event.substr(0, 40) + "'");
    }
  }
  return impl_->Submit(std::move(bytes), entries, prove);
}

SignedCheckpoint AuditLog::Latest() const { return impl_->Latest(); }
const LogVerifier& AuditLog::verifier() const { return impl_->verifier(); }

Result<std::vector<Sha256Digest>> AuditLog::InclusionProof(uint64_t index, uint64_t size) {
  ADTGW_TRY(impl_->CheckSize(size));
  return impl_->WithNodes([&](const merkle::NodeReader& node) {
    return merkle::InclusionProofFromNodes(node, index, size);
  });
}

Result<std::vector<Sha256Digest>> AuditLog::ConsistencyProof(uint64_t old_size, uint64_t size) {
  ADTGW_TRY(impl_->CheckSize(size));
  return impl_->WithNodes([&](const merkle::NodeReader& node) {
    return merkle::ConsistencyProofFromNodes(node, old_size, size);
  });
}

Result<std::vector<StoredEntry>> AuditLog::Entries(uint64_t from, size_t limit) {
  // The signed head says how many rows there are (more only if tampered with).
  const uint64_t head = impl_->Latest().checkpoint.size;
  const size_t expected =
      static_cast<size_t>(std::min<uint64_t>(limit, head > from ? head - from : 0));
  return impl_->Read([&](SqliteDatabase& db) -> Result<std::vector<StoredEntry>> {
    ADTGW_ASSIGN(SqliteStatement s,
                 db.Statement(kSelectEntries, {SqlCount(from), SqlCount(limit)}));
    return ReadEntries(db, s.get(), expected);
  });
}

Result<std::vector<StoredEntry>> AuditLog::Find(const AuditQuery& q) {
  int64_t since = q.since ? static_cast<int64_t>(*q.since) : INT64_MIN;
  int64_t until = q.until ? static_cast<int64_t>(*q.until) : INT64_MAX;
  return impl_->Read([&](SqliteDatabase& db) -> Result<std::vector<StoredEntry>> {
    SqliteStatement s;
    if (q.party) {
      ADTGW_ASSIGN(s, db.Statement(kFindByParty, {q.party->ToString(), since, until, q.event,
                                                  q.file_type, static_cast<int64_t>(q.limit)}));
    } else {
      ADTGW_ASSIGN(s, db.Statement(kFindByTime, {since, until, q.event, q.file_type,
                                                 static_cast<int64_t>(q.limit)}));
    }
    return ReadEntries(db, s.get());
  });
}

Result<std::vector<StoredEntry>> AuditLog::ForTransfer(const std::string& transfer_id) {
  return impl_->Read([&](SqliteDatabase& db) -> Result<std::vector<StoredEntry>> {
    ADTGW_ASSIGN(SqliteStatement s, db.Statement(kForTransfer, {transfer_id}));
    return ReadEntries(db, s.get());
  });
}

Result<std::vector<std::string>> AuditLog::Checkpoints(uint64_t from_size, size_t limit) {
  return impl_->Read([&](SqliteDatabase& db) -> Result<std::vector<std::string>> {
    ADTGW_ASSIGN(SqliteStatement s,
                 db.Statement(kSelectCheckpoints, {SqlCount(from_size), SqlCount(limit)}));
    std::vector<std::string> out;
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) out.push_back(SqlColumn(s.get(), 0));
    if (rc != SQLITE_DONE) return db.Fail("reading checkpoints");
    return out;
  });
}

}  // namespace adtgw
