#!/usr/bin/env bash
# The audit log as its users meet it, with the real `adtgw serve`: `adtgw send` proves
# its receipt; `adtgw receipt verify` offline, with the configuration's key or a given
# one; the auditor's `audit verify`, `query`, `show` and `export`, and `verify --from`
# on an export, good and tampered; who may use the auditors' listener; and every party's
# client catching a gateway that restarted with a new, shorter log (rolled back) and
# then one that outgrew it (forked).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gateway_lib.sh"
require_openssl
require_program curl curl
trap 'stop_gateway KILL; rm -rf "$WORK"' EXIT

make_demo_pki
start_gateway
KEY=$PKI/audit/log-key.pub.pem
KEPT=client-state/supplier-a/checkpoints/adtgw.demo.example_log.note
# The flags of a party's client, and of the auditor at this run's auditors' listener
# (set again when the gateway restarts on new ports).
flags() {
  SA=(--config "$PKI/config/client-supplier-a.yaml" --gateway "$URL")
  NO=(--config "$PKI/config/client-network-operator.yaml" --gateway "$URL")
  DCC=(--config "$PKI/config/client-dcc.yaml" --gateway "$URL")
  AU=(--config "$PKI/config/client-auditor.yaml" --auditor "$AUDITOR_URL")
}
flags
# expect_output DESCRIPTION NEEDLE: the last command's stdout and stderr hold NEEDLE.
expect_output() { expect_contains "$1" "$OUT$ERR" "$2"; }

# --- 1. send proves its receipt; receipt verify offline ----------------------------------
adt_file "$WORK/adt.csv" 0
adt_file "$WORK/adt-operator.csv" 0 AD-7C-00-00-00-00-03-01
expect_ok "send" -- send "$WORK/adt.csv" --type adt \
  --receipt "$WORK/receipt.json" "${SA[@]}"
expect_output "send says the receipt's entry is proven" "signature and inclusion proof OK"
id=$(sed -n 's/.*"transfer_id":"\([0-9a-f]*\)".*/\1/p' "$WORK/receipt.json")
CHECKS=$((CHECKS + 1))
[ "$(stat -c %a "$PKI/$KEPT")" = 600 ] || fail "the kept checkpoint is not 0600"
CHECKS=$((CHECKS + 1))
[ "$(stat -c %a "$PKI/client-state/supplier-a/checkpoints")" = 700 ] || fail "checkpoints/ not 0700"
expect_ok "send --json" -- send "$WORK/adt.csv" --type adt --json "${SA[@]}"
expect_output "send --json gives the log index" '"log_index":'

expect_ok "receipt verify with the configuration's key" -- receipt verify "$WORK/receipt.json" \
  --config "$PKI/config/client-supplier-a.yaml"
expect_output "what was proven" "receipt OK: transfer $id, envelope sha256 "
expect_output "in which checkpoint" "in checkpoint adtgw.demo.example/log size "
expect_ok "receipt verify --log-key" -- receipt verify "$WORK/receipt.json" --log-key "$KEY" --json
expect_output "--json" '"ok":true'
expect_output "which key was trusted" "--log-key $KEY"
expect_refusal "the origin must be the log's" 4 checkpoint.wrong_origin -- receipt verify \
  "$WORK/receipt.json" --log-key "$KEY" --origin other.example/log
sed 's/"envelope_size":\([0-9]*\)/"envelope_size":1\1/' "$WORK/receipt.json" >"$WORK/bigger.json"
expect_refusal "a receipt changed after the fact" 4 receipt.entry_mismatch -- receipt verify \
  "$WORK/bigger.json" --log-key "$KEY"
sed 's/"log_index":\([0-9]*\)/"log_index":1\1/' "$WORK/receipt.json" >"$WORK/moved.json"
expect_refusal "another index" 4 receipt.not_included -- receipt verify "$WORK/moved.json" \
  --log-key "$KEY"
"$ADTGW" demo-pki "$WORK/other-pki" >/dev/null
expect_refusal "another log key" 4 checkpoint.unknown_key -- receipt verify "$WORK/receipt.json" \
  --log-key "$WORK/other-pki/audit/log-key.pub.pem"
