#!/usr/bin/env bash
# Daily limits hold under concurrency (docs/api.md, offer check 11; docs/storage.md): a
# party whose daily_limit is 50 offers 100 transfers at once and gets exactly 50; a
# second gateway process sharing the state directory (several nodes on one database)
# makes no difference, nor does a restart.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gateway_lib.sh"
require_openssl
require_program curl curl
require_program sqlite3 sqlite3
SECOND_PID=
trap 'stop_gateway KILL; [ -z "$SECOND_PID" ] || kill -KILL "$SECOND_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

make_demo_pki
# Room for 100 simultaneous connections from one address: the limit under test is the
# policy's, not the connection budget's.
cat >>"$PKI/config/gateway.yaml" <<'YAML'
limits:
  max_connections: 300
  max_handshakes: 300
  max_handshakes_per_address: 300
YAML
# Supplier B's daily_limit is 50 in the demo policy; the network operator gets the same.
sed -i '/tls: { certificates: \[..\/parties\/network-operator\/tls.cert.pem\] }/a\    daily_limit: 50' \
  "$PKI/config/policy.yaml"
expect_contains "the operator's limit" "$(cat "$PKI/config/policy.yaml")" "network-operator/tls.cert.pem] }
    daily_limit: 50"

SUPPLIER_B=AD-7C-00-00-00-00-02-02
OPERATOR=AD-7C-00-00-00-00-03-01

# offers PARTY EUI COUNT: COUNT signed offer bodies from PARTY, each with its own
# idempotency key, for one envelope, in $WORK/offers-PARTY/N.
offers() {
  local party=$1 eui=$2 count=$3
  mkdir -p "$WORK/offers-$party"
  adt_file "$WORK/$party.csv" 0 "$eui"
  seal_for_dcc "$WORK/$party.csv" "$WORK/$party.cms" "$party"
  for i in $(seq "$count"); do
    offer_body "$WORK/$party.cms" "$WORK/offers-$party/$i" sender="$eui" \
      cert="$PKI/parties/$party/ds.cert.pem" signkey="$PKI/parties/$party/ds.key.pem"
  done
}

# fire PARTY FROM TO BASE_URL: offers FROM..TO of PARTY, all at once, to BASE_URL; each
# answer's status and body in $WORK/answers/PARTY-N.
fire() {
  local party=$1 from=$2 to=$3 base=$4
  mkdir -p "$WORK/answers"
  for i in $(seq "$from" "$to"); do
    curl -sS -o "$WORK/answers/$party-$i.body" -w '%{http_code}' --max-time 60 \
      --cacert "$PKI/dccki/tls-ca.cert.pem" --cert "$PKI/parties/$party/tls.cert.pem" \
      --key "$PKI/parties/$party/tls.key.pem" -H 'Content-Type: application/json' \
      --data-binary "@$WORK/offers-$party/$i" "$base/v1/transfers" \
      >"$WORK/answers/$party-$i.code" 2>"$WORK/answers/$party-$i.err" &
    FIRED+=($!)
  done
}

# landed: waits for every offer fired (not for the gateways, also children of this shell).
landed() {
  local pid
  for pid in "${FIRED[@]}"; do wait "$pid" || true; done
  FIRED=()
}
FIRED=()

# tally PARTY FROM TO: "created=C limited=L other=O" over those answers.
tally() {
  local created=0 limited=0 other=0 code
  for i in $(seq "$2" "$3"); do
    code=$(cat "$WORK/answers/$1-$i.code")
    if [ "$code" = 201 ]; then
      created=$((created + 1))
    elif [ "$code" = 403 ] && grep -q '"code":"policy.daily_limit"' "$WORK/answers/$1-$i.body"; then
      limited=$((limited + 1))
    else
      other=$((other + 1))
      echo "unexpected answer to offer $1-$i: $code $(cat "$WORK/answers/$1-$i.body" "$WORK/answers/$1-$i.err")" >&2
    fi
  done
  echo "created=$created limited=$limited other=$other"
}

stored() {  # stored EUI: the sender's transfers in the database
  sql "file:$STATE/metadata.db?mode=ro" "SELECT COUNT(*) FROM transfers WHERE sender = :eui" eui "$1"
}

expect_eq() {  # expect_eq DESCRIPTION GOT WANT
  CHECKS=$((CHECKS + 1))
  [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
}

offers supplier-b "$SUPPLIER_B" 110
offers network-operator "$OPERATOR" 110
start_gateway

# --- 100 at once, one gateway ------------------------------------------------------------
fire supplier-b 1 100 "$URL"
landed
expect_eq "100 simultaneous offers at a limit of 50" "$(tally supplier-b 1 100)" \
  "created=50 limited=50 other=0"
expect_eq "supplier B's transfers in the database" "$(stored "$SUPPLIER_B")" 50

# --- two gateway processes on one state directory -----------------------------------------
rm -f "$WORK/second.port"
"$ADTGW" serve --config "$PKI/config/gateway.yaml" --listen 127.0.0.1:0 \
  --auditor-listen 127.0.0.1:0 --ready-file "$WORK/second.port" 2>>"$WORK/second.log" &
SECOND_PID=$!
for _ in $(seq 200); do [ -s "$WORK/second.port" ] && break; sleep 0.05; done
[ -s "$WORK/second.port" ] || { cat "$WORK/second.log" >&2; fail "the second gateway did not start"; }
SECOND_URL=https://127.0.0.1:$(cat "$WORK/second.port")
fire network-operator 1 50 "$URL"
fire network-operator 51 100 "$SECOND_URL"
fire supplier-b 101 105 "$SECOND_URL"
landed
expect_eq "100 simultaneous offers split over two gateways" "$(tally network-operator 1 100)" \
  "created=50 limited=50 other=0"
expect_eq "the operator's transfers in the database" "$(stored "$OPERATOR")" 50
expect_eq "supplier B at the second gateway" "$(tally supplier-b 101 105)" \
  "created=0 limited=5 other=0"
expect_eq "supplier B's transfers after the second gateway" "$(stored "$SUPPLIER_B")" 50
kill -TERM "$SECOND_PID"
wait "$SECOND_PID" 2>/dev/null || true
SECOND_PID=

# --- after a restart ------------------------------------------------------------------------
stop_gateway
start_gateway  # it verifies the audit log both processes appended to before it serves
fire supplier-b 106 110 "$URL"
fire network-operator 101 110 "$URL"
landed
expect_eq "supplier B after a restart" "$(tally supplier-b 106 110)" "created=0 limited=5 other=0"
expect_eq "the operator after a restart" "$(tally network-operator 101 110)" \
  "created=0 limited=10 other=0"
expect_eq "supplier B's transfers at the end" "$(stored "$SUPPLIER_B")" 50
expect_eq "the operator's transfers at the end" "$(stored "$OPERATOR")" 50
expect_ok "the audit log verifies" -- audit verify --full --config "$PKI/config/client-auditor.yaml" \
  --auditor "$AUDITOR_URL"

stop_gateway
finish
