#!/usr/bin/env bash
# The client never hangs (docs/cli.md, Timeouts): against a socket that accepts and never
# answers TLS, `adtgw inbox` gives up within the handshake timeout, with the default
# timeouts and with --timeout or the configuration's timeouts, exiting 14 with
# tls.handshake_timeout and a hint; a refused port fails at once; bad timeouts are
# usage errors; and with short timeouts a real `adtgw serve` still sends and lists.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gateway_lib.sh"
require_program python3 python3
SILENT_PID=
trap 'stop_gateway KILL; [ -z "$SILENT_PID" ] || kill "$SILENT_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

make_demo_pki
config=$PKI/config/client-dcc.yaml

# A listener that accepts every connection and never sends a byte; it stops by itself
# after two minutes whatever happens to this script.
python3 - "$WORK/silent.port" <<'PY' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
s.settimeout(0.5)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
end = time.time() + 120
while time.time() < end:
    try:
        held.append(s.accept()[0])
    except socket.timeout:
        pass
PY
SILENT_PID=$!
for _ in $(seq 100); do [ -s "$WORK/silent.port" ] && break; sleep 0.05; done
[ -s "$WORK/silent.port" ] || { echo "FAIL: the silent listener did not start" >&2; exit 1; }
SILENT=https://127.0.0.1:$(cat "$WORK/silent.port")

# expect_within SECONDS DESCRIPTION: the last run took at most SECONDS (not a hang).
expect_within() {
  CHECKS=$((CHECKS + 1))
  if [ "$ELAPSED" -gt "$1" ]; then fail "$2: took ${ELAPSED}s, more than $1 s"; fi
}
timed_refusal() {  # timed_refusal DESCRIPTION EXIT CODE -- CMD...
  local start=$SECONDS
  expect_refusal "$@"
  ELAPSED=$((SECONDS - start))
}

timed_refusal "silent gateway, --timeout handshake=2s" 14 tls.handshake_timeout -- \
  inbox --config "$config" --gateway "$SILENT" --timeout handshake=2s
expect_within 10 "silent gateway, --timeout handshake=2s"
expect_contains "the message names the timeout" "$ERR" "within 2 s"
expect_contains "the hint names the flag" "$ERR" "--timeout handshake="

sed 's|^gateway: .*|&\ntimeouts:\n  handshake: 1500ms|' "$config" >"$WORK/short.yaml"
timed_refusal "silent gateway, timeouts.handshake in the configuration" 14 \
  tls.handshake_timeout -- inbox --config "$WORK/short.yaml" --gateway "$SILENT"
expect_within 10 "silent gateway, timeouts.handshake in the configuration"
expect_contains "the configured timeout" "$ERR" "within 1.5 s"

timed_refusal "silent gateway, the default timeouts" 14 tls.handshake_timeout -- \
  inbox --config "$config" --gateway "$SILENT"
expect_within 45 "silent gateway, the default timeouts"
expect_contains "the default handshake timeout" "$ERR" "within 30 s"

expect_refusal "an unknown timeout" 2 usage -- \
  inbox --config "$config" --gateway "$SILENT" --timeout read=5s
expect_refusal "a timeout of 0" 2 usage -- \
  inbox --config "$config" --gateway "$SILENT" --timeout idle=0
sed 's|^gateway: .*|&\ntimeouts:\n  idle: forever|' "$config" >"$WORK/bad.yaml"
expect_refusal "a bad timeout in the configuration" 3 config.invalid -- \
  inbox --config "$WORK/bad.yaml" --gateway "$SILENT"

# The real gateway, with short timeouts: nothing in a normal exchange waits that long.
start_gateway
adt_file "$WORK/adt.csv" 0
expect_ok "send with short timeouts" -- send "$WORK/adt.csv" --type adt \
  --config "$PKI/config/client-supplier-a.yaml" --gateway "$URL" \
  --timeout connect=2s,handshake=2s --timeout idle=2s
expect_ok "inbox with short timeouts" -- inbox --config "$config" --gateway "$URL" \
  --timeout connect=2s,handshake=2s,idle=2s
expect_contains "the transfer is listed" "$OUT" "1 transfer(s) waiting"

# A stopped gateway refuses the connection: that is an answer, given at once.
stop_gateway
timed_refusal "a refused port" 14 net.unreachable -- \
  inbox --config "$config" --gateway "$URL" --timeout connect=20s
expect_within 5 "a refused port"

finish
