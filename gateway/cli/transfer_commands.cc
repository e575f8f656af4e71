// The client commands (docs/cli.md): adtgw send, inbox, status (receive:
// receive_command.cc; push: push_command.cc). Each opens a
// ClientSession (configuration, connection, the audit log witnessed), talks to the
// gateway through GatewayApi, and prints for people or, with --json, for programs; send
// proves its receipt's log entry (ProveReceipt) before reporting success.
#include <sys/stat.h>

#include <cpprest/json.h>

#include <iostream>

#include "crypto/byte_stream.h"
#include "crypto/encoding.h"
#include "gateway/cli/client_output.h"
#include "gateway/cli/client_session.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/progress_bar.h"
#include "gateway/client/acknowledgement_check.h"
#include "gateway/client/gateway_api.h"
#include "gateway/client/transfer_receiver.h"
#include "gateway/client/transfer_sender.h"
#include "gateway/common/atomic_file.h"
#include "gateway/common/strict_json.h"

namespace adtgw {
namespace {

using web::json::value;

// The receipt as it came from the gateway, read by the strict reader like every answer.
Result<value> ReceiptJson(const std::string& receipt) {
  return ParseCappedJson(AsBytes(receipt),
                         {"receipt", "see docs/api.md, Receipt", kMaxTransferViewBody, 2});
}

Result<value> ViewJson(const TransferView& v) {
  ADTGW_ASSIGN(value out,
               ParseCappedJson(AsBytes(TransferViewToJson(v, /*full=*/false)),
                               {"response", "see docs/api.md", kMaxTransferViewBody, 3}));
  if (!v.receipt.empty()) {
    ADTGW_ASSIGN(out["receipt"], ReceiptJson(v.receipt));
  }
  return out;
}

// ---- send ----------------------------------------------------------------------------

struct SendFlags {
  ClientFlags client;
  std::string file, type, receipt_out, idempotency_key;
  std::vector<std::string> to;
};

Status RunSend(const SendFlags& f) {
  ADTGW_ASSIGN(ClientSession c, ConnectClient(f.client));
  ADTGW_ASSIGN(TransferSender sender, TransferSender::New(c.config));
  SendRequest request;
  request.path = f.file;
  request.file_type = f.type;
  request.idempotency_key = f.idempotency_key;
  for (const auto& text : f.to) {
    ADTGW_ASSIGN(Eui64 e, Eui64::Parse(text));
    request.to.push_back(e);
  }
  ProgressBar bar;
  std::vector<std::string> problems;
  auto result = sender.Send(
      *c.api, request,
      [&bar](const std::string& phase, uint64_t total) {
        if (phase == "done") {
          bar.Finish();
        } else {
          bar.Start(phase, total);
        }
      },
      [&bar](uint64_t done) { bar.Update(done); }, &problems);
  bar.Finish();
  // A file that fails its check: every problem, as adtgw validate lists them.
  for (const std::string& line : problems) std::cerr << line << "\n";
  ADTGW_ASSIGN(SentTransfer sent, std::move(result));
  // Written before it is checked, so that a receipt that fails is kept as evidence.
  if (!f.receipt_out.empty()) {
    ADTGW_TRY(WriteFileAtomically(f.receipt_out, sent.receipt_json + "\n", 0644, false));
  }
  // Success means logged: the receipt's entry is in a tree signed with the log key, and
  // that tree is consistent with what this client has seen.
  auto verified = ProveReceipt(c, sent.receipt_json);
  if (!verified.ok()) {
    Error e = std::move(verified).error().With("transfer " + sent.transfer_id +
                                               " was uploaded, but its receipt does not prove it "
                                               "was logged");
    e.hint = "keep the receipt" +
             (f.receipt_out.empty()
                  ? std::string(" (adtgw status --json " + sent.transfer_id + " shows it)")
                  : " (" + f.receipt_out + ")") +
             " and report this to the DCC. " + e.hint;
    return e;
  }
  const VerifiedReceipt& proof = *verified;
  std::vector<std::string> to;
  for (const auto& e : sent.recipients) to.push_back(e.ToString());
  if (f.client.json) {
    value v = value::object();
    v["transfer_id"] = value::string(sent.transfer_id);
    v["file"] = value::string(f.file);
    v["file_type"] = value::string(f.type);
    v["recipients"] = JsonStrings(to);
    v["content_size"] = value::number(sent.content_size);
    v["envelope_size"] = value::number(sent.envelope_size);
    v["envelope_sha256"] = value::string(sent.envelope_sha256);
    v["upload_requests"] = value::number(sent.attempts);
    ADTGW_ASSIGN(v["receipt"], ReceiptJson(sent.receipt_json));
    v["log_index"] = value::number(proof.receipt.log_index);
    v["checkpoint_size"] = value::number(proof.checkpoint.size);
    std::cout << v.serialize() << "\n";
    return OkStatus();
  }
  std::cout << "sent " << f.file << " (" << f.type << ", " << HumanSize(sent.content_size)
            << ") as transfer " << sent.transfer_id << "\n";
  for (const auto& e : to) std::cout << "  to:              " << e << "\n";
  std::cout << "  envelope sha256: " << sent.envelope_sha256 << " ("
            << HumanSize(sent.envelope_size) << ")\n"
            << "  received at:     " << FormatTime(sent.receipt.received_at) << " under rule "
            << sent.receipt.rule << "\n"
            << "  logged:          entry " << proof.receipt.log_index << " of the audit log ("
            << proof.checkpoint.origin << ", checkpoint size " << proof.checkpoint.size
            << "): signature and inclusion proof OK\n"
            << "  status:          adtgw status " << sent.transfer_id << "\n";
  return OkStatus();
}

// ---- inbox ---------------------------------------------------------------------------

Status RunInbox(const ClientFlags& f) {
  ADTGW_ASSIGN(ClientSession c, ConnectClient(f));
  ADTGW_ASSIGN(std::vector<TransferView> items, c.api->Inbox());
  if (f.json) {
    std::cout << InboxToJson(items) << "\n";
    return OkStatus();
  }
  if (items.empty()) {
    std::cout << "inbox of " << c.config.party.ToString() << " is empty\n";
    return OkStatus();
  }
  std::cout << items.size() << " transfer(s) waiting for " << c.config.party.ToString() << ":\n";
  for (const auto& v : items) {
    std::cout << "  " << v.id << "  " << v.created << "  from " << v.sender << "  " << v.file_type
              << "  " << v.file_name << "  " << HumanSize(v.envelope_size) << "  " << v.state
              << "\n";
  }
  return OkStatus();
}

// ---- status --------------------------------------------------------------------------

struct StatusFlags {
  ClientFlags client;
  std::string id;
};

Status RunStatus(const StatusFlags& f) {
  ADTGW_ASSIGN(ClientSession c, ConnectClient(f.client));
  ADTGW_ASSIGN(TransferView v, c.api->Status(f.id));
  // The recipients' acknowledgements, each checked before its words are shown.
  std::vector<std::optional<Acknowledgement>> acks;
  std::optional<Error> unverified;
  for (const auto& d : v.deliveries) {
    acks.emplace_back();
    if (d.acknowledgement.empty()) continue;
    auto ack = CheckDeliveryAcknowledgement(v, d, *c.config.smki_trust);
    if (ack.ok()) {
      acks.back() = std::move(ack).value();
    } else if (!unverified) {
      unverified = std::move(ack).error();
    }
  }
  if (f.client.json) {
    ADTGW_ASSIGN(value out, ViewJson(v));
    for (size_t i = 0; i < acks.size(); ++i) {
      value& d = out["deliveries"][i];
      d["acknowledgement_verified"] = value::boolean(acks[i].has_value());
      d["problems"] = JsonStrings(acks[i] ? acks[i]->problems : std::vector<std::string>{});
    }
    std::cout << out.serialize() << "\n";
    if (unverified) return *unverified;
    return OkStatus();
  }
  std::cout << "transfer " << v.id << ": " << v.state
            << (v.reason.empty() ? "" : " (" + v.reason + ")") << "\n"
            << "  from:     " << v.sender << "\n"
            << "  file:     " << v.file_name << " (" << v.file_type << ")\n"
            << "  envelope: " << HumanSize(v.envelope_size) << ", sha256 " << v.envelope_sha256
            << "\n"
            << "  created:  " << v.created << "; updated " << v.updated << "\n";
  if (v.state == "receiving") {
    std::cout << "  uploaded: " << v.upload_offset << " of " << v.envelope_size << " bytes\n";
  }
  for (size_t i = 0; i < v.deliveries.size(); ++i) {
    const DeliveryView& d = v.deliveries[i];
    std::cout << "  to " << d.recipient << ": " << d.state
              << (d.reason.empty() ? "" : " (" + d.reason + ")")
              << (acks[i] ? ", signed by the recipient (verified)" : "") << "\n";
    if (!acks[i]) continue;
    for (const std::string& problem : acks[i]->problems) std::cout << "    " << problem << "\n";
  }
  if (unverified) return *unverified;
  return OkStatus();
}

}  // namespace

CommandAction AddSendCommand(CLI::App& app) {
  auto f = std::make_shared<SendFlags>();
  CLI::App* cmd = app.add_subcommand("send", "seal a file and upload it through the gateway");
  cmd->footer(
      "Example: adtgw send adt-2026-11.csv --type adt\n"
      "Signs with your SMKI DS key, encrypts to the recipients' KA certificates, uploads\n"
      "over mutual TLS and prints the gateway's receipt. Without --to, ADT and exit-\n"
      "quarantine files go to the DCC's certificate under 'recipients'.");
  cmd->add_option("FILE", f->file, "the file to send")->required()->check(CLI::ExistingFile);
  cmd->add_option("--type", f->type, "adt, exit-quarantine or quarantine-report")
      ->required()
      ->check(CLI::IsMember({"adt", "exit-quarantine", "quarantine-report"}));
  cmd->add_option("--to", f->to, "recipient EUI-64 (repeatable)")->type_name("EUI");
  cmd->add_option("--receipt", f->receipt_out, "also write the receipt (JSON) to this file");
  cmd->add_option("--idempotency-key", f->idempotency_key,
                  "reuse a key to make a retried send deliver at most once (16-64 of "
                  "A-Za-z0-9_-)");
  AddClientFlags(cmd, f->client);
  return [f] { return RunSend(*f); };
}

CommandAction AddInboxCommand(CLI::App& app) {
  auto f = std::make_shared<ClientFlags>();
  CLI::App* cmd = app.add_subcommand("inbox", "list the transfers waiting for you");
  cmd->footer("Example: adtgw inbox --json");
  AddClientFlags(cmd, *f);
  return [f] { return RunInbox(*f); };
}

CommandAction AddStatusCommand(CLI::App& app) {
  auto f = std::make_shared<StatusFlags>();
  CLI::App* cmd = app.add_subcommand("status", "show a transfer's state (sender or recipients)");
  cmd->footer("Example: adtgw status 3f2a...e1 --json");
  cmd->add_option("ID", f->id, "the transfer id (from adtgw send or adtgw inbox)")->required();
  AddClientFlags(cmd, f->client);
  return [f] { return RunStatus(*f); };
}

}  // namespace adtgw
