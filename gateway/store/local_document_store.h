// The embedded default DocumentStore (document_store.h states the contract): plain
// files under one root folder, uploads in ROOT/partial/KEY, committed objects in
// ROOT/objects/KEY, each 0600. Appends are fsynced before they are acknowledged;
// Commit renames into objects/ and fsyncs both folders.
//
// Thread safety: as document_store.h.
#pragma once

#include <string>

#include "gateway/store/document_store.h"

namespace adtgw {

class LocalDocumentStore final : public DocumentStore {
 public:
  // Creates ROOT/objects and ROOT/partial (0700) if missing.
  static Result<std::unique_ptr<LocalDocumentStore>> Create(const std::string& root);

  Result<StorageKey> BeginUpload() override;
  Result<uint64_t> UploadOffset(const StorageKey& key) override;
  Result<uint64_t> Append(const StorageKey& key, uint64_t offset, std::span<const uint8_t> data,
                          bool then_commit = false) override;
  Status Commit(const StorageKey& key) override;
  Status AbandonUpload(const StorageKey& key) override;
  Result<std::vector<StorageKey>> PendingUploads() override;
  Result<std::unique_ptr<ByteSource>> Open(const StorageKey& key) override;
  Result<std::unique_ptr<ByteSource>> OpenUpload(const StorageKey& key) override;
  Result<uint64_t> Size(const StorageKey& key) override;
  Status Remove(const StorageKey& key) override;

 private:
  explicit LocalDocumentStore(std::string root) : root_(std::move(root)) {}
  std::string PartialPath(const StorageKey& key) const;
  std::string ObjectPath(const StorageKey& key) const;
  std::string root_;
};

}  // namespace adtgw
