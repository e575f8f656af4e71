# Interoperability with stock OpenSSL, both ways (docs/envelope.md):
#  - adtgw seal -> openssl cms -decrypt, then openssl cms -verify;
#  - openssl cms -sign | openssl cms -encrypt -aes-256-gcm -keyopt ecdh_kdf_md:sha256 -> adtgw open,
#    in DER and in streamed BER;
#  - OpenSSL's default SHA-1 KDF is refused with a reason and a hint.
source "$(dirname "$0")/lib.sh"
require_openssl
make_demo_pki
P=$PKI/parties
head -c 300000 /dev/urandom >"$WORK/data.bin"

# adtgw -> openssl
expect_ok "adtgw seal" -- seal "$WORK/data.bin" --to "$P/dcc/ka.cert.pem" --to "$P/network-operator/ka.cert.pem" \
  --sign-cert "$P/supplier-a/ds.cert.pem" --sign-key "$P/supplier-a/ds.key.pem" "${TRUST[@]}" -o "$WORK/a.cms"
for who in dcc network-operator; do
  CHECKS=$((CHECKS + 1))
  rm -f "$WORK/a.sd" "$WORK/a.out"
  if ! openssl cms -decrypt -inform DER -in "$WORK/a.cms" -recip "$P/$who/ka.cert.pem" \
    -inkey "$P/$who/ka.key.pem" -out "$WORK/a.sd" 2>"$WORK/ossl.err"; then
    fail "openssl cms -decrypt as $who: $(cat "$WORK/ossl.err")"
    continue
  fi
  if ! openssl cms -verify -inform DER -in "$WORK/a.sd" -CAfile "$PKI/smki/trust.pem" -binary \
    -purpose any -out "$WORK/a.out" 2>"$WORK/ossl.err"; then
    fail "openssl cms -verify: $(cat "$WORK/ossl.err")"
    continue
  fi
  cmp -s "$WORK/data.bin" "$WORK/a.out" || fail "openssl recovered different content ($who)"
done
# openssl's strict DER parser reads every length as definite.
CHECKS=$((CHECKS + 1))
parsed=$(openssl asn1parse -inform DER -in "$WORK/a.cms")
if grep -q 'l=inf' <<<"$parsed"; then
  fail "adtgw's envelope must be DER, found indefinite lengths"
fi

# openssl -> adtgw, DER and streamed BER.
sign() {
  openssl cms -sign -binary -nodetach "$@" -in "$WORK/data.bin" -signer "$P/supplier-b/ds.cert.pem" \
    -inkey "$P/supplier-b/ds.key.pem" -outform DER
}
encrypt() {
  openssl cms -encrypt -binary -aes-256-gcm -recip "$P/dcc/ka.cert.pem" "$@" -outform DER
}
sign | encrypt -keyopt ecdh_kdf_md:sha256 >"$WORK/o.cms"
expect_ok "adtgw open of an openssl envelope" -- open "$WORK/o.cms" --key "$P/dcc/ka.key.pem" \
  --cert "$P/dcc/ka.cert.pem" "${TRUST[@]}" -o "$WORK/o.out"
expect_contains "signer named" "$OUT" "AD-7C-00-00-00-00-02-02 (role 02, supplier)"
cmp -s "$WORK/data.bin" "$WORK/o.out" || fail "adtgw recovered different content from openssl's envelope"
sign -stream | encrypt -stream -keyopt ecdh_kdf_md:sha256 >"$WORK/ber.cms"
CHECKS=$((CHECKS + 1))
parsed=$(openssl asn1parse -inform DER -in "$WORK/ber.cms")
grep -q 'l=inf' <<<"$parsed" || fail "expected a BER (indefinite) envelope from openssl -stream"
expect_ok "adtgw open of a streamed BER envelope" -- open "$WORK/ber.cms" --key "$P/dcc/ka.key.pem" \
  --cert "$P/dcc/ka.cert.pem" "${TRUST[@]}" -o "$WORK/ber.out"
cmp -s "$WORK/data.bin" "$WORK/ber.out" || fail "BER envelope content differs"

# OpenSSL's default KDF (SHA-1) is refused, with the fix in the hint.
sign | encrypt >"$WORK/sha1.cms"
expect_refusal "SHA-1 KDF" 4 envelope.weak_kdf -- open "$WORK/sha1.cms" --key "$P/dcc/ka.key.pem" \
  --cert "$P/dcc/ka.cert.pem" "${TRUST[@]}" -o "$WORK/sha1.out"
expect_contains "hint names the keyopt" "$ERR" "ecdh_kdf_md:sha256"
expect_absent "SHA-1 KDF output" "$WORK/sha1.out"

# CBC EnvelopedData (no authentication tag) is refused.
sign | openssl cms -encrypt -binary -aes-256-cbc -recip "$P/dcc/ka.cert.pem" -keyopt ecdh_kdf_md:sha256 -outform DER >"$WORK/cbc.cms"
expect_refusal "CBC envelope" 3 envelope.not_authenticated -- open "$WORK/cbc.cms" --key "$P/dcc/ka.key.pem" \
  --cert "$P/dcc/ka.cert.pem" "${TRUST[@]}" -o "$WORK/cbc.out"
finish
