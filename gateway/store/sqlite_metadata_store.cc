#include "gateway/store/sqlite_metadata_store.h"

#include <sqlite3.h>

#include <algorithm>

#include "gateway/store/sqlite_database.h"

namespace adtgw {
namespace {

// Version 3 added daily_sent, the per-sender, per-day counter behind daily limits;
// kUpgradeFrom2 fills it from the transfers a version 2 database holds.
constexpr int kSchemaVersion = 3;

const char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS transfers (
  id TEXT PRIMARY KEY,
  sender TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  file_type TEXT NOT NULL,
  file_name TEXT NOT NULL,
  envelope_sha256 TEXT NOT NULL,
  envelope_size INTEGER NOT NULL,
  storage_key TEXT NOT NULL,
  state TEXT NOT NULL,
  reason TEXT NOT NULL,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  manifest BLOB NOT NULL,
  signature BLOB NOT NULL,
  rule TEXT NOT NULL,
  policy_sha256 TEXT NOT NULL,
  receipt BLOB NOT NULL,
  UNIQUE (sender, idempotency_key)
);
CREATE TABLE IF NOT EXISTS transfer_recipients (
  transfer_id TEXT NOT NULL REFERENCES transfers(id),
  recipient TEXT NOT NULL,
  state TEXT NOT NULL,
  reason TEXT NOT NULL,
  updated INTEGER NOT NULL,
  ack BLOB NOT NULL,
  ack_signature BLOB NOT NULL,
  PRIMARY KEY (transfer_id, recipient)
);
CREATE TABLE IF NOT EXISTS daily_sent (
  sender TEXT NOT NULL,
  day INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (sender, day)
);
CREATE INDEX IF NOT EXISTS recipients_by_party ON transfer_recipients (recipient);
CREATE INDEX IF NOT EXISTS transfers_by_sender_time ON transfers (sender, created);
CREATE INDEX IF NOT EXISTS transfers_by_state_time ON transfers (state, created);
)sql";

const char kUpgradeFrom2[] = R"sql(
INSERT INTO daily_sent (sender, day, count)
  SELECT sender, created - created % 86400, COUNT(*) FROM transfers GROUP BY 1, 2;
)sql";

// Every statement the store runs; values are always bound parameters (?N).
constexpr char kSelectTransfer[] = R"sql(
SELECT id, sender, idempotency_key, file_type, file_name, envelope_sha256, envelope_size,
       storage_key, state, reason, created, updated, manifest, signature, rule, policy_sha256,
       receipt
  FROM transfers
  WHERE id = ?1
)sql";
constexpr char kSelectRecipients[] = R"sql(
SELECT recipient, state, reason, updated, ack, ack_signature
  FROM transfer_recipients
  WHERE transfer_id = ?1
  ORDER BY recipient
)sql";
constexpr char kFindByIdempotencyKey[] = R"sql(
SELECT id
  FROM transfers
  WHERE sender = ?1 AND idempotency_key = ?2
)sql";
constexpr char kInsertTransfer[] = R"sql(
INSERT INTO transfers (id, sender, idempotency_key, file_type, file_name,
                       envelope_sha256, envelope_size, storage_key, state, reason,
                       created, updated, manifest, signature, rule, policy_sha256, receipt)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
)sql";
constexpr char kInsertRecipient[] = R"sql(
INSERT INTO transfer_recipients (transfer_id, recipient, state, reason, updated, ack,
                                 ack_signature)
  VALUES (?1, ?2, ?3, '', ?4, x'', x'')
)sql";
constexpr char kUpdateDelivery[] = R"sql(
UPDATE transfer_recipients
  SET state = ?1, reason = ?2, updated = ?3, ack = ?4, ack_signature = ?5
  WHERE transfer_id = ?6 AND recipient = ?7
)sql";
constexpr char kTransition[] = R"sql(
UPDATE transfers
  SET state = ?1, reason = ?2, updated = ?3
  WHERE id = ?4 AND state = ?5
)sql";
constexpr char kMarkReceived[] = R"sql(
UPDATE transfers
  SET state = ?1, receipt = ?2, updated = ?3
  WHERE id = ?4 AND state = ?5
)sql";
constexpr char kInbox[] = R"sql(
SELECT t.id
  FROM transfers t
  JOIN transfer_recipients r ON r.transfer_id = t.id
  WHERE r.recipient = ?1 AND r.state IN (?2, ?3) AND t.state IN (?4, ?5)
  ORDER BY t.created, t.id
)sql";
constexpr char kCountSentOnDay[] = R"sql(
SELECT count FROM daily_sent WHERE sender = ?1 AND day = ?2
)sql";
// One more transfer of ?1's quota of ?3 for day ?2, if one is left: one statement, so
// the check and the increment cannot be separated by another writer.
constexpr char kReserveDaily[] = R"sql(
INSERT INTO daily_sent (sender, day, count) SELECT ?1, ?2, 1 WHERE ?3 > 0
  ON CONFLICT (sender, day) DO UPDATE SET count = count + 1 WHERE count < ?3
)sql";
constexpr char kCreatedBefore[] = R"sql(
SELECT id
  FROM transfers
  WHERE state = ?1 AND created < ?2
  ORDER BY created, id
)sql";

}  // namespace

