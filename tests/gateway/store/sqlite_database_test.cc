#include "gateway/store/sqlite_database.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "tests/support/temp_dir.h"

namespace adtgw {
namespace {

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
    EXPECT_TRUE(db.ok()) << (db.ok() ? "" : db.error().message);
    return std::move(db).value();
  }
  static int64_t Count(SqliteDatabase& db) {
    auto s = db.Cached(kCount, {});
    EXPECT_TRUE(s.ok());
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
    ASSERT_TRUE(s.ok()) << s.error().message;
    if (first == nullptr) first = s->get();
    EXPECT_EQ(s->get(), first) << "the same statement is lent again";
    ASSERT_EQ(sqlite3_step(s->get()), SQLITE_DONE);
  }
  auto all = db.Cached(kSelectAll, {});
  ASSERT_TRUE(all.ok());
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
    ASSERT_TRUE(s.ok());
    ASSERT_EQ(sqlite3_step(s->get()), SQLITE_DONE);
  }
  {
    // One row of two read, then the loan ends: without the reset, the reader's
    // connection would keep this read transaction and its snapshot.
    auto s = reader.Cached(kSelectAll, {});
    ASSERT_TRUE(s.ok());
    ASSERT_EQ(sqlite3_step(s->get()), SQLITE_ROW);
  }
  {
    auto s = writer.Cached(kInsert, {int64_t{3}, std::string("y")});
    ASSERT_TRUE(s.ok());
    ASSERT_EQ(sqlite3_step(s->get()), SQLITE_DONE);
  }
  EXPECT_EQ(Count(reader), 3) << "the reader sees the writer's commit";
}

TEST_F(SqliteDatabaseTest, CachedReportsABadStatementAndAParameterItCannotBind) {
  SqliteDatabase db = Open();
  constexpr char kBad[] = "SELECT nothing FROM nowhere";
  auto bad = db.Cached(kBad, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "store.db");
  // kCount has no parameter 1.
  auto extra = db.Cached(kCount, {int64_t{1}});
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(Count(db), 0) << "a failed bind leaves the cached statement usable";
}

}  // namespace
}  // namespace adtgw
