# adtgw demo-pki: every certificate it issues passes its profile and chains to the
# demo roots; the revoked and expired extras are refused as such; keys are 0600; it
# never overwrites.
source "$(dirname "$0")/lib.sh"
make_demo_pki
P=$PKI/parties
for party in supplier-a supplier-b network-operator dcc auditor; do
  for kind in ds ka; do
    expect_ok "$party $kind verifies" -- certs verify "$P/$party/$kind.cert.pem" "${TRUST[@]}"
    expect_contains "$party $kind revocation" "$OUT" "revocation: checked"
    expect_ok "$party $kind inspect" -- certs inspect "$P/$party/$kind.cert.pem" --policy-oid "$POLICY_OID"
    expect_contains "$party $kind conforms" "$OUT" "SMKI Organisation Certificate: conforms"
    [ "$(stat -c %a "$P/$party/$kind.key.pem")" = 600 ] || fail "$party/$kind.key.pem is not 0600"
  done
  expect_ok "$party TLS client" -- certs verify "$P/$party/tls.cert.pem" --profile dccki-client --trust "$PKI/dccki/tls-ca.cert.pem"
  [ -s "$PKI/config/client-$party.yaml" ] || fail "no client config for $party"
done
expect_ok "role of the DCC" -- certs inspect "$P/dcc/ds.cert.pem" --json
expect_contains "DCC role 04" "$OUT" '"role_code":"04"'
expect_ok "supplier-b TLS is RSA" -- certs inspect "$P/supplier-b/tls.cert.pem"
expect_contains "RSA TLS" "$OUT" "key:          RSA 2048"
expect_ok "gateway TLS server" -- certs verify "$PKI/dccki/gateway.cert.pem" --profile dccki-server --trust "$PKI/dccki/tls-ca.cert.pem"
expect_refusal "client cert used as server" 5 cert.dccki.extended_key_usage -- certs verify "$P/dcc/tls.cert.pem" --profile dccki-server --trust "$PKI/dccki/tls-ca.cert.pem"
expect_refusal "revoked extra certificate" 5 cert.revoked -- certs verify "$PKI/smki/revoked-supplier-a-ds.cert.pem" "${TRUST[@]}"
expect_refusal "expired certificate" 5 cert.expired -- certs verify "$PKI/smki/expired-supplier-a-ds.cert.pem" "${TRUST[@]}"
expect_refusal "revocation needs the ARL too" 5 cert.crl_missing -- certs verify "$P/dcc/ds.cert.pem" --trust "$PKI/smki/trust.pem" --crl "$PKI/smki/issuing-oca.crl.pem" --policy-oid "$POLICY_OID"
expect_ok "without CRLs it says so" -- certs verify "$P/dcc/ds.cert.pem" --trust "$PKI/smki/trust.pem" --policy-oid "$POLICY_OID"
expect_contains "revocation not checked" "$OUT" "NOT checked"
expect_refusal "policy OIDs must be configured" 5 cert.profile.policy_not_configured -- certs verify "$P/dcc/ds.cert.pem" --trust "$PKI/smki/trust.pem"
[ -s "$PKI/config/gateway.yaml" ] || fail "no gateway config"

# Never overwrites existing keys.
before=$(sha256sum "$P/dcc/ka.key.pem")
expect_refusal "second run into the same folder" 7 output.exists -- demo-pki "$PKI"
[ "$before" = "$(sha256sum "$P/dcc/ka.key.pem")" ] || fail "demo-pki changed an existing key"
mkdir "$WORK/nonempty" && touch "$WORK/nonempty/keep"
expect_refusal "non-empty folder" 7 output.exists -- demo-pki "$WORK/nonempty"
finish
