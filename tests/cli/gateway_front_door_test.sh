#!/usr/bin/env bash
# The front door under unauthenticated load (docs/api.md, "Connections"; docs/audit-log.md,
# "What the log records"):
# - several hundred idle TCP connections that never start TLS, from other loopback
#   addresses, held open (and reopened) for the whole test, while a party sends, lists
#   its inbox and downloads as usual: connections in their handshake have a budget of
#   their own, per source address, and never take a session's slot;
# - a thousand connect-and-close cycles add at most the documented summary entries to
#   the audit log (9 a minute), whose counts add up to the thousand;
# - out of file descriptors, the accept loop waits instead of spinning, and serves
#   again once connections end.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gateway_lib.sh"
require_openssl
require_program python3 python3
require_program sqlite3 sqlite3
FLOOD_PID=
trap 'stop_gateway KILL; [ -z "$FLOOD_PID" ] || kill "$FLOOD_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

make_demo_pki
# Fewer sessions than the flood has connections, so that a flood that took session
# slots would take them all; the handshake budget keeps its defaults (128, 16 per address).
cat >>"$PKI/config/gateway.yaml" <<'YAML'
limits:
  max_connections: 16
YAML
config() { echo "$PKI/config/client-$1.yaml"; }
audit_db() { echo "file:$STATE/audit.db?mode=ro"; }
entries() { sqlite3 "$(audit_db)" "SELECT COUNT(*) FROM audit_entries"; }
# refused_sum FROM ADDRESS: the sum of the counts of the tls.handshakes_refused entries
# from index FROM on that summarise ADDRESS.
refused_sum() {
  sql "$(audit_db)" "SELECT entry FROM audit_entries WHERE event = 'tls.handshakes_refused'
    AND idx >= :from AND CAST(entry AS TEXT) LIKE '%\"address\":\"' || :address || '\"%'" \
    from "$1" address "$2" |
    sed -n 's/.*"count":\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }'
}
# The client commands under a time limit: without a budget of their own, they would
# wait for the flood.
printf '#!/bin/sh\nexec timeout 60 %q "$@"\n' "$ADTGW" >"$WORK/adtgw-timed"
chmod +x "$WORK/adtgw-timed"
ADTGW_UNTIMED=$ADTGW

