#!/usr/bin/env bash
# adtgw push --spool, with the real gateway (docs/push.md): files sent exactly once and
# moved with their receipts; refused files in failed/ with their reason; dot-files,
# links and unsettled files left alone; the lock; an unreachable gateway postpones
# everything to outgoing/ and the next run delivers it once; and the long run: 200 files
# pushed while the gateway is killed and restarted twice (cutting uploads mid-way) and
# push itself is killed once, after which the recipient has 200 byte-identical files,
# the gateway 200 transfers, and sending/ is empty. A progress bar on a terminal only.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gateway_lib.sh"
require_openssl
require_program curl curl
require_program sqlite3 sqlite3
require_program flock util-linux
require_program script bsdutils
trap 'stop_gateway KILL; [ -z "${PUSH_PID:-}" ] || kill -KILL "$PUSH_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

make_demo_pki
# More than the 200 transfers a day the demo policy allows a party.
sed -i 's/^default_daily_limit: .*/default_daily_limit: 5000/' "$PKI/config/policy.yaml"
# The demo policy takes exit-quarantine files from 06:00 to 22:00 UTC only; this test
# is about the spool, not the clock, so it runs at any hour.
sed -i 's/^    hours: 06:00-22:00$/    hours: 00:00-24:00/' "$PKI/config/policy.yaml"
start_gateway
SPOOL=$WORK/spool
mkdir -p "$SPOOL/outgoing"
A=AD-7C-00-00-00-00-02-01
config() { echo "$PKI/config/client-$1.yaml"; }

# restart_gateway [SIGNAL]: stops the gateway and starts it again on the same port, so
# that a running push finds it where it was.
restart_gateway() {
  stop_gateway "${1:-TERM}"
  serve_again
}

push() {  # push ARGS...: adtgw push as supplier A on $SPOOL; sets OUT ERR RC
  run push --spool "$SPOOL" --settle 0 --config "$(config supplier-a)" --gateway "$URL" "$@"
}
transfers_named() {  # transfers_named NAME: how many transfers carry that file name
  sql "file:$STATE/metadata.db?mode=ro" "SELECT COUNT(*) FROM transfers WHERE file_name = :name" \
    name "$1"
}
count_files() { find "$1" -maxdepth 1 -type f ! -name '*.json' | wc -l; }

# --- 1. A run: sent, refused, ignored -----------------------------------------------------
adt_file "$SPOOL/outgoing/ADT_one.csv" 2000
adt_file "$SPOOL/outgoing/adt_two.csv" 0
cp "$(dirname "$0")/../../docs/examples/exit-quarantine-example.csv" "$SPOOL/outgoing/EXITQ_1.csv"
cp "$(dirname "$0")/../../docs/examples/adt-example.csv" "$SPOOL/outgoing/ADT_bad.csv"
sed -i 's/,IS,1.1.1,WARNING,/,XX,1.1.1,WARNING,/' "$SPOOL/outgoing/ADT_bad.csv"
adt_file "$SPOOL/outgoing/thresholds.csv" 0
adt_file "$SPOOL/outgoing/sidecar.csv" 0
printf '{"type":"adt"}' >"$SPOOL/outgoing/sidecar.csv.adtgw.json"
adt_file "$SPOOL/outgoing/badcar.csv" 0
printf '{"type":"adt","run":"rm -rf /"}' >"$SPOOL/outgoing/badcar.csv.adtgw.json"
adt_file "$SPOOL/outgoing/.ADT_hidden.csv" 0
ln -s "$SPOOL/outgoing/ADT_one.csv" "$SPOOL/outgoing/ADT_link.csv"
touch -d '+1 hour' "$SPOOL/outgoing/ADT_one.csv.future" 2>/dev/null || true
push --json
CHECKS=$((CHECKS + 1))
[ "$RC" -eq 1 ] || fail "a run with refusals: expected exit 1, got $RC: $ERR"
expect_contains "summary" "$OUT" '"sent":4'
expect_contains "...refused" "$OUT" '"refused":3'
expect_contains "one line per file" "$ERR" "adtgw push: ADT_bad.csv: refused: format.invalid"
for name in ADT_one.csv adt_two.csv EXITQ_1.csv sidecar.csv; do
  CHECKS=$((CHECKS + 1))
  [ -f "$SPOOL/sent/$name" ] && [ -f "$SPOOL/sent/$name.receipt.json" ] ||
    fail "$name is not in sent/ with its receipt"
  CHECKS=$((CHECKS + 1))
  [ "$(transfers_named "$name")" = 1 ] || fail "$name: $(transfers_named "$name") transfers"