Result<std::unique_ptr<SqliteMetadataStore>> SqliteMetadataStore::Create(const std::string& path) {
  ADTGW_ASSIGN(SqliteDatabase db, SqliteDatabase::Open(path, "metadata database", kSchema,
                                                       kSchemaVersion, kUpgradeFrom2));
  return std::unique_ptr<SqliteMetadataStore>(new SqliteMetadataStore(std::move(db)));
}

Result<TransferRecord> SqliteMetadataStore::GetLocked(const std::string& id) {
  ADTGW_ASSIGN(SqliteCachedStatement s, db_.Cached(kSelectTransfer, {id}));
  int rc = sqlite3_step(s.get());
  if (rc == SQLITE_DONE) {
    return MakeError(ErrorKind::kNotFound, "store.not_found", "no transfer " + id.substr(0, 64));
  }
  if (rc != SQLITE_ROW) return db_.Fail("reading a transfer");
  TransferRecord r;
  r.id = SqlColumn(s.get(), 0);
  ADTGW_ASSIGN(r.sender, Eui64::Parse(SqlColumn(s.get(), 1)));
  r.idempotency_key = SqlColumn(s.get(), 2);
  r.file_type = SqlColumn(s.get(), 3);
  r.file_name = SqlColumn(s.get(), 4);
  r.envelope_sha256 = SqlColumn(s.get(), 5);
  r.envelope_size = static_cast<uint64_t>(sqlite3_column_int64(s.get(), 6));
  r.storage_key = SqlColumn(s.get(), 7);
  auto state = ParseTransferState(SqlColumn(s.get(), 8));
  if (!state)
    return MakeError(ErrorKind::kIo, "store.db", "transfer " + r.id + " has no valid state");
  r.state = *state;
  r.reason = SqlColumn(s.get(), 9);
  r.created = static_cast<std::time_t>(sqlite3_column_int64(s.get(), 10));
  r.updated = static_cast<std::time_t>(sqlite3_column_int64(s.get(), 11));
  r.manifest = SqlColumn(s.get(), 12);
  r.signature = SqlColumn(s.get(), 13);
  r.rule = SqlColumn(s.get(), 14);
  r.policy_sha256 = SqlColumn(s.get(), 15);
  r.receipt = SqlColumn(s.get(), 16);
  ADTGW_ASSIGN(SqliteCachedStatement rs, db_.Cached(kSelectRecipients, {id}));
  while ((rc = sqlite3_step(rs.get())) == SQLITE_ROW) {
    Delivery d;
    ADTGW_ASSIGN(d.recipient, Eui64::Parse(SqlColumn(rs.get(), 0)));
    auto delivery_state = ParseDeliveryState(SqlColumn(rs.get(), 1));
    if (!delivery_state) {
      return MakeError(ErrorKind::kIo, "store.db", "transfer " + r.id + " has a bad delivery");
    }
    d.state = *delivery_state;
    d.reason = SqlColumn(rs.get(), 2);
    d.updated = static_cast<std::time_t>(sqlite3_column_int64(rs.get(), 3));
    d.ack = SqlColumn(rs.get(), 4);
    d.ack_signature = SqlColumn(rs.get(), 5);
    r.recipients.push_back(d.recipient);
    r.deliveries.push_back(std::move(d));
  }
  if (rc != SQLITE_DONE) return db_.Fail("reading recipients");
  return r;
}

Result<TransferRecord> SqliteMetadataStore::Get(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  return GetLocked(id);
}

Result<std::optional<TransferRecord>> SqliteMetadataStore::FindByIdempotencyKey(
    const Eui64& sender, const std::string& idempotency_key) {
  std::lock_guard<std::mutex> lock(mu_);
  ADTGW_ASSIGN(SqliteCachedStatement find,
               db_.Cached(kFindByIdempotencyKey, {sender.ToString(), idempotency_key}));
  int rc = sqlite3_step(find.get());
  if (rc == SQLITE_DONE) return std::optional<TransferRecord>();
  if (rc != SQLITE_ROW) return db_.Fail("looking up an idempotency key");
  ADTGW_ASSIGN(TransferRecord existing, GetLocked(SqlColumn(find.get(), 0)));
  return std::optional<TransferRecord>(std::move(existing));
}