# --- a flood of idle connections while a party sends and receives ---------------------
start_gateway
ADTGW=$WORK/adtgw-timed
port=${URL##*:}
python3 "$(dirname "$0")/idle_flood.py" "$port" 127.0.0.2,127.0.0.3 200 "$WORK/flood.ready" 120 &
FLOOD_PID=$!
for _ in $(seq 200); do [ -s "$WORK/flood.ready" ] && break; sleep 0.05; done
CHECKS=$((CHECKS + 1))
read -r opened failed <"$WORK/flood.ready" || true
[ "${opened:-0}" -ge 300 ] || fail "the flood opened ${opened:-no} connections (failed: ${failed:-?})"
adt_file "$WORK/flood.csv" 2000
expect_ok "a party sends during the flood" -- \
  send "$WORK/flood.csv" --type adt --config "$(config supplier-a)" --gateway "$URL"
expect_ok "the DCC lists its inbox during the flood" -- \
  inbox --config "$(config dcc)" --gateway "$URL"
expect_contains "...and sees the file" "$OUT" "flood.csv"
mkdir "$WORK/in"
expect_ok "the DCC downloads during the flood" -- \
  receive --out "$WORK/in" --once --config "$(config dcc)" --gateway "$URL"
CHECKS=$((CHECKS + 1))
cmp -s "$WORK/flood.csv" "$WORK/in/flood.csv" || fail "the file received during the flood differs"
CHECKS=$((CHECKS + 1))
kill -0 "$FLOOD_PID" 2>/dev/null || fail "the flood ended before the party was done"
kill "$FLOOD_PID" 2>/dev/null || true
wait "$FLOOD_PID" 2>/dev/null || true
FLOOD_PID=
ADTGW=$ADTGW_UNTIMED
stop_gateway TERM
expect_contains "the refusals are summed up in the operational log" "$(cat "$WORK/gateway.log")" \
  "refused before authentication:"
expect_contains "...by source" "$(cat "$WORK/gateway.log")" "127.0.0.2 "
CHECKS=$((CHECKS + 1))
flooded=$(refused_sum 0 127.0.0.2)
[ "$flooded" -gt 0 ] || fail "no tls.handshakes_refused entry counts the flood from 127.0.0.2"
CHECKS=$((CHECKS + 1))
per_entry=$(sqlite3 "$(audit_db)" "SELECT COUNT(*) FROM audit_entries WHERE event = 'tls.client_refused'")
[ "$per_entry" = 0 ] || fail "the flood made $per_entry tls.client_refused entries"

# --- a thousand connect-and-close cycles --------------------------------------------------
start_gateway
port=${URL##*:}
before=$(entries)
for _ in $(seq 1000); do
  exec 3<>"/dev/tcp/127.0.0.1/$port" && exec 3>&-
done
# The listen queue is served in order: once this request is answered, every cycle
# above has been accepted.
expect_ok "a party is served after the cycles" -- inbox --config "$(config dcc)" --gateway "$URL"
sleep 1
stop_gateway TERM
after=$(entries)
summaries=$(sql "$(audit_db)" "SELECT COUNT(*) FROM audit_entries WHERE idx >= :from AND
  event = 'tls.handshakes_refused'" from "$before")
others=$(sql "$(audit_db)" "SELECT COUNT(*) FROM audit_entries WHERE idx >= :from AND
  event NOT IN ('tls.handshakes_refused', 'gateway.stopped')" from "$before")
CHECKS=$((CHECKS + 1))
# One window, or two if a minute's timer fell during the cycles: at most 9 entries each.
[ "$summaries" -ge 1 ] && [ "$summaries" -le 18 ] ||
  fail "1000 connect-and-close cycles made $summaries summary entries (at most 9 a minute)"
CHECKS=$((CHECKS + 1))
[ "$others" = 0 ] || fail "1000 connect-and-close cycles made $others other entries"
CHECKS=$((CHECKS + 1))
[ $((after - before)) -le 19 ] || fail "the log grew by $((after - before)) entries"
CHECKS=$((CHECKS + 1))
counted=$(refused_sum "$before" 127.0.0.1)
[ "$counted" = 1000 ] || fail "the summary entries count $counted refused handshakes, not 1000"
expect_contains "the operational log sums them up" "$(cat "$WORK/gateway.log")" \
  "refused before authentication since the start: "

# --- out of file descriptors: the accept loop waits, it does not spin ---------------------
# 120 open files at most (hard limit, so the gateway cannot raise it), and more idle
# connections from more sources than that: accept() fails with EMFILE while they last.
printf '#!/bin/bash\nulimit -n 120\nexec %q "$@"\n' "$ADTGW_UNTIMED" >"$WORK/adtgw-few-fds"
chmod +x "$WORK/adtgw-few-fds"
ADTGW=$WORK/adtgw-few-fds
start_gateway
ADTGW=$ADTGW_UNTIMED
expect_contains "the gateway says its descriptors are too few" "$(cat "$WORK/gateway.log")" \
  "warning: at most 120 open files"
# (Before the flood: an auditor reads the summary of the 1000 cycles through the API.)
expect_ok "an auditor lists the summaries" -- audit query --event tls.handshakes_refused --csv \
  --config "$(config auditor)" --auditor "$AUDITOR_URL"
expect_contains "...with their address and count" "$OUT" ",127.0.0.1,1000"
rm -f "$WORK/flood.ready"
python3 "$(dirname "$0")/idle_flood.py" "${URL##*:}" \
  "$(seq -s, -f '127.0.1.%g' 1 16)" 12 "$WORK/flood.ready" 60 &
FLOOD_PID=$!
for _ in $(seq 200); do [ -s "$WORK/flood.ready" ] && break; sleep 0.05; done
sleep 0.5
cpu() { awk '{ print $14 + $15 }' "/proc/$GW_PID/stat"; }
cpu_before=$(cpu)
sleep 2
cpu_after=$(cpu)
CHECKS=$((CHECKS + 1))
grep -q "accept failed" "$WORK/gateway.log" || fail "accept never ran out of descriptors"
CHECKS=$((CHECKS + 1))
# A loop retrying accept() at once would burn a core: about 200 ticks in these 2 s.
[ $((cpu_after - cpu_before)) -lt 50 ] ||
  fail "out of descriptors, the gateway used $((cpu_after - cpu_before)) CPU ticks in 2 s"
kill "$FLOOD_PID" 2>/dev/null || true
wait "$FLOOD_PID" 2>/dev/null || true
FLOOD_PID=
expect_ok "once the flood ends, a party is served again" -- \
  inbox --config "$(config dcc)" --gateway "$URL"
stop_gateway TERM
finish
