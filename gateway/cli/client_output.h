// How the client commands print what they report: sizes for people, string lists for
// JSON. Shared so that send, push, receive and status say things the same way.
//
// Thread safety: pure functions.
#pragma once

#include <cpprest/json.h>

#include <cstdint>
#include <string>
#include <vector>

namespace adtgw {

// "812 B", "34 KiB", "120 MiB".
std::string HumanSize(uint64_t bytes);
web::json::value JsonStrings(const std::vector<std::string>& items);

}  // namespace adtgw
