# The real ZAZ1 SMKI test certificates (../shared/fixtures/smki-zaz1): inspected
# correctly, conforming with pinned trust as of 2020-01-01, reported expired now, and
# usable for a seal/open round trip as of that time.
source "$(dirname "$0")/lib.sh"
require_fixtures
Z=$FIXTURES/smki-zaz1
OID=1.2.826.0.1.8641679.1.2.1.4
AT=2020-01-01T00:00:00Z

check() {  # stem eui role_code role_name
  local stem=$1 eui=$2 code=$3 name=$4 kind
  for kind in ds ka; do
    expect_ok "inspect $stem-$kind" -- certs inspect "$Z/$stem-$kind.cert.pem"
    expect_contains "$stem-$kind EUI-64" "$OUT" "EUI-64:       $eui"
    expect_contains "$stem-$kind role" "$OUT" "role:         $code ($name)"
    expect_contains "$stem-$kind expired" "$OUT" "(EXPIRED)"
    expect_contains "$stem-$kind profile" "$OUT" "SMKI Organisation Certificate: conforms"
    expect_ok "inspect --json $stem-$kind" -- certs inspect "$Z/$stem-$kind.cert.pem" --json --policy-oid "$OID"
    expect_contains "$stem-$kind json eui" "$OUT" "\"eui64\":\"$eui\""
    expect_contains "$stem-$kind json role" "$OUT" "\"role_code\":\"$code\""
    expect_contains "$stem-$kind json problems" "$OUT" '"profile_problems":[]'
    expect_ok "verify $stem-$kind pinned at $AT" -- certs verify "$Z/$stem-$kind.cert.pem" \
      --pin "$Z/$stem-$kind.cert.pem" --policy-oid "$OID" --at "$AT"
    expect_contains "$stem-$kind verify names party" "$OUT" "party:      $eui (role $code"
    expect_refusal "verify $stem-$kind now" 5 cert.expired -- certs verify "$Z/$stem-$kind.cert.pem" \
      --pin "$Z/$stem-$kind.cert.pem" --policy-oid "$OID"
    expect_contains "$stem-$kind expiry date" "$ERR" "expired on 2025-"
  done
}
check Z1-supplier 90-B3-D5-1F-30-01-00-00 02 supplier
check Z1-supplier2 90-B3-D5-1F-30-03-00-00 02 supplier
check Z1-networkOperator 90-B3-D5-1F-30-02-00-00 03 "network operator"
check Z1-accessControlBroker 90-B3-D5-1F-30-00-00-02 04 "access control broker (DCC)"
check otherUser 00-DB-12-34-56-78-00-04 7F "other user"
expect_ok "ka key usage" -- certs inspect "$Z/Z1-supplier-ka.cert.pem"
expect_contains "ka key usage" "$OUT" "key usage:    keyAgreement"

# Unpinned, there is no chain (the issuing CAs are not included): untrusted.
expect_refusal "no issuer" 5 cert.untrusted -- certs verify "$Z/Z1-supplier-ds.cert.pem" \
  --trust "$Z/Z1-supplier-ka.cert.pem" --policy-oid "$OID" --at "$AT"

# Round trip with the real keys (copied 0600: the fixtures are world-readable).
install -m 600 "$Z/Z1-supplier-ds.key.pem" "$WORK/ds.key"
install -m 600 "$Z/Z1-accessControlBroker-ka.key.pem" "$WORK/ka.key"
expect_refusal "fixture key as shipped" 8 key.unsafe_permissions -- seal "$Z/README.md" \
  --to "$Z/Z1-accessControlBroker-ka.cert.pem" --sign-cert "$Z/Z1-supplier-ds.cert.pem" \
  --sign-key "$Z/Z1-supplier-ds.key.pem" --pin "$Z/Z1-accessControlBroker-ka.cert.pem" -o "$WORK/x.cms"
PINS=(--pin "$Z/Z1-supplier-ds.cert.pem" --pin "$Z/Z1-accessControlBroker-ka.cert.pem" --policy-oid "$OID")
expect_refusal "sealing now with expired ZAZ1" 5 cert.expired -- seal "$Z/README.md" \
  --to "$Z/Z1-accessControlBroker-ka.cert.pem" --sign-cert "$Z/Z1-supplier-ds.cert.pem" \
  --sign-key "$WORK/ds.key" "${PINS[@]}" -o "$WORK/x.cms"
expect_ok "seal as of 2020" -- seal "$Z/README.md" --to "$Z/Z1-accessControlBroker-ka.cert.pem" \
  --sign-cert "$Z/Z1-supplier-ds.cert.pem" --sign-key "$WORK/ds.key" "${PINS[@]}" --at "$AT" -o "$WORK/z.cms"
expect_ok "open as of 2020" -- open "$WORK/z.cms" --key "$WORK/ka.key" \
  --cert "$Z/Z1-accessControlBroker-ka.cert.pem" "${PINS[@]}" --at "$AT" -o "$WORK/z.out"
expect_contains "signer is the ZAZ1 supplier" "$OUT" "90-B3-D5-1F-30-01-00-00 (role 02, supplier)"
expect_contains "pinned trust" "$OUT" "pinned certificate"
cmp -s "$Z/README.md" "$WORK/z.out" || fail "ZAZ1 round trip content differs"
expect_refusal "open now: signer expired" 5 cert.expired -- open "$WORK/z.cms" --key "$WORK/ka.key" \
  --cert "$Z/Z1-accessControlBroker-ka.cert.pem" "${PINS[@]}" -o "$WORK/z2.out"

# The known-answer envelope in docs/test-vectors, sealed once by adtgw with the ZAZ1
# keys: it must keep opening, for both recipients, to the same bytes.
VEC=$(dirname "$0")/../../docs/test-vectors
install -m 600 "$Z/Z1-networkOperator-ka.key.pem" "$WORK/no.key"
for who in accessControlBroker:ka.key networkOperator:no.key; do
  stem=${who%%:*} key=${who#*:}
  expect_ok "test vector opens as $stem" -- open "$VEC/envelope-zaz1-1.cms" --key "$WORK/$key" \
    --cert "$Z/Z1-$stem-ka.cert.pem" --pin "$Z/Z1-supplier-ds.cert.pem" --policy-oid "$OID" \
    --at "$AT" -o "$WORK/vec-$stem.txt"
  cmp -s "$VEC/envelope-zaz1-1.txt" "$WORK/vec-$stem.txt" || fail "test vector content differs ($stem)"
done
finish
