// GatewayApi over cpprestsdk's http_client (gateway_api.h).
#include <cpprest/filestream.h>
#include <cpprest/http_client.h>
#include <cpprest/rawptrstream.h>
#include <pplx/threadpool.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <mutex>

#include <boost/asio/ssl.hpp>

#include "certs/credential_files.h"
#include "crypto/tls_context.h"
#include "gateway/audit/checkpoint.h"
#include "gateway/client/gateway_api.h"
#include "gateway/client/tls_dial.h"
#include "gateway/client/tls_probe.h"
#include "gateway/common/http_status.h"
#include "gateway/common/strict_json.h"

namespace adtgw {
namespace {

namespace http = web::http;
using http::client::http_client;
using http::client::http_client_config;

// Envelope bodies move in kChunk pieces; JSON answers are read kAnswerPiece at a time.
// Buffers are left uninitialised: getn writes what it returns, and zeroing a 1 MiB
// buffer for every answer of a few hundred bytes cost the client more than the answer
// (bench/gateway_load.cc: two answers per upload).
constexpr size_t kChunk = 1 << 20;
constexpr size_t kAnswerPiece = 64 * 1024;
// What cpprestsdk moves per step of a body, each way; its idle timer restarts after
// each step, so this is the progress a transfer must make within the idle timeout:
// 64 KiB in 60 s by default, about 1 KiB/s (docs/cli.md, Timeouts).
constexpr size_t kProgressPiece = 64 * 1024;
constexpr size_t kAnswerReserveCap = 16 << 20;
// A consistency proof answer: kMaxAuditProof hashes of 64 hex digits, quoted, and keys.
constexpr size_t kMaxConsistencyAnswer = 16 * 1024;

// TLS credentials shared with cpprestsdk's context callback (it may outlive a call).
struct TlsCredentials {
  X509Ptr certificate;
  EvpPkeyPtr key;
  std::vector<X509Ptr> anchors;
};

class CpprestGatewayClient final : public GatewayApi {
 public:
  CpprestGatewayClient(std::string url, const http_client_config& config,
                       std::shared_ptr<TlsCredentials> creds, TlsEndpoint endpoint,
                       ClientTimeouts timeouts)
      : url_(std::move(url)),
        client_(utility::conversions::to_string_t(url_), config),
        creds_(std::move(creds)),
        endpoint_(std::move(endpoint)),
        timeouts_(timeouts) {}

  Result<TransferView> Offer(const SignedDocument& manifest) override {
    http::http_request req(http::methods::POST);
    req.set_request_uri("/v1/transfers");
    req.set_body(SignedDocumentToJson(manifest, "manifest"), "application/json");
    ADTGW_ASSIGN(std::string body, Call(req, {200, 201}));
    return ParseTransferView(AsBytes(body));
  }

  Result<uint64_t> UploadOffset(const std::string& id) override {
    http::http_request req(http::methods::HEAD);
    req.set_request_uri("/v1/transfers/" + id + "/envelope");
    req.headers().add("Tus-Resumable", "1.0.0");
    http::http_response res;
    ADTGW_TRY(Exchange(req, {200}, &res, nullptr));
    auto it = res.headers().find("Upload-Offset");
    if (it == res.headers().end()) {
      return MakeError(ErrorKind::kInvalidInput, "response.malformed",
                       "the gateway's HEAD answer has no Upload-Offset");
    }
    return static_cast<uint64_t>(std::stoull(it->second));
  }

