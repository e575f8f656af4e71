// Small helpers shared by the audit log benchmark tools: flags, failure, percentiles.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "crypto/result.h"

namespace adtgw::bench {

// --flag value pairs (a flag may repeat); anything else is a usage error.
inline std::multimap<std::string, std::string> ParseFlags(int argc, char** argv,
                                                          const char* usage) {
  std::multimap<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag.rfind("--", 0) != 0 || i + 1 >= argc) {
      std::fprintf(stderr, "%s: bad argument '%s'\nusage: %s\n", argv[0], flag.c_str(), usage);
      std::exit(2);
    }
    flags.emplace(flag.substr(2), argv[++i]);
  }
  return flags;
}

inline std::string Flag(const std::multimap<std::string, std::string>& flags,
                        const std::string& name, const std::string& fallback) {
  auto it = flags.find(name);
  return it == flags.end() ? fallback : it->second;
}

inline double NumberFlag(const std::multimap<std::string, std::string>& flags,
                         const std::string& name, double fallback) {
  auto it = flags.find(name);
  if (it == flags.end()) return fallback;
  char* end = nullptr;
  double v = std::strtod(it->second.c_str(), &end);
  if (end == it->second.c_str() || *end != '\0' || v < 0) {
    std::fprintf(stderr, "bad number for --%s: %s\n", name.c_str(), it->second.c_str());
    std::exit(2);
  }
  return v;
}

[[noreturn]] inline void Fail(const std::string& what, const Error& e) {
  std::fprintf(stderr, "error: %s: %s [%s]\n", what.c_str(), e.message.c_str(), e.code.c_str());
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const std::string& what) {
  if (!r.ok()) Fail(what, r.error());
  return std::move(r).value();
}

inline void Must(const Status& s, const std::string& what) {
  if (!s.ok()) Fail(what, s.error());
}

// Nearest-rank percentile of sorted samples (p in [0, 1]).
inline double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace adtgw::bench
