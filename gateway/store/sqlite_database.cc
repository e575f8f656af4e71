#include "gateway/store/sqlite_database.h"

#include <sqlite3.h>

namespace adtgw {

void SqliteStatementFinalizer::operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
void SqliteDatabase::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

Error SqliteDatabase::Fail(const std::string& doing) const {
  int code = sqlite3_errcode(db_.get());
  bool busy = code == SQLITE_BUSY || code == SQLITE_LOCKED;
  return MakeError(ErrorKind::kIo, busy ? "store.busy" : "store.db",
                   what_ + ": " + doing + ": " + sqlite3_errmsg(db_.get()),
                   busy ? "the " + what_ + " is busy; retry" : "");
}

Result<SqliteDatabase> SqliteDatabase::Open(const std::string& path, const std::string& what,
                                            const char* schema, int version, const char* upgrade) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW,
      nullptr);
  SqliteDatabase db(raw, what);
  if (rc != SQLITE_OK) return db.Fail("opening " + path);
  sqlite3_busy_timeout(raw, 5000);
  ADTGW_TRY(
      db.Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  ADTGW_TRY(db.Execute(schema));
  ADTGW_ASSIGN(SqliteStatement s, db.Prepare("PRAGMA user_version"));
  if (sqlite3_step(s.get()) != SQLITE_ROW) return db.Fail("reading the schema version");
  int found = sqlite3_column_int(s.get(), 0);
  // PRAGMA takes no bound parameters; the version is this program's constant.
  const std::string set_version = "PRAGMA user_version=" + std::to_string(version);
  if (found == 0) {
    ADTGW_TRY(db.Execute(set_version.c_str()));
  } else if (found == version - 1 && upgrade != nullptr) {
    Status upgraded = db.InTransaction([&]() -> Status {
      ADTGW_TRY(db.Execute(upgrade));
      return db.Execute(set_version.c_str());
    });
    if (!upgraded.ok()) return std::move(upgraded).error();
  } else if (found != version) {
    return MakeError(ErrorKind::kIo, "store.schema",
                     path + " has schema version " + std::to_string(found) + "; this adtgw knows " +
                         std::to_string(version),
                     "use the adtgw release that wrote it");
  }
  return db;
}

Status SqliteDatabase::Execute(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err != nullptr ? err : "unknown error";
    sqlite3_free(err);
    return MakeError(ErrorKind::kIo, "store.db", what_ + ": " + message);
  }
  return OkStatus();
}

Result<SqliteStatement> SqliteDatabase::Prepare(const char* sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr) != SQLITE_OK) {
    return Fail("preparing a statement");
  }
  return SqliteStatement(raw);
}

Status SqliteDatabase::Bind(sqlite3_stmt* s, const std::vector<SqlParam>& params) {
  for (size_t i = 0; i < params.size(); ++i) {
    int rc;
    int idx = static_cast<int>(i + 1);
    if (const auto* text = std::get_if<std::string>(&params[i])) {
      rc = sqlite3_bind_text64(s, idx, text->data(), text->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    } else if (const auto* blob = std::get_if<SqlBlob>(&params[i])) {
      rc = sqlite3_bind_blob64(s, idx, blob->bytes.data(), blob->bytes.size(), SQLITE_TRANSIENT);
    } else {
      rc = sqlite3_bind_int64(s, idx, std::get<int64_t>(params[i]));
    }
    if (rc != SQLITE_OK) return Fail("binding a parameter");
  }
  return OkStatus();
}

Result<SqliteStatement> SqliteDatabase::Statement(const char* sql,
                                                  const std::vector<SqlParam>& params) {
  ADTGW_ASSIGN(SqliteStatement s, Prepare(sql));
  ADTGW_TRY(Bind(s.get(), params));
  return s;
}

SqliteCachedStatement::~SqliteCachedStatement() {
  if (s_ == nullptr) return;
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

Result<SqliteCachedStatement> SqliteDatabase::Cached(const char* sql,
                                                     const std::vector<SqlParam>& params) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    ADTGW_ASSIGN(SqliteStatement s, Prepare(sql));
    it = cache_.emplace(sql, std::move(s)).first;
  }
  SqliteCachedStatement loan(it->second.get());
  ADTGW_TRY(Bind(loan.get(), params));
  return loan;
}

std::string SqlColumn(sqlite3_stmt* s, int i) {
  const void* p = sqlite3_column_blob(s, i);
  int n = sqlite3_column_bytes(s, i);
  return p == nullptr ? std::string()
                      : std::string(static_cast<const char*>(p), static_cast<size_t>(n));
}

int64_t SqlColumnInt(sqlite3_stmt* s, int i) { return sqlite3_column_int64(s, i); }

}  // namespace adtgw
