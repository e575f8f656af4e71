#!/usr/bin/env bash
# What survives a broken upload (docs/api.md, "Durability"): a sender that sends part
# of a PATCH body and then closes its connection finds HEAD's Upload-Offset equal to
# the bytes it sent and to the length of the partial upload in the document store; it
# resumes from there and the envelope completes with its receipt. Sizes cross the
# gateway's read buffer (256 KiB) and stop inside it, where bytes were read but not yet
# handed on.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gateway_lib.sh"
require_openssl
require_program curl curl
require_program sqlite3 sqlite3
require_program python3 python3
trap 'stop_gateway KILL; rm -rf "$WORK"' EXIT

make_demo_pki
start_gateway

# partial_patch ID OFFSET FILE COUNT: over mutual TLS, a PATCH promising the rest of
# FILE from OFFSET, of which only COUNT bytes are sent (in 16 KiB writes); then, after
# the gateway has had time to read them, the connection is closed without an answer.
partial_patch() {
  python3 - "$URL" "$1" "$2" "$3" "$4" "$PKI" <<'PY'
import os, socket, ssl, sys, time
url, tid, offset, path, count, pki = sys.argv[1:]
offset, count = int(offset), int(count)
host, port = url.split("//")[1].split(":")
ctx = ssl.create_default_context(cafile=f"{pki}/dccki/tls-ca.cert.pem")
ctx.load_cert_chain(f"{pki}/parties/supplier-a/tls.cert.pem", f"{pki}/parties/supplier-a/tls.key.pem")
ctx.check_hostname = False
with open(path, "rb") as f:
    data = f.read()[offset:]
raw = socket.create_connection((host, int(port)), timeout=10)
tls = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
head = (f"PATCH /v1/transfers/{tid}/envelope HTTP/1.1\r\nHost: {host}\r\n"
        "Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Upload-Offset: {offset}\r\nContent-Length: {len(data)}\r\n\r\n")
tls.sendall(head.encode())
for i in range(0, count, 16384):
    tls.sendall(data[i:min(i + 16384, count)])
time.sleep(0.5)
tls.shutdown(socket.SHUT_RDWR)  # a TCP close, without TLS close_notify
tls.close()
PY
}

# stored_bytes: the length of the one partial upload in the document store.
stored_bytes() { find "$STATE/documents/partial" -type f -exec stat -c %s {} +; }

# wait_offset ID WANT: HEAD until the gateway has released the broken upload (bounded).
wait_offset() {
  local got=
  for _ in $(seq 100); do
    got=$(upload_offset supplier-a "$1")
    [ "$got" = "$2" ] && break
    sleep 0.05
  done
  echo "$got"
}

new_upload big 1000000
size=$(stat -c %s "$WORK/big.cms")
offset=0
for count in 100000 300123 7; do
  partial_patch "$UPLOAD_ID" "$offset" "$WORK/big.cms" "$count"
  offset=$((offset + count))
  got=$(wait_offset "$UPLOAD_ID" "$offset")
  CHECKS=$((CHECKS + 1))
  [ "$got" = "$offset" ] || fail "after sending $count more bytes, HEAD says $got, sent $offset"
  CHECKS=$((CHECKS + 1))
  [ "$(stored_bytes)" = "$got" ] ||
    fail "HEAD says $got but the store holds $(stored_bytes) bytes"
  CHECKS=$((CHECKS + 1))
  [ "$(state_of "$UPLOAD_ID")" = receiving ] || fail "state after a break: $(state_of "$UPLOAD_ID")"
done
# The bytes kept are the sender's own: the rest completes the envelope, whose SHA-256
# the gateway checks against the manifest.
patch supplier-a "$UPLOAD_ID" "$offset" "$WORK/big.cms"
expect_api "resume after three breaks" 201 -
expect_contains "the receipt names the transfer" "$BODY" "$UPLOAD_ID"
CHECKS=$((CHECKS + 1))
[ "$(state_of "$UPLOAD_ID")" = received ] || fail "state after resuming: $(state_of "$UPLOAD_ID")"
mkdir "$WORK/inbox"
as dcc "$ADTGW" receive --once --out "$WORK/inbox" >/dev/null 2>"$WORK/receive.err" ||
  fail "the DCC could not receive the resumed file: $(cat "$WORK/receive.err")"
CHECKS=$((CHECKS + 1))
cmp -s "$WORK/big" "$WORK/inbox/big" || fail "the received file differs from the one sent"

stop_gateway
finish