  Result<UploadOutcome> Upload(const std::string& id, const std::string& path, uint64_t offset,
                               uint64_t size, const ProgressCallback& progress) override {
    concurrency::streams::istream file;
    try {
      file = concurrency::streams::file_stream<uint8_t>::open_istream(path).get();
      if (offset > 0) file.seek(static_cast<std::streamoff>(offset));
    } catch (const std::exception& e) {
      return MakeError(ErrorKind::kIo, "io.read", path + ": " + e.what());
    }
    http::http_request req(http::methods::PATCH);
    req.set_request_uri("/v1/transfers/" + id + "/envelope");
    req.headers().add("Tus-Resumable", "1.0.0");
    req.headers().add("Upload-Offset", std::to_string(offset));
    req.set_body(file, size - offset, "application/offset+octet-stream");
    if (progress) {
      req.set_progress_handler(
          [&progress, offset](http::message_direction::direction d, utility::size64_t so_far) {
            if (d == http::message_direction::upload) progress(offset + so_far);
          });
    }
    http::http_response res;
    std::string body;
    ::adtgw::Status done = Exchange(req, {201, 204}, &res, &body);
    file.close().wait();
    if (!done.ok()) return std::move(done).error();
    UploadOutcome out;
    auto it = res.headers().find("Upload-Offset");
    out.offset = it == res.headers().end() ? 0 : std::stoull(it->second);
    if (res.status_code() == 201) out.receipt = body;
    return out;
  }

  Result<TransferView> Status(const std::string& id) override {
    http::http_request req(http::methods::GET);
    req.set_request_uri("/v1/transfers/" + id);
    ADTGW_ASSIGN(std::string body, Call(req, {200}));
    return ParseTransferView(AsBytes(body));
  }

  Result<std::vector<TransferView>> Inbox() override {
    http::http_request req(http::methods::GET);
    req.set_request_uri("/v1/inbox");
    ADTGW_ASSIGN(std::string body, Call(req, {200}));
    return ParseInbox(AsBytes(body));
  }

  Result<PartyView> Party(const Eui64& party) override {
    http::http_request req(http::methods::GET);
    req.set_request_uri("/v1/parties/" + party.ToString());
    ADTGW_ASSIGN(std::string body, Call(req, {200}, kMaxPartyViewBody));
    return ParsePartyView(AsBytes(body));
  }

  ::adtgw::Status Download(const std::string& id, uint64_t size, ByteSink& out,
                           const ProgressCallback& progress) override {
    http::http_request req(http::methods::GET);
    req.set_request_uri("/v1/transfers/" + id + "/envelope");
    http::http_response res;
    ADTGW_TRY(Exchange(req, {200}, &res, nullptr, /*read_body=*/false));
    auto buf = std::make_unique_for_overwrite<uint8_t[]>(kChunk);
    uint64_t got = 0;
    try {
      auto body = res.body();
      for (;;) {
        size_t n = body.streambuf().getn(buf.get(), kChunk).get();
        if (n == 0) break;
        got += n;
        if (got > size) break;
        ADTGW_TRY(out.Write(std::span<const uint8_t>(buf.get(), n)));
        if (progress) progress(got);
      }
    } catch (const std::exception& e) {
      return TransportError(e);
    }
    if (got != size) {
      return MakeError(ErrorKind::kUnavailable, "net.short_download",
                       "the envelope download stopped at " + std::to_string(got) + " of " +
                           std::to_string(size) + " bytes",
                       "run the command again; nothing was written");
    }
    return OkStatus();
  }

  Result<TransferView> Acknowledge(const std::string& id, const SignedDocument& ack) override {
    http::http_request req(http::methods::POST);
    req.set_request_uri("/v1/transfers/" + id + "/acknowledgement");
    req.set_body(SignedDocumentToJson(ack, "acknowledgement"), "application/json");
    ADTGW_ASSIGN(std::string body, Call(req, {200}));
    return ParseTransferView(AsBytes(body));
  }

  Result<std::string> AuditCheckpoint() override {
    http::http_request req(http::methods::GET);
    req.set_request_uri("/v1/audit/checkpoint");
    return Call(req, {200}, kMaxCheckpointNoteSize);
  }

