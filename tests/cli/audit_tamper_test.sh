#!/usr/bin/env bash
# The audit log is tamper-evident, as its users see it (docs/audit-log.md): an entry row
# changed, deleted or inserted in the gateway's database, a truncated log, a checkpoint
# signed with another key, and a forked log shown to two parties are each named
# precisely by `adtgw audit verify --full` (the auditor) or by the parties' own clients,
# which keep the newest checkpoint they have seen.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gateway_lib.sh"
require_openssl
require_program curl curl
require_program sqlite3 sqlite3
trap 'stop_gateway KILL; rm -rf "$WORK"' EXIT

make_demo_pki
start_gateway
AUDIT_DB=$STATE/audit.db
# auditor CMD...: adtgw as the demo auditor, at this run's ports.
auditor() {
  sed -e "s|^gateway: .*|gateway: $URL|" -e "s|^auditor_url: .*|auditor_url: $AUDITOR_URL|" \
    "$PKI/config/client-auditor.yaml" >"$WORK/auditor.yaml"
  "$ADTGW" "$@" --config "$WORK/auditor.yaml"
}
# party PARTY CMD...: adtgw as PARTY, at this run's gateway.
party() {
  local who=$1
  shift
  "$ADTGW" "$@" --config "$PKI/config/client-$who.yaml" --gateway "$URL"
}
# kept_size PARTY: the size of the newest checkpoint PARTY's client has kept.
kept_size() { sed -n 2p "$PKI/client-state/$1/checkpoints/adtgw.demo.example_log.note"; }

# expect_problem DESCRIPTION CODE NEEDLE... -- CMD...: the command fails, and its
# output names CODE and every NEEDLE (an entry's index, both checkpoints' sizes).
expect_problem() {
  local what=$1 code=$2
  shift 2
  local needles=()
  while [ "$1" != -- ]; do
    needles+=("$1")
    shift
  done
  shift
  CHECKS=$((CHECKS + 1))
  set +e
  "$@" >"$WORK/.out" 2>"$WORK/.err"
  local rc=$?
  set -e
  local all n
  all=$(cat "$WORK/.out" "$WORK/.err")
  [ -z "${ADTGW_TEST_VERBOSE:-}" ] || printf '== %s (exit %s)\n%s\n' "$what" "$rc" "$all"
  if [ "$rc" -eq 0 ]; then
    fail "$what: expected a failure, it succeeded: $all"
    return
  fi
  for n in "$code" "${needles[@]}"; do
    grep -qF -- "$n" <<<"$all" || fail "$what: expected '$n' in: $all"
  done
}

# A few transfers so that the log has entries of every kind.
for i in 1 2 3; do
  adt_file "$WORK/adt-$i.csv" 0
  expect_ok "supplier A sends file $i" -- send "$WORK/adt-$i.csv" --type adt \
    --config "$PKI/config/client-supplier-a.yaml" --gateway "$URL" --receipt "$WORK/receipt-$i.json"
done
mkdir -p "$WORK/dcc-in"
expect_ok "the DCC receives" -- receive --out "$WORK/dcc-in" --once \
  --config "$PKI/config/client-dcc.yaml" --gateway "$URL"

# --- An honest log verifies, and the receipts verify offline -----------------------------
CHECKS=$((CHECKS + 1))
auditor audit verify --full >"$WORK/verify.out" 2>&1 || fail "an honest log does not verify: $(cat "$WORK/verify.out")"
expect_ok "a receipt verifies offline with the log's public key" -- \
  receipt verify "$WORK/receipt-1.json" --log-key "$PKI/audit/log-key.pub.pem"
size=$(sqlite3 "file:$AUDIT_DB?mode=ro" "SELECT size FROM audit_head")
[ "$size" -gt 10 ] || fail "expected more than 10 entries in the log, got $size"

# The auditor exports the log while it is honest, to compare later.
expect_ok "the auditor exports the log" -- audit export "$WORK/export" --config "$WORK/auditor.yaml"
expect_ok "the export verifies offline" -- audit verify --from "$WORK/export" --full

