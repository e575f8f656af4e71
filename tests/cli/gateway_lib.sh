# Helpers for the gateway integration tests (sourced after lib.sh): a real `adtgw serve`
# on a free loopback port, the real client commands as each demo party, raw API calls
# with curl for what the client never sends (forged, replayed, oversized), and a
# snapshot of what the gateway has stored.

require_program() {  # require_program PROGRAM DEBIAN_PACKAGE
  if ! command -v "$1" >/dev/null; then
    if [ "${ADTGW_REQUIRE_ALL:-0}" = 1 ]; then
      echo "FAIL: $1 not installed (Debian package: $2)" >&2
      exit 1
    fi
    echo "SKIP: $1 not installed (Debian package: $2)"
    exit 0
  fi
}

GW_PID=
STATE=
URL=
AUDITOR_URL=

# start_gateway: serves $PKI/config/gateway.yaml (state in $PKI/gateway-state), the
# parties' and the auditors' listeners on free ports.
start_gateway() {
  rm -f "$WORK/gateway.port" "$WORK/auditor.port"
  "$ADTGW" serve --config "$PKI/config/gateway.yaml" --listen 127.0.0.1:0 \
    --auditor-listen 127.0.0.1:0 --auditor-ready-file "$WORK/auditor.port" \
    --ready-file "$WORK/gateway.port" 2>>"$WORK/gateway.log" &
  GW_PID=$!
  for _ in $(seq 200); do [ -s "$WORK/gateway.port" ] && break; sleep 0.05; done
  if [ ! -s "$WORK/gateway.port" ]; then
    cat "$WORK/gateway.log" >&2
    echo "FAIL: the gateway did not start" >&2
    exit 1
  fi
  URL=https://127.0.0.1:$(cat "$WORK/gateway.port")
  AUDITOR_URL=https://127.0.0.1:$(cat "$WORK/auditor.port")
  STATE=$PKI/gateway-state
}

stop_gateway() {  # stop_gateway [SIGNAL]
  [ -n "$GW_PID" ] || return 0
  kill "-${1:-TERM}" "$GW_PID" 2>/dev/null || true
  for _ in $(seq 200); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$GW_PID" 2>/dev/null || true
  wait "$GW_PID" 2>/dev/null || true
  GW_PID=
}

# serve_again: starts the gateway again on the port it had ($URL), so that a client
# still running finds it where it was; returns once it answers.
serve_again() {
  "$ADTGW" serve --config "$PKI/config/gateway.yaml" --listen "127.0.0.1:${URL##*:}" \
    --auditor-listen 127.0.0.1:0 2>>"$WORK/gateway.log" &
  GW_PID=$!
  for _ in $(seq 200); do
    curl -s -o /dev/null --max-time 1 --cacert "$PKI/dccki/tls-ca.cert.pem" \
      --cert "$PKI/parties/supplier-a/tls.cert.pem" --key "$PKI/parties/supplier-a/tls.key.pem" \
      "$URL/v1/inbox" && return 0
    sleep 0.05
  done
  fail "the gateway did not come back on $URL"
}

# dccki_client_cert NAME SUBJECT: a DCCKI client certificate ($WORK/NAME.crt, key
# $WORK/NAME.key) issued by the demo TLS CA with openssl, for SUBJECT in openssl's
# slash form.
dccki_client_cert() {
  printf 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n' >"$WORK/$1.ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$2" \
    -keyout "$WORK/$1.key" -out "$WORK/$1.csr" 2>/dev/null
  openssl x509 -req -in "$WORK/$1.csr" -CA "$PKI/dccki/tls-ca.cert.pem" \
    -CAkey "$PKI/dccki/tls-ca.key.pem" -CAcreateserial -days 2 -extfile "$WORK/$1.ext" \
    -out "$WORK/$1.crt" 2>/dev/null
  chmod 600 "$WORK/$1.key"
}