Result<MetadataStore::Created> SqliteMetadataStore::CreateOrGet(const TransferRecord& r,
                                                                uint32_t daily_limit) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_.InTransaction([&]() -> Result<Created> {
    ADTGW_ASSIGN(SqliteCachedStatement find,
                 db_.Cached(kFindByIdempotencyKey, {r.sender.ToString(), r.idempotency_key}));
    int rc = sqlite3_step(find.get());
    if (rc == SQLITE_ROW) {
      ADTGW_ASSIGN(TransferRecord existing, GetLocked(SqlColumn(find.get(), 0)));
      return Created{std::move(existing), false};
    }
    if (rc != SQLITE_DONE) return db_.Fail("looking up an idempotency key");
    const int64_t day = static_cast<int64_t>(r.created - r.created % 86400);
    ADTGW_ASSIGN(
        SqliteCachedStatement reserve,
        db_.Cached(kReserveDaily, {r.sender.ToString(), day, static_cast<int64_t>(daily_limit)}));
    if (sqlite3_step(reserve.get()) != SQLITE_DONE) return db_.Fail("counting the day's transfers");
    if (sqlite3_changes(db_.get()) == 0) {
      Created over;
      over.over_quota = true;
      return over;
    }
    ADTGW_ASSIGN(SqliteCachedStatement insert,
                 db_.Cached(kInsertTransfer,
                            {r.id, r.sender.ToString(), r.idempotency_key, r.file_type, r.file_name,
                             r.envelope_sha256, static_cast<int64_t>(r.envelope_size),
                             r.storage_key, std::string(TransferStateName(r.state)), r.reason,
                             static_cast<int64_t>(r.created), static_cast<int64_t>(r.updated),
                             r.manifest, r.signature, r.rule, r.policy_sha256, r.receipt}));
    if (sqlite3_step(insert.get()) != SQLITE_DONE) return db_.Fail("storing a transfer");
    for (const Eui64& to : r.recipients) {
      ADTGW_ASSIGN(
          SqliteCachedStatement rec,
          db_.Cached(kInsertRecipient,
                     {r.id, to.ToString(), std::string(DeliveryStateName(DeliveryState::kWaiting)),
                      static_cast<int64_t>(r.created)}));
      if (sqlite3_step(rec.get()) != SQLITE_DONE) return db_.Fail("storing a recipient");
    }
    ADTGW_ASSIGN(TransferRecord stored, GetLocked(r.id));
    return Created{std::move(stored), true};
  });
}

Status SqliteMetadataStore::Transition(const std::string& id, TransferState from, TransferState to,
                                       const std::string& reason, std::time_t at) {
  std::lock_guard<std::mutex> lock(mu_);
  ADTGW_ASSIGN(
      SqliteCachedStatement s,
      db_.Cached(kTransition, {std::string(TransferStateName(to)), reason, static_cast<int64_t>(at),
                               id, std::string(TransferStateName(from))}));
  if (sqlite3_step(s.get()) != SQLITE_DONE) return db_.Fail("updating a transfer");
  if (sqlite3_changes(db_.get()) == 1) return OkStatus();
  ADTGW_ASSIGN(TransferRecord current, GetLocked(id));  // kNotFound when there is none
  return MakeError(ErrorKind::kConflict, "store.state_conflict",
                   "transfer " + id + " is " + TransferStateName(current.state) + ", not " +
                       TransferStateName(from));
}

Status SqliteMetadataStore::MarkReceived(const std::string& id, const std::string& receipt,
                                         std::time_t at) {
  std::lock_guard<std::mutex> lock(mu_);
  ADTGW_ASSIGN(
      SqliteCachedStatement s,
      db_.Cached(kMarkReceived, {std::string(TransferStateName(TransferState::kReceived)), receipt,
                                 static_cast<int64_t>(at), id,
                                 std::string(TransferStateName(TransferState::kReceiving))}));
  if (sqlite3_step(s.get()) != SQLITE_DONE) return db_.Fail("updating a transfer");
  if (sqlite3_changes(db_.get()) == 1) return OkStatus();
  ADTGW_ASSIGN(TransferRecord current, GetLocked(id));
  return MakeError(
      ErrorKind::kConflict, "store.state_conflict",
      "transfer " + id + " is " + TransferStateName(current.state) + ", not receiving");
}