  Result<std::vector<Sha256Digest>> AuditConsistency(uint64_t from, uint64_t to) override {
    http::http_request req(http::methods::GET);
    req.set_request_uri("/v1/audit/consistency?from=" + std::to_string(from) +
                        "&to=" + std::to_string(to));
    ADTGW_ASSIGN(std::string body, Call(req, {200}, kMaxConsistencyAnswer));
    StrictJsonObject::Rules rules{"response", "see docs/audit-log.md, The audit API",
                                  kMaxConsistencyAnswer, 2};
    ADTGW_ASSIGN(StrictJsonObject obj,
                 StrictJsonObject::Parse(AsBytes(body), rules, {"from", "proof", "to"}));
    ADTGW_ASSIGN(uint64_t got_from, obj.Number("from"));
    ADTGW_ASSIGN(uint64_t got_to, obj.Number("to"));
    if (got_from != from || got_to != to) {
      return obj.Bad("proof", "the gateway answered a consistency proof for " +
                                  std::to_string(got_from) + " -> " + std::to_string(got_to) +
                                  ", not the " + std::to_string(from) + " -> " +
                                  std::to_string(to) + " asked for");
    }
    ADTGW_ASSIGN(std::vector<std::string> hex, obj.TextArray("proof"));
    if (hex.size() > kMaxAuditProof) return obj.Bad("proof", "the proof is too long");
    std::vector<Sha256Digest> proof;
    for (const auto& h : hex) {
      auto digest = ParseHexDigest(h);
      if (!digest) return obj.Bad("proof", "a proof hash is not 64 lower-case hex digits");
      proof.push_back(*digest);
    }
    return proof;
  }

  Result<std::string> AuditGet(const std::string& path_and_query) override {
    if (path_and_query.rfind("/v1/audit/", 0) != 0) std::abort();  // a caller's bug
    http::http_request req(http::methods::GET);
    req.set_request_uri(utility::conversions::to_string_t(path_and_query));
    return Call(req, {200}, kMaxAuditAnswer);
  }

  ::adtgw::Status AuditStream(const std::string& path_and_query, const StreamSink& sink) override {
    if (path_and_query.rfind("/v1/audit/", 0) != 0) std::abort();  // a caller's bug
    http::http_request req(http::methods::GET);
    req.set_request_uri(utility::conversions::to_string_t(path_and_query));
    http::http_response res;
    ADTGW_TRY(Exchange(req, {200}, &res, nullptr, /*read_body=*/false));
    auto buf = std::make_unique_for_overwrite<uint8_t[]>(kChunk);
    try {
      // A chunked answer cut before its last chunk makes getn throw: it never looks
      // like a shorter answer.
      auto body = res.body();
      for (;;) {
        size_t n = body.streambuf().getn(buf.get(), kChunk).get();
        if (n == 0) break;
        ADTGW_TRY(sink(std::string_view(reinterpret_cast<const char*>(buf.get()), n)));
      }
    } catch (const std::exception& e) {
      return TransportError(e);
    }
    return OkStatus();
  }

 private:
  // Sends `req`; an answer outside `ok` becomes the gateway's Error. With `read_body`,
  // the body (at most `max_body` bytes) is read into `body`.
  ::adtgw::Status Exchange(http::http_request& req, std::initializer_list<int> ok,
                           http::http_response* res, std::string* body, bool read_body = true,
                           size_t max_body = kMaxInboxBody) {
    if (!dialed_) {
      ADTGW_TRY(DialOnce());
      dialed_ = true;
    }
    try {
      *res = client_.request(req).get();
      int status = res->status_code();
      bool success = std::find(ok.begin(), ok.end(), status) != ok.end();
      if (!success || (read_body && body != nullptr)) {
        std::string bytes;
        ADTGW_TRY(ReadCapped(*res, success ? max_body : kMaxInboxBody, &bytes));
        if (!success) {
          return ParseErrorJson(AsBytes(bytes), ErrorKindForHttpStatus(status), status);
        }
        *body = std::move(bytes);
      }
      return OkStatus();
    } catch (const std::exception& e) {
      return TransportError(e);
    }
  }