# config_with_cert PARTY NAME: PARTY's client configuration ($WORK/NAME.yaml) using the
# TLS certificate and key $WORK/NAME.crt and $WORK/NAME.key.
config_with_cert() {
  sed -e "s|certificate: .*/$1/tls.cert.pem|certificate: $WORK/$2.crt|" \
    -e "s|key: .*/$1/tls.key.pem|key: $WORK/$2.key|" \
    "$PKI/config/client-$1.yaml" >"$WORK/$2.yaml"
}

# as PARTY CMD...: an adtgw client command with PARTY's configuration.
as() {
  local party=$1
  shift
  "$@" --config "$PKI/config/client-$party.yaml" --gateway "$URL"
}

# api PARTY CURL_ARGS... PATH: a raw API call with PARTY's TLS credentials. Sets
# HTTP (status code) and BODY.
api() {
  local party=$1
  shift
  local args=("$@")
  local path=${args[-1]}
  unset 'args[-1]'
  set +e
  HTTP=$(curl -sS -o "$WORK/.body" -w '%{http_code}' --max-time 30 \
    --cacert "$PKI/dccki/tls-ca.cert.pem" --cert "$PKI/parties/$party/tls.cert.pem" \
    --key "$PKI/parties/$party/tls.key.pem" "${args[@]}" "$URL$path" 2>"$WORK/.curl-err")
  set -e
  BODY=$(tr -d '\0' <"$WORK/.body" 2>/dev/null || true)
}

expect_api() {  # expect_api DESCRIPTION HTTP_STATUS ERROR_CODE(or -)
  CHECKS=$((CHECKS + 1))
  if [ "$HTTP" != "$2" ]; then
    fail "$1: expected HTTP $2, got $HTTP: $BODY $(cat "$WORK/.curl-err")"
  elif [ "$3" != - ] && ! grep -qF "\"code\":\"$3\"" <<<"$BODY"; then
    fail "$1: expected error code $3, got: $BODY"
  fi
}

# snapshot: transfers in the database, committed envelopes, uploads in progress.
snapshot() {
  local rows objects partials
  rows=$(sqlite3 "file:$STATE/metadata.db?mode=ro" "SELECT COUNT(*) FROM transfers")
  objects=$(find "$STATE/documents/objects" -type f | wc -l)
  partials=$(find "$STATE/documents/partial" -type f | wc -l)
  echo "transfers=$rows objects=$objects partials=$partials"
}

expect_unchanged() {  # expect_unchanged DESCRIPTION BEFORE
  CHECKS=$((CHECKS + 1))
  local now
  now=$(snapshot)
  if [ "$now" != "$2" ]; then fail "$1: the gateway stored something: $2 -> $now"; fi
}

state_of() {  # state_of ID: the transfer's state in the database
  sql "file:$STATE/metadata.db?mode=ro" "SELECT state FROM transfers WHERE id = :id" id "$1"
}

# seal_for_dcc PLAINTEXT ENVELOPE [SIGNER]: an envelope from SIGNER (default supplier-a)
# to the DCC, made offline with adtgw seal.
seal_for_dcc() {
  local signer=${3:-supplier-a}
  "$ADTGW" seal "$1" --to "$PKI/parties/dcc/ka.cert.pem" \
    --sign-cert "$PKI/parties/$signer/ds.cert.pem" --sign-key "$PKI/parties/$signer/ds.key.pem" \
    "${TRUST[@]}" -o "$2" >/dev/null
}

