#!/usr/bin/env bash
# The gateway end to end, with the real `adtgw serve` and the real client: a round trip
# byte-identical; who may see and download what; an upload cut mid-way and resumed;
# the gateway killed with SIGKILL mid-upload and restarted; graceful stop on SIGTERM.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gateway_lib.sh"
require_openssl
require_program curl curl
require_program sqlite3 sqlite3
trap 'stop_gateway KILL; rm -rf "$WORK"' EXIT

make_demo_pki
start_gateway

# --- 1. Round trip: supplier A -> DCC, byte-identical, acknowledged -----------------
adt_file "$WORK/adt-3mib.csv" 3145728
adt_file "$WORK/adt-small.csv" 0
for file in adt-small.csv adt-3mib.csv; do
  expect_ok "send $file" -- send "$WORK/$file" --type adt --json \
    --config "$PKI/config/client-supplier-a.yaml" --gateway "$URL"
  expect_contains "send $file: receipt" "$OUT" '"rule":"users-send-adt-to-dcc"'
done
first_id=$(sed -n 's/.*"transfer_id":"\([0-9a-f]*\)".*/\1/p' <<<"$OUT")
expect_ok "inbox" -- inbox --config "$PKI/config/client-dcc.yaml" --gateway "$URL"
expect_contains "inbox lists both" "$OUT" "2 transfer(s) waiting"
mkdir "$WORK/dcc-in"
expect_ok "receive --once" -- receive --out "$WORK/dcc-in" --once \
  --config "$PKI/config/client-dcc.yaml" --gateway "$URL"
for file in adt-small.csv adt-3mib.csv; do
  CHECKS=$((CHECKS + 1))
  cmp -s "$WORK/$file" "$WORK/dcc-in/$file" || fail "round trip: $file differs"
done
expect_ok "status by the sender" -- status "$first_id" --json \
  --config "$PKI/config/client-supplier-a.yaml" --gateway "$URL"
expect_contains "sender sees accepted" "$OUT" '"state":"accepted"'
expect_ok "inbox empty afterwards" -- inbox --config "$PKI/config/client-dcc.yaml" --gateway "$URL"
expect_contains "inbox empty" "$OUT" "is empty"
# The gateway stores only ciphertext: the plaintext is nowhere under its state folder.
CHECKS=$((CHECKS + 1))
if grep -rqF "H,AD-7C-00-00-00-00-02-01" "$STATE"; then fail "plaintext found in the gateway's state"; fi

# --- 2. Who may see and download --------------------------------------------------------
# A non-party is answered as if the transfer did not exist (no existence oracle).
expect_refusal "status by an unrelated supplier" 6 transfer.not_found -- \
  status "$first_id" --config "$PKI/config/client-supplier-b.yaml" --gateway "$URL"
before=$(snapshot)
api supplier-b "/v1/transfers/$first_id/envelope"
expect_api "download by a non-party" 404 transfer.not_found
api supplier-a "/v1/transfers/$first_id/envelope"
expect_api "download by the sender (not a recipient)" 403 transfer.not_recipient
api network-operator "/v1/transfers/$first_id/envelope"
expect_api "download by another user" 404 transfer.not_found
expect_unchanged "refused downloads" "$before"

# --- 3. A connection cut mid-upload, then resumed: one correct transfer ---------------
new_upload resume.csv 6291456
expect_api "offer for the resumed upload" 201 -
resume_id=$UPLOAD_ID
# Send slowly and cut the connection after about two seconds.
patch supplier-a "$resume_id" 0 "$WORK/resume.csv.cms" --limit-rate 1M --max-time 2
CHECKS=$((CHECKS + 1))
# curl reports 000, or 100 when the cut came after the gateway's "100 Continue".
[ "$HTTP" = 000 ] || [ "$HTTP" = 100 ] || fail "the cut upload should not have been answered (got $HTTP)"
offset=$(upload_offset supplier-a "$resume_id")
CHECKS=$((CHECKS + 1))
size=$(stat -c %s "$WORK/resume.csv.cms")
if [ -z "$offset" ] || [ "$offset" -le 0 ] || [ "$offset" -ge "$size" ]; then
  fail "after the cut, the durable offset should be inside the envelope: '$offset' of $size"