# --- A row changed ------------------------------------------------------------------------
original=$(sqlite3 "file:$AUDIT_DB?mode=ro" "SELECT entry FROM audit_entries WHERE idx = 3")
sqlite3 "$AUDIT_DB" "UPDATE audit_entries SET entry = CAST(replace(CAST(entry AS TEXT), 'AD-7C-00-00-00-00-02-01', 'AD-7C-00-00-00-00-02-02') AS BLOB) WHERE idx = 3"
changed=$(sqlite3 "file:$AUDIT_DB?mode=ro" "SELECT entry FROM audit_entries WHERE idx = 3")
[ "$changed" != "$original" ] || fail "the test did not manage to change entry 3"
expect_problem "a changed row" audit.entry_changed "entry 3" -- auditor audit verify --full
sqlite3 "$AUDIT_DB" "UPDATE audit_entries SET entry = CAST('$original' AS BLOB) WHERE idx = 3"
CHECKS=$((CHECKS + 1))
auditor audit verify --full >/dev/null 2>&1 || fail "the log does not verify after the row was put back"

# --- A row deleted ------------------------------------------------------------------------
sqlite3 "$AUDIT_DB" ".mode insert audit_entries" "SELECT * FROM audit_entries WHERE idx = 4" >"$WORK/row4.sql"
sqlite3 "$AUDIT_DB" "DELETE FROM audit_entries WHERE idx = 4"
expect_problem "a deleted row" audit.entry_missing "entry 4" -- auditor audit verify --full
sqlite3 "$AUDIT_DB" <"$WORK/row4.sql"

# --- A row inserted behind the log's back -------------------------------------------------
head_size=$(sqlite3 "file:$AUDIT_DB?mode=ro" "SELECT size FROM audit_head")
sqlite3 "$AUDIT_DB" "INSERT INTO audit_entries VALUES ($head_size, 0, 'gateway.started', '', '', CAST('{\"at\":\"2026-01-01T00:00:00Z\",\"event\":\"gateway.started\",\"version\":1}' AS BLOB))"
expect_problem "an inserted row" audit.entry_unsigned "entry $head_size" -- auditor audit verify --full
sqlite3 "$AUDIT_DB" "DELETE FROM audit_entries WHERE idx = $head_size"
CHECKS=$((CHECKS + 1))
auditor audit verify --full >/dev/null 2>&1 || fail "the log does not verify after the inserted row went"

# --- The newest checkpoint missing from the log's own list -------------------------------
sqlite3 "$AUDIT_DB" ".mode insert audit_checkpoints" \
  "SELECT * FROM audit_checkpoints WHERE size = (SELECT size FROM audit_head)" >"$WORK/head-checkpoint.sql"
[ -s "$WORK/head-checkpoint.sql" ] || fail "the newest checkpoint is not in audit_checkpoints"
sqlite3 "$AUDIT_DB" "DELETE FROM audit_checkpoints WHERE size = (SELECT size FROM audit_head)"
expect_problem "the newest checkpoint unlisted" audit.checkpoint_unlisted "size $head_size" -- \
  auditor audit verify
sqlite3 "$AUDIT_DB" <"$WORK/head-checkpoint.sql"
CHECKS=$((CHECKS + 1))
auditor audit verify >/dev/null 2>&1 || fail "the log does not verify after its checkpoint was put back"

# --- A truncated log (the operator rolls the database back to an earlier checkpoint) ------
# Every party that saw the newer checkpoint says so; so does the auditor.
stop_gateway
cp -a "$STATE" "$WORK/state-honest"
old=$(sqlite3 "file:$AUDIT_DB?mode=ro" "SELECT size FROM audit_checkpoints WHERE size > 3 ORDER BY size LIMIT 1")
seen_a=$(kept_size supplier-a)
# After the restart the log holds old + 2 entries (gateway.started, policy.loaded): still
# fewer than supplier A has seen, so it is a truncation, not a fork, from A's side.
[ $((old + 2)) -lt "$seen_a" ] || fail "supplier A's checkpoint ($seen_a) is too small for this test"
sqlite3 "$AUDIT_DB" "DELETE FROM audit_entries WHERE idx >= $old; DELETE FROM audit_parties WHERE idx >= $old;
  DELETE FROM audit_nodes WHERE (((id & 281474976710655) + 1) << (id >> 48)) > $old;
  UPDATE audit_head SET size = $old, root = (SELECT root FROM audit_checkpoints WHERE size = $old),
    note = (SELECT note FROM audit_checkpoints WHERE size = $old);
  DELETE FROM audit_checkpoints WHERE size > $old;"
