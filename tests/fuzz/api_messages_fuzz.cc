// libFuzzer target: the readers of the gateway API's JSON bodies
// (gateway/transfer/api_messages.h) and of the receipt (gateway/transfer/receipt.h).
// The gateway reads signed-document requests from any TLS client; the client reads
// views, inboxes, error bodies and receipts from the gateway. None may crash, hang or
// leak on any body.
//
// Every input is given whole to ParseSignedDocument (as a manifest and as an
// acknowledgement body), ParseTransferView, ParseInbox, ParsePartyView, ParseErrorJson
// and ParseReceipt.
//
// Checks: what each reader accepts survives its writer and reader again unchanged
// (signed documents: the decoded bytes; views and inbox entries: every field the
// writer writes, acknowledgements included; party entries: equal; receipts: the
// canonical JSON is a fixed point); ParseErrorJson always
// yields a code and keeps the kind it was given; every error has a code and a message.
//
// Seeds (ADTGW_FUZZ_WRITE_SEEDS=DIR): one body of each kind, as the writers make them.
#include <cstdint>
#include <vector>

#include "gateway/server/transfer_view.h"
#include "gateway/transfer/api_messages.h"
#include "gateway/transfer/receipt.h"
#include "tests/fuzz/fuzz_support.h"

using namespace adtgw;
using namespace adtgw::fuzz;

namespace {

TransferRecord SeedRecord() {
  TransferRecord r;
  r.id = "0123456789abcdef0123456789abcdef";
  r.sender = Eui64::Parse("90-B3-D5-1F-30-01-00-00").value();
  r.recipients = {Eui64::Parse("90-B3-D5-1F-30-00-00-02").value()};
  Delivery d;
  d.recipient = r.recipients[0];
  d.state = DeliveryState::kRejected;
  d.reason = "format.bad_row";
  d.ack = "{\"decision\":\"rejected\",\"problems\":[\"a.csv:2:3: field.bad_role\"]}";
  d.ack_signature = std::string("\x30\x82\x01\x00", 4);
  r.deliveries = {d};
  r.file_type = "adt";
  r.file_name = "ADT_20261129.csv";
  r.envelope_sha256 = std::string(64, 'a');
  r.envelope_size = 1310;
  r.state = TransferState::kRejected;
  r.reason = "format.bad_row";
  r.created = kSeedSigningTime;
  r.updated = kSeedSigningTime + 1;
  r.manifest = "{\"version\":1}";
  r.signature = std::string("\x30\x80\x00\xff", 4);
  r.receipt = "{\"version\":1}";
  return r;
}

Receipt SeedReceipt() {
  Receipt r;
  r.transfer_id = "0123456789abcdef0123456789abcdef";
  r.sender = Eui64::Parse("90-B3-D5-1F-30-01-00-00").value();
  r.recipients = {Eui64::Parse("90-B3-D5-1F-30-00-00-02").value(),
                  Eui64::Parse("90-B3-D5-1F-30-02-00-00").value()};
  r.file_type = "adt";
  r.file_name = "ADT_20261129.csv";
  r.envelope_sha256.fill(0x5a);
  r.envelope_size = 123456;
  r.received_at = kSeedSigningTime;
  r.policy_sha256.fill(0xa5);
  r.rule = "users-send-adt-to-dcc";
  return r;
}

std::vector<der::Bytes> MakeSeeds() {
  TransferView view = ViewOf(SeedRecord(), 77);
  return {
      BytesOf(SignedDocumentToJson({"{\"version\":1}", "\x30\x03\x02\x01\x00"}, "manifest")),
      BytesOf(SignedDocumentToJson({"{}", ""}, "acknowledgement")),
      BytesOf(TransferViewToJson(view, true)),
      BytesOf(InboxToJson({view, view})),
      BytesOf(PartyViewToJson({Eui64::Parse("90-B3-D5-1F-30-01-00-00").value(),
                               "Supplier",
                               {"supplier"},
                               {Eui64::Parse("90-B3-D5-1F-30-01-00-01").value()}})),
      BytesOf(ErrorToJson(MakeError(ErrorKind::kDenied, "policy.too_large", "too big", "less"))),
      BytesOf(ReceiptToJson(SeedReceipt())),
  };
}

void CheckError(const Error& e) {
  if (e.code.empty() || e.message.empty()) InvariantFailed("an error without code or message");
}

std::span<const uint8_t> Span(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Acknowledgements are only in full views.
bool SameDeliveries(const std::vector<DeliveryView>& a, const std::vector<DeliveryView>& b,
                    bool full) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].recipient != b[i].recipient || a[i].state != b[i].state ||
        a[i].reason != b[i].reason) {
      return false;
    }
    if (full && (a[i].acknowledgement != b[i].acknowledgement ||
                 a[i].acknowledgement_signature != b[i].acknowledgement_signature)) {
      return false;
    }
  }
  return true;
}

