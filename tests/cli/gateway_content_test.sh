#!/usr/bin/env bash
# Content checks at both ends, with the real gateway and the real client (docs/formats.md,
# docs/cli.md): `adtgw send` refuses a bad file on the sender's desk, with every problem,
# before anything reaches the gateway; whom a signer may act for comes from the policy
# (acts_for, GET /v1/parties); `adtgw receive` rejects a bad file with a signed
# acknowledgement carrying the problems, writes nothing, and the sender sees the
# recipient's own words with `adtgw status`; quarantine reports must come from the DCC and
# name their recipient; a receiver that cannot check (no SRV catalogue) leaves the
# transfer waiting.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gateway_lib.sh"
require_openssl
require_program curl curl
require_program sqlite3 sqlite3
trap 'stop_gateway KILL; rm -rf "$WORK"' EXIT

make_demo_pki
start_gateway
config() { echo "$PKI/config/client-$1.yaml"; }
policy=$PKI/config/policy.yaml
A=AD-7C-00-00-00-00-02-01 B=AD-7C-00-00-00-00-02-02 DCC=AD-7C-00-00-00-00-04-01
SISTER=AD-7C-00-00-00-00-02-03 # in the demo policy's acts_for for supplier A
examples=$(dirname "$0")/../../docs/examples
mkdir "$WORK/dcc-in" "$WORK/a-in" "$WORK/b-in"

# reload_policy: SIGHUP, then wait until the gateway has said it reloaded once more.
reload_policy() {
  local before
  before=$(grep -c "policy reloaded" "$WORK/gateway.log" || true)
  kill -HUP "$GW_PID"
  for _ in $(seq 100); do
    [ "$(grep -c "policy reloaded" "$WORK/gateway.log" || true)" -gt "$before" ] && return 0
    sleep 0.05
  done
  fail "the gateway did not reload its policy"
}

# raw_send SIGNER RECIPIENT_KA_PARTY TO TYPE FILE: seals FILE offline (adtgw seal, which
# does not look inside), offers and uploads it with SIGNER's credentials: what a client
# that skipped the content check would deliver. Sets RAW_ID.
raw_send() {
  local signer=$1 ka=$2 to=$3 type=$4 file=$5 name
  name=$(basename "$file")
  "$ADTGW" seal "$file" --to "$PKI/parties/$ka/ka.cert.pem" \
    --sign-cert "$PKI/parties/$signer/ds.cert.pem" --sign-key "$PKI/parties/$signer/ds.key.pem" \
    "${TRUST[@]}" -o "$file.cms" >/dev/null
  offer_body "$file.cms" "$file.offer" "name=$name" "type=$type" "to=$to" \
    "sender=$(sed -n 's/^party: //p' "$(config "$signer")")" \
    "cert=$PKI/parties/$signer/ds.cert.pem" "signkey=$PKI/parties/$signer/ds.key.pem"
  api "$signer" -H 'Content-Type: application/json' --data-binary "@$file.offer" /v1/transfers
  RAW_ID=$(transfer_id)
  [ "$HTTP" = 201 ] || fail "raw offer of $name: HTTP $HTTP $BODY"
  patch "$signer" "$RAW_ID" 0 "$file.cms"
}

# --- 1. The sender's desk: every problem, nothing sent -----------------------------------
cp "$examples/adt-example.csv" "$WORK/bad.csv"
sed -i -e 's/^D,\([^,]*\),IS,1.1.1,QUARANTINE,PT1H,200,/D,\1,XX,1.1.1,QUARANTINE,PT1H,200,/' \
  -e 's/,4.1.1,WARNING,PT24H,5000,/,4.1.1,WARNING,PT24H,-1,/' "$WORK/bad.csv"
before=$(snapshot)
expect_refusal "a bad ADT file is refused before sealing" 3 format.invalid -- \
  send "$WORK/bad.csv" --type adt --config "$(config supplier-a)" --gateway "$URL"
expect_contains "...naming the bad role" "$ERR" "$WORK/bad.csv:4:3: field.bad_role"
expect_contains "...and the bad count" "$ERR" "$WORK/bad.csv:5:7: field.bad_count"
expect_contains "...and the trailer's digest" "$ERR" "$WORK/bad.csv:8:3: trailer.wrong_digest"
expect_contains "...with the count" "$ERR" "is not a valid ADT/1 file: 3 problems"
expect_contains "...and says nothing was sent" "$ERR" "nothing was sent"
expect_unchanged "a refused file reaches nobody" "$before"
CHECKS=$((CHECKS + 1))
if grep -q "POST /v1/transfers" "$WORK/gateway.log"; then fail "the bad file was offered"; fi
# A file that changes after validate is checked again as it is sealed.
expect_ok "validate the example" -- validate "$examples/adt-example.csv" --type adt --signer $A

