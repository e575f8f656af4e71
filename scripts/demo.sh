#!/usr/bin/env bash
# The `make demo` walk-through, on loopback: a demo PKI, the gateway on a free port
# (SQLite metadata, local document store), supplier A checks and sends the example ADT
# file (docs/examples/) to the DCC, the DCC receives, checks and acknowledges it,
# supplier A sees the status; supplier B's file naming supplier A is refused on B's
# desk, and B's attempt to send in A's name is refused by the gateway; the DCC sends
# supplier A the example quarantine report, which A receives and checks. The receipt is
# verified offline against the audit log's key, and a DCC auditor verifies, queries and
# reads the log on the auditors' listener. Then the gateway is stopped.
# Usage: scripts/demo.sh [ADTGW_BINARY]   (scratch folder: $ADTGW_DEMO_DIR or a new temp dir)
set -euo pipefail
adtgw=$(realpath "${1:-build/release/adtgw}")
examples=$(cd "$(dirname "$0")/../docs/examples" && pwd)
dir=${ADTGW_DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/adtgw-demo.XXXXXX")}
mkdir -p "$dir"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

gateway_pid=
stop_gateway() {
  [ -n "$gateway_pid" ] || return 0
  kill -TERM "$gateway_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$gateway_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$gateway_pid" 2>/dev/null || true
  wait "$gateway_pid" 2>/dev/null || true
  gateway_pid=
}
trap stop_gateway EXIT

step "1. A demo SMKI + DCCKI PKI, the policy and configurations for five parties"
show "$adtgw" demo-pki "$dir/pki"
pki=$dir/pki

step "2. The gateway, on a free loopback port (log: $dir/gateway.log)"
"$adtgw" serve --config "$pki/config/gateway.yaml" --listen 127.0.0.1:0 \
  --auditor-listen 127.0.0.1:0 --auditor-ready-file "$dir/auditor.port" \
  --ready-file "$dir/gateway.port" 2>"$dir/gateway.log" &
gateway_pid=$!
for _ in $(seq 100); do [ -s "$dir/gateway.port" ] && break; sleep 0.1; done
[ -s "$dir/gateway.port" ] || { cat "$dir/gateway.log" >&2; echo "the gateway did not start" >&2; exit 1; }
url=https://127.0.0.1:$(cat "$dir/gateway.port")
head -n 1 "$dir/gateway.log"
as() { local party=$1; shift; show "$adtgw" "$@" --config "$pki/config/client-$party.yaml" --gateway "$url"; }

step "3. Supplier A checks its ADT file, then sends it to the DCC: checked again, signed, encrypted, uploaded over mutual TLS"
cp "$examples/adt-example.csv" "$dir/adt-supplier-a.csv"
show "$adtgw" validate "$dir/adt-supplier-a.csv" --type adt --signer AD-7C-00-00-00-00-02-01
as supplier-a send "$dir/adt-supplier-a.csv" --type adt --receipt "$dir/receipt.json"
id=$(sed -n 's/.*"transfer_id":"\([0-9a-f]*\)".*/\1/p' "$dir/receipt.json")

step "4. The gateway holds only ciphertext: the stored object is a CMS envelope"
object=$(ls "$pki/gateway-state/documents/objects" | head -n 1)
printf '$ openssl asn1parse -inform DER -in %s -i | head -n 5\n' "gateway-state/documents/objects/$object"
openssl asn1parse -inform DER -in "$pki/gateway-state/documents/objects/$object" -i | head -n 5 || true

step "5. The DCC lists its inbox, then receives: verify, decrypt, check the signer and the content, acknowledge"
as dcc inbox
mkdir -p "$dir/dcc-inbox"
as dcc receive --out "$dir/dcc-inbox" --once
cmp "$dir/adt-supplier-a.csv" "$dir/dcc-inbox/adt-supplier-a.csv" &&
  echo "dcc-inbox/adt-supplier-a.csv is byte-identical to what supplier A sent"

step "6. Supplier A sees that the DCC accepted it"
as supplier-a status "$id"

step "7. Supplier B tries to send supplier A's thresholds: refused on B's desk, before anything is sealed"
set +e
as supplier-b send "$dir/adt-supplier-a.csv" --type adt
rc=$?
set -e
[ "$rc" -eq 3 ] || { echo "demo FAILED: supplier B's file naming supplier A was not refused (exit $rc)" >&2; exit 1; }
echo "refused with exit code $rc: every user an ADT file names is its signer or one the policy lets it act for"

step "8. Supplier B, holding a copy of supplier A's signing key, tries to send in A's name"
sed -e "s|parties/supplier-a/tls|parties/supplier-b/tls|g" \
  "$pki/config/client-supplier-a.yaml" >"$dir/impostor.yaml"
set +e
show "$adtgw" send "$dir/adt-supplier-a.csv" --type adt --config "$dir/impostor.yaml" --gateway "$url"
rc=$?
set -e
[ "$rc" -ne 0 ] || { echo "demo FAILED: the impostor was let through" >&2; exit 1; }
echo "refused with exit code $rc: the TLS identity (supplier B) is not the manifest's signer"

step "9. The DCC sends supplier A a quarantine report; supplier A receives and checks it"
cp "$examples/quarantine-report-example.csv" "$dir/quarantine-report-supplier-a.csv"
as dcc send "$dir/quarantine-report-supplier-a.csv" --type quarantine-report --to AD-7C-00-00-00-00-02-01
mkdir -p "$dir/supplier-a-inbox"
as supplier-a receive --out "$dir/supplier-a-inbox" --once

step "10. The receipt is proof: it verifies offline with only the audit log's public key"
show "$adtgw" receipt verify "$dir/receipt.json" --log-key "$pki/audit/log-key.pub.pem"

step "11. A DCC auditor checks the tamper-evident log on the auditors' listener"
auditor_url=https://127.0.0.1:$(cat "$dir/auditor.port")
sed -e "s|^gateway: .*|gateway: $url|" -e "s|^auditor_url: .*|auditor_url: $auditor_url|" \
  "$pki/config/client-auditor.yaml" >"$dir/auditor.yaml"
show "$adtgw" audit verify --full --config "$dir/auditor.yaml"
show "$adtgw" audit query --party AD-7C-00-00-00-00-02-01 --config "$dir/auditor.yaml"
show "$adtgw" audit show "$id" --config "$dir/auditor.yaml"

step "12. The gateway stops gracefully (SIGTERM)"
stop_gateway
tail -n 4 "$dir/gateway.log"

step "Done. Everything is in $dir"