expect_refusal "--config or --log-key" 2 usage -- receipt verify "$WORK/receipt.json" \
  --log-key "$KEY" --config "$PKI/config/client-supplier-a.yaml"
echo '{"version":2}' >"$WORK/garbage.json"
expect_refusal "not a receipt" 3 'receipt\.[a-z_]*' -- receipt verify "$WORK/garbage.json" \
  --log-key "$KEY"

mkdir "$WORK/dcc-in"
expect_ok "the DCC receives" -- receive --out "$WORK/dcc-in" --once "${DCC[@]}"

# --- 2. The auditor ---------------------------------------------------------------------
expect_ok "audit verify" -- audit verify "${AU[@]}"
expect_output "first contact" "first checkpoint seen from this log"
expect_output "verified" "verified"
expect_ok "audit verify --full" -- audit verify --full --json "${AU[@]}"
expect_output "--full --json" '"ok":true'
expect_output "no problems" '"problem_count":0'
expect_output "the witness" "the same checkpoint as you saw before"

expect_ok "query by party" -- audit query --party ad7c000000000201 "${AU[@]}"
expect_output "the stored envelope" "envelope.stored"
expect_output "the transfer" "$id"
expect_ok "query --csv" -- audit query --event envelope.stored --csv "${AU[@]}"
expect_output "CSV header" "index,time,event,outcome,reason,actor,peer,sender,recipients,transfer_id"
expect_ok "query --json by month" -- audit query --month "$(date -u +%Y-%m)" --type adt --json "${AU[@]}"
expect_output "JSON entries with their index" '"index":'
expect_output "not truncated" '"truncated":false'
# Printed piece by piece (RunQuery): still one object, each entry with its index first.
expect_contains "one JSON object of entries" "$(head -c 24 <<<"$OUT")" '{"entries":[{"index":'
expect_contains "entries joined and closed" "$(tail -c 40 <<<"$OUT")" '"version":1}],"truncated":false}'
CHECKS=$((CHECKS + 1))
starts=$(grep -o '{"index":' <<<"$OUT" | wc -l) ends=$(grep -o '"version":1}' <<<"$OUT" | wc -l)
((starts > 0 && starts == ends)) || fail "every entry with its index first: $starts indices, $ends entries"
expect_ok "query of the future" -- audit query --since 2099-01-01T00:00:00+01:00 "${AU[@]}"
expect_output "nothing" "0 entries"
expect_refusal "an unknown event" 2 usage -- audit query --event envelope.lost "${AU[@]}"
expect_refusal "a bad date" 2 usage.bad_time -- audit query --since yesterday "${AU[@]}"
expect_refusal "--month with --since" 2 usage -- audit query --month 2026-03 \
  --since 2026-03-01 "${AU[@]}"

expect_ok "show" -- audit show "$id" "${AU[@]}"
CHECKS=$((CHECKS + 1))
proven=$(grep -c "proof OK" <<<"$OUT" || true)
[ "$proven" -ge 4 ] || fail "show: expected every entry proven (offered, stored, downloaded, acknowledged), got: $OUT"
expect_output "the acknowledgement" "transfer.acknowledged"
expect_refusal "show of an unknown transfer" 6 audit.no_entries -- audit show \
  0123456789abcdef0123456789abcdef "${AU[@]}"
expect_refusal "show of a malformed id" 2 usage -- audit show "../../etc" "${AU[@]}"

expect_ok "export" -- audit export "$WORK/export" "${AU[@]}"
for f in entries.log checkpoints.jsonl checkpoint.note log-key.pub.pem README; do
  CHECKS=$((CHECKS + 1))
  [ -s "$WORK/export/$f" ] || fail "export: no $f"
done
CHECKS=$((CHECKS + 1))
ls -d "$WORK"/export.tmp-* 2>/dev/null && fail "export left its temporary directory"
expect_refusal "export over an existing directory" 7 output.exists -- audit export \
  "$WORK/export" "${AU[@]}"
expect_ok "verify --from" -- audit verify --from "$WORK/export" --full
expect_output "the export's own key, said so" "the key that came with it"
cp -r "$WORK/export" "$WORK/export-damaged"
sed -i '1s/.*/{"note":1}/' "$WORK/export-damaged/checkpoints.jsonl"
expect_refusal "an export whose checkpoints.jsonl is damaged" 3 export.note -- \
  audit verify --from "$WORK/export-damaged" --full
