#!/usr/bin/env bash
# The gateway reads request bodies with adtgw's strict JSON reader (docs/api.md, "JSON
# rules"): over real mutual TLS, offer and acknowledgement bodies that are otherwise
# valid but hold a repeated key, a comment, a trailing comma, NaN, a lone surrogate
# escape, invalid UTF-8 or a number beyond what the field allows are each refused with
# 422 and the reader's code, and none of them creates a transfer or records an
# acknowledgement. The same bodies without the flaw are then taken, which shows that the
# flaw alone was the reason.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gateway_lib.sh"
require_openssl
require_program curl curl
require_program sqlite3 sqlite3
trap 'stop_gateway KILL; rm -rf "$WORK"' EXIT

make_demo_pki
start_gateway
adt_file "$WORK/adt.csv" 0
seal_for_dcc "$WORK/adt.csv" "$WORK/adt.cms"

# post PARTY PATH DESCRIPTION CODE BODY: the body must be refused with 422 and CODE.
post() {
  printf '%s' "$5" >"$WORK/request.body"
  api "$1" -H 'Content-Type: application/json' --data-binary "@$WORK/request.body" "$2"
  expect_api "$3" 422 "$4"
}

# signed_offer [key=value...]: a fresh, valid manifest; sets M and S (base64).
signed_offer() {
  offer_body "$WORK/adt.cms" "$WORK/offer" "$@"
  M=$(base64 -w0 "$WORK/offer.json")
  S=$(base64 -w0 "$WORK/offer.sig")
}

# signed_manifest TEXT: TEXT as the manifest, signed by supplier A; sets M and S.
signed_manifest() {
  printf '%s' "$1" >"$WORK/manifest.json"
  openssl cms -sign -binary -nosmimecap -md sha256 -in "$WORK/manifest.json" \
    -signer "$PKI/parties/supplier-a/ds.cert.pem" -inkey "$PKI/parties/supplier-a/ds.key.pem" \
    -outform DER -out "$WORK/manifest.sig"
  M=$(base64 -w0 "$WORK/manifest.json")
  S=$(base64 -w0 "$WORK/manifest.sig")
}

# --- Offers ----------------------------------------------------------------------------
before=$(snapshot)
offers=/v1/transfers
signed_offer
post supplier-a $offers "an offer with a repeated key" request.duplicate_key \
  "{\"manifest\":\"$M\",\"manifest\":\"$M\",\"signature\":\"$S\"}"
post supplier-a $offers "an offer with a block comment" request.malformed \
  "{\"manifest\":\"$M\",/* note */\"signature\":\"$S\"}"
post supplier-a $offers "an offer with a line comment" request.malformed \
  "{\"manifest\":\"$M\",\"signature\":\"$S\"} // note"
post supplier-a $offers "an offer with a trailing comma" request.malformed \
  "{\"manifest\":\"$M\",\"signature\":\"$S\",}"
post supplier-a $offers "an offer with NaN" request.malformed \
  "{\"manifest\":\"$M\",\"signature\":NaN}"
post supplier-a $offers "an offer with a lone surrogate escape" request.bad_text \
  "{\"manifest\":\"$M\",\"signature\":\"$S\\ud800\"}"
post supplier-a $offers "an offer with invalid UTF-8" request.bad_text \
  "{\"manifest\":\"$M\",\"signature\":\"$S"$'\xc0\xaf'"\"}"
post supplier-a $offers "an offer with a number beyond uint64" request.bad_number \
  "{\"manifest\":\"$M\",\"signature\":18446744073709551616}"
# Inside the signed manifest: the same reader, the manifest's codes.
canonical=$(cat "$WORK/offer.json")
signed_manifest "${canonical%\}},\"version\":1}"
post supplier-a $offers "a signed manifest with a repeated key" manifest.duplicate_key \
  "{\"manifest\":\"$M\",\"signature\":\"$S\"}"
size=$(stat -c %s "$WORK/adt.cms")
for bad in 18446744073709551616 "$size.0" "${size}e0"; do
  signed_manifest "${canonical/\"envelope_size\":$size,/\"envelope_size\":$bad,}"
  post supplier-a $offers "a signed manifest whose size is $bad" manifest.bad_number \
    "{\"manifest\":\"$M\",\"signature\":\"$S\"}"
done
for bad in 0 -1; do
  signed_offer size=$bad
  post supplier-a $offers "a signed manifest whose size is $bad" manifest.envelope_size \
    "{\"manifest\":\"$M\",\"signature\":\"$S\"}"
done
expect_unchanged "offers the strict reader refused" "$before"