done
expect_contains "the sidecar travels with its file" "$(ls "$SPOOL/sent")" "sidecar.csv.adtgw.json"
expect_ok "a receipt from sent/ verifies" -- receipt verify "$SPOOL/sent/ADT_one.csv.receipt.json" \
  --config "$(config supplier-a)"
for pair in ADT_bad.csv:format.invalid thresholds.csv:push.unknown_type badcar.csv:push.bad_sidecar; do
  name=${pair%%:*} code=${pair#*:}
  CHECKS=$((CHECKS + 1))
  [ -f "$SPOOL/failed/$name" ] || fail "$name is not in failed/"
  expect_contains "$name: its reason" "$(cat "$SPOOL/failed/$name.error.json" 2>/dev/null)" \
    "\"code\":\"$code\""
  CHECKS=$((CHECKS + 1))
  [ "$(transfers_named "$name")" = 0 ] || fail "$name reached the gateway"
done
expect_contains "a bad file's problems" "$(cat "$SPOOL/failed/ADT_bad.csv.error.json")" \
  'ADT_bad.csv:3:3: field.bad_role'
for name in .ADT_hidden.csv ADT_link.csv; do
  CHECKS=$((CHECKS + 1))
  [ -e "$SPOOL/outgoing/$name" ] || [ -L "$SPOOL/outgoing/$name" ] || fail "$name was touched"
done
CHECKS=$((CHECKS + 1))
[ -z "$(ls -A "$SPOOL/sending")" ] || fail "sending/ is not empty: $(ls -A "$SPOOL/sending")"
rm -f "$SPOOL/outgoing/.ADT_hidden.csv" "$SPOOL/outgoing/ADT_link.csv" "$SPOOL/outgoing/ADT_one.csv.future"

# A file still being written (changed within --settle) waits; the same name again is
# kept apart from the one already sent.
adt_file "$SPOOL/outgoing/ADT_one.csv" 0
run push --spool "$SPOOL" --settle 60 --config "$(config supplier-a)" --gateway "$URL"
CHECKS=$((CHECKS + 1))
[ "$RC" -eq 0 ] && [ -f "$SPOOL/outgoing/ADT_one.csv" ] || fail "an unsettled file was taken (rc $RC)"
push
expect_contains "...and taken once settled" "$ERR" "ADT_one.csv: sent"
CHECKS=$((CHECKS + 1))
[ "$(ls "$SPOOL/sent" | grep -c '^ADT_one\.csv\.[0-9a-f]\{8\}$')" = 1 ] ||
  fail "the second ADT_one.csv is not kept apart in sent/: $(ls "$SPOOL/sent")"

# The lock: a second run never overlaps the first.
adt_file "$SPOOL/outgoing/ADT_locked.csv" 0
flock "$SPOOL/.adtgw/lock" sleep 3 &
holder=$!
sleep 0.5
push
CHECKS=$((CHECKS + 1))
[ "$RC" -eq 2 ] || fail "a locked spool: expected exit 2, got $RC"
expect_contains "...says why" "$ERR" "push.locked"
CHECKS=$((CHECKS + 1))
[ -f "$SPOOL/outgoing/ADT_locked.csv" ] || fail "a locked run moved a file"
wait "$holder" 2>/dev/null || true
run push --spool "$WORK/no-such-spool" --config "$(config supplier-a)"
CHECKS=$((CHECKS + 1))
[ "$RC" -eq 3 ] || fail "a missing spool: expected exit 3, got $RC"
run push --spool "$SPOOL" --deadline soon --config "$(config supplier-a)"
CHECKS=$((CHECKS + 1))
[ "$RC" -eq 3 ] || fail "a bad --deadline: expected exit 3, got $RC"

# A file written slowly while runs go on is never taken half-written: it is sent whole,
# by the first run after it stopped changing for --settle seconds.
adt_file "$WORK/slow.csv" 6000
(
  exec 3>"$SPOOL/outgoing/ADT_slow.csv"
  while IFS= read -r line; do printf '%s\n' "$line" >&3; sleep 0.05; done <"$WORK/slow.csv"
) &
writer=$!
for _ in $(seq 40); do
  run push --spool "$SPOOL" --settle 1 --config "$(config supplier-a)" --gateway "$URL"
  [ -f "$SPOOL/sent/ADT_slow.csv" ] && break
  sleep 0.25
done
wait "$writer"
CHECKS=$((CHECKS + 1))
cmp -s "$WORK/slow.csv" "$SPOOL/sent/ADT_slow.csv" || fail "the slowly written file was not sent whole"
CHECKS=$((CHECKS + 1))
[ ! -e "$SPOOL/failed/ADT_slow.csv" ] && [ "$(transfers_named ADT_slow.csv)" = 1 ] ||
  fail "the slowly written file was taken half-written"

# --- 2. The gateway down: everything postponed, then delivered once ---------------------
stop_gateway
for i in 1 2 3; do adt_file "$SPOOL/outgoing/ADT_down_$i.csv" 0; done
push --deadline 3s
CHECKS=$((CHECKS + 1))
[ "$RC" -eq 2 ] || fail "gateway down: expected exit 2, got $RC: $ERR"
CHECKS=$((CHECKS + 1))
[ "$(ls "$SPOOL/outgoing" | grep -c "^ADT_down_")" = 3 ] || fail "postponed files are not back in outgoing/: $(ls -A "$SPOOL/outgoing" "$SPOOL/sending")"
restart_gateway
push
CHECKS=$((CHECKS + 1))
[ "$RC" -eq 0 ] || fail "after the outage: expected exit 0, got $RC: $ERR"
for name in ADT_locked.csv ADT_down_1.csv ADT_down_2.csv ADT_down_3.csv; do
  CHECKS=$((CHECKS + 1))
  [ "$(transfers_named "$name")" = 1 ] || fail "$name: $(transfers_named "$name") transfers"
done

# --- 3. 200 files through two gateway crashes and a killed push ---------------------------
mkdir -p "$WORK/originals"
for i in $(seq -w 1 200); do
  size=0
  case $i in 04? | 09? | 14?) size=8388608 ;; esac # larger ones, so that crashes cut uploads
  adt_file "$WORK/originals/ADT_bulk_$i.csv" "$size"
