#!/usr/bin/env bash
# Every way the gateway refuses a transfer, seen the way a user (the adtgw client) or an
# attacker (raw API calls with curl) would see it: the reason code, the HTTP status or
# exit code, and nothing stored (no transfer, no envelope, no partial upload).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gateway_lib.sh"
require_openssl
require_program curl curl
require_program sqlite3 sqlite3
trap 'stop_gateway KILL; rm -rf "$WORK"' EXIT

make_demo_pki
start_gateway
adt_file "$WORK/adt.csv" 0
config() { echo "$PKI/config/client-$1.yaml"; }

# --- TLS identity ---------------------------------------------------------------------
# A client certificate from a CA the gateway does not trust: the handshake fails.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=stranger" -keyout "$WORK/stranger.key" -out "$WORK/stranger.crt" 2>/dev/null
chmod 600 "$WORK/stranger.key"
sed -e "s|certificate: .*/supplier-a/tls.cert.pem|certificate: $WORK/stranger.crt|" \
  -e "s|key: .*/supplier-a/tls.key.pem|key: $WORK/stranger.key|" \
  "$(config supplier-a)" >"$WORK/stranger.yaml"
before=$(snapshot)
expect_refusal "client certificate from an unknown CA" 12 tls.handshake_failed -- \
  send "$WORK/adt.csv" --type adt --config "$WORK/stranger.yaml" --gateway "$URL"
# A certificate from the DCCKI CA that the policy maps to no party: 401.
dccki_client_cert unlisted /CN=unlisted
config_with_cert supplier-a unlisted
expect_refusal "client certificate unknown to the policy" 12 tls.unknown_client -- \
  send "$WORK/adt.csv" --type adt --config "$WORK/unlisted.yaml" --gateway "$URL"
expect_unchanged "unknown TLS clients" "$before"

# --- The manifest's signer -----------------------------------------------------------
# Supplier B's TLS identity with supplier A's signing key: the signer is not the caller.
sed -e "s|parties/supplier-a/tls|parties/supplier-b/tls|g" "$(config supplier-a)" >"$WORK/impostor.yaml"
expect_refusal "TLS party and manifest signer differ" 11 policy.tls_signer_mismatch -- \
  send "$WORK/adt.csv" --type adt --config "$WORK/impostor.yaml" --gateway "$URL"
# A manifest signed with supplier A's revoked DS certificate (the client refuses to use
# it, so the request is made by hand).
seal_for_dcc "$WORK/adt.csv" "$WORK/adt.cms"
offer_body "$WORK/adt.cms" "$WORK/revoked.offer" cert="$PKI/smki/revoked-supplier-a-ds.cert.pem" \
  signkey="$PKI/smki/revoked-supplier-a-ds.key.pem"
api supplier-a -H 'Content-Type: application/json' --data-binary "@$WORK/revoked.offer" /v1/transfers
expect_api "revoked SMKI signer" 403 cert.revoked
# Signed by supplier B but naming supplier A as the sender, over supplier A's TLS.
offer_body "$WORK/adt.cms" "$WORK/forged.offer" cert="$PKI/parties/supplier-b/ds.cert.pem" \
  signkey="$PKI/parties/supplier-b/ds.key.pem"
api supplier-a -H 'Content-Type: application/json' --data-binary "@$WORK/forged.offer" /v1/transfers
expect_api "manifest signed by another party" 422 manifest.sender_not_signer
# A manifest whose bytes were changed after signing.
offer_body "$WORK/adt.cms" "$WORK/tampered.offer"
sed 's/file.csv/evil.csv/' "$WORK/tampered.offer.json" >"$WORK/evil.json"
printf '{"manifest":"%s","signature":"%s"}' "$(base64 -w0 "$WORK/evil.json")" \
  "$(base64 -w0 "$WORK/tampered.offer.sig")" >"$WORK/tampered.offer"
api supplier-a -H 'Content-Type: application/json' --data-binary "@$WORK/tampered.offer" /v1/transfers
expect_api "manifest changed after signing" 422 signature.digest_mismatch
expect_unchanged "refused signers" "$before"

# --- The policy ------------------------------------------------------------------------
expect_refusal "a supplier's quarantine report is refused on its desk" 3 format.invalid -- \
  send "$(dirname "$0")/../../docs/examples/quarantine-report-example.csv" \
  --type quarantine-report --to AD-7C-00-00-00-00-04-01 \
  --config "$(config supplier-a)" --gateway "$URL"
expect_contains "...as not signed by the DCC" "$ERR" "quarantine-report-example.csv:2:3: binding.not_dcc"
offer_body "$WORK/adt.cms" "$WORK/qrep.offer" type=quarantine-report
api supplier-a -H 'Content-Type: application/json' --data-binary "@$WORK/qrep.offer" /v1/transfers
expect_api "a supplier may not send quarantine reports" 403 policy.file_type_not_allowed
offer_body "$WORK/adt.cms" "$WORK/to-supplier.offer" to=AD-7C-00-00-00-00-02-02
api supplier-a -H 'Content-Type: application/json' --data-binary "@$WORK/to-supplier.offer" /v1/transfers
expect_api "a supplier may not send ADT files to another supplier" 403 policy.recipient_not_allowed
adt_file "$WORK/adt-auditor.csv" 0 AD-7C-00-00-00-00-7F-01
expect_refusal "auditors never send" 11 policy.read_only -- \
  send "$WORK/adt-auditor.csv" --type adt --config "$(config auditor)" --gateway "$URL"
