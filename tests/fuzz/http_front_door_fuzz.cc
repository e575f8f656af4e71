// libFuzzer target: the gateway's HTTP front door, from the bytes of one connection
// after TLS (gateway/server/request_gate.h, route_table.h, api_routes.h). It reads
// requests as Serve() in https_server.cc does: a header under the server's caps, the
// answer to a failed read, the route for the caller (the real rows of kApiRoutes), the
// upload's header checks, a JSON body under its cap given to ParseSignedDocument, an
// upload body read through; and then the next request, while bytes remain and the
// server would keep the connection.
//
// Layout: byte 0 chooses how the connection behaves: bits 0-2 the piece size the
// "socket" delivers (whole, 1, 2, 7, 64, 577, 1500 or 4096 bytes), bit 3 the listener
// (parties or auditors) and bit 4 the caller (a supplier or an auditor) the requests
// are served for, bit 5 small caps (header 512 bytes, JSON body 2 KiB) instead of the
// server's defaults. The rest is the byte stream.
//
// Checks: every header is also routed for both listeners and both callers; every
// refusal has a code of the front door's vocabulary and a message, and its error body
// (ErrorToJson) is JSON the strict reader accepts and gives back the same code; a
// resolved route fits its row again (method, path pattern, query column) and its
// `{name}` segment is not empty and holds no '/' or '?'; no accepted header is longer
// than the header cap; a JSON body handed on is never longer than its cap.
//
// Seeds (ADTGW_FUZZ_WRITE_SEEDS=DIR): an inbox GET, an offer POST with a JSON body, an
// acknowledgement, a tus PATCH with its body, a HEAD, pipelined requests, a chunked
// body, an oversized header, an audit GET with a query string, malformed requests.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gateway/common/json_reader.h"
#include "gateway/server/api_routes.h"
#include "gateway/server/request_gate.h"
#include "gateway/transfer/api_messages.h"
#include "tests/fuzz/fuzz_support.h"

using namespace adtgw;
using namespace adtgw::fuzz;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// The codes the front door answers with before a request reaches the service.
const std::set<std::string>& FrontDoorCodes() {
  static const std::set<std::string> codes = {
      "http.no_route",     "http.method_not_allowed",     "http.length_required",
      "http.bad_request",  "http.header_too_large",       "http.content_type",
      "http.tus_version",  "http.upload_offset",          "http.body_too_large",
      "audit.not_auditor", "audit.auditor_listener_only",
  };
  return codes;
}

// A refusal, as the client would read it.
void CheckRefusal(const Error& error, bool front_door) {
  if (error.code.empty() || error.message.empty())
    InvariantFailed("a refusal without code or message");
  if (front_door && !FrontDoorCodes().contains(error.code)) {
    InvariantFailed("a refusal outside the front door's vocabulary");
  }
  if (!front_door && error.code.rfind("request.", 0) != 0) {
    InvariantFailed("a body refusal outside the request vocabulary");
  }
  const std::string body = ErrorToJson(error);
  JsonRules rules;
  rules.what = "error";
  rules.max_size = 64 * 1024;
  auto json = ReadJson(AsBytes(body), rules);
  if (!json.ok()) InvariantFailed("an error body is not strict JSON");
  Error read = ParseErrorJson(AsBytes(body), error.kind, 400);
  if (read.code != error.code) InvariantFailed("an error body reads back another code");
}

std::shared_ptr<const Policy> TwoParties() {
  auto policy = std::make_shared<Policy>();
  // A supplier and an auditor.
  for (auto [eui, role] : {std::pair{"90-B3-D5-1F-30-01-00-00", PartyRole::kSupplier},
                           std::pair{"90-B3-D5-1F-30-00-00-7F", PartyRole::kAuditor}}) {
    PolicyParty& party = policy->parties.emplace_back();
    party.eui64 = Eui64::Parse(eui).value();
    party.roles.set(static_cast<size_t>(role));
  }
  for (uint32_t i = 0; i < policy->parties.size(); ++i) {
    policy->party_by_eui[policy->parties[i].eui64] = i;
  }
  return policy;
}

