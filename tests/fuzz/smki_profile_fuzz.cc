// libFuzzer target: the certificate profile checks of certs/ on arbitrary DER
// certificates, plus the small text parsers certificates feed.
//
// The input is given to d2i_X509; when OpenSSL parses it, the target runs
// SmkiProfileProblems and CheckSmkiProfile with three option sets (accepting the
// seeds' policy OID, with no accepted OID, and without OID matching), RequireUsage
// for both usages, SubjectEui64, SubjectOu, PolicyOids, DescribeKey,
// DcckiProfileProblems for both TLS roles and LooksLikeSmki, and checks that they
// agree with one another. Independently, the raw input is parsed as text by
// Eui64::Parse and ParseRemotePartyRole, whose results must round-trip through
// ToString / RoleCode.
//
// Seeds (ADTGW_FUZZ_WRITE_SEEDS=DIR): the embedded test certificates, SMKI-conforming
// KA and DS certificates under a test CA, non-conforming ones (P-384, no extensions,
// RSA DCCKI-style), and EUI-64 and role strings.
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "certs/dccki_profile.h"
#include "certs/eui64.h"
#include "certs/remote_party_role.h"
#include "certs/smki_profile.h"
#include "tests/fuzz/fuzz_support.h"

using namespace adtgw;
using namespace adtgw::fuzz;

namespace {

std::vector<der::Bytes> MakeSeeds() {
  std::vector<der::Bytes> seeds = CertificateSeeds();
  for (const char* text : {"90-B3-D5-1F-30-01-00-00", "90b3d51f30010000", "90-b3-d5-1f-30-01-00-0g",
                           "02", "7f", "07", "zz"}) {
    seeds.push_back(BytesOf(text));
  }
  return seeds;
}

void CheckText(std::string_view text) {
  Result<Eui64> eui = Eui64::Parse(text);
  if (eui.ok()) {
    std::string canonical = eui->ToString();
    Result<Eui64> again = Eui64::Parse(canonical);
    if (!again.ok() || !(*again == *eui)) InvariantFailed("EUI-64 does not round-trip");
    if (canonical.size() != 23) InvariantFailed("EUI-64 canonical text is not 23 characters");
    if (text.size() == 23) {
      for (size_t i = 0; i < text.size(); ++i) {
        if (std::toupper(static_cast<unsigned char>(text[i])) != canonical[i]) {
          InvariantFailed("EUI-64 canonical text differs from the parsed text");
        }
      }
    }
  } else if (eui.error().code != "input.bad_eui64") {
    InvariantFailed("EUI-64 refusal with an unexpected code");
  }
  std::optional<RemotePartyRole> role = ParseRemotePartyRole(text);
  if (role) {
    if (ParseRemotePartyRole(RoleCode(*role)) != role) InvariantFailed("role does not round-trip");
    if (RoleName(*role).empty()) InvariantFailed("role without a name");
  }
}

void CheckProblems(const std::vector<Error>& problems, const char* prefix) {
  for (const Error& e : problems) {
    if (e.code.rfind(prefix, 0) != 0) InvariantFailed("profile problem with an unexpected code");
    if (e.message.empty()) InvariantFailed("profile problem without a message");
    if (e.kind != ErrorKind::kTrust) InvariantFailed("profile problem of the wrong kind");
  }
}

void CheckSmki(X509* cert, const SmkiProfileOptions& options) {
  std::vector<Error> problems = SmkiProfileProblems(cert, options);
  CheckProblems(problems, "cert.profile.");
  Result<SmkiIdentity> identity = CheckSmkiProfile(cert, options);
  if (identity.ok() != problems.empty()) {
    InvariantFailed("CheckSmkiProfile disagrees with SmkiProfileProblems");
  }
  if (!identity.ok()) {
    if (identity.error().code != problems.front().code) {
      InvariantFailed("CheckSmkiProfile does not report the first problem");
    }
    return;
  }
  std::optional<Eui64> eui = SubjectEui64(cert);
  if (!eui || !(*eui == identity->eui64)) InvariantFailed("identity EUI-64 mismatch");
  bool ds = RequireUsage(*identity, SmkiKeyUsage::kDigitalSignature, "fuzz").ok();
  bool ka = RequireUsage(*identity, SmkiKeyUsage::kKeyAgreement, "fuzz").ok();
  if (ds == ka) InvariantFailed("a conforming certificate must have exactly one usage");
  if (KeyUsageName(identity->usage).empty()) InvariantFailed("usage without a name");
  if (!IsOrganisationRole(identity->role)) InvariantFailed("conforming non-organisation role");
}

void CheckCertificate(X509* cert) {
  CheckSmki(cert, SmkiProfileOptions{{kSeedPolicyOid, "2.5.29.32.0"}, true});
  CheckSmki(cert, SmkiProfileOptions{{}, true});
  CheckSmki(cert, SmkiProfileOptions{{}, false});

  std::optional<Eui64> eui = SubjectEui64(cert);
  if (eui && !Eui64::Parse(eui->ToString()).ok()) InvariantFailed("subject EUI-64 text");
  std::optional<std::string> ou = SubjectOu(cert);
  if (ou) (void)ParseRemotePartyRole(*ou);
  for (const std::string& oid : PolicyOids(cert)) {
    if (oid.empty()) InvariantFailed("empty policy OID text");
  }
  if (DescribeKey(X509_get0_pubkey(cert)).empty()) InvariantFailed("empty key description");
  CheckProblems(DcckiProfileProblems(cert, TlsRole::kServer), "cert.dccki.");
  CheckProblems(DcckiProfileProblems(cert, TlsRole::kClient), "cert.dccki.");
  (void)LooksLikeSmki(cert);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  MaybeWriteSeedsAndExit(MakeSeeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CheckText(std::string_view(reinterpret_cast<const char*>(data), size));
  const unsigned char* p = data;
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(size)));
  if (cert) CheckCertificate(cert.get());
  ERR_clear_error();
  return 0;
}
