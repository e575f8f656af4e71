#!/usr/bin/env bash
# GET /v1/audit/entries and /v1/audit/checkpoints over real TLS, from the real
# `adtgw serve`: an entries answer of several chunks (over two of the gateway's
# 1000-row batches) arrives whole, in chunked transfer encoding, every row once and in
# order, each with its leaf hash; a limit cuts it exactly, across a batch boundary too;
# the connection is reused after it; checkpoints come in pages that say whether more
# follow.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gateway_lib.sh"
require_program curl curl
require_program sha256sum coreutils
trap 'stop_gateway KILL; rm -rf "$WORK"' EXIT

make_demo_pki
start_gateway

# auditor CURL_ARGS...: curl with the auditor's TLS credentials (the URLs in the args).
auditor() {
  curl -sS --http1.1 --max-time 60 --cacert "$PKI/dccki/tls-ca.cert.pem" \
    --cert "$PKI/parties/auditor/tls.cert.pem" --key "$PKI/parties/auditor/tls.key.pem" "$@"
}
head_size() { auditor "$AUDITOR_URL/v1/audit/checkpoint" | sed -n 2p; }
check() {  # check DESCRIPTION CONDITION...: CONDITION (a command) must succeed
  local what=$1
  shift
  CHECKS=$((CHECKS + 1))
  "$@" || fail "$what"
}

# --- Fill the log past two batches: every refused request is logged -----------------
# Many connections at once, so that the log's group commit takes them in batches.
set +e
curl -s --no-progress-meter --http1.1 --max-time 120 -Z --parallel-max 24 \
  --cacert "$PKI/dccki/tls-ca.cert.pem" --cert "$PKI/parties/supplier-a/tls.cert.pem" \
  --key "$PKI/parties/supplier-a/tls.key.pem" "$URL/v1/audit/entries?from=[1-2300]" \
  >/dev/null 2>&1
set -e
size=$(head_size)
check "the log holds over two batches of entries (it holds '$size')" test "${size:-0}" -gt 2000

# --- The whole log, streamed --------------------------------------------------------------
set +e
auditor -D "$WORK/all.headers" -o "$WORK/all.txt" "$AUDITOR_URL/v1/audit/entries"
rc=$?
set -e
check "curl read the whole answer (exit $rc; 18 is a cut-off chunked body)" test "$rc" -eq 0
headers=$(tr -d '\r' <"$WORK/all.headers")
expect_contains "status" "$headers" "HTTP/1.1 200"
expect_contains "chunked" "${headers,,}" "transfer-encoding: chunked"
expect_contains "text" "${headers,,}" "content-type: text/plain; charset=utf-8"
CHECKS=$((CHECKS + 1))
grep -qi '^content-length:' <<<"$headers" && fail "a streamed answer has no Content-Length"
# Nothing was logged since the head was read: the answer is the whole log.
lines=$(wc -l <"$WORK/all.txt")
check "one line per entry ($lines lines, $size entries)" test "$lines" -eq "$size"
check "the body ends with a whole line" test "$(tail -c 1 "$WORK/all.txt" | od -An -c | tr -d ' ')" = '\n'
CHECKS=$((CHECKS + 1))
awk -v n="$size" 'NR - 1 != $1 || length($2) != 64 || $2 ~ /[^0-9a-f]/ || NF < 3 { bad = 1; exit }
  END { exit bad || NR != n }' "$WORK/all.txt" || fail "lines are not '<index> <hash> <entry>' for 0 to $((size - 1))"
# Leaf hashes (SHA-256 of 0x00 || entry) at the batch boundaries and a sample between.
for n in 0 1 998 999 1000 1001 1500 1999 2000 2001 $((size - 1)); do
  line=$(sed -n "$((n + 1))p" "$WORK/all.txt")
  entry=${line#* * }
  want=$( (printf '\0'; printf '%s' "$entry") | sha256sum | cut -d' ' -f1)
  check "entry $n's leaf hash" test "$(cut -d' ' -f2 <<<"$line")" = "$want"
done

# --- Limits across batch boundaries, and the connection kept ----------------------------
set +e
auditor -w '%{num_connects}\n' -o "$WORK/page.txt" "$AUDITOR_URL/v1/audit/entries?from=999&limit=1002" \
  -o "$WORK/tail.txt" "$AUDITOR_URL/v1/audit/entries?from=$((size - 3))&limit=9223372036854775808" \
  -o "$WORK/none.txt" "$AUDITOR_URL/v1/audit/entries?from=$size" >"$WORK/connects"
rc=$?
set -e
check "curl read three answers (exit $rc)" test "$rc" -eq 0
check "from=999&limit=1002 is lines 999 to 2000" \
  cmp -s "$WORK/page.txt" <(sed -n '1000,2001p' "$WORK/all.txt")
check "a limit past the end is the end" cmp -s "$WORK/tail.txt" <(tail -n 3 "$WORK/all.txt")
check "from the end: an empty body" test ! -s "$WORK/none.txt"
check "one connection for the three answers ($(tr '\n' ' ' <"$WORK/connects"))" \
  test "$(tr '\n' ' ' <"$WORK/connects")" = "1 0 0 "
HTTP=$(auditor -o "$WORK/.body" -w '%{http_code}' "$AUDITOR_URL/v1/audit/entries?limit=0")
BODY=$(cat "$WORK/.body")
expect_api "limit=0" 400 audit.bad_query

# --- Checkpoints, a page at a time ---------------------------------------------------------
HTTP=$(auditor -o "$WORK/.body" -w '%{http_code}' "$AUDITOR_URL/v1/audit/checkpoints?limit=2")
BODY=$(cat "$WORK/.body")
expect_api "a page of two checkpoints" 200 -
expect_contains "more follow" "$BODY" '"truncated":true'
CHECKS=$((CHECKS + 1))
[ "$(grep -o 'adtgw.demo.example/log' <<<"$BODY" | wc -l)" -ge 2 ] || fail "two checkpoints: $BODY"
HTTP=$(auditor -o "$WORK/.body" -w '%{http_code}' "$AUDITOR_URL/v1/audit/checkpoints?from=$size")
BODY=$(cat "$WORK/.body")
expect_api "the last page" 200 -
expect_contains "nothing follows" "$BODY" '"truncated":false'
expect_contains "the head" "$BODY" "$(head_size)"
HTTP=$(auditor -o "$WORK/.body" -w '%{http_code}' "$AUDITOR_URL/v1/audit/checkpoints?limit=10001")
BODY=$(cat "$WORK/.body")
expect_api "limit over 10000" 400 audit.bad_query

stop_gateway
finish
