// ReceiveJournal: what `adtgw receive` remembers in DIR/.adtgw-receive/ between
// publishing a file and the gateway recording its acknowledgement, so that a receiver
// killed anywhere publishes every transfer exactly once (docs/receive.md):
//
//   1. the file is decrypted and checked into a temporary file beside its final name
//      (a dot-file: AtomicFile);
//   2. an entry ID.json is written (whole, fsynced): the final path, the temporary path
//      and the plaintext's SHA-256;
//   3. the temporary file is renamed into place (fsynced);
//   4. the acknowledgement is sent; then the entry is removed.
//
// A receiver that finds an entry for a transfer still in its inbox knows which side of
// step 3 it stopped on: the temporary file still there means the rename never happened
// (it is removed and the transfer received again); gone means the file was published
// (it is acknowledged without being downloaded again, even if a consumer has already
// taken the file away).
//
// Thread safety: one receiver per DIR at a time (receive holds DIR/.adtgw-receive/lock).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crypto/result.h"
#include "crypto/sha256.h"

namespace adtgw {

struct JournalEntry {
  std::string final_path;
  std::string temp_path;
  Sha256Digest sha256{};
};

class ReceiveJournal {
 public:
  // Creates DIR/.adtgw-receive (0700) when missing.
  static Result<ReceiveJournal> Open(const std::string& out_dir);

  Status Record(const std::string& transfer_id, const JournalEntry& entry) const;
  Result<std::optional<JournalEntry>> Find(const std::string& transfer_id) const;
  Status Forget(const std::string& transfer_id) const;
  // Forgets the entries of transfers no longer waiting (acknowledged before the
  // receiver could forget them, or gone from the gateway), with any temporary file.
  Status Prune(const std::vector<std::string>& waiting_ids) const;
  // Removes the temporary files (.NAME.tmp-HEX) a receiver killed while decrypting left
  // in the output folder, except those the journal still names, and journal entries
  // whose writing was cut short. Call with the folder's
  // lock held. Returns how many went.
  Result<size_t> RemoveStaleTemporaries() const;

  const std::string& dir() const { return dir_; }

 private:
  ReceiveJournal(std::string out_dir, std::string dir)
      : out_dir_(std::move(out_dir)), dir_(std::move(dir)) {}
  std::string out_dir_;
  std::string dir_;
};

}  // namespace adtgw
