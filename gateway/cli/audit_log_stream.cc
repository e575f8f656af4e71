#include "gateway/cli/audit_log_stream.h"

#include <charconv>
#include <memory>
#include <string>
#include <vector>

#include "crypto/byte_stream.h"
#include "gateway/common/line_splitter.h"
#include "gateway/common/strict_json.h"

namespace adtgw {

std::optional<uint64_t> LineIndex(std::string_view line) {
  uint64_t index = 0;
  auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), index);
  if (ec != std::errc() || end == line.data() || end == line.data() + line.size() || *end != ' ') {
    return std::nullopt;
  }
  return index;
}

// Every stored row from index 0 on, line by line (without the newline), streamed from
// GET /v1/audit/entries kSegment rows a request. The segments bound what the client
// holds: cpprestsdk reads ahead of a consumer that checks more slowly than the gateway
// sends. `on_line` may call the gateway (a newer checkpoint) between lines.
Status StreamEntries(GatewayApi& api, const std::function<Status(std::string_view)>& on_line) {
  uint64_t from = 0;
  for (;;) {
    uint64_t lines = 0;
    std::optional<uint64_t> last;
    auto each = [&](std::string_view line) -> Status {
      ++lines;
      last = LineIndex(line);
      return on_line(line);
    };
    LineSplitter splitter("the gateway's entries from " + std::to_string(from), kMaxEntryLine);
    ADTGW_TRY(api.AuditStream(
        "/v1/audit/entries?from=" + std::to_string(from) + "&limit=" + std::to_string(kSegment),
        [&](std::string_view piece) { return splitter.Feed(piece, each); }));
    ADTGW_TRY(splitter.Finish(each));
    if (lines < kSegment) return OkStatus();
    if (!last || *last < from) {
      return MakeError(
          ErrorKind::kInvalidInput, "response.malformed",
          "the gateway's entries from " + std::to_string(from) + " do not end with a row past it",
          "run adtgw audit verify --full and report it to the DCC");
    }
    from = *last + 1;
  }
}

CheckpointHistory::PageSource OnlineHistory(GatewayApi& api) {
  auto last_page_read = std::make_shared<bool>(false);
  return [&api, last_page_read](uint64_t from) -> Result<std::vector<std::string>> {
    if (*last_page_read) return std::vector<std::string>{};
    ADTGW_ASSIGN(std::string body,
                 api.AuditGet("/v1/audit/checkpoints?from=" + std::to_string(from) +
                              "&limit=" + std::to_string(kHistoryPage)));
    StrictJsonObject::Rules rules{"response", "see docs/api.md, Audit log", kMaxAuditAnswer, 2};
    ADTGW_ASSIGN(StrictJsonObject page,
                 StrictJsonObject::Parse(AsBytes(body), rules, {"checkpoints", "truncated"}));
    ADTGW_ASSIGN(bool truncated, page.Bool("truncated"));
    ADTGW_ASSIGN(std::vector<std::string> notes, page.TextArray("checkpoints"));
    *last_page_read = !truncated;
    return notes;
  };
}

}  // namespace adtgw
