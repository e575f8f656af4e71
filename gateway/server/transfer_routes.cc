// The parties' API (docs/api.md, "Transfers"): the handlers of ApiRouter's transfer,
// inbox and party rows. Each turns one TransferService call into an answer; the upload
// (tus-style PATCH) and download stream the envelope in constant memory.
#include <utility>  // std::exchange, used by asio's awaitable.hpp without including it

#include <algorithm>
#include <memory>

#include "gateway/server/api_router.h"
#include "gateway/server/request_gate.h"
#include "gateway/server/transfer_view.h"
#include "gateway/transfer/api_messages.h"

namespace adtgw {

using namespace http_io;  // NOLINT(google-build-using-namespace): this file's own types

namespace {

constexpr size_t kDownloadChunk = 256 * 1024;
constexpr char kTusVersion[] = "1.0.0";

}  // namespace

awaitable<bool> ApiRouter::Inbox(RequestContext& ctx) {
  const bool has_body = ctx.body.pending();
  auto records = service_.Inbox(ctx.caller);
  if (!records.ok()) co_return co_await Answer(ctx, records.error(), has_body);
  std::vector<TransferView> views;
  for (const auto& r : *records) views.push_back(ViewOf(r, r.envelope_size));
  co_return co_await ctx.connection.SendJson(http::status::ok, InboxToJson(views), !has_body);
}

awaitable<bool> ApiRouter::OfferTransfer(RequestContext& ctx) {
  auto body = co_await ctx.connection.ReadJsonBody(ctx.body);
  if (!body.ok()) {
    if (body.error().kind == ErrorKind::kUnavailable) co_return false;  // no one to answer
    co_return co_await RefuseRouted(ctx, body.error(), true);
  }
  auto doc = ParseSignedDocument(AsBytes(*body), "manifest");
  if (!doc.ok()) co_return co_await Answer(ctx, doc.error(), false);
  auto offer = service_.Offer(ctx.caller, AsBytes(doc->document), AsBytes(doc->signature),
                              std::time(nullptr));
  if (!offer.ok()) co_return co_await Answer(ctx, offer.error(), false);
  const TransferRecord& r = offer->progress.record;
  env_.Log(ctx.label() + " -> " + (offer->is_new ? "201" : "200") + " transfer " + r.id + " (" +
           r.file_type + ", " + std::to_string(r.envelope_size) + " bytes, rule " + r.rule + ")");
  Headers headers = {{"Location", "/v1/transfers/" + r.id + "/envelope"},
                     {"Upload-Offset", std::to_string(offer->progress.offset)},
                     {"Upload-Length", std::to_string(r.envelope_size)},
                     {"Tus-Resumable", kTusVersion}};
  std::string view = TransferViewToJson(ViewOf(r, offer->progress.offset), /*full=*/false);
  co_return co_await ctx.connection.SendJson(
      offer->is_new ? http::status::created : http::status::ok, view, true, std::move(headers));
}

awaitable<bool> ApiRouter::UploadOffset(RequestContext& ctx) {
  const bool has_body = ctx.body.pending();
  auto progress = service_.Progress(ctx.caller, ctx.param());
  if (!progress.ok()) co_return co_await Answer(ctx, progress.error(), has_body);
  http::response<http::empty_body> res{http::status::ok, 11};
  res.set("Upload-Offset", std::to_string(progress->offset));
  res.set("Upload-Length", std::to_string(progress->record.envelope_size));
  res.set("Tus-Resumable", kTusVersion);
  co_return co_await ctx.connection.Send(res, !has_body);
}

awaitable<bool> ApiRouter::Upload(RequestContext& ctx) {
  HttpConnection& connection = ctx.connection;
  auto& header = ctx.body.header;
  const auto& req = header.get();
  auto range = CheckUploadHeaders(header);
  if (!range.ok()) co_return co_await RefuseRouted(ctx, range.error(), ctx.body.pending());
  const uint64_t length = range->length;
  auto writer = service_.BeginAppend(ctx.caller, ctx.param(), range->offset, length);
  if (!writer.ok()) co_return co_await Answer(ctx, writer.error(), ctx.body.pending());
  if (!co_await connection.Continue(req)) co_return false;
  http::request_parser<http::buffer_body> parser(std::move(header));
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  // Uninitialised and no larger than the body: zeroing a 256 KiB buffer for every
  // 10 KiB upload (and glibc trimming the heap when it was freed) cost more CPU than
  // reading the body (bench/gateway_load.cc).
  const size_t chunk_size =
      static_cast<size_t>(std::clamp<uint64_t>(length, 1, env_.limits.read_buffer));
  auto chunk = std::make_unique_for_overwrite<uint8_t[]>(chunk_size);
  beast::error_code ec;
  while (!parser.is_done()) {
    parser.get().body().data = chunk.get();
    parser.get().body().size = chunk_size;
    connection.tcp().expires_after(env_.limits.body_timeout);
    co_await http::async_read(connection.stream, ctx.body.buffer, parser,
                              asio::redirect_error(use_awaitable, ec));
    if (ec == http::error::need_buffer) ec = {};
    // Every byte read is handed to the writer, also when the read then failed: the
    // offer in docs/api.md ("Upload") is that what arrived is kept.
    size_t got = chunk_size - parser.get().body().size;
    Status wrote = (*writer)->Write(std::span<const uint8_t>(chunk.get(), got));
    if (ec) {
      // The connection broke or stalled: the writer's destructor makes what arrived
      // durable, and HEAD's offset is then exactly what the store holds.
      env_.Log(ctx.label() + " interrupted at " + std::to_string((*writer)->offset()) + ": " +
               ec.message());
      co_return false;
    }
    if (!wrote.ok()) co_return co_await Answer(ctx, wrote.error(), true);
  }
  auto finished = (*writer)->Finish(std::time(nullptr));
  writer->reset();
  if (!finished.ok()) co_return co_await Answer(ctx, finished.error(), false);
  Headers headers = {{"Upload-Offset", std::to_string(finished->offset)},
                     {"Tus-Resumable", kTusVersion}};
  if (finished->receipt) {
    env_.Log(ctx.label() + " -> 201 received " + ctx.param());
    co_return co_await connection.SendJson(http::status::created, *finished->receipt, true,
                                           headers);
  }
  http::response<http::empty_body> res{http::status::no_content, 11};
  for (auto& [name, value] : headers) res.set(name, value);
  co_return co_await connection.Send(res, true);
}

awaitable<bool> ApiRouter::TransferStatus(RequestContext& ctx) {
  const bool has_body = ctx.body.pending();
  auto record = service_.Status(ctx.caller, ctx.param());
  if (!record.ok()) co_return co_await Answer(ctx, record.error(), has_body);
  uint64_t offset = record->state == TransferState::kReceiving ? 0 : record->envelope_size;
  if (record->state == TransferState::kReceiving && record->sender == ctx.caller.eui64) {
    auto progress = service_.Progress(ctx.caller, ctx.param());
    if (progress.ok()) offset = progress->offset;
  }
  co_return co_await ctx.connection.SendJson(
      http::status::ok, TransferViewToJson(ViewOf(*record, offset)), !has_body);
}

awaitable<bool> ApiRouter::PartyEntry(RequestContext& ctx) {
  const bool has_body = ctx.body.pending();
  auto party = service_.Party(ctx.caller, ctx.param());
  if (!party.ok()) co_return co_await Answer(ctx, party.error(), has_body);
  co_return co_await ctx.connection.SendJson(http::status::ok, PartyViewToJson(*party), !has_body);
}

awaitable<bool> ApiRouter::DownloadEnvelope(RequestContext& ctx) {
  HttpConnection& connection = ctx.connection;
  const bool has_body = ctx.body.pending();
  auto download = service_.OpenDownload(ctx.caller, ctx.param());
  if (!download.ok()) co_return co_await Answer(ctx, download.error(), has_body);
  http::response<http::buffer_body> res{http::status::ok, 11};
  res.set(http::field::server, "adtgw");
  res.set(http::field::cache_control, "no-store");
  res.set(http::field::content_type, "application/pkcs7-mime");
  res.content_length(download->record.envelope_size);
  res.keep_alive(!has_body && !env_.stopping);
  http::response_serializer<http::buffer_body> serializer(res);
  beast::error_code ec;
  connection.tcp().expires_after(env_.limits.body_timeout);
  res.body().data = nullptr;
  res.body().more = true;
  co_await http::async_write_header(connection.stream, serializer,
                                    asio::redirect_error(use_awaitable, ec));
  if (ec) co_return false;
  auto chunk = std::make_unique_for_overwrite<uint8_t[]>(kDownloadChunk);
  uint64_t sent = 0;
  while (!serializer.is_done()) {
    auto n = download->envelope->Read(std::span<uint8_t>(chunk.get(), kDownloadChunk));
    if (!n.ok()) {
      env_.Log(ctx.label() + " read failed: " + n.error().message);
      co_return false;  // the client sees a short body and retries
    }
    res.body().data = *n == 0 ? nullptr : chunk.get();
    res.body().size = *n;
    res.body().more = *n != 0;
    sent += *n;
    connection.tcp().expires_after(env_.limits.body_timeout);
    co_await http::async_write(connection.stream, serializer,
                               asio::redirect_error(use_awaitable, ec));
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return false;
  }
  if (sent != download->record.envelope_size) co_return false;
  Status marked = service_.MarkDownloaded(ctx.caller, ctx.param(), std::time(nullptr));
  env_.Log(ctx.label() + " -> 200 " + std::to_string(sent) + " bytes" +
           (marked.ok() ? "" : " (" + marked.error().code + ")"));
  co_return res.keep_alive();
}

awaitable<bool> ApiRouter::AcknowledgeTransfer(RequestContext& ctx) {
  auto body = co_await ctx.connection.ReadJsonBody(ctx.body);
  if (!body.ok()) {
    if (body.error().kind == ErrorKind::kUnavailable) co_return false;  // no one to answer
    co_return co_await RefuseRouted(ctx, body.error(), true);
  }
  auto doc = ParseSignedDocument(AsBytes(*body), "acknowledgement");
  if (!doc.ok()) co_return co_await Answer(ctx, doc.error(), false);
  auto record = service_.Acknowledge(ctx.caller, ctx.param(), AsBytes(doc->document),
                                     AsBytes(doc->signature), std::time(nullptr));
  if (!record.ok()) co_return co_await Answer(ctx, record.error(), false);
  env_.Log(ctx.label() + " -> 200 " + TransferStateName(record->state));
  co_return co_await ctx.connection.SendJson(
      http::status::ok, TransferViewToJson(ViewOf(*record, record->envelope_size)), true);
}

}  // namespace adtgw
