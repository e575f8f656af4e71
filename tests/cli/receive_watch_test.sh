#!/usr/bin/env bash
# adtgw receive --watch, with the real gateway (docs/receive.md): 100 transfers received
# while the receiver is killed with SIGKILL at random points and restarted, and the
# gateway is stopped for a while: afterwards the folder holds exactly 100 files,
# byte-identical to what was sent, no temporary file is left, and each transfer was
# acknowledged exactly once. Also: one receiver per folder, a clean stop on SIGTERM,
# and --once/--watch usage.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gateway_lib.sh"
require_openssl
require_program curl curl
require_program sqlite3 sqlite3
WATCH_PID=
trap 'stop_gateway KILL; [ -z "$WATCH_PID" ] || kill -KILL "$WATCH_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

make_demo_pki
sed -i 's/^default_daily_limit: .*/default_daily_limit: 5000/' "$PKI/config/policy.yaml"
start_gateway
config() { echo "$PKI/config/client-$1.yaml"; }
IN=$WORK/dcc-in
mkdir -p "$IN" "$WORK/spool/outgoing" "$WORK/originals"

# --- Usage and the folder lock -----------------------------------------------------------
expect_refusal "neither --once nor --watch" 2 usage -- receive --out "$IN" --config "$(config dcc)"
expect_refusal "both" 2 usage -- receive --out "$IN" --once --watch --config "$(config dcc)"

# --- 100 transfers waiting for the DCC -----------------------------------------------------
for i in $(seq -w 1 100); do
  size=0
  case $i in 1? | 5?) size=2097152 ;; esac # some larger, so kills land mid-download too
  adt_file "$WORK/originals/ADT_w_$i.csv" "$size"
done
cp "$WORK/originals"/* "$WORK/spool/outgoing/"
run push --spool "$WORK/spool" --settle 0 --config "$(config supplier-a)" --gateway "$URL"
CHECKS=$((CHECKS + 1))
[ "$RC" -eq 0 ] || fail "pushing the 100 files: exit $RC: $(tail -n 3 <<<"$ERR")"

start_watch() {
  "$ADTGW" receive --out "$IN" --watch --interval 1 --config "$(config dcc)" \
    --gateway "$URL" >>"$WORK/watch.out" 2>>"$WORK/watch.err" &
  WATCH_PID=$!
}
received() { find "$IN" -maxdepth 1 -type f -name 'ADT_w_*' | wc -l; }
waiting() { sqlite3 "file:$STATE/metadata.db?mode=ro" \
  "SELECT COUNT(*) FROM transfer_recipients WHERE state IN ('waiting', 'downloaded')"; }

start_watch

# Kill the receiver at random points until everything is in; stop the gateway once. Every
# third kill comes right after a file appears, which is where publishing and acknowledging
# meet; the others after a random pause (during start-up, a download or a decryption).
# Bounded by time, not rounds, so that a slow build (sanitizers) still makes progress.
kills=0
gateway_stopped=0
deadline=$((SECONDS + 150))
while [ "$(waiting)" != 0 ] && [ "$SECONDS" -lt "$deadline" ]; do
  before=$(received)
  if [ $((kills % 3)) = 0 ]; then
    for _ in $(seq 300); do [ "$(received)" -gt "$before" ] && break; sleep 0.02; done
  else
    sleep "0.$((RANDOM % 2))$((RANDOM % 10))"
  fi
  kill -KILL "$WATCH_PID" 2>/dev/null || true
  wait "$WATCH_PID" 2>/dev/null || true
  kills=$((kills + 1))
  if [ "$gateway_stopped" = 0 ] && [ "$(received)" -ge 40 ]; then
    # The gateway goes away for a while: the receiver waits, backing off.
    stop_gateway
    start_watch
    sleep 2.5
    serve_again
    gateway_stopped=1
    sleep 1
    continue
  fi
  start_watch
done
# The last receiver, left alone, takes whatever still waits.
for _ in $(seq 1800); do [ "$(waiting)" = 0 ] && break; sleep 0.1; done
expect_contains "the receiver waited for the gateway" "$(cat "$WORK/watch.err")" "again in"
sleep 1.5
run receive --out "$IN" --once --config "$(config dcc)" --gateway "$URL"
CHECKS=$((CHECKS + 1))
[ "$RC" -eq 7 ] && grep -q "receive.locked" <<<"$ERR" || fail "a second receiver: exit $RC: $ERR"
# The last one stops on SIGTERM, cleanly and at once.
kill -TERM "$WATCH_PID"
stopped=0
for _ in $(seq 100); do kill -0 "$WATCH_PID" 2>/dev/null || { stopped=1; break; }; sleep 0.05; done
set +e
wait "$WATCH_PID"
rc=$?
set -e
WATCH_PID=
CHECKS=$((CHECKS + 1))
[ "$stopped" = 1 ] && [ "$rc" = 0 ] || fail "SIGTERM: stopped=$stopped exit=$rc"
expect_contains "...saying so" "$(tail -n 1 "$WORK/watch.err")" "adtgw receive: stopped"

echo "note: the receiver was killed $kills times"
CHECKS=$((CHECKS + 1))
[ "$kills" -ge 10 ] && [ "$gateway_stopped" = 1 ] ||
  fail "only $kills kills (gateway stopped: $gateway_stopped): the test did not test much"
CHECKS=$((CHECKS + 1))
[ "$(waiting)" = 0 ] || fail "$(waiting) transfers still wait"
CHECKS=$((CHECKS + 1))
[ "$(received)" = 100 ] || fail "the folder has $(received) files, not 100: $(ls "$IN" | head -n 120 | tr '\n' ' ')"
CHECKS=$((CHECKS + 1))
[ "$(ls -A "$IN" | grep -v -c -e '^ADT_w_[0-9]*\.csv$' -e '^\.adtgw-receive$')" = 0 ] ||
  fail "something else is in the folder: $(ls -A "$IN" | grep -v -e '^ADT_w_[0-9]*\.csv$' -e '^\.adtgw-receive$' | head)"
CHECKS=$((CHECKS + 1))
for f in "$WORK/originals"/*; do
  cmp -s "$f" "$IN/$(basename "$f")" || { fail "$(basename "$f") differs"; break; }
done
CHECKS=$((CHECKS + 1))
[ "$(sqlite3 "file:$STATE/metadata.db?mode=ro" \
  "SELECT COUNT(*) FROM transfer_recipients WHERE state = 'accepted'")" = 100 ] ||
  fail "not all 100 deliveries are accepted"
acks=$(sqlite3 "file:$STATE/audit.db?mode=ro" \
  "SELECT COUNT(*) FROM audit_entries WHERE event = 'transfer.acknowledged' AND CAST(entry AS TEXT) LIKE '%\"outcome\":\"accepted\"%'")
CHECKS=$((CHECKS + 1))
[ "$acks" = 100 ] || fail "$acks accepted acknowledgements in the audit log, not 100"
twice=$(sqlite3 "file:$STATE/audit.db?mode=ro" \
  "SELECT transfer_id FROM audit_entries WHERE event = 'transfer.acknowledged' GROUP BY transfer_id HAVING COUNT(*) > 1")
CHECKS=$((CHECKS + 1))
[ -z "$twice" ] || fail "acknowledged twice: $twice"
CHECKS=$((CHECKS + 1))
[ -z "$(ls -A "$IN/.adtgw-receive" | grep -v '^lock$')" ] ||
  fail "the journal kept entries: $(ls -A "$IN/.adtgw-receive")"

stop_gateway
finish
