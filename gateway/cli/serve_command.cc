// adtgw serve: the gateway (docs/api.md). Loads the configuration and the policy,
// opens the metadata database, the audit log and the document store under state_dir,
// finishes what a crash left half done, and serves until SIGTERM. The audit log
// records the start, every policy loaded (with its hash) and the stop.
#include <malloc.h>
#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <mutex>

#include "certs/credential_files.h"
#include "certs/dccki_profile.h"
#include "certs/trust_store.h"
#include "crypto/posix_file.h"
#include "crypto/tls_context.h"
#include "gateway/audit/audit_log.h"
#include "gateway/cli/commands.h"
#include "gateway/common/atomic_file.h"
#include "gateway/server/audit_api.h"
#include "gateway/server/gateway_config.h"
#include "gateway/server/https_server.h"
#include "gateway/server/transfer_service.h"
#include "gateway/store/local_document_store.h"
#include "gateway/store/sqlite_metadata_store.h"
#include "policies/policy_loader.h"

namespace adtgw {
namespace {

struct ServeFlags {
  std::string config;
  std::string listen;
  std::string ready_file;
  std::string auditor_listen;
  std::string auditor_ready_file;
};

std::mutex log_mu;

void LogLine(const std::string& line) {
  char when[32];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::lock_guard<std::mutex> lock(log_mu);
  std::fprintf(stderr, "%s adtgw serve: %s\n", when, line.c_str());
}

Status MakePrivateDir(const std::string& path) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoError(ErrorKind::kIo, "io.write", "cannot create " + path, errno);
  }
  return OkStatus();
}

AuditEntry GatewayEvent(const char* event) {
  AuditEntry e;
  e.at = std::time(nullptr);
  e.event = event;
  return e;
}

AuditEntry PolicyEvent(const Policy& policy) {
  AuditEntry e = GatewayEvent(audit_event::kPolicyLoaded);
  e.outcome = "accepted";
  e.policy_sha256 = ToHex(policy.canonical_sha256);
  return e;
}

