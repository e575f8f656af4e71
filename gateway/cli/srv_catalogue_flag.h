// The flags shared by the commands that handle domain files (validate, template):
// --type, and --srv-catalogue: the flag's file, else $ADTGW_SRV_CATALOGUE, else the
// path fixed at build time (ADTGW_DEFAULT_SRV_CATALOGUE, gateway/CMakeLists.txt;
// docs/formats.md section 8).
//
// Thread safety: reads the environment; main thread only.
#pragma once

#include <string>

#include "crypto/result.h"
#include "gateway/formats/domain_file.h"
#include "gateway/formats/srv_catalogue.h"

namespace adtgw {

std::string SrvCataloguePath(const std::string& flag);
const char* DefaultSrvCataloguePath();
Result<SrvCatalogue> LoadSrvCatalogue(const std::string& flag);
// --type: adt, exit-quarantine or quarantine-report, else a usage error.
Result<DomainFileType> DomainFileTypeFlag(const std::string& flag);

}  // namespace adtgw
