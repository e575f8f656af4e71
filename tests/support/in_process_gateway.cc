#include "tests/support/in_process_gateway.h"

#include <sys/stat.h>

#include <cerrno>
#include <ctime>

#include "certs/credential_files.h"
#include "crypto/byte_stream.h"
#include "crypto/posix_file.h"
#include "crypto/tls_context.h"
#include "gateway/cli/demo_pki.h"
#include "gateway/server/audit_api.h"
#include "gateway/server/https_server.h"
#include "gateway/server/transfer_service.h"
#include "gateway/store/local_document_store.h"
#include "gateway/store/sqlite_metadata_store.h"
#include "policies/policy_holder.h"
#include "policies/policy_loader.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_pki.h"

namespace adtgw::testing {

// Declared in the order `adtgw serve` builds them, so that they are destroyed in the
// reverse: the server before the service, the service before the stores and the log.
struct InProcessGateway::Parts {
  explicit Parts(std::shared_ptr<const Policy> policy) : holder(std::move(policy)) {}
  PolicyHolder holder;
  std::unique_ptr<LocalDocumentStore> documents;
  std::unique_ptr<SqliteMetadataStore> metadata;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<TransferService> service;
  std::unique_ptr<AuditApi> audit_api;
  std::unique_ptr<HttpsServer> server;
};

namespace {

Status MakePrivateDir(const std::string& path) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoError(ErrorKind::kIo, "io.write", "cannot create " + path, errno);
  }
  return OkStatus();
}

}  // namespace

InProcessGateway::InProcessGateway() : pki_dir_(dir_.path() + "/pki") {}

ServerLimits InProcessGateway::TestLimits() {
  ServerLimits limits;
  limits.threads = 2;
  return limits;
}

Result<std::unique_ptr<InProcessGateway>> InProcessGateway::Start(ServerLimits limits) {
  std::unique_ptr<InProcessGateway> g(new InProcessGateway());
  ADTGW_ASSIGN(DemoPkiSummary written, WriteDemoPki(g->pki_dir_, std::time(nullptr)));
  (void)written;
  ADTGW_TRY(MakePrivateDir(g->scratch_dir()));
  ADTGW_ASSIGN(GatewayConfig config, LoadGatewayConfig(g->pki_dir_ + "/config/gateway.yaml"));
  ADTGW_ASSIGN(std::shared_ptr<const Policy> policy, LoadPolicyFile(config.policy));
  auto parts = std::make_unique<Parts>(policy);

  ADTGW_ASSIGN(X509Ptr cert, LoadCertificate(config.tls_certificate));
  ADTGW_ASSIGN(EvpPkeyPtr key, LoadPrivateKey(config.tls_key));
  ADTGW_ASSIGN(std::vector<X509Ptr> anchors, LoadCertificates(config.tls_client_ca));
  TlsEndpoint endpoint;
  endpoint.certificate = cert.get();
  endpoint.key = key.get();
  for (auto& a : anchors) endpoint.anchors.push_back(a.get());
  ADTGW_ASSIGN(SslCtxPtr tls, NewTlsServerContext(endpoint));

  ADTGW_TRY(MakePrivateDir(config.state_dir));
  ADTGW_ASSIGN(parts->documents, LocalDocumentStore::Create(config.state_dir + "/documents"));
  ADTGW_ASSIGN(parts->metadata, SqliteMetadataStore::Create(config.state_dir + "/metadata.db"));
  ADTGW_ASSIGN(LogSigner log_key, LogSigner::Load(config.audit_key, config.audit_origin));
  ADTGW_ASSIGN(parts->audit, AuditLog::Open(config.state_dir + "/audit.db", std::move(log_key)));
  parts->service =
      std::make_unique<TransferService>(parts->holder, *parts->documents, *parts->metadata,
                                        *parts->audit, TransferService::Options{});
  parts->audit_api = std::make_unique<AuditApi>(*parts->audit);

  HttpsServer::Options options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.auditor_host = "127.0.0.1";
  options.auditor_port = 0;
  options.limits = limits;
  options.log = [](const std::string&) {};  // the tests read the audit log instead
  ADTGW_ASSIGN(parts->server, HttpsServer::New(std::move(options), std::move(tls), *parts->service,
                                               *parts->audit_api));
  g->audit_ = parts->audit.get();
  g->parts_ = std::move(parts);
  HttpsServer* server = g->parts_->server.get();
  g->runner_ = std::thread([server] { server->Run(); });
  return g;
}

InProcessGateway::~InProcessGateway() {
  if (parts_ != nullptr && parts_->server != nullptr) parts_->server->BeginShutdown();
  if (runner_.joinable()) runner_.join();
  parts_.reset();
}

uint16_t InProcessGateway::port() const { return parts_->server->port(); }
uint16_t InProcessGateway::auditor_port() const { return parts_->server->auditor_port(); }
std::string InProcessGateway::url() const { return "https://127.0.0.1:" + std::to_string(port()); }
std::string InProcessGateway::auditor_url() const {
  return "https://127.0.0.1:" + std::to_string(auditor_port());
}

std::string InProcessGateway::tls_ca() const { return pki_dir_ + "/dccki/tls-ca.cert.pem"; }
std::string InProcessGateway::tls_certificate(const std::string& party) const {
  return pki_dir_ + "/parties/" + party + "/tls.cert.pem";
}
std::string InProcessGateway::tls_key(const std::string& party) const {
  return pki_dir_ + "/parties/" + party + "/tls.key.pem";
}
std::string InProcessGateway::client_config_path(const std::string& party) const {
  return pki_dir_ + "/config/client-" + party + ".yaml";
}
std::string InProcessGateway::scratch_dir() const { return dir_.path() + "/scratch"; }

Result<ClientConfig> InProcessGateway::ClientConfigFor(const std::string& party) const {
  ADTGW_ASSIGN(ClientConfig config, LoadClientConfig(client_config_path(party)));
  config.gateway_url = url();
  config.auditor_url = auditor_url();
  config.state_dir = scratch_dir() + "/state-" + party;
  ADTGW_TRY(MakePrivateDir(config.state_dir));
  return config;
}

uint64_t InProcessGateway::AuditSize() const { return audit_->Latest().checkpoint.size; }

Result<std::vector<AuditEntry>> InProcessGateway::EntriesSince(uint64_t from) {
  std::vector<AuditEntry> out;
  // Bounded: a test's gateway records a few hundred entries at most.
  for (int page = 0; page < 100; ++page) {
    ADTGW_ASSIGN(std::vector<StoredEntry> stored, audit_->Entries(from, 1000));
    if (stored.empty()) break;
    for (const StoredEntry& s : stored) {
      ADTGW_ASSIGN(AuditEntry e, ParseAuditEntry(AsBytes(s.entry)));
      out.push_back(std::move(e));
      from = s.index + 1;
    }
  }
  return out;
}

InProcessGateway* InProcessGatewayTest::gateway_ = nullptr;

void InProcessGatewayTest::SetUpTestSuite() {
  auto started = InProcessGateway::Start();
  ASSERT_THAT(started, IsOk());
  gateway_ = std::move(started).value().release();
}

void InProcessGatewayTest::TearDownTestSuite() {
  delete gateway_;
  gateway_ = nullptr;
}

Result<ClientConfig> InProcessGatewayTest::SenderConfig(const std::string& party) {
  ADTGW_ASSIGN(ClientConfig config, gateway_->ClientConfigFor(party));
  config.srv_catalogue = FixturePath("duis/srv-catalogue.csv");
  return config;
}

}  // namespace adtgw::testing
