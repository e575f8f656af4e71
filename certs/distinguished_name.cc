#include "certs/distinguished_name.h"

#include <openssl/objects.h>

#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

#include "crypto/encoding.h"
#include "crypto/ossl_ptr.h"
#include "crypto/ossl_string.h"

namespace adtgw {
namespace {

constexpr size_t kMaxNameText = 4096;

struct Attribute {
  std::string oid;    // dotted
  std::string value;  // 's' + normalised UTF-8, or 'x' + hex of a value with no text form
  bool operator<(const Attribute& o) const {
    return std::tie(oid, value) < std::tie(o.oid, o.value);
  }
};
using Rdn = std::vector<Attribute>;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Trim for written text: a trailing space escaped as "\ " is part of the last value.
std::string_view TrimWritten(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) {
    size_t backslashes = 0;
    while (backslashes + 1 < s.size() && s[s.size() - 2 - backslashes] == '\\') ++backslashes;
    if (backslashes % 2 == 1) break;
    s.remove_suffix(1);
  }
  return s;
}

// caseIgnoreMatch's preparation, for ASCII: the values DCCKI names hold.
std::string Normalise(std::string_view utf8) {
  std::string out;
  bool space = false;
  for (char c : Trim(utf8)) {
    if (IsSpace(c)) {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return "s" + out;
}

std::string KeyOf(std::vector<Rdn> rdns) {
  std::string key;
  for (Rdn& rdn : rdns) {
    std::sort(rdn.begin(), rdn.end());
    key += "rdn" + std::to_string(rdn.size()) + ";";
    for (const Attribute& a : rdn) {
      key += std::to_string(a.oid.size()) + ":" + a.oid;
      key += std::to_string(a.value.size()) + ":" + a.value;
    }
  }
  return key;
}

Error BadName(std::string_view text, const std::string& why) {
  return MakeError(ErrorKind::kInvalidInput, "cert.bad_name",
                   "'" + ToValidUtf8(text.substr(0, 200)) + "' is not a distinguished name: " + why,
                   "write it as RFC 2253 prints it, e.g. \"CN=Supplier One,O=Example,C=GB\" "
                   "(openssl x509 -noout -subject -nameopt RFC2253)");
}

// Reads one attribute value up to an unescaped separator in `stops`, undoing RFC 4514
// escapes ("\," and "\2C") and RFC 2253 quoting.
class ValueReader {
 public:
  ValueReader(std::string_view text, size_t& i) : text_(text), i_(i) {}

  Result<std::string> Read(std::string_view stops) {
    std::string out;
    while (i_ < text_.size() && IsSpace(text_[i_])) ++i_;
    if (i_ < text_.size() && text_[i_] == '#') {
      return BadName(text_, "a '#' (BER-encoded) value cannot be compared; write the text");
    }
    if (i_ < text_.size() && text_[i_] == '"') {
      ++i_;
      for (;;) {
        if (i_ >= text_.size()) return BadName(text_, "a quoted value is not closed");
        char c = text_[i_];
        if (c == '"') break;
        if (c == '\\') {
          ADTGW_TRY(Escape(out));
          continue;
        }
        out += c;
        ++i_;
      }
      ++i_;
      while (i_ < text_.size() && IsSpace(text_[i_])) ++i_;
      if (i_ < text_.size() && stops.find(text_[i_]) == std::string_view::npos) {
        return BadName(text_, "text after a quoted value");
      }
      return out;
    }
    while (i_ < text_.size() && stops.find(text_[i_]) == std::string_view::npos) {
      char c = text_[i_];
      if (c == '\\') {
        ADTGW_TRY(Escape(out));
        continue;
      }
      // '=' needs no escape (RFC 4514, and OpenSSL writes it bare); ';' separated RDNs in
      // RFC 1779, so a bare one is ambiguous.
      if (c == '"' || c == '<' || c == '>' || c == ';') {
        return BadName(text_, std::string("an unescaped '") + c + "' in a value");
      }
      out += c;
      ++i_;
    }
    return out;
  }

 private:
  Status Escape(std::string& out) {
    ++i_;  // the backslash
    if (i_ >= text_.size()) return BadName(text_, "it ends with a lone '\\'");
    int hi = HexDigitValue(text_[i_]);
    if (hi >= 0 && i_ + 1 < text_.size() && HexDigitValue(text_[i_ + 1]) >= 0) {
      out += static_cast<char>(hi * 16 + HexDigitValue(text_[i_ + 1]));
      i_ += 2;
      return OkStatus();
    }
    static constexpr std::string_view kEscapable = " \"#+,;<=>\\/";
    if (kEscapable.find(text_[i_]) == std::string_view::npos) {
      return BadName(text_, std::string("'\\") + text_[i_] + "' is not an escape");
    }
    out += text_[i_++];
    return OkStatus();
  }

  std::string_view text_;
  size_t& i_;
};

Result<std::string> OidOfType(std::string_view text, std::string_view type) {
  if (type.empty()) return BadName(text, "an attribute has no type before '='");
  std::string name(type);
  Asn1ObjectPtr obj(OBJ_txt2obj(name.c_str(), 0));
  if (!obj) {
    std::string upper = name;
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; });
    obj.reset(OBJ_txt2obj(upper.c_str(), 0));
  }
  std::string oid = obj ? DottedOid(obj.get()) : std::string();
  if (oid.empty()) {
    return BadName(text, "unknown attribute type '" + ToValidUtf8(name.substr(0, 40)) + "'");
  }
  return oid;
}

struct WrittenName {
  std::vector<Rdn> rdns;  // in the order written
  size_t attributes = 0;
  size_t spaced = 0;  // attributes written "type = value", as OpenSSL's one-line form does
};

// RDNs as written: separated by `rdn_sep`, attributes of one RDN by '+'.
Result<WrittenName> ParseRdns(std::string_view text, size_t start, char rdn_sep) {
  WrittenName name;
  std::vector<Rdn>& rdns = name.rdns;
  const std::string stops = std::string(1, rdn_sep) + "+";
  size_t i = start;
  Rdn rdn;
  for (;;) {
    // A type is letters, digits, '-' and '.': it holds no escape, so its '=' is the first.
    size_t eq = text.find('=', i);
    size_t sep = text.find_first_of(stops, i);
    if (eq == std::string_view::npos || (sep != std::string_view::npos && sep < eq)) {
      return BadName(text, "an attribute has no '='");
    }
    ADTGW_ASSIGN(std::string oid, OidOfType(text, Trim(text.substr(i, eq - i))));
    ++name.attributes;
    if (eq > i && IsSpace(text[eq - 1]) && eq + 1 < text.size() && IsSpace(text[eq + 1])) {
      ++name.spaced;
    }
    i = eq + 1;
    ValueReader reader(text, i);
    ADTGW_ASSIGN(std::string value, reader.Read(stops));
    if (!IsValidUtf8(value)) return BadName(text, "a value is not UTF-8");
    if (Trim(value).empty()) return BadName(text, "an attribute has an empty value");
    rdn.push_back({std::move(oid), Normalise(value)});
    if (i >= text.size()) break;
    char sep_char = text[i++];
    if (sep_char == rdn_sep) {
      rdns.push_back(std::move(rdn));
      rdn.clear();
    }
    if (i >= text.size()) return BadName(text, "it ends with a separator");
  }
  rdns.push_back(std::move(rdn));
  return name;
}

}  // namespace

