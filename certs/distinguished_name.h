// Distinguished names compared the way X.509 compares them, whatever text an operator
// wrote them in. A policy may name a DCCKI client certificate by its subject
// (docs/policy.md, "tls.subjects"); the gateway then has to decide whether the subject
// of the certificate a peer presented is that name. Comparing display text fails on
// quoting, spacing, escaping, attribute-name spelling and string types, so both sides
// are reduced to one canonical key instead:
//
//   - the RDNs in certificate (DER) order, the attribute values of a multi-valued RDN
//     sorted;
//   - each attribute type as its dotted OID;
//   - each value as UTF-8, outer white space removed, inner runs of white space made one
//     space, ASCII letters lower-cased (RFC 4518's caseIgnoreMatch, as OpenSSL's
//     X509_NAME_cmp does it);
//   - every part length-prefixed, so no value can forge a separator.
//
// The key is for comparison only; it is never shown to a user.
//
// Thread safety: pure functions.
#pragma once

#include <openssl/x509.h>

#include <string>
#include <string_view>

#include "crypto/result.h"

namespace adtgw {

// The canonical key of a name written as text, in one of three forms:
//   - RFC 4514 / RFC 2253, most specific RDN first: "CN=x,O=y,C=GB", as `openssl x509
//     -noout -subject -nameopt RFC2253` and `adtgw certs show` print it (escapes "\,"
//     and "\2C", quoted values);
//   - OpenSSL's one-line form, its default display, in certificate order: "C = GB, O =
//     y, CN = x" (told apart by the spaces around every '=', optionally after
//     "subject=");
//   - OpenSSL's slash form, in certificate order: "/C=GB/O=y/CN=x".
// Attribute types are short names (CN, O, OU, C, L, ST, ...), long names or dotted OIDs.
// The whole may be in single quotes, as adtgw's messages and `adtgw certs show` print it.
// Errors: cert.bad_name (with what is wrong and where).
Result<std::string> CanonicalNameKey(std::string_view text);

// The canonical key of a certificate's name (subject or issuer).
std::string CanonicalNameKey(const X509_NAME* name);

}  // namespace adtgw