CHECKS=$((CHECKS + 1))
grep -q "checkpoints.jsonl, line 1" <<<"$ERR" || fail "the damaged line is not named: $ERR"
expect_ok "verify --from with my key and state" -- audit verify --from "$WORK/export" --full \
  --config "$PKI/config/client-auditor.yaml"
expect_output "my key" "audit_log of $PKI/config/client-auditor.yaml"

# Tampered copies of the export, each named precisely.
tampered() {  # tampered NAME: a copy of the export in $WORK/NAME
  rm -rf "$WORK/$1"
  cp -r "$WORK/export" "$WORK/$1"
}
tampered changed
sed -i '3s/"at":"20/"at":"21/' "$WORK/changed/entries.log"  # a century later, still canonical
expect_refusal "an entry changed" 4 audit.entry_changed -- audit verify --from "$WORK/changed" --full
expect_output "which entry" "entry 2 was changed after it was logged"
tampered missing
sed -i '2d' "$WORK/missing/entries.log"
expect_refusal "an entry deleted" 4 audit.entry_missing -- audit verify --from "$WORK/missing" --full
expect_output "the gap" "entry 1 is missing: the log jumps from 0 to 2"
tampered unsigned
last=$(tail -1 "$WORK/unsigned/entries.log")
echo "$(( ${last%% *} + 1 )) - ${last#* * }" >>"$WORK/unsigned/entries.log"
expect_refusal "an entry added" 4 audit.entry_unsigned -- audit verify --from "$WORK/unsigned" --full
tampered short
sed -i '$d' "$WORK/short/entries.log"
expect_refusal "the newest entry gone" 4 audit.log_truncated -- audit verify --from "$WORK/short" --full
tampered rekeyed
cp "$WORK/other-pki/audit/log-key.pub.pem" "$WORK/rekeyed/log-key.pub.pem"
expect_refusal "another key" 4 checkpoint.unknown_key -- audit verify --from "$WORK/rekeyed"

# Only auditors, only on the auditors' listener.
expect_refusal "a supplier is no auditor" 11 audit.not_auditor -- audit verify \
  --config "$PKI/config/client-supplier-a.yaml" --auditor "$AUDITOR_URL"
expect_refusal "the parties' listener serves no auditing" 11 audit.auditor_listener_only -- \
  audit verify --config "$PKI/config/client-auditor.yaml" --auditor "$URL"
expect_refusal "no auditor_url" 2 usage -- audit verify --config "$PKI/config/client-supplier-a.yaml"

# --- 3. Every party witnesses: a rolled-back, then forked log ----------------------------
kept=$(cat "$PKI/$KEPT")
stop_gateway
mv "$PKI/gateway-state" "$WORK/old-gateway-state"
start_gateway  # a new, empty log under the same key and origin
flags
expect_refusal "a log that went back" 4 audit.log_truncated -- inbox "${SA[@]}"
expect_output "names the gateway's checkpoint" "the gateway's checkpoint is origin adtgw.demo.example/log, size "
expect_output "and the one seen before" "size $(sed -n 2p <<<"$kept"), root $(sed -n 3p <<<"$kept")"
expect_output "says what to keep" "$PKI/$KEPT (seen before)"
CHECKS=$((CHECKS + 1))
[ "$(cat "$PKI/$KEPT")" = "$kept" ] || fail "the kept checkpoint changed"
CHECKS=$((CHECKS + 1))
ls "$PKI"/client-state/supplier-a/checkpoints/*.rejected-*.note >/dev/null 2>&1 ||
  fail "the gateway's checkpoint was not kept as evidence"
# The network operator never saw the old log: it trusts the new one, and its sends grow it
# past what supplier A saw, under other roots.
for n in $(seq 10); do
  "$ADTGW" send "$WORK/adt-operator.csv" --type adt "${NO[@]}" >/dev/null
done
expect_refusal "a log that forked" 4 audit.log_forked -- inbox "${SA[@]}"
expect_refusal "the auditor sees it too" 4 audit.log_forked -- audit verify "${AU[@]}"

finish
