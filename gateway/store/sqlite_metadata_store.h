// MetadataStore on SQLite (metadata_store.h states the contract): one database file
// in WAL mode with synchronous=FULL, so every committed transaction is durable; a
// schema version in PRAGMA user_version; prepared statements only.
//
// Thread safety: one connection guarded by a mutex; every method may be called from
// any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/store/metadata_store.h"
#include "gateway/store/sqlite_database.h"

namespace adtgw {

class SqliteMetadataStore final : public MetadataStore {
 public:
  static Result<std::unique_ptr<SqliteMetadataStore>> Create(const std::string& path);

  Result<Created> CreateOrGet(const TransferRecord& record, uint32_t daily_limit) override;
  Result<TransferRecord> Get(const std::string& id) override;
  Result<std::optional<TransferRecord>> FindByIdempotencyKey(
      const Eui64& sender, const std::string& idempotency_key) override;
  Status Transition(const std::string& id, TransferState from, TransferState to,
                    const std::string& reason, std::time_t at) override;
  Status MarkReceived(const std::string& id, const std::string& receipt, std::time_t at) override;
  Status RecordDelivery(const std::string& id, const Eui64& recipient, DeliveryState to,
                        const Delivery& details, std::time_t at) override;
  Result<std::vector<TransferRecord>> Inbox(const Eui64& recipient) override;
  Result<uint32_t> SentOnDay(const Eui64& sender, std::time_t day_start) override;
  Result<std::vector<TransferRecord>> CreatedBefore(std::time_t before,
                                                    TransferState state) override;

 private:
  using Param = SqlParam;

  explicit SqliteMetadataStore(SqliteDatabase db) : db_(std::move(db)) {}
  Result<TransferRecord> GetLocked(const std::string& id);
  // Runs `sql`, which selects transfer ids, and loads each transfer.
  Result<std::vector<TransferRecord>> ListLocked(const char* sql, const std::vector<Param>& params);

  SqliteDatabase db_;  // guarded by mu_
  std::mutex mu_;
};

}  // namespace adtgw
