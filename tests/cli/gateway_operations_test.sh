#!/usr/bin/env bash
# Running the gateway: policy reload on SIGHUP (a broken policy never half-applies), the
# connection limit (503), the header timer (a stalled client is dropped), and SIGTERM
# with an upload in flight (cut after the grace period, resumable after a restart).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gateway_lib.sh"
require_openssl
require_program curl curl
require_program sqlite3 sqlite3
held_pids=()
trap 'stop_gateway KILL; for p in "${held_pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$WORK"' EXIT

make_demo_pki
cat >>"$PKI/config/gateway.yaml" <<'YAML'
limits:
  max_connections: 2
  header_timeout: 1
  idle_timeout: 2
  shutdown_grace: 1
YAML
start_gateway
adt_file "$WORK/adt.csv" 0
adt_file "$WORK/adt-operator.csv" 0 AD-7C-00-00-00-00-03-01
config() { echo "$PKI/config/client-$1.yaml"; }
policy=$PKI/config/policy.yaml

# --- SIGHUP: reload the policy -----------------------------------------------------------
expect_ok "network operator sends an ADT file" -- \
  send "$WORK/adt-operator.csv" --type adt --config "$(config network-operator)" --gateway "$URL"
cp "$policy" "$WORK/policy.orig"
# Only suppliers may send ADT files from now on.
sed -i 's/    from: \[role:supplier, role:network-operator\]\n    to: \[role:dcc\]\n    types: \[adt\]//' "$policy"
awk '/name: users-send-adt-to-dcc/{print; getline; print "    from: [role:supplier]"; next} {print}' \
  "$WORK/policy.orig" >"$policy"
kill -HUP "$GW_PID"
for _ in $(seq 100); do grep -q "policy reloaded" "$WORK/gateway.log" && break; sleep 0.05; done
expect_contains "reload logged with the new hash" "$(cat "$WORK/gateway.log")" "policy reloaded: sha256"
expect_refusal "the reloaded policy applies at once" 11 policy.file_type_not_allowed -- \
  send "$WORK/adt-operator.csv" --type adt --config "$(config network-operator)" --gateway "$URL"
echo "this: is: not: a policy" >"$policy"
kill -HUP "$GW_PID"
for _ in $(seq 100); do grep -q "policy reload refused" "$WORK/gateway.log" && break; sleep 0.05; done
expect_contains "a broken policy is refused" "$(cat "$WORK/gateway.log")" "policy reload refused"
expect_refusal "and the previous policy stays" 11 policy.file_type_not_allowed -- \
  send "$WORK/adt-operator.csv" --type adt --config "$(config network-operator)" --gateway "$URL"
expect_ok "suppliers still send" -- \
  send "$WORK/adt.csv" --type adt --config "$(config supplier-a)" --gateway "$URL"
cp "$WORK/policy.orig" "$policy"

# --- The header timer: a client that never finishes its headers is dropped -------------
CHECKS=$((CHECKS + 1))
start=$(date +%s)
set +e
timeout 8 openssl s_client -quiet -connect "127.0.0.1:${URL##*:}" \
  -cert "$PKI/parties/supplier-a/tls.cert.pem" -key "$PKI/parties/supplier-a/tls.key.pem" \
  -CAfile "$PKI/dccki/tls-ca.cert.pem" \
  < <(printf 'GET /v1/inbox HTTP/1.1\r\nHost: x\r\n'; sleep 6) >/dev/null 2>&1
set -e
elapsed=$(($(date +%s) - start))
[ "$elapsed" -lt 5 ] || fail "a stalled request was kept ${elapsed}s (header_timeout is 1s)"

# --- The connection limit: beyond max_connections a client gets 503 ---------------------
# Two connections kept busy: each has sent half a request (inside the 1 s header timer).
held_pids=()
for _ in 1 2; do
  (printf 'GET /v1/inbox HTTP/1.1\r\nHost: x\r\n'; sleep 3) |
    timeout 5 openssl s_client -quiet -connect "127.0.0.1:${URL##*:}" \
      -cert "$PKI/parties/supplier-b/tls.cert.pem" -key "$PKI/parties/supplier-b/tls.key.pem" \
      -CAfile "$PKI/dccki/tls-ca.cert.pem" >/dev/null 2>&1 &
  held_pids+=($!)
done
sleep 0.5
api supplier-a /v1/inbox
expect_api "a third connection beyond max_connections=2" 503 http.busy
for pid in "${held_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
held_pids=()

# --- SIGTERM with an upload in flight --------------------------------------------------
new_upload term.csv 6291456
term_id=$UPLOAD_ID
patch supplier-a "$term_id" 0 "$WORK/term.csv.cms" --limit-rate 1M &
curl_pid=$!
sleep 1.5
stop_gateway TERM
wait "$curl_pid" 2>/dev/null || true
expect_contains "shutdown waited, then cut the upload" "$(cat "$WORK/gateway.log")" \
  "grace period over: closing"
start_gateway
offset=$(upload_offset supplier-a "$term_id")
CHECKS=$((CHECKS + 1))
[ -n "$offset" ] && [ "$offset" -gt 0 ] || fail "the bytes received before SIGTERM were kept (offset '$offset')"
patch supplier-a "$term_id" "$offset" "$WORK/term.csv.cms"
expect_api "the upload cut by SIGTERM resumes after the restart" 201 -
mkdir "$WORK/in"
expect_ok "and arrives whole" -- receive --out "$WORK/in" --once --config "$(config dcc)" --gateway "$URL"
CHECKS=$((CHECKS + 1))
cmp -s "$WORK/term.csv" "$WORK/in/term.csv" || fail "the resumed upload differs"
stop_gateway TERM
finish
