#include "gateway/transfer/api_messages.h"

#include <cpprest/json.h>

#include <optional>
#include <vector>

#include "crypto/byte_stream.h"
#include "crypto/encoding.h"
#include "gateway/common/strict_json.h"

namespace adtgw {
namespace {

using web::json::value;

std::string Base64(const std::string& bytes) { return Base64Encode(AsBytes(bytes)); }

Result<std::string> FromBase64(const std::string& text, const std::string& what) {
  std::optional<std::vector<uint8_t>> bytes = Base64Decode(text);
  if (!bytes) {
    return MakeError(ErrorKind::kInvalidInput, "request.bad_base64", what + " is not base64",
                     "see docs/api.md");
  }
  return std::string(bytes->begin(), bytes->end());
}

std::string Text(const value& obj, const char* key) {
  if (!obj.is_object() || !obj.has_field(key) || !obj.at(key).is_string()) return {};
  return obj.at(key).as_string();
}

// A size or offset: absent is 0, anything but a whole number >= 0 is refused.
Result<uint64_t> Number(const value& obj, const char* key) {
  if (!obj.has_field(key)) return uint64_t{0};
  const value& v = obj.at(key);
  if (!v.is_integer() || !v.as_number().is_uint64()) {
    return MakeError(ErrorKind::kInvalidInput, "response.malformed",
                     std::string("the gateway's transfer description has a ") + key +
                         " that is not a whole number from 0");
  }
  return v.as_number().to_uint64();
}

value ViewToValue(const TransferView& v, bool full) {
  value out = value::object();
  out["id"] = value::string(v.id);
  out["state"] = value::string(v.state);
  out["sender"] = value::string(v.sender);
  std::vector<value> recipients;
  for (const auto& r : v.recipients) recipients.push_back(value::string(r));
  out["recipients"] = value::array(recipients);
  std::vector<value> deliveries;
  for (const auto& d : v.deliveries) {
    value dv = value::object();
    dv["recipient"] = value::string(d.recipient);
    dv["state"] = value::string(d.state);
    dv["reason"] = value::string(d.reason);
    if (full) {
      dv["acknowledgement"] = value::string(d.acknowledgement);
      dv["acknowledgement_signature"] = value::string(Base64(d.acknowledgement_signature));
    }
    deliveries.push_back(dv);
  }
  out["deliveries"] = value::array(deliveries);
  out["file_type"] = value::string(v.file_type);
  out["file_name"] = value::string(v.file_name);
  out["envelope_sha256"] = value::string(v.envelope_sha256);
  out["envelope_size"] = value::number(v.envelope_size);
  out["upload_offset"] = value::number(v.upload_offset);
  out["created"] = value::string(v.created);
  out["updated"] = value::string(v.updated);
  out["reason"] = value::string(v.reason);
  if (full) {
    out["manifest"] = value::string(Base64(v.manifest));
    out["signature"] = value::string(Base64(v.signature));
    out["receipt"] = value::string(v.receipt);
  }
  return out;
}

Result<TransferView> ValueToView(const value& obj) {
  if (!obj.is_object()) {
    return MakeError(ErrorKind::kInvalidInput, "response.malformed",
                     "the gateway's transfer description is not an object");
  }
  TransferView v;
  v.id = Text(obj, "id");
  v.state = Text(obj, "state");
  v.sender = Text(obj, "sender");
  if (obj.has_field("recipients") && obj.at("recipients").is_array()) {
    for (const auto& r : obj.at("recipients").as_array()) {
      if (r.is_string()) v.recipients.push_back(r.as_string());
    }
  }
  if (obj.has_field("deliveries") && obj.at("deliveries").is_array()) {
    for (const auto& d : obj.at("deliveries").as_array()) {
      DeliveryView dv{Text(d, "recipient"), Text(d, "state"), Text(d, "reason"),
                      Text(d, "acknowledgement"), ""};
      ADTGW_ASSIGN(dv.acknowledgement_signature,
                   FromBase64(Text(d, "acknowledgement_signature"), "acknowledgement_signature"));
      v.deliveries.push_back(std::move(dv));
    }
  }
  v.file_type = Text(obj, "file_type");
  v.file_name = Text(obj, "file_name");
  v.envelope_sha256 = Text(obj, "envelope_sha256");
  ADTGW_ASSIGN(v.envelope_size, Number(obj, "envelope_size"));
  ADTGW_ASSIGN(v.upload_offset, Number(obj, "upload_offset"));
  if (v.upload_offset > v.envelope_size) {
    return MakeError(ErrorKind::kInvalidInput, "response.malformed",
                     "the gateway's transfer description has more bytes uploaded than its "
                     "envelope holds");
  }
  v.created = Text(obj, "created");
  v.updated = Text(obj, "updated");
  v.reason = Text(obj, "reason");
  v.receipt = Text(obj, "receipt");
  ADTGW_ASSIGN(v.manifest, FromBase64(Text(obj, "manifest"), "manifest"));
  ADTGW_ASSIGN(v.signature, FromBase64(Text(obj, "signature"), "signature"));
  if (v.id.empty() || v.state.empty()) {
    return MakeError(ErrorKind::kInvalidInput, "response.malformed",
                     "the gateway's transfer description has no id or state");
  }
  return v;
}

StrictJsonObject::Rules ResponseRules(size_t max_size) {
  return {"response", "the gateway answered something this client does not understand", max_size,
          6};
}

}  // namespace

std::string SignedDocumentToJson(const SignedDocument& doc, const char* name) {
  value out = value::object();
  out[name] = value::string(Base64(doc.document));
  out["signature"] = value::string(Base64(doc.signature));
  return out.serialize();
}

Result<SignedDocument> ParseSignedDocument(std::span<const uint8_t> body, const char* name) {
  StrictJsonObject::Rules rules{"request", "see docs/api.md", kMaxSignedDocumentBody, 1};
  ADTGW_ASSIGN(StrictJsonObject obj, StrictJsonObject::Parse(body, rules, {name, "signature"}));
  ADTGW_ASSIGN(std::string doc64, obj.Text(name));
  ADTGW_ASSIGN(std::string sig64, obj.Text("signature"));
  SignedDocument doc;
  ADTGW_ASSIGN(doc.document, FromBase64(doc64, name));
  ADTGW_ASSIGN(doc.signature, FromBase64(sig64, "signature"));
  return doc;
}

std::string TransferViewToJson(const TransferView& view, bool full) {
  return ViewToValue(view, full).serialize();
}

Result<TransferView> ParseTransferView(std::span<const uint8_t> body) {
  ADTGW_ASSIGN(value v, ParseCappedJson(body, ResponseRules(kMaxTransferViewBody)));
  return ValueToView(v);
}

std::string InboxToJson(const std::vector<TransferView>& views) {
  std::vector<value> items;
  for (const auto& v : views) items.push_back(ViewToValue(v, /*full=*/false));
  value out = value::object();
  out["transfers"] = value::array(items);
  return out.serialize();
}

Result<std::vector<TransferView>> ParseInbox(std::span<const uint8_t> body) {
  ADTGW_ASSIGN(value v, ParseCappedJson(body, ResponseRules(kMaxInboxBody)));
  if (!v.is_object() || !v.has_field("transfers") || !v.at("transfers").is_array()) {
    return MakeError(ErrorKind::kInvalidInput, "response.malformed",
                     "the gateway's inbox has no transfers list");
  }
  std::vector<TransferView> out;
  for (const auto& item : v.at("transfers").as_array()) {
    ADTGW_ASSIGN(TransferView view, ValueToView(item));
    out.push_back(std::move(view));
  }
  return out;
}

std::string PartyViewToJson(const PartyView& view) {
  value out = value::object();
  out["eui64"] = value::string(view.eui64.ToString());
  out["name"] = value::string(view.name);
  std::vector<value> roles, acts_for;
  for (const auto& r : view.roles) roles.push_back(value::string(r));
  for (const auto& e : view.acts_for) acts_for.push_back(value::string(e.ToString()));
  out["roles"] = value::array(roles);
  out["acts_for"] = value::array(acts_for);
  return out.serialize();
}

Result<PartyView> ParsePartyView(std::span<const uint8_t> body) {
  auto malformed = [](const std::string& what) {
    return MakeError(ErrorKind::kInvalidInput, "response.malformed",
                     "the gateway's party description " + what);
  };
  ADTGW_ASSIGN(value v, ParseCappedJson(body, ResponseRules(kMaxPartyViewBody)));
  if (!v.is_object()) return malformed("is not an object");
  PartyView out;
  auto eui = Eui64::Parse(Text(v, "eui64"));
  if (!eui.ok()) return malformed("has no valid eui64");
  out.eui64 = *eui;
  out.name = Text(v, "name");
  for (const char* key : {"roles", "acts_for"}) {
    if (!v.has_field(key) || !v.at(key).is_array()) return malformed(std::string("has no ") + key);
    for (const auto& item : v.at(key).as_array()) {
      if (!item.is_string()) return malformed(std::string("has a non-string in ") + key);
      if (std::string(key) == "roles") {
        out.roles.push_back(item.as_string());
        continue;
      }
      auto user = Eui64::Parse(item.as_string());
      if (!user.ok()) return malformed("lists a malformed EUI-64 in acts_for");
      out.acts_for.push_back(*user);
    }
  }
  return out;
}

std::string ErrorToJson(const Error& error) {
  value out = value::object();
  out["code"] = value::string(error.code);
  // A message may quote the request (an id from the URL): its bytes are not trusted to
  // be UTF-8, and the answer must stay valid JSON whatever they are.
  out["message"] = value::string(ToValidUtf8(error.message));
  out["hint"] = value::string(ToValidUtf8(error.hint));
  return out.serialize();
}

Error ParseErrorJson(std::span<const uint8_t> body, ErrorKind kind, int status) {
  auto v = ParseCappedJson(body, ResponseRules(64 * 1024));
  std::string code = v.ok() ? Text(*v, "code") : "";
  if (code.empty()) {
    return MakeError(
        kind, "http.status_" + std::to_string(status),
        "the gateway answered HTTP " + std::to_string(status) + " without an adtgw error body",
        "is the gateway URL in your client configuration an adtgw gateway?");
  }
  return MakeError(kind, code, Text(*v, "message"), Text(*v, "hint"));
}

}  // namespace adtgw
