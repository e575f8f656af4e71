#include "gateway/cli/client_output.h"

namespace adtgw {

std::string HumanSize(uint64_t bytes) {
  if (bytes < 10 * 1024) return std::to_string(bytes) + " B";
  if (bytes < 10 * 1024 * 1024) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes >> 20) + " MiB";
}

web::json::value JsonStrings(const std::vector<std::string>& items) {
  std::vector<web::json::value> out;
  out.reserve(items.size());
  for (const auto& s : items) out.push_back(web::json::value::string(s));
  return web::json::value::array(out);
}

}  // namespace adtgw