# offer_body ENVELOPE OUT [key=value...]: a manifest for ENVELOPE in canonical JSON
# (docs/manifest.md), signed with openssl cms (detached), as the POST /v1/transfers body.
# Fields: sender, to, name, type, key, created, size, sha256, cert, signkey.
offer_body() {
  local envelope=$1 out=$2
  shift 2
  local sender=AD-7C-00-00-00-00-02-01 to=AD-7C-00-00-00-00-04-01 name=file.csv type=adt
  local key created size sha256
  local cert=$PKI/parties/supplier-a/ds.cert.pem signkey=$PKI/parties/supplier-a/ds.key.pem
  key=k$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
  created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  size=$(stat -c %s "$envelope")
  sha256=$(sha256sum "$envelope" | cut -d' ' -f1)
  local kv
  for kv in "$@"; do
    case $kv in
      sender=*) sender=${kv#*=} ;; to=*) to=${kv#*=} ;; name=*) name=${kv#*=} ;;
      type=*) type=${kv#*=} ;; key=*) key=${kv#*=} ;; created=*) created=${kv#*=} ;;
      size=*) size=${kv#*=} ;; sha256=*) sha256=${kv#*=} ;; cert=*) cert=${kv#*=} ;;
      signkey=*) signkey=${kv#*=} ;;
    esac
  done
  printf '{"created":"%s","envelope_sha256":"%s","envelope_size":%s,"file_name":"%s","file_type":"%s","idempotency_key":"%s","recipients":["%s"],"sender":"%s","version":1}' \
    "$created" "$sha256" "$size" "$name" "$type" "$key" "$to" "$sender" >"$out.json"
  openssl cms -sign -binary -nosmimecap -md sha256 -in "$out.json" -signer "$cert" \
    -inkey "$signkey" -outform DER -out "$out.sig"
  printf '{"manifest":"%s","signature":"%s"}' "$(base64 -w0 "$out.json")" \
    "$(base64 -w0 "$out.sig")" >"$out"
}

# adt_file PATH BYTES [USER]: a valid ADT/1 file of about BYTES bytes for USER (default
# supplier A), as receive's content check wants (scripts/make-adt-file.sh); the note
# column carries random digits, so no two files are alike.
adt_file() {
  "$(dirname "${BASH_SOURCE[0]}")/../../scripts/make-adt-file.sh" "$1" \
    "${3:-AD-7C-00-00-00-00-02-01}" "$2" "n$(od -An -N6 -tu8 /dev/urandom | tr -d ' \n')"
}

# new_upload NAME BYTES: a valid ADT/1 file $WORK/NAME of about BYTES bytes, sealed by
# supplier A for the DCC ($WORK/NAME.cms) and offered with a manifest naming NAME; sets
# UPLOAD_ID.
new_upload() {
  adt_file "$WORK/$1" "$2"
  seal_for_dcc "$WORK/$1" "$WORK/$1.cms"
  offer_body "$WORK/$1.cms" "$WORK/$1.offer" "name=$1"
  api supplier-a -H 'Content-Type: application/json' --data-binary "@$WORK/$1.offer" /v1/transfers
  UPLOAD_ID=$(transfer_id)
}

# transfer_id: the id in the last API answer's body.
transfer_id() { sed -n 's/.*"id":"\([0-9a-f]\{32\}\)".*/\1/p' <<<"$BODY"; }

# patch PARTY ID OFFSET FILE [CURL_ARGS...]: PATCH the bytes of FILE from OFFSET.
patch() {
  local party=$1 id=$2 offset=$3 file=$4
  shift 4
  tail -c +"$((offset + 1))" "$file" >"$WORK/.patch"
  api "$party" -X PATCH -H 'Tus-Resumable: 1.0.0' -H "Upload-Offset: $offset" \
    -H 'Content-Type: application/offset+octet-stream' --data-binary "@$WORK/.patch" "$@" \
    "/v1/transfers/$id/envelope"
}

upload_offset() {  # upload_offset PARTY ID: HEAD's Upload-Offset
  curl -sS -I --max-time 30 --cacert "$PKI/dccki/tls-ca.cert.pem" \
    --cert "$PKI/parties/$1/tls.cert.pem" --key "$PKI/parties/$1/tls.key.pem" \
    -H 'Tus-Resumable: 1.0.0' "$URL/v1/transfers/$2/envelope" |
    tr -d '\r' | sed -n 's/^[Uu]pload-[Oo]ffset: //p'
}