// The fields both the full and the inbox form carry (and, when `full`, the deliveries'
// acknowledgements).
bool SameSummary(const TransferView& a, const TransferView& b, bool full) {
  return a.id == b.id && a.state == b.state && a.sender == b.sender &&
         a.recipients == b.recipients && SameDeliveries(a.deliveries, b.deliveries, full) &&
         a.file_type == b.file_type && a.file_name == b.file_name &&
         a.envelope_sha256 == b.envelope_sha256 && a.envelope_size == b.envelope_size &&
         a.upload_offset == b.upload_offset && a.created == b.created && a.updated == b.updated &&
         a.reason == b.reason;
}

void CheckSignedDocument(std::span<const uint8_t> input, const char* name) {
  auto doc = ParseSignedDocument(input, name);
  if (!doc.ok()) {
    CheckError(doc.error());
    return;
  }
  auto again = ParseSignedDocument(Span(SignedDocumentToJson(*doc, name)), name);
  if (!again.ok() || again->document != doc->document || again->signature != doc->signature) {
    InvariantFailed("a signed document does not survive writing and reading");
  }
}

void CheckTransferView(std::span<const uint8_t> input) {
  auto view = ParseTransferView(input);
  if (!view.ok()) {
    CheckError(view.error());
    return;
  }
  if (view->id.empty() || view->state.empty()) InvariantFailed("a view without id or state");
  auto again = ParseTransferView(Span(TransferViewToJson(*view, true)));
  if (!again.ok() || !SameSummary(*view, *again, /*full=*/true) ||
      again->manifest != view->manifest || again->signature != view->signature ||
      again->receipt != view->receipt) {
    InvariantFailed("a transfer view does not survive writing and reading");
  }
}

void CheckInbox(std::span<const uint8_t> input) {
  auto inbox = ParseInbox(input);
  if (!inbox.ok()) {
    CheckError(inbox.error());
    return;
  }
  auto again = ParseInbox(Span(InboxToJson(*inbox)));
  if (!again.ok() || again->size() != inbox->size()) {
    InvariantFailed("an inbox does not survive writing and reading");
  }
  for (size_t i = 0; i < inbox->size(); ++i) {
    if (!SameSummary((*inbox)[i], (*again)[i], /*full=*/false) || !(*again)[i].manifest.empty()) {
      InvariantFailed("an inbox entry does not survive writing and reading");
    }
  }
}

void CheckPartyView(std::span<const uint8_t> input) {
  auto party = ParsePartyView(input);
  if (!party.ok()) {
    CheckError(party.error());
    return;
  }
  auto again = ParsePartyView(Span(PartyViewToJson(*party)));
  if (!again.ok() || !(*again == *party)) {
    InvariantFailed("a party entry does not survive writing and reading");
  }
}

void CheckReceipt(std::span<const uint8_t> input) {
  auto receipt = ParseReceipt(input);
  if (!receipt.ok()) {
    CheckError(receipt.error());
    return;
  }
  std::string json = ReceiptToJson(*receipt);
  auto again = ParseReceipt(Span(json));
  if (!again.ok()) InvariantFailed("a receipt's canonical JSON does not parse");
  if (ReceiptToJson(*again) != json) InvariantFailed("a receipt's canonical JSON is not stable");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  MaybeWriteSeedsAndExit(MakeSeeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> input(data, size);
  CheckSignedDocument(input, "manifest");
  CheckSignedDocument(input, "acknowledgement");
  CheckTransferView(input);
  CheckInbox(input);
  CheckPartyView(input);
  Error e = ParseErrorJson(input, ErrorKind::kConflict, 409);
  if (e.code.empty() || e.kind != ErrorKind::kConflict) InvariantFailed("a bad error body");
  CheckReceipt(input);
  return 0;
}
