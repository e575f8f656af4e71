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

Result<DomainFileType> DomainFileTypeFlag(const std::string& flag) {
  auto type = ParseDomainFileType(flag);
  if (!type) {
    return MakeError(ErrorKind::kUsage, "usage", "--type " + flag + " is not a file type",
                     "use adt, exit-quarantine or quarantine-report");
  }
  return *type;
}

}  // namespace adtgw