# --- 2. acts_for, from the policy -------------------------------------------------------
adt_file "$WORK/sister.csv" 0 "$SISTER"
adt_file "$WORK/stranger.csv" 0 AD-7C-00-00-00-00-02-04
expect_ok "A sends for the sister company the policy lets it act for" -- \
  send "$WORK/sister.csv" --type adt --json --config "$(config supplier-a)" --gateway "$URL"
sister_id=$(sed -n 's/.*"transfer_id":"\([0-9a-f]*\)".*/\1/p' <<<"$OUT")
expect_refusal "A may not send for another user" 3 format.invalid -- \
  send "$WORK/stranger.csv" --type adt --config "$(config supplier-a)" --gateway "$URL"
expect_contains "...binding.not_signer on the H record" "$ERR" \
  "stranger.csv:2:2: binding.not_signer: AD-7C-00-00-00-00-02-04 is not the signer ($A)"
expect_refusal "B may not send for A's sister company" 3 format.invalid -- \
  send "$WORK/sister.csv" --type adt --config "$(config supplier-b)" --gateway "$URL"
expect_ok "the DCC receives the sister company's file" -- receive --out "$WORK/dcc-in" --once \
  --json --config "$(config dcc)" --gateway "$URL"
expect_contains "...accepted" "$OUT" '"decision":"accepted"'
CHECKS=$((CHECKS + 1))
cmp -s "$WORK/sister.csv" "$WORK/dcc-in/sister.csv" || fail "the sister company's file differs"
# A party's entry: its own, and the DCC reading a sender's; nobody else's.
api supplier-a /v1/parties/$A
expect_api "A reads its own entry" 200 -
expect_contains "...with acts_for" "$BODY" "\"acts_for\":[\"$SISTER\"]"
api dcc /v1/parties/ad7c000000000201
expect_api "the DCC reads A's entry" 200 -
api supplier-b /v1/parties/$A
expect_api "B may not read A's entry" 404 party.not_found
api supplier-a /v1/parties/AD-7C-00-00-00-00-99-99
expect_api "an unknown party looks the same" 404 party.not_found

# --- 3. The recipient's check: rejected with the problems, signed ---------------------
# The policy stops letting A act for its sister company after A sent for it.
expect_ok "A sends for the sister company again" -- \
  send "$WORK/sister.csv" --type adt --json --config "$(config supplier-a)" --gateway "$URL"
revoked_id=$(sed -n 's/.*"transfer_id":"\([0-9a-f]*\)".*/\1/p' <<<"$OUT")
cp "$policy" "$WORK/policy.orig"
grep -v "acts_for: \[$SISTER\]" "$WORK/policy.orig" >"$policy"
reload_policy
rm -f "$WORK/dcc-in/sister.csv"
expect_refusal "the DCC rejects a file its signer may no longer send" 4 receive.rejected -- \
  receive --out "$WORK/dcc-in" --once --config "$(config dcc)" --gateway "$URL"
expect_contains "...saying why" "$OUT" "rejected $revoked_id from $A: format.invalid"
expect_contains "...and where" "$OUT" "  sister.csv:2:2: binding.not_signer: $SISTER is not the signer"
expect_absent "...and writes nothing" "$WORK/dcc-in/sister.csv"
CHECKS=$((CHECKS + 1))
[ -z "$(ls -A "$WORK/dcc-in" | grep -v -e '^sister\.csv$' -e '^\.adtgw-receive$' || true)" ] ||
  fail "the rejected file left something behind: $(ls -A "$WORK/dcc-in")"
expect_ok "A sees the rejection" -- status "$revoked_id" --config "$(config supplier-a)" --gateway "$URL"
expect_contains "...signed by the DCC, verified" "$OUT" \
  "to $DCC: rejected (format.invalid), signed by the recipient (verified)"
expect_contains "...with the DCC's problems" "$OUT" "    sister.csv:3:2: binding.not_signer"
expect_ok "status --json" -- status "$revoked_id" --json --config "$(config supplier-a)" --gateway "$URL"
expect_contains "...problems in JSON" "$OUT" '"acknowledgement_verified":true'
expect_contains "...as lines" "$OUT" "sister.csv:2:2: binding.not_signer"
cp "$WORK/policy.orig" "$policy"
reload_policy

# A client that skips the check (a raw upload) is caught by the recipient all the same.
raw_send supplier-a dcc $DCC adt "$WORK/bad.csv"
bad_id=$RAW_ID
expect_refusal "the DCC rejects a bad file that was never checked" 4 receive.rejected -- \
  receive --out "$WORK/dcc-in" --once --json --config "$(config dcc)" --gateway "$URL"
