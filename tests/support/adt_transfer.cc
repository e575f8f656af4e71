#include "tests/support/adt_transfer.h"

#include <fstream>
#include <vector>

#include "crypto/byte_stream.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"

namespace adtgw::testing {

std::string AdtFileText(const std::string& user, size_t min_bytes) {
  std::string records;
  Sha256 digest;
  size_t rows = 0;
  for (size_t i = 1; i == 1 || records.size() < min_bytes; ++i) {
    const std::string line = "D," + user + ",IS,1.1.1,WARNING,PT" + std::to_string(i) + "S," +
                             std::to_string(100 + i % 1000) + ",2026-01-06T00:00:00Z,generated " +
                             std::to_string(i) + "\n";
    digest.Update(AsBytes(line));
    records += line;
    ++rows;
  }
  return "rec,user_id,user_role,srv,threshold_type,period,max_count,effective_from,note\n"
         "H," +
         user + ",IS,,,,,2026-01-06T00:00:00Z,fmt=ADT/1;ref=generated\n" + records + "T," +
         std::to_string(rows) + "," + ToHex(digest.Finish()) + "\n";
}

Status WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return MakeError(ErrorKind::kIo, "io.write", "cannot write " + path);
  return OkStatus();
}

Result<PreparedTransfer> PrepareAdtFile(TransferSender& sender, GatewayApi& api,
                                        const std::string& path, const std::string& envelope_path,
                                        const std::string& idempotency_key,
                                        std::vector<std::string>* problems) {
  SendRequest request;
  request.path = path;
  request.file_type = "adt";
  request.idempotency_key = idempotency_key;
  MemorySink envelope;
  ADTGW_ASSIGN(PreparedTransfer prepared,
               sender.Prepare(api, request, envelope, PhaseCallback(), problems));
  const std::vector<uint8_t>& bytes = envelope.bytes();
  ADTGW_TRY(WriteTextFile(envelope_path, std::string(bytes.begin(), bytes.end())));
  prepared.envelope_path = envelope_path;
  return prepared;
}

}  // namespace adtgw::testing