Status RunServe(const ServeFlags& f) {
  // Upload buffers (4 MiB) come from mmap and go back to the system when freed. glibc
  // would otherwise raise its mmap threshold after the first free and keep later
  // buffers in per-thread arenas, so that the gateway's RSS crept up with every upload.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  ADTGW_ASSIGN(GatewayConfig config, LoadGatewayConfig(f.config));
  if (!f.listen.empty()) {
    ADTGW_TRY(ParseListenAddress(f.listen, &config.listen_host, &config.listen_port));
  }
  if (!f.auditor_listen.empty()) {
    ADTGW_TRY(ParseListenAddress(f.auditor_listen, &config.auditor_host, &config.auditor_port));
  }
  ADTGW_ASSIGN(std::shared_ptr<const Policy> policy, LoadPolicyFile(config.policy));
  PolicyHolder holder(policy);

  ADTGW_ASSIGN(X509Ptr cert, LoadCertificate(config.tls_certificate));
  ADTGW_ASSIGN(EvpPkeyPtr key, LoadPrivateKey(config.tls_key));
  ADTGW_ASSIGN(std::vector<X509Ptr> anchors, LoadCertificates(config.tls_client_ca));
  for (const Error& problem : DcckiProfileProblems(cert.get(), TlsRole::kServer)) {
    LogLine("warning: " + config.tls_certificate + ": " + problem.message);
  }
  TlsEndpoint endpoint;
  endpoint.certificate = cert.get();
  endpoint.key = key.get();
  for (auto& a : anchors) endpoint.anchors.push_back(a.get());
  ADTGW_ASSIGN(SslCtxPtr tls, NewTlsServerContext(endpoint));

  ADTGW_TRY(MakePrivateDir(config.state_dir));
  ADTGW_ASSIGN(std::unique_ptr<LocalDocumentStore> documents,
               LocalDocumentStore::Create(config.state_dir + "/documents"));
  ADTGW_ASSIGN(std::unique_ptr<SqliteMetadataStore> metadata,
               SqliteMetadataStore::Create(config.state_dir + "/metadata.db"));
  ADTGW_ASSIGN(LogSigner log_key, LogSigner::Load(config.audit_key, config.audit_origin));
  ADTGW_ASSIGN(std::unique_ptr<AuditLog> audit,
               AuditLog::Open(config.state_dir + "/audit.db", std::move(log_key)));
  TransferService service(holder, *documents, *metadata, *audit, TransferService::Options{});
  AuditApi audit_api(*audit);
  ADTGW_TRY(service.RecordEvent(GatewayEvent(audit_event::kGatewayStarted)));
  ADTGW_TRY(service.RecordEvent(PolicyEvent(*policy)));
  ADTGW_TRY(service.Recover(std::time(nullptr)));

  HttpsServer::Options options;
  options.host = config.listen_host;
  options.port = config.listen_port;
  options.limits = config.limits;
  options.log = LogLine;
  options.auditor_host = config.auditor_host;
  options.auditor_port = config.auditor_port;
  options.on_reload = [&holder, &config, &service] {
    auto next = LoadPolicyFile(config.policy);
    if (!next.ok()) {
      LogLine("policy reload refused, the current policy stays: " + next.error().message);
      AuditEntry e = GatewayEvent(audit_event::kPolicyLoaded);
      e.outcome = "refused";
      e.reason = next.error().code;
      (void)service.RecordEvent(std::move(e));
      return;
    }
    // Logged before it applies: a policy the log does not show never decides anything.
    Status logged = service.RecordEvent(PolicyEvent(**next));
    if (!logged.ok()) {
      LogLine("policy reload refused, it could not be logged: " + logged.error().message);
      return;
    }
    holder.Replace(*next);
    LogLine("policy reloaded: sha256 " + ToHex((*next)->canonical_sha256));
  };
  options.periodic = [&service] {
    auto expired = service.ExpireEnvelopes(std::time(nullptr));
    if (!expired.ok()) {
      LogLine("retention sweep failed: " + expired.error().message);
    } else if (*expired > 0) {
      LogLine("retention: " + std::to_string(*expired) + " envelope(s) expired and deleted");
    }
  };
  ADTGW_ASSIGN(std::unique_ptr<HttpsServer> server,
               HttpsServer::New(std::move(options), std::move(tls), service, audit_api));
  LogLine("listening on https://" + config.listen_host + ":" + std::to_string(server->port()) +
          " (policy " + config.policy + ", sha256 " + ToHex(policy->canonical_sha256) + ", " +
          std::to_string(policy->parties.size()) + " parties); auditors on https://" +
          config.auditor_host + ":" + std::to_string(server->auditor_port()) + " (audit log " +
          config.audit_origin + ", size " + std::to_string(audit->Latest().checkpoint.size) + ")");
  // The auditor's port first: a script that sees the main port may use both.
  if (!f.auditor_ready_file.empty()) {
    ADTGW_TRY(WriteFileAtomically(f.auditor_ready_file,
                                  std::to_string(server->auditor_port()) + "\n", 0644,
                                  /*replace=*/true));
  }
  if (!f.ready_file.empty()) {
    ADTGW_TRY(WriteFileAtomically(f.ready_file, std::to_string(server->port()) + "\n", 0644,
                                  /*replace=*/true));
  }
  server->Run();
  Status logged = service.RecordEvent(GatewayEvent(audit_event::kGatewayStopped));
  if (!logged.ok()) LogLine("could not log the stop: " + logged.error().message);
  LogLine("stopped");
  return OkStatus();
}

}  // namespace

CommandAction AddServeCommand(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand("serve", "run the gateway (mutual-TLS HTTPS API)");
  cmd->footer(
      "Example: adtgw serve --config /etc/adtgw/gateway.yaml\n"
      "SIGTERM stops it gracefully; SIGHUP reloads the policy. API: docs/api.md");
  cmd->add_option("--config", flags->config, "gateway configuration (YAML)")->required();
  cmd->add_option("--listen", flags->listen, "override listen: HOST:PORT (port 0: any free)");
  cmd->add_option("--ready-file", flags->ready_file,
                  "write the bound port here once listening (for scripts)");
  cmd->add_option("--auditor-listen", flags->auditor_listen,
                  "override audit.auditor_listen: HOST:PORT (port 0: any free)");
  cmd->add_option("--auditor-ready-file", flags->auditor_ready_file,
                  "write the auditors' listener's bound port here (for scripts)");
  return [flags] { return RunServe(*flags); };
}

}  // namespace adtgw