expect_contains "...listing each problem" "$OUT" '"bad.csv:4:3: field.bad_role'
expect_contains "...in the JSON" "$OUT" '"reason":"format.invalid"'
expect_absent "...nothing written" "$WORK/dcc-in/bad.csv"
CHECKS=$((CHECKS + 1))
[ "$(state_of "$bad_id")" = rejected ] || fail "the bad file's transfer is $(state_of "$bad_id")"
# The acknowledgement the gateway stored is the DCC's, signed, with the problems.
ack=$(sql "file:$STATE/metadata.db?mode=ro" \
  "SELECT ack FROM transfer_recipients WHERE transfer_id = :id" id "$bad_id")
expect_contains "the stored acknowledgement carries the problems" "$ack" \
  '"bad.csv:5:7: field.bad_count'

# --- 4. Quarantine reports: from the DCC, to the user they name --------------------------
expect_ok "the DCC sends A its report" -- send "$examples/quarantine-report-example.csv" \
  --type quarantine-report --to $A --config "$(config dcc)" --gateway "$URL"
expect_ok "A receives it" -- receive --out "$WORK/a-in" --once --config "$(config supplier-a)" \
  --gateway "$URL"
expect_contains "...accepted" "$OUT" "acknowledged: accepted"
expect_refusal "a report naming A is not sent to B" 3 format.invalid -- \
  send "$examples/quarantine-report-example.csv" --type quarantine-report --to $B \
  --config "$(config dcc)" --gateway "$URL"
expect_contains "...binding.wrong_recipient" "$ERR" "binding.wrong_recipient"
# With a policy that lets suppliers send reports to each other, B's report for A reaches
# A, and A rejects it: only the DCC (SMKI role 04) signs quarantine reports.
awk '{print} /^rules:/ {print "  - name: test-suppliers-send-reports"; print "    from: [role:supplier]"; print "    to: [role:supplier]"; print "    types: [quarantine-report]"}' \
  "$WORK/policy.orig" >"$policy"
reload_policy
cp "$examples/quarantine-report-example.csv" "$WORK/forged-report.csv"
awk -v ka="$PKI/parties/supplier-a/ka.cert.pem" '{print} /^recipients:/ {print "  supplier-a: " ka}' \
  "$(config supplier-b)" >"$WORK/b-reports.yaml"
expect_refusal "B's own client refuses to send a report" 3 format.invalid -- \
  send "$WORK/forged-report.csv" --type quarantine-report --to $A \
  --config "$WORK/b-reports.yaml" --gateway "$URL"
expect_contains "...as not the DCC's" "$ERR" "forged-report.csv:2:3: binding.not_dcc"
raw_send supplier-b supplier-a $A quarantine-report "$WORK/forged-report.csv"
expect_refusal "A rejects a report not signed by the DCC" 4 receive.rejected -- \
  receive --out "$WORK/a-in" --once --config "$(config supplier-a)" --gateway "$URL"
expect_contains "...binding.not_dcc" "$OUT" "forged-report.csv:2:3: binding.not_dcc"
expect_absent "...nothing written" "$WORK/a-in/forged-report.csv"
cp "$WORK/policy.orig" "$policy"
reload_policy

# --- 5. A receiver that cannot check leaves the transfer waiting -------------------------
adt_file "$WORK/later.csv" 0
expect_ok "A sends another file" -- send "$WORK/later.csv" --type adt \
  --config "$(config supplier-a)" --gateway "$URL"
CHECKS=$((CHECKS + 1))
set +e
ADTGW_SRV_CATALOGUE=$WORK/no-such-catalogue.csv "$ADTGW" receive --out "$WORK/dcc-in" --once \
  --config "$(config dcc)" --gateway "$URL" >"$WORK/nocat.out" 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "receive without a catalogue succeeded"
grep -q "no-such-catalogue.csv" "$WORK/nocat.out" || fail "the missing catalogue is not named: $(cat "$WORK/nocat.out")"
expect_absent "...nothing written" "$WORK/dcc-in/later.csv"
expect_ok "the transfer still waits" -- inbox --config "$(config dcc)" --gateway "$URL"
expect_contains "...in the DCC's inbox" "$OUT" "later.csv"
expect_ok "with the catalogue it is received" -- receive --out "$WORK/dcc-in" --once \
  --config "$(config dcc)" --gateway "$URL"
CHECKS=$((CHECKS + 1))
cmp -s "$WORK/later.csv" "$WORK/dcc-in/later.csv" || fail "later.csv differs"

stop_gateway
finish