# The same offer without the flaw is taken, and the envelope uploaded.
signed_offer
printf '{"manifest":"%s","signature":"%s"}' "$M" "$S" >"$WORK/good.offer"
api supplier-a -H 'Content-Type: application/json' --data-binary "@$WORK/good.offer" $offers
expect_api "the offer without a flaw" 201 -
id=$(transfer_id)
patch supplier-a "$id" 0 "$WORK/adt.cms"
expect_api "its upload" 201 -
CHECKS=$((CHECKS + 1))
[ "$(state_of "$id")" = received ] || fail "the upload did not complete: $(state_of "$id")"

# --- Acknowledgements ------------------------------------------------------------------
sha256=$(sha256sum "$WORK/adt.cms" | cut -d' ' -f1)
printf '{"created":"%s","decision":"accepted","envelope_sha256":"%s","problems":[],"reason":"","recipient":"AD-7C-00-00-00-00-04-01","transfer_id":"%s","version":1}' \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$sha256" "$id" >"$WORK/ack.json"
sign_ack() {  # sign_ack FILE: sets A and AS (base64), signed by the DCC
  openssl cms -sign -binary -nosmimecap -md sha256 -in "$1" \
    -signer "$PKI/parties/dcc/ds.cert.pem" -inkey "$PKI/parties/dcc/ds.key.pem" \
    -outform DER -out "$1.sig"
  A=$(base64 -w0 "$1")
  AS=$(base64 -w0 "$1.sig")
}
sign_ack "$WORK/ack.json"
acks=/v1/transfers/$id/acknowledgement
post dcc "$acks" "an acknowledgement with a repeated key" request.duplicate_key \
  "{\"acknowledgement\":\"$A\",\"signature\":\"$AS\",\"acknowledgement\":\"$A\"}"
post dcc "$acks" "an acknowledgement with a block comment" request.malformed \
  "{\"acknowledgement\":\"$A\" /* note */,\"signature\":\"$AS\"}"
post dcc "$acks" "an acknowledgement with a line comment" request.malformed \
  "// note"$'\n'"{\"acknowledgement\":\"$A\",\"signature\":\"$AS\"}"
post dcc "$acks" "an acknowledgement with a trailing comma" request.malformed \
  "{\"acknowledgement\":\"$A\",\"signature\":\"$AS\",}"
post dcc "$acks" "an acknowledgement with Infinity" request.malformed \
  "{\"acknowledgement\":-Infinity,\"signature\":\"$AS\"}"
post dcc "$acks" "an acknowledgement with a lone low surrogate escape" request.bad_text \
  "{\"acknowledgement\":\"$A\",\"signature\":\"\\udc00$AS\"}"
post dcc "$acks" "an acknowledgement with an overlong UTF-8 sequence" request.bad_text \
  "{\"acknowledgement\":\"$A\",\"signature\":\"$AS\",\"x"$'\xe0\x80\xaf'"\":1}"
post dcc "$acks" "an acknowledgement with a number beyond int64" request.bad_number \
  "{\"acknowledgement\":\"$A\",\"signature\":-9223372036854775809}"
# Inside the signed acknowledgement.
ack=$(cat "$WORK/ack.json")
printf '%s' "${ack%\}},\"decision\":\"rejected\"}" >"$WORK/dup-ack.json"
sign_ack "$WORK/dup-ack.json"
post dcc "$acks" "a signed acknowledgement with a repeated key" ack.duplicate_key \
  "{\"acknowledgement\":\"$A\",\"signature\":\"$AS\"}"
printf '%s' "${ack/\"version\":1/\"version\":18446744073709551617}" >"$WORK/big-ack.json"
sign_ack "$WORK/big-ack.json"
post dcc "$acks" "a signed acknowledgement whose version is beyond uint64" ack.bad_number \
  "{\"acknowledgement\":\"$A\",\"signature\":\"$AS\"}"
CHECKS=$((CHECKS + 1))
[ "$(state_of "$id")" = received ] || fail "a refused acknowledgement changed the transfer"
acknowledged() {
  sqlite3 "file:$STATE/audit.db?mode=ro" \
    "SELECT COUNT(*) FROM audit_entries WHERE event = 'transfer.acknowledged'"
}
CHECKS=$((CHECKS + 1))
[ "$(acknowledged)" = 0 ] || fail "a refused acknowledgement was logged"

# The same acknowledgement without the flaw is taken.
sign_ack "$WORK/ack.json"
printf '{"acknowledgement":"%s","signature":"%s"}' "$A" "$AS" >"$WORK/good.ack"
api dcc -H 'Content-Type: application/json' --data-binary "@$WORK/good.ack" "$acks"
expect_api "the acknowledgement without a flaw" 200 -
CHECKS=$((CHECKS + 1))
[ "$(state_of "$id")" = accepted ] || fail "the acknowledgement was not recorded: $(state_of "$id")"
CHECKS=$((CHECKS + 1))
[ "$(acknowledged)" = 1 ] || fail "the acknowledgement was not logged once"

finish
