// A SQLite database as adtgw's stores use it (the metadata store, the audit log): one
// connection, opened without following links, in WAL mode with synchronous=FULL so a
// committed transaction is durable, the schema applied and its version checked in
// PRAGMA user_version. Statements are prepared and values are always bound
// parameters (docs/architecture.md, rule 1); nothing here builds SQL from values.
//
// Ownership: a SqliteDatabase owns its connection and the statements it caches;
// other statements are owned by SqliteStatement. Thread safety: none; each owner
// serialises its use (a mutex or one thread).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "crypto/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace adtgw {

struct SqliteStatementFinalizer {
  void operator()(sqlite3_stmt* s) const;
};
using SqliteStatement = std::unique_ptr<sqlite3_stmt, SqliteStatementFinalizer>;

// A statement lent from a SqliteDatabase's cache. It is reset and its bindings cleared
// when the loan ends, so a half-read SELECT never keeps its read transaction (and an
// old snapshot) open on the connection. Valid while the database lives.
class SqliteCachedStatement {
 public:
  explicit SqliteCachedStatement(sqlite3_stmt* s) : s_(s) {}
  SqliteCachedStatement(SqliteCachedStatement&& other) noexcept : s_(other.s_) {
    other.s_ = nullptr;
  }
  SqliteCachedStatement& operator=(SqliteCachedStatement&&) = delete;
  SqliteCachedStatement(const SqliteCachedStatement&) = delete;
  ~SqliteCachedStatement();
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_;
};

// A value bound as a BLOB (bytes that are not text: hashes).
struct SqlBlob {
  std::string bytes;
};
// Strings are bound as TEXT (bytes kept exactly), so operators' queries with string
// literals match.
using SqlParam = std::variant<std::string, int64_t, SqlBlob>;

class SqliteDatabase {
 public:
  // `what` names the database in errors ("metadata database"); `schema` is applied
  // with IF NOT EXISTS statements; a new database gets `version`, an existing one must
  // have it, or have `version - 1` and an `upgrade` to run (in one transaction, with
  // the new version): never any other migration.
  static Result<SqliteDatabase> Open(const std::string& path, const std::string& what,
                                     const char* schema, int version,
                                     const char* upgrade = nullptr);

  sqlite3* get() const { return db_.get(); }
  Status Execute(const char* sql);
  Result<SqliteStatement> Prepare(const char* sql);
  // Binds parameters 1..n in order.
  Status Bind(sqlite3_stmt* s, const std::vector<SqlParam>& params);
  // Prepares and binds.
  Result<SqliteStatement> Statement(const char* sql, const std::vector<SqlParam>& params);
  // Like Statement, but prepared once per connection and kept: for the statements a hot
  // path runs per request (parsing costs more than running a small statement). `sql`
  // must be a string constant: the cache is keyed by its address. One loan per
  // statement at a time.
  Result<SqliteCachedStatement> Cached(const char* sql, const std::vector<SqlParam>& params);
  // An error for the last failed call, naming what was being done.
  Error Fail(const std::string& doing) const;

  // Runs `body` (returning a Status or Result) in BEGIN IMMEDIATE; commits when it
  // succeeds, rolls back when it fails.
  template <class Body>
  auto InTransaction(Body body) -> decltype(body()) {
    ADTGW_TRY(Execute("BEGIN IMMEDIATE"));
    auto result = body();
    if (!result.ok()) {
      (void)Execute("ROLLBACK");
      return result;
    }
    ADTGW_TRY(Execute("COMMIT"));
    return result;
  }

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  SqliteDatabase(sqlite3* db, std::string what) : db_(db), what_(std::move(what)) {}
  std::unique_ptr<sqlite3, Closer> db_;
  std::string what_;
  // Declared after db_ so that its statements are finalized before the connection closes.
  std::unordered_map<const char*, SqliteStatement> cache_;
};

// Column `i` of the current row as bytes (TEXT or BLOB).
std::string SqlColumn(sqlite3_stmt* s, int i);
int64_t SqlColumnInt(sqlite3_stmt* s, int i);

}  // namespace adtgw
