// Runs SQL on a database file through a connection of its own, as an operator (or an
// attacker) with the file could: how tests tamper with the gateway's stores.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

namespace adtgw::testing {

inline void ExecSql(const std::string& db, const std::string& sql) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  sqlite3_busy_timeout(raw, 10000);
  char* err = nullptr;
  int rc = sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &err);
  std::string message = err != nullptr ? err : "";
  sqlite3_free(err);
  sqlite3_close(raw);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

}  // namespace adtgw::testing