done
cp "$WORK/originals"/* "$SPOOL/outgoing/"
run_push_bg() {
  "$ADTGW" push --spool "$SPOOL" --settle 0 --deadline 120s --config "$(config supplier-a)" \
    --gateway "$URL" >>"$WORK/bulk.out" 2>>"$WORK/bulk.err" &
  PUSH_PID=$!
}
wait_sent() {  # wait_sent N: until at least N bulk files are in sent/ (at most 60 s)
  for _ in $(seq 600); do
    [ "$(ls "$SPOOL/sent" | grep -c '^ADT_bulk_[0-9]*\.csv$')" -ge "$1" ] && return 0
    sleep 0.1
  done
}
# wait_mid_upload: until the gateway holds part of an upload (at most 30 s).
wait_mid_upload() {
  for _ in $(seq 3000); do
    [ -n "$(find "$STATE/documents/partial" -type f -size +64k 2>/dev/null)" ] && return 0
    sleep 0.01
  done
  echo "note: no upload was caught mid-way"
}
run_push_bg
wait_sent 35
wait_mid_upload
restart_gateway KILL # crash 1, mid-upload
wait_sent 90
kill -KILL "$PUSH_PID" # push itself crashes
wait "$PUSH_PID" 2>/dev/null || true
run_push_bg
wait_sent 135
wait_mid_upload
restart_gateway KILL # crash 2, mid-upload
set +e
wait "$PUSH_PID"
rc=$?
set -e
PUSH_PID=
for _ in 1 2 3; do # anything postponed by the crashes goes in a later run
  [ -z "$(ls "$SPOOL/outgoing" "$SPOOL/sending" | grep '^ADT_bulk_' || true)" ] && break
  push --deadline 60s
done
CHECKS=$((CHECKS + 1))
[ "$(ls "$SPOOL/sent" | grep -c '^ADT_bulk_[0-9]*\.csv$')" = 200 ] ||
  fail "sent/ has $(ls "$SPOOL/sent" | grep -c '^ADT_bulk_[0-9]*\.csv$') of the 200 files (last run exit $rc): $(grep -v ': sent as' "$WORK/bulk.err" | tail -n 8)"
CHECKS=$((CHECKS + 1))
[ -z "$(ls -A "$SPOOL/sending")" ] || fail "sending/ is not empty: $(ls -A "$SPOOL/sending")"
CHECKS=$((CHECKS + 1))
[ "$(sqlite3 "file:$STATE/metadata.db?mode=ro" \
  "SELECT COUNT(*) FROM transfers WHERE file_name LIKE 'ADT_bulk_%' AND state != 'abandoned'")" = 200 ] ||
  fail "the gateway has $(sqlite3 "file:$STATE/metadata.db?mode=ro" \
    "SELECT COUNT(*) FROM transfers WHERE file_name LIKE 'ADT_bulk_%' AND state != 'abandoned'") live bulk transfers"
CHECKS=$((CHECKS + 1))
dupes=$(sqlite3 "file:$STATE/metadata.db?mode=ro" "SELECT file_name FROM transfers WHERE \
  file_name LIKE 'ADT_bulk_%' AND state != 'abandoned' GROUP BY file_name HAVING COUNT(*) > 1")
[ -z "$dupes" ] || fail "delivered twice: $dupes"
mkdir "$WORK/dcc-in"
expect_ok "the DCC receives everything" -- receive --out "$WORK/dcc-in" --once \
  --config "$(config dcc)" --gateway "$URL"
CHECKS=$((CHECKS + 1))
[ "$(ls "$WORK/dcc-in" | grep -c '^ADT_bulk_')" = 200 ] ||
  fail "the DCC has $(ls "$WORK/dcc-in" | grep -c '^ADT_bulk_') bulk files"
CHECKS=$((CHECKS + 1))
for f in "$WORK/originals"/*; do
  cmp -s "$f" "$WORK/dcc-in/$(basename "$f")" || { fail "$(basename "$f") differs at the DCC"; break; }
done

CHECKS=$((CHECKS + 1))
if grep -q "MiB/s" "$WORK/bulk.err"; then fail "a progress bar was drawn into a log (not a terminal)"; fi

# --- 4. On a terminal, a large file shows its progress -----------------------------------
adt_file "$SPOOL/outgoing/ADT_big.csv" 8388608
script -qec "'$ADTGW' push --spool '$SPOOL' --settle 0 --config '$(config supplier-a)' --gateway '$URL'" \
  /dev/null >"$WORK/tty.out" 2>&1 || true
expect_contains "a progress bar on a terminal" "$(tr '\r' '\n' <"$WORK/tty.out")" "uploading  100%"
expect_contains "...with the rate and the time left" "$(tr '\r' '\n' <"$WORK/tty.out")" "s left"
expect_contains "...and the file was sent" "$(cat "$WORK/tty.out")" "ADT_big.csv: sent as transfer"

stop_gateway
finish