adt_file "$WORK/big.csv" 11534336
expect_refusal "over the policy's size limit (10 MiB for adt)" 13 policy.too_large -- \
  send "$WORK/big.csv" --type adt --config "$(config supplier-a)" --gateway "$URL"
expect_unchanged "policy denials" "$before"

# --- The manifest's fields -------------------------------------------------------------
for name in ../../etc/passwd .hidden 'a b.csv' "$(printf 'x%.0s' $(seq 200))"; do
  offer_body "$WORK/adt.cms" "$WORK/name.offer" "name=$name"
  api supplier-a -H 'Content-Type: application/json' --data-binary "@$WORK/name.offer" /v1/transfers
  expect_api "file name '${name:0:20}'" 422 manifest.file_name
done
offer_body "$WORK/adt.cms" "$WORK/stale.offer" created=2020-01-01T00:00:00Z
api supplier-a -H 'Content-Type: application/json' --data-binary "@$WORK/stale.offer" /v1/transfers
expect_api "a stale manifest (replay)" 422 manifest.stale
offer_body "$WORK/adt.cms" "$WORK/future.offer" created=2099-01-01T00:00:00Z
api supplier-a -H 'Content-Type: application/json' --data-binary "@$WORK/future.offer" /v1/transfers
expect_api "a manifest from the future" 422 manifest.from_future
api supplier-a -H 'Content-Type: application/json' --data 'not json' /v1/transfers
expect_api "a body that is not JSON" 422 request.malformed
head -c 300000 /dev/zero | tr '\0' a >"$WORK/huge.body"
api supplier-a -H 'Content-Type: application/json' -H 'Expect: 100-continue' \
  --data-binary "@$WORK/huge.body" /v1/transfers
expect_api "an oversized request body" 413 http.body_too_large
api supplier-a -H "X-Padding: $(head -c 20000 /dev/zero | tr '\0' a)" /v1/inbox
expect_api "oversized headers" 413 http.header_too_large
# The cap holds for the request line and the headers together, each under it alone.
api supplier-a -H "X-Padding: $(head -c 9000 /dev/zero | tr '\0' a)" \
  "/v1/inbox?$(head -c 9000 /dev/zero | tr '\0' q)"
expect_api "a long request line and long headers" 413 http.header_too_large
api supplier-a "/v1/transfers/..%2F..%2Fetc%2Fpasswd"
expect_api "a path-like transfer id" 404 transfer.not_found
api supplier-a --path-as-is /v1/transfers/../../etc/passwd
expect_api "dot segments" 404 http.no_route
expect_unchanged "malformed requests" "$before"

# --- The upload ------------------------------------------------------------------------
offer_body "$WORK/adt.cms" "$WORK/hash.offer" name=hash.csv
api supplier-a -H 'Content-Type: application/json' --data-binary "@$WORK/hash.offer" /v1/transfers
expect_api "offer for the hash-mismatch upload" 201 -
hash_id=$(transfer_id)
cp "$WORK/adt.cms" "$WORK/flipped.cms"
printf '\x00' | dd of="$WORK/flipped.cms" bs=1 seek=100 conv=notrunc status=none
patch supplier-a "$hash_id" 0 "$WORK/flipped.cms"
expect_api "envelope bytes that are not the manifest's" 422 upload.hash_mismatch
CHECKS=$((CHECKS + 1))
[ "$(state_of "$hash_id")" = abandoned ] || fail "a hash mismatch abandons the transfer"
head -c 100 /dev/zero >>"$WORK/flipped.cms"
offer_body "$WORK/adt.cms" "$WORK/long.offer" name=long.csv
api supplier-a -H 'Content-Type: application/json' --data-binary "@$WORK/long.offer" /v1/transfers
long_id=$(transfer_id)
patch supplier-a "$long_id" 0 "$WORK/flipped.cms"
expect_api "more bytes than the manifest declared" 413 upload.too_large
patch supplier-a "$hash_id" 0 "$WORK/adt.cms"
expect_api "an abandoned transfer takes no more bytes" 409 transfer.abandoned
CHECKS=$((CHECKS + 1))
[ "$(find "$STATE/documents/objects" -type f | wc -l)" = 0 ] || fail "a refused upload left an envelope"
mkdir "$WORK/dcc-in"
expect_ok "the DCC's inbox holds none of it" -- inbox --config "$(config dcc)" --gateway "$URL"
expect_contains "empty inbox" "$OUT" "is empty"
offer_body "$WORK/adt.cms" "$WORK/dup.offer" key=dup-key-0000000001
api supplier-a -H 'Content-Type: application/json' --data-binary "@$WORK/dup.offer" /v1/transfers
expect_api "first use of an idempotency key" 201 -
dup_id=$(transfer_id)
api supplier-a -H 'Content-Type: application/json' --data-binary "@$WORK/dup.offer" /v1/transfers
expect_api "a retried offer returns the same transfer" 200 -
expect_contains "same transfer id" "$BODY" "\"id\":\"$dup_id\""
offer_body "$WORK/adt.cms" "$WORK/dup2.offer" key=dup-key-0000000001 name=other.csv
api supplier-a -H 'Content-Type: application/json' --data-binary "@$WORK/dup2.offer" /v1/transfers
expect_api "a reused idempotency key with another manifest" 409 transfer.idempotency_conflict

finish