fi
CHECKS=$((CHECKS + 1))
[ "$(state_of "$resume_id")" = receiving ] || fail "a cut upload is still receiving"
patch supplier-a "$resume_id" 0 "$WORK/resume.csv.cms"
expect_api "resuming at a wrong offset" 409 upload.offset_mismatch
patch supplier-a "$resume_id" "$offset" "$WORK/resume.csv.cms"
expect_api "resuming at the durable offset completes it" 201 -
expect_contains "receipt names the transfer" "$BODY" "\"transfer_id\":\"$resume_id\""
api supplier-a -H 'Content-Type: application/json' --data-binary "@$WORK/resume.csv.offer" /v1/transfers
expect_api "the same manifest again is refused as a replay" 409 transfer.replayed
mkdir "$WORK/dcc-in2"
expect_ok "receive the resumed transfer" -- receive --out "$WORK/dcc-in2" --once \
  --config "$PKI/config/client-dcc.yaml" --gateway "$URL"
CHECKS=$((CHECKS + 1))
cmp -s "$WORK/resume.csv" "$WORK/dcc-in2/resume.csv" || fail "resumed upload differs"
CHECKS=$((CHECKS + 1))
[ "$(sqlite3 "file:$STATE/metadata.db?mode=ro" \
  "SELECT COUNT(*) FROM transfers WHERE file_name = 'resume.csv'")" = 1 ] ||
  fail "the resumed upload made more than one transfer"

# --- 4. SIGKILL mid-upload: no partial envelope visible, acknowledged transfers intact -
new_upload killed.csv 9437184
killed_id=$UPLOAD_ID
patch supplier-a "$killed_id" 0 "$WORK/killed.csv.cms" --limit-rate 2M &
curl_pid=$!
sleep 2.5
stop_gateway KILL
wait "$curl_pid" 2>/dev/null || true
start_gateway
expect_ok "inbox after the crash" -- inbox --json --config "$PKI/config/client-dcc.yaml" --gateway "$URL"
CHECKS=$((CHECKS + 1))
if grep -qF "$killed_id" <<<"$OUT"; then fail "a partial upload is visible in the inbox"; fi
api dcc "/v1/transfers/$killed_id/envelope"
expect_api "a partial envelope cannot be downloaded" 404 transfer.no_envelope
expect_ok "an acknowledged transfer survives" -- status "$first_id" --json \
  --config "$PKI/config/client-supplier-a.yaml" --gateway "$URL"
expect_contains "still accepted" "$OUT" '"state":"accepted"'
api dcc "/v1/transfers/$first_id/envelope"
expect_api "its envelope is intact" 200 -
CHECKS=$((CHECKS + 1))
[ "$(sha256sum "$WORK/.body" | cut -d' ' -f1)" = "$(sed -n 's/.*"envelope_sha256":"\([0-9a-f]*\)".*/\1/p' <<<"$OUT")" ] ||
  fail "the acknowledged envelope changed across the crash"
offset=$(upload_offset supplier-a "$killed_id")
patch supplier-a "$killed_id" "$offset" "$WORK/killed.csv.cms"
expect_api "the killed upload resumes from offset $offset after the restart" 201 -
mkdir "$WORK/dcc-in3"
expect_ok "receive it" -- receive --out "$WORK/dcc-in3" --once \
  --config "$PKI/config/client-dcc.yaml" --gateway "$URL"
CHECKS=$((CHECKS + 1))
cmp -s "$WORK/killed.csv" "$WORK/dcc-in3/killed.csv" || fail "the resumed upload after the crash differs"

# --- 5. SIGTERM: a graceful stop ---------------------------------------------------------
stop_gateway TERM
expect_contains "graceful stop logged" "$(cat "$WORK/gateway.log")" "adtgw serve: stopped"
finish