const std::vector<Caller>& Callers() {
  static const std::vector<Caller> callers = [] {
    auto policy = TwoParties();
    std::vector<Caller> out;
    for (uint32_t i = 0; i < policy->parties.size(); ++i) {
      Caller c;
      c.policy = policy;
      c.party = i;
      c.eui64 = policy->parties[i].eui64;
      out.push_back(c);
    }
    return out;
  }();
  return callers;
}

// The connection's bytes, delivered in pieces as reads from a socket.
class Wire {
 public:
  Wire(std::span<const uint8_t> bytes, size_t piece) : bytes_(bytes), piece_(piece) {}

  // Appends the next piece to `buffer`; false at the end of the stream.
  bool Fill(beast::flat_buffer& buffer) {
    if (pos_ == bytes_.size()) return false;
    const size_t n = std::min(piece_, bytes_.size() - pos_);
    auto space = buffer.prepare(n);
    std::memcpy(space.data(), bytes_.data() + pos_, n);
    buffer.commit(n);
    pos_ += n;
    return true;
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t piece_;
  size_t pos_ = 0;
};

// What http::read_header / http::read do with a stream: feed the parser what the
// buffer holds, read more while it needs more, and at the end of the stream tell it
// so (end_of_stream when it had seen nothing). `header_only`: stop after the header.
template <class Parser>
beast::error_code Read(Parser& parser, beast::flat_buffer& buffer, Wire& wire, bool header_only,
                       size_t* consumed) {
  beast::error_code ec;
  for (;;) {
    if (header_only ? parser.is_header_done() : parser.is_done()) return {};
    if (buffer.size() > 0) {
      const size_t n = parser.put(buffer.data(), ec);
      buffer.consume(n);
      *consumed += n;
      if (ec == http::error::need_buffer) {
        ec = {};
        continue;  // buffer_body: its room is full, the caller empties it
      }
      if (ec && ec != http::error::need_more) return ec;
      if (!ec && n > 0) continue;
    }
    ec = {};
    if (!wire.Fill(buffer)) {
      if (!parser.got_some()) return http::error::end_of_stream;
      parser.put_eof(ec);
      if (!ec && !(header_only ? parser.is_header_done() : parser.is_done())) {
        return http::error::partial_message;
      }
      return ec;
    }
  }
}

// Routes a header for every listener and caller; checks what each answer says.
void RouteEverywhere(const RequestHeaderParser& header) {
  for (Listener listener : {Listener::kParties, Listener::kAuditors}) {
    for (const Caller& caller : Callers()) {
      const RouteRequest request = RouteRequestOf(header, listener);
      const Route<ApiOperation>* refused = nullptr;
      auto match = ResolveRoute<ApiOperation>(kApiRoutes, request, caller, &refused);
      if (!match.ok()) {
        CheckRefusal(match.error(), true);
        continue;
      }
      if (refused != nullptr) InvariantFailed("a resolved route names a refused row");
      const Route<ApiOperation>& row = *match->route;
      const std::string_view target = request.target;
      const size_t question = target.find('?');
      const std::string_view path = target.substr(0, question);
      if (row.method != request.method) InvariantFailed("a route for another method");
      std::string param;
      if (!PathMatches(row.pattern, path, &param) || param != match->param) {
        InvariantFailed("a route whose pattern does not fit the path");
      }
      if (question != std::string_view::npos && row.query == QueryUse::kRefused) {
        InvariantFailed("a query string given to a route that reads none");
      }
      if (row.pattern.find('{') != std::string_view::npos) {
        if (param.empty() || param.find_first_of("/?") != std::string::npos) {
          InvariantFailed("a path parameter that is not one segment");
        }
      } else if (!param.empty()) {
        InvariantFailed("a parameter for a literal route");
      }
      if (path.size() > 256) InvariantFailed("a path beyond the matcher's cap");
      if (request.chunked) InvariantFailed("a chunked request was routed");
      if (row.body == BodyUse::kRefused && request.has_body) {
        InvariantFailed("a body given to a route that refuses one");
      }
    }
  }
}

// Serves one request whose header is complete, as the router and its handlers would;
// false when the server closes the connection after it.
bool Serve(RequestHeaderParser& header, beast::flat_buffer& buffer, Wire& wire,
           const ServerLimits& limits, Listener listener, const Caller& caller) {
  RouteEverywhere(header);
  const RouteRequest request = RouteRequestOf(header, listener);
  const bool has_body = request.has_body;
  const Route<ApiOperation>* refused = nullptr;
  auto match = ResolveRoute<ApiOperation>(kApiRoutes, request, caller, &refused);
  if (!match.ok()) return !has_body;  // SendError(error, has_body)
  const Route<ApiOperation>& row = *match->route;
  switch (row.body) {
    case BodyUse::kIgnored:
    case BodyUse::kRefused:
      return !has_body;
    case BodyUse::kJson: {
      const size_t cap = limits.json_body_limit;
      if (Status fits = CheckJsonBodyLength(header, cap); !fits.ok()) {
        CheckRefusal(fits.error(), true);
        return false;
      }
      http::request_parser<http::string_body> parser(std::move(header));
      parser.body_limit(cap);
      size_t consumed = 0;
      beast::error_code ec = Read(parser, buffer, wire, false, &consumed);
      if (ec == http::error::body_limit) {
        CheckRefusal(JsonBodyTooLarge(cap), true);
        return false;
      }
      if (ec) return false;  // net.broken: no one to answer
      const std::string& body = parser.get().body();
      if (body.size() > cap) InvariantFailed("a JSON body beyond its cap was read");
      const char* name =
          row.handler == ApiOperation::kOfferTransfer ? "manifest" : "acknowledgement";
      auto doc = ParseSignedDocument(AsBytes(body), name);
      if (!doc.ok()) CheckRefusal(doc.error(), false);
      return true;
    }
    case BodyUse::kStream: {
      auto range = CheckUploadHeaders(header);
      if (!range.ok()) {
        CheckRefusal(range.error(), true);
        return !has_body;
      }
      // The service takes the upload (BeginAppend); the body is read through.
      http::request_parser<http::buffer_body> parser(std::move(header));
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      const size_t chunk_size = static_cast<size_t>(std::clamp<uint64_t>(range->length, 1, 4096));
      std::vector<uint8_t> chunk(chunk_size);
      uint64_t got = 0;
      while (!parser.is_done()) {
        parser.get().body().data = chunk.data();
        parser.get().body().size = chunk_size;
        size_t consumed = 0;
        beast::error_code ec = Read(parser, buffer, wire, false, &consumed);
        got += chunk_size - parser.get().body().size;
        if (ec) return false;  // the connection broke: the writer keeps what arrived
      }
      if (got != range->length) InvariantFailed("an upload body of another length than declared");
      return true;
    }
  }
  return false;
}

std::string Prefixed(uint8_t control, std::string_view stream) {
  return std::string(1, static_cast<char>(control)) + std::string(stream);
}

std::vector<der::Bytes> MakeSeeds() {
  const std::string manifest =
      SignedDocumentToJson({"{\"version\":1}", "\x30\x03\x02\x01\x00"}, "manifest");
  const std::string ack =
      SignedDocumentToJson({"{\"decision\":\"accepted\"}", "\x30\x00"}, "acknowledgement");
  const std::string id = "0123456789abcdef0123456789abcdef";
  const std::string inbox = "GET /v1/inbox HTTP/1.1\r\nHost: gw\r\n\r\n";
  const std::string offer =
      "POST /v1/transfers HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(manifest.size()) + "\r\n\r\n" + manifest;
  const std::string acknowledge = "POST /v1/transfers/" + id +
                                  "/acknowledgement HTTP/1.1\r\nHost: gw\r\n"
                                  "Content-Length: " +
                                  std::to_string(ack.size()) + "\r\n\r\n" + ack;
  const std::string patch =
      "PATCH /v1/transfers/" + id +
      "/envelope HTTP/1.1\r\nHost: gw\r\n"
      "Content-Type: application/offset+octet-stream\r\nTus-Resumable: 1.0.0\r\n"
      "Upload-Offset: 0\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n0123456789";
  const std::string head = "HEAD /v1/transfers/" + id + "/envelope HTTP/1.1\r\nHost: gw\r\n\r\n";
  const std::string status = "GET /v1/transfers/" + id + " HTTP/1.1\r\nHost: gw\r\n\r\n";
  const std::string party = "GET /v1/parties/90-B3-D5-1F-30-01-00-00 HTTP/1.1\r\nHost: gw\r\n\r\n";
  const std::string chunked =
      "POST /v1/transfers HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\n{\"a\":\r\n1\r\n1\r\n1\r\n}\r\n0\r\n\r\n";
  const std::string big =
      "GET /v1/inbox HTTP/1.1\r\nHost: gw\r\nX-Fill: " + std::string(17000, 'a') + "\r\n\r\n";
  const std::string audit = "GET /v1/audit/entries?from=0&count=10 HTTP/1.1\r\nHost: gw\r\n\r\n";
  const std::string checkpoint = "GET /v1/audit/checkpoint HTTP/1.1\r\nHost: gw\r\n\r\n";
  const std::string query =
      "GET /v1/audit/query?event=transfer.offered&since=0 HTTP/1.1\r\nHost: gw\r\n\r\n";
  const std::string bad = "GET /v1/in box HTTP/1.1\r\n\r\n";
  const std::string utf8 = "GET /v1/\xff\xfe/\xc3 HTTP/1.1\r\nHost: gw\r\n\r\n";
  const std::string dotdot =
      "GET /v1/transfers/.. HTTP/1.1\r\nHost: gw\r\n\r\nGET /v1/parties/%2f HTTP/1.1\r\n\r\n";
  std::vector<der::Bytes> seeds;
  for (const std::string& s :
       {Prefixed(0, inbox), Prefixed(1, offer), Prefixed(3, acknowledge), Prefixed(4, patch),
        Prefixed(2, head), Prefixed(0, inbox + status + head + party + offer + patch + inbox),
        Prefixed(5, inbox + offer + acknowledge), Prefixed(0, chunked), Prefixed(6, big),
        Prefixed(0x20, big.substr(0, 800)), Prefixed(0x18, audit + checkpoint + query),
        Prefixed(0x08, audit), Prefixed(0x10, audit), Prefixed(0, bad), Prefixed(0, utf8),
        Prefixed(0x18, dotdot), Prefixed(0x20, offer)}) {
    seeds.push_back(BytesOf(s));
  }
  return seeds;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  MaybeWriteSeedsAndExit(MakeSeeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static constexpr size_t kPieces[] = {65536, 1, 2, 7, 64, 577, 1500, 4096};
  const uint8_t control = data[0];
  ServerLimits limits;
  if (control & 0x20) {
    limits.header_limit = 512;
    limits.json_body_limit = 2048;
  }
  const Listener listener = (control & 0x08) ? Listener::kAuditors : Listener::kParties;
  const Caller& caller = Callers()[(control & 0x10) ? 1 : 0];
  Wire wire(std::span<const uint8_t>(data + 1, size - 1), kPieces[control & 7]);
  beast::flat_buffer buffer;
  for (;;) {
    // Serve(): a request begins when bytes are there to read.
    if (buffer.size() == 0 && !wire.Fill(buffer)) break;
    RequestHeaderParser header;
    LimitRequestHeader(header, limits);
    size_t consumed = 0;
    beast::error_code ec = Read(header, buffer, wire, true, &consumed);
    if (auto refusal = HeaderReadRefusal(ec, consumed, limits)) {
      CheckRefusal(*refusal, true);
      break;
    }
    if (ec) break;
    if (consumed > limits.header_limit) InvariantFailed("a header beyond the cap was accepted");
    if (!Serve(header, buffer, wire, limits, listener, caller)) break;
  }
  return 0;
}