  // Reads the body, refusing one longer than `max` (by its Content-Length before reading,
  // else as it arrives).
  static ::adtgw::Status ReadCapped(http::http_response& res, size_t max, std::string* out) {
    auto too_large = [max] {
      return MakeError(ErrorKind::kInvalidInput, "response.too_large",
                       "the gateway's answer is larger than the " + std::to_string(max) +
                           " bytes this client accepts");
    };
    if (res.headers().has(http::header_names::content_length)) {
      if (res.headers().content_length() > max) return too_large();
      // Grown by doubling, a half-megabyte answer would touch twice its size in fresh
      // pages, and page faults are most of what a short command costs. Capped: the
      // header alone is no reason to reserve `max`.
      out->reserve(std::min<size_t>(res.headers().content_length(), kAnswerReserveCap));
    }
    auto stream = res.body();
    auto buf = std::make_unique_for_overwrite<uint8_t[]>(kAnswerPiece);
    for (;;) {
      size_t n = stream.streambuf().getn(buf.get(), kAnswerPiece).get();
      if (n == 0) break;
      if (out->size() + n > max) return too_large();
      out->append(reinterpret_cast<const char*>(buf.get()), n);
    }
    return OkStatus();
  }

  Result<std::string> Call(http::http_request& req, std::initializer_list<int> ok,
                           size_t max_body = kMaxInboxBody) {
    http::http_response res;
    std::string body;
    ADTGW_TRY(Exchange(req, ok, &res, &body, /*read_body=*/true, max_body));
    return body;
  }

  // Before the first request: one connection of our own, so that a gateway that does
  // not accept, or accepts and never completes TLS, is named within the connect and
  // handshake timeouts (tls_dial.h). The HTTP library's single timer is then the idle
  // timeout alone.
  ::adtgw::Status DialOnce() {
    std::string host;
    int port = 0;
    try {
      web::uri uri(utility::conversions::to_string_t(url_));
      host = utility::conversions::to_utf8string(uri.host());
      port = uri.port() > 0 ? uri.port() : 443;
    } catch (const std::exception& e) {
      return MakeError(ErrorKind::kUsage, "config.bad_gateway_url",
                       "gateway URL '" + url_ + "' is not usable: " + e.what());
    }
    ADTGW_ASSIGN(SslCtxPtr ctx, NewTlsClientContext(endpoint_));
    ADTGW_ASSIGN(TlsConnection dialed, DialTls(ctx.get(), host, port, timeouts_, url_));
    // Polite close, not waited for: the gateway reads the close_notify or the FIN alike.
    SigpipeSuppressed quiet;
    SSL_shutdown(dialed.ssl.get());
    return OkStatus();
  }

  // A transport failure: the idle timeout when the HTTP library's timer ended it, a TLS
  // refusal when it was one (tls_probe.h), else the gateway is unreachable.
  Error TransportError(const std::exception& failure) {
    const auto* http_failure = dynamic_cast<const http::http_exception*>(&failure);
    if (http_failure != nullptr && http_failure->error_code().value() == ETIMEDOUT) {
      return MakeError(ErrorKind::kUnavailable, "net.idle_timeout",
                       "the gateway at " + url_ + " sent and took nothing for " +
                           DescribeTimeout(timeouts_.idle) + ", so the request was given up",
                       "the gateway or the network stalled; run the command again (an upload "
                       "resumes from the last byte stored). A slow link may need more: --timeout "
                       "idle=SECONDS, or timeouts.idle in the client configuration");
    }
    const std::string what = failure.what();
    std::optional<std::string> refusal;
    try {
      web::uri uri(utility::conversions::to_string_t(url_));
      auto ctx = NewTlsClientContext(endpoint_);
      if (ctx.ok()) {
        refusal =
            ProbeTlsRefusal(ctx->get(), uri.host(), uri.port() > 0 ? uri.port() : 443, timeouts_);
      }
    } catch (const std::exception&) {
    }
    if (refusal) {
      return MakeError(ErrorKind::kUnauthenticated, "tls.handshake_failed",
                       "TLS with " + url_ + " failed: " + *refusal,
                       "the gateway refused your DCCKI certificate, or its certificate does not "
                       "chain to tls.ca in your client configuration");
    }
    return MakeError(ErrorKind::kUnavailable, "net.unreachable",
                     "cannot reach the gateway at " + url_ + ": " + what,
                     "is the gateway running, and is 'gateway' in your configuration right?");
  }

