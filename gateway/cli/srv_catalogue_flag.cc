#include "gateway/cli/srv_catalogue_flag.h"

#include <cstdlib>

#ifndef ADTGW_DEFAULT_SRV_CATALOGUE
#error "the build sets ADTGW_DEFAULT_SRV_CATALOGUE (gateway/CMakeLists.txt)"
#endif

namespace adtgw {

const char* DefaultSrvCataloguePath() { return ADTGW_DEFAULT_SRV_CATALOGUE; }

std::string SrvCataloguePath(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("ADTGW_SRV_CATALOGUE");
  return env != nullptr && *env != '\0' ? env : DefaultSrvCataloguePath();
}

Result<SrvCatalogue> LoadSrvCatalogue(const std::string& flag) {
  auto loaded = SrvCatalogue::Load(SrvCataloguePath(flag));
  if (!loaded.ok()) {
    Error e = std::move(loaded).error();
    if (e.hint.empty()) e.hint = "give --srv-catalogue FILE or set $ADTGW_SRV_CATALOGUE";
    return e;
  }
  return loaded;
}

}  // namespace adtgw