Result<std::string> CanonicalNameKey(std::string_view text) {
  if (text.size() > kMaxNameText) return BadName(text, "it is too long");
  std::string_view trimmed = TrimWritten(text);
  // As adtgw's own messages and `adtgw certs show` quote a subject: no name begins with '.
  if (trimmed.size() >= 2 && trimmed.front() == '\'' && trimmed.back() == '\'') {
    trimmed = TrimWritten(trimmed.substr(1, trimmed.size() - 2));
  }
  // As `openssl x509 -noout -subject` prints it.
  constexpr std::string_view kLabel = "subject=";
  if (trimmed.size() > kLabel.size() && trimmed.substr(0, kLabel.size()) == kLabel) {
    trimmed = TrimWritten(trimmed.substr(kLabel.size()));
  }
  if (trimmed.empty()) return BadName(text, "it is empty");
  if (trimmed.front() == '/') {
    // OpenSSL's slash form lists the RDNs in certificate order.
    ADTGW_ASSIGN(WrittenName name, ParseRdns(trimmed, 1, '/'));
    return KeyOf(std::move(name.rdns));
  }
  ADTGW_ASSIGN(WrittenName name, ParseRdns(trimmed, 0, ','));
  // RFC 2253 (no spaces around '=') writes the most specific RDN first; OpenSSL's
  // one-line form ("C = GB, O = x, CN = y", its default display) writes certificate
  // order. A mixture is neither, and guessing the order would match the wrong name.
  if (name.spaced != 0 && name.spaced != name.attributes) {
    return BadName(text, "it mixes \"type=value\" and \"type = value\", so its order is unclear");
  }
  if (name.spaced == 0) std::reverse(name.rdns.begin(), name.rdns.end());
  return KeyOf(std::move(name.rdns));
}

std::string CanonicalNameKey(const X509_NAME* name) {
  std::vector<Rdn> rdns;
  int previous_set = -1;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    int set = X509_NAME_ENTRY_set(entry);
    if (rdns.empty() || set != previous_set) rdns.emplace_back();
    previous_set = set;
    Attribute a{DottedOid(X509_NAME_ENTRY_get_object(entry)), {}};
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(entry);
    unsigned char* utf8 = nullptr;
    int n = ASN1_STRING_to_UTF8(&utf8, data);
    if (n >= 0) {
      a.value =
          Normalise(std::string_view(reinterpret_cast<const char*>(utf8), static_cast<size_t>(n)));
      OPENSSL_free(utf8);
    } else {
      // No text form: it can equal no name written as text.
      a.value =
          "x" + ToHex(std::span<const uint8_t>(ASN1_STRING_get0_data(data),
                                               static_cast<size_t>(ASN1_STRING_length(data))));
    }
    rdns.back().push_back(std::move(a));
  }
  return KeyOf(std::move(rdns));
}

}  // namespace adtgw