  std::string url_;
  http_client client_;
  std::shared_ptr<TlsCredentials> creds_;  // keeps endpoint_'s borrowed handles alive
  TlsEndpoint endpoint_;
  ClientTimeouts timeouts_;
  bool dialed_ = false;
};

}  // namespace

Result<std::unique_ptr<GatewayApi>> NewGatewayClient(const ClientConfig& config) {
  // cpprestsdk starts 40 threads by default; a command-line client makes one request at a
  // time, and starting them showed in every command's latency.
  static std::once_flag threads_once;
  std::call_once(threads_once, [] {
    try {
      crossplat::threadpool::initialize_with_threads(2);
    } catch (const std::exception&) {
      // Already initialised by an earlier use: keep that pool.
    }
  });
  auto creds = std::make_shared<TlsCredentials>();
  ADTGW_ASSIGN(creds->certificate, LoadCertificate(config.tls_certificate));
  ADTGW_ASSIGN(creds->key, LoadPrivateKey(config.tls_key));
  ADTGW_ASSIGN(creds->anchors, LoadCertificates(config.tls_ca));
  TlsEndpoint endpoint;
  endpoint.certificate = creds->certificate.get();
  endpoint.key = creds->key.get();
  for (auto& a : creds->anchors) endpoint.anchors.push_back(a.get());
  // Check the credentials once here, where an error can still be reported cleanly.
  ADTGW_ASSIGN(SslCtxPtr probe, NewTlsClientContext(endpoint));
  (void)probe;

  // cpprestsdk loads the system CA bundle (set_default_verify_paths) before our callback
  // replaces the trust store: point OpenSSL's defaults at the configured CA instead, which
  // saves reading ~140 certificates per command and trusts nothing else even there.
  setenv("SSL_CERT_FILE", config.tls_ca.c_str(), 1);
  setenv("SSL_CERT_DIR", config.tls_ca.c_str(), 1);
  http_client_config cfg;
  cfg.set_validate_certificates(true);
  // cpprestsdk's one timer per request, restarted each time a step of it completes
  // (connected, a body piece of kProgressPiece bytes written or read, the headers read):
  // it measures silence, not the request's length. Connect and handshake are bounded
  // before the first request (DialOnce).
  cfg.set_timeout(config.timeouts.idle);
  cfg.set_chunksize(kProgressPiece);
  cfg.set_ssl_context_callback([creds, endpoint](boost::asio::ssl::context& ctx) {
    // Already validated above; a failure here leaves the context without a trust
    // anchor, so the handshake fails closed.
    if (!ConfigureTlsClientContext(ctx.native_handle(), endpoint).ok()) {
      SSL_CTX_set_cert_store(ctx.native_handle(), X509_STORE_new());  // trusts nothing
    }
  });
  // A request goes out as two writes (headers, then body); with Nagle's algorithm the
  // second waits for the gateway's delayed ACK, 40 ms per request.
  cfg.set_nativehandle_options([](web::http::client::native_handle handle) {
    auto* stream = static_cast<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>*>(handle);
    boost::system::error_code ignored;
    stream->next_layer().set_option(boost::asio::ip::tcp::no_delay(true), ignored);
  });
  try {
    return std::unique_ptr<GatewayApi>(
        new CpprestGatewayClient(config.gateway_url, cfg, creds, endpoint, config.timeouts));
  } catch (const std::exception& e) {
    return MakeError(ErrorKind::kUsage, "config.bad_gateway_url",
                     "gateway URL '" + config.gateway_url + "' is not usable: " + e.what());
  }
}

}  // namespace adtgw