Result<std::vector<TransferRecord>> SqliteMetadataStore::ListLocked(
    const char* sql, const std::vector<Param>& params) {
  ADTGW_ASSIGN(SqliteCachedStatement s, db_.Cached(sql, params));
  std::vector<std::string> ids;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) ids.push_back(SqlColumn(s.get(), 0));
  if (rc != SQLITE_DONE) return db_.Fail("listing transfers");
  std::vector<TransferRecord> out;
  for (const auto& id : ids) {
    ADTGW_ASSIGN(TransferRecord r, GetLocked(id));
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<TransferRecord>> SqliteMetadataStore::Inbox(const Eui64& recipient) {
  std::lock_guard<std::mutex> lock(mu_);
  return ListLocked(kInbox, {recipient.ToString(), DeliveryStateName(DeliveryState::kWaiting),
                             DeliveryStateName(DeliveryState::kDownloaded),
                             TransferStateName(TransferState::kReceived),
                             TransferStateName(TransferState::kDownloaded)});
}

namespace {

// The transfer state its deliveries add up to (metadata_store.h, RecordDelivery).
TransferState CombinedState(const std::vector<Delivery>& deliveries) {
  size_t acknowledged = 0, rejected = 0, touched = 0;
  for (const Delivery& d : deliveries) {
    if (d.state != DeliveryState::kWaiting) ++touched;
    if (d.state == DeliveryState::kAccepted || d.state == DeliveryState::kRejected) ++acknowledged;
    if (d.state == DeliveryState::kRejected) ++rejected;
  }
  if (!deliveries.empty() && acknowledged == deliveries.size()) {
    return rejected > 0 ? TransferState::kRejected : TransferState::kAccepted;
  }
  return touched > 0 ? TransferState::kDownloaded : TransferState::kReceived;
}

}  // namespace

Status SqliteMetadataStore::RecordDelivery(const std::string& id, const Eui64& recipient,
                                           DeliveryState to, const Delivery& details,
                                           std::time_t at) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_.InTransaction([&]() -> Status {
    ADTGW_ASSIGN(TransferRecord r, GetLocked(id));
    if (r.state != TransferState::kReceived && r.state != TransferState::kDownloaded) {
      return MakeError(ErrorKind::kConflict, "store.delivery_conflict",
                       "transfer " + id + " is " + TransferStateName(r.state));
    }
    auto d = std::find_if(r.deliveries.begin(), r.deliveries.end(),
                          [&](const Delivery& x) { return x.recipient == recipient; });
    if (d == r.deliveries.end()) {
      return MakeError(ErrorKind::kNotFound, "store.not_recipient",
                       recipient.ToString() + " is not a recipient of transfer " + id);
    }
    bool acknowledged =
        d->state == DeliveryState::kAccepted || d->state == DeliveryState::kRejected;
    if (to == DeliveryState::kDownloaded && d->state != DeliveryState::kWaiting) {
      return OkStatus();  // downloading again changes nothing
    }
    if (to == DeliveryState::kWaiting || acknowledged) {
      return MakeError(ErrorKind::kConflict, "store.delivery_conflict",
                       recipient.ToString() + " already acknowledged transfer " + id + " (" +
                           DeliveryStateName(d->state) + ")");
    }
    ADTGW_ASSIGN(SqliteCachedStatement s,
                 db_.Cached(kUpdateDelivery, {std::string(DeliveryStateName(to)), details.reason,
                                              static_cast<int64_t>(at), details.ack,
                                              details.ack_signature, id, recipient.ToString()}));
    if (sqlite3_step(s.get()) != SQLITE_DONE) return db_.Fail("updating a delivery");
    d->state = to;
    d->reason = details.reason;
    TransferState next = CombinedState(r.deliveries);
    if (next == r.state) return OkStatus();
    // A rejected transfer carries the first rejecting recipient's reason.
    std::string reason;
    for (const Delivery& x : r.deliveries) {
      if (x.state == DeliveryState::kRejected && reason.empty()) reason = x.reason;
    }
    ADTGW_ASSIGN(SqliteCachedStatement t,
                 db_.Cached(kTransition,
                            {std::string(TransferStateName(next)), reason, static_cast<int64_t>(at),
                             id, std::string(TransferStateName(r.state))}));
    if (sqlite3_step(t.get()) != SQLITE_DONE) return db_.Fail("updating a transfer");
    return OkStatus();
  });
}

Result<uint32_t> SqliteMetadataStore::SentOnDay(const Eui64& sender, std::time_t day_start) {
  std::lock_guard<std::mutex> lock(mu_);
  ADTGW_ASSIGN(SqliteCachedStatement s,
               db_.Cached(kCountSentOnDay, {sender.ToString(), static_cast<int64_t>(day_start)}));
  int rc = sqlite3_step(s.get());
  if (rc == SQLITE_DONE) return uint32_t{0};
  if (rc != SQLITE_ROW) return db_.Fail("counting transfers");
  return static_cast<uint32_t>(sqlite3_column_int64(s.get(), 0));
}

Result<std::vector<TransferRecord>> SqliteMetadataStore::CreatedBefore(std::time_t before,
                                                                       TransferState state) {
  std::lock_guard<std::mutex> lock(mu_);
  return ListLocked(kCreatedBefore,
                    {std::string(TransferStateName(state)), static_cast<int64_t>(before)});
}

}  // namespace adtgw