start_gateway
expect_problem "supplier A sees the truncated log" audit.log_truncated "$seen_a" -- \
  party supplier-a inbox
expect_problem "the auditor sees the truncated log" audit.log_truncated -- auditor audit verify

# --- A checkpoint signed with another key ---------------------------------------------------
stop_gateway
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/other-log-key.pem" 2>/dev/null
chmod 600 "$WORK/other-log-key.pem"
sed -e "s|key: .*/audit/log-key.pem|key: $WORK/other-log-key.pem|" \
  -e "s|state_dir: .*|state_dir: $WORK/state-other-key|" \
  "$PKI/config/gateway.yaml" >"$WORK/gateway-other-key.yaml"
cp "$PKI/config/gateway.yaml" "$WORK/gateway.yaml.orig"
cp "$WORK/gateway-other-key.yaml" "$PKI/config/gateway.yaml"
start_gateway
expect_problem "a checkpoint signed with another key" checkpoint.unknown_key "adtgw.demo.example/log" -- \
  party network-operator inbox
stop_gateway
cp "$WORK/gateway.yaml.orig" "$PKI/config/gateway.yaml"

# --- A fork: two histories under one key, shown to two parties ------------------------------
# History A is the honest state; history B is the same log up to some point, then
# different. Supplier A has seen history A (its kept checkpoint is A's newest);
# supplier B is shown history B, then history A.
rm -rf "$STATE"
cp -a "$WORK/state-honest" "$STATE"
cp -a "$WORK/state-honest" "$WORK/state-fork-base"
rm -rf "$PKI/client-state/supplier-b"
start_gateway
adt_file "$WORK/adt-4.csv" 0
for n in 1 2; do
  expect_ok "supplier A sends on history A ($n)" -- send "$WORK/adt-4.csv" --type adt \
    --config "$PKI/config/client-supplier-a.yaml" --gateway "$URL"
done
seen_a=$(kept_size supplier-a)
stop_gateway
mv "$STATE" "$WORK/state-history-a"
cp -a "$WORK/state-fork-base" "$STATE"
start_gateway
adt_file "$WORK/adt-b.csv" 0 AD-7C-00-00-00-00-02-02
expect_ok "supplier B sends on history B" -- send "$WORK/adt-b.csv" --type adt \
  --config "$PKI/config/client-supplier-b.yaml" --gateway "$URL"
expect_ok "supplier B sends again on history B" -- send "$WORK/adt-b.csv" --type adt \
  --config "$PKI/config/client-supplier-b.yaml" --gateway "$URL"
fork_b=$(sqlite3 "file:$STATE/audit.db?mode=ro" "SELECT size FROM audit_head")
expect_problem "supplier A, shown history B, names both checkpoints" audit.log_forked \
  "$fork_b" "$seen_a" -- party supplier-a inbox
seen_b=$(kept_size supplier-b)
stop_gateway
mv "$STATE" "$WORK/state-history-b"
mv "$WORK/state-history-a" "$STATE"
start_gateway
fork_a=$(sqlite3 "file:$STATE/audit.db?mode=ro" "SELECT size FROM audit_head")
expect_problem "supplier B, shown history A, names both checkpoints" audit.log_forked \
  "$fork_a" "$seen_b" -- party supplier-b inbox
# Supplier A, on its own history, is content.
expect_ok "supplier A on history A" -- inbox --config "$PKI/config/client-supplier-a.yaml" --gateway "$URL"
stop_gateway

echo "audit_tamper_test: $CHECKS checks, $FAILURES failures"
[ "$FAILURES" -eq 0 ]
