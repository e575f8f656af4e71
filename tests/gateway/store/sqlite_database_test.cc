#include "gateway/store/sqlite_database.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace adtgw {
namespace {

using ::testing::Not;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v TEXT NOT NULL);
)sql";
constexpr char kInsert[] = R"sql(
INSERT INTO t (k, v) VALUES (?1, ?2)
)sql";
constexpr char kSelectAll[] = R"sql(
SELECT k, v FROM t ORDER BY k
)sql";
constexpr char kCount[] = R"sql(
SELECT COUNT(*) FROM t
)sql";

class SqliteDatabaseTest : public ::testing::Test {
 protected:
  SqliteDatabase Open() {
    auto db = SqliteDatabase::Open(path_, "test database", kSchema, 1);
    EXPECT_THAT(db, IsOk());
    return std::move(db).value();
  }
  static int64_t Count(SqliteDatabase& db) {
    auto s = db.Cached(kCount, {});
    EXPECT_THAT(s, IsOk());
    EXPECT_EQ(sqlite3_step(s->get()), SQLITE_ROW);
    return SqlColumnInt(s->get(), 0);
  }

  testing::TempDir tmp_{"adtgw-sqlite"};
  std::string path_ = tmp_.path() + "/t.db";
};

TEST_F(SqliteDatabaseTest, CachedStatementIsPreparedOnceAndRebound) {
  SqliteDatabase db = Open();
  sqlite3_stmt* first = nullptr;
  for (int64_t k = 1; k <= 3; ++k) {
    auto s = db.Cached(kInsert, {k, "v" + std::to_string(k)});
    ASSERT_THAT(s, IsOk());
    if (first == nullptr) first = s->get();
    EXPECT_EQ(s->get(), first) << "the same statement is lent again";
    ASSERT_EQ(sqlite3_step(s->get()), SQLITE_DONE);
  }
  auto all = db.Cached(kSelectAll, {});
  ASSERT_THAT(all, IsOk());
  for (int64_t k = 1; k <= 3; ++k) {
    ASSERT_EQ(sqlite3_step(all->get()), SQLITE_ROW);
    EXPECT_EQ(SqlColumnInt(all->get(), 0), k);
    EXPECT_EQ(SqlColumn(all->get(), 1), "v" + std::to_string(k));
  }
  EXPECT_EQ(sqlite3_step(all->get()), SQLITE_DONE);
}

TEST_F(SqliteDatabaseTest, LoanEndReleasesTheSnapshotOfAHalfReadSelect) {
  SqliteDatabase reader = Open();
  SqliteDatabase writer = Open();
  for (int64_t k = 1; k <= 2; ++k) {
    auto s = writer.Cached(kInsert, {k, std::string("x")});
    ASSERT_THAT(s, IsOk());
    ASSERT_EQ(sqlite3_step(s->get()), SQLITE_DONE);
  }
  {
    // One row of two read, then the loan ends: without the reset, the reader's
    // connection would keep this read transaction and its snapshot.
    auto s = reader.Cached(kSelectAll, {});
    ASSERT_THAT(s, IsOk());
    ASSERT_EQ(sqlite3_step(s->get()), SQLITE_ROW);
  }
  {
    auto s = writer.Cached(kInsert, {int64_t{3}, std::string("y")});
    ASSERT_THAT(s, IsOk());
    ASSERT_EQ(sqlite3_step(s->get()), SQLITE_DONE);
  }
  EXPECT_EQ(Count(reader), 3) << "the reader sees the writer's commit";
}

TEST_F(SqliteDatabaseTest, CachedReportsABadStatementAndAParameterItCannotBind) {
  SqliteDatabase db = Open();
  constexpr char kBad[] = "SELECT nothing FROM nowhere";
  auto bad = db.Cached(kBad, {});
  ASSERT_THAT(bad, StatusIs("store.db"));
  // kCount has no parameter 1.
  auto extra = db.Cached(kCount, {int64_t{1}});
  ASSERT_THAT(extra, Not(IsOk()));
  EXPECT_EQ(Count(db), 0) << "a failed bind leaves the cached statement usable";
}

}  // namespace
}  // namespace adtgw
