# adtgw seal / adtgw open as a user runs them: a round trip, and every refusal with
# its own reason, exit code and hint, never leaving an output file behind.
source "$(dirname "$0")/lib.sh"
require_openssl
make_demo_pki
P=$PKI/parties
SEAL_AS_A=(--sign-cert "$P/supplier-a/ds.cert.pem" --sign-key "$P/supplier-a/ds.key.pem")
OPEN_AS_DCC=(--key "$P/dcc/ka.key.pem" --cert "$P/dcc/ka.cert.pem")
printf 'H,ADT,1\nD,90-B3-D5-1F-30-01-00-00,IS,4.1.1,10,20\nT,1\n' >"$WORK/adt.csv"

# Round trip.
expect_ok "seal" -- seal "$WORK/adt.csv" --to "$P/dcc/ka.cert.pem" "${SEAL_AS_A[@]}" "${TRUST[@]}" -o "$WORK/adt.cms"
expect_contains "seal names the signer" "$OUT" "AD-7C-00-00-00-00-02-01 (role 02, supplier)"
expect_contains "seal names the recipient" "$OUT" "AD-7C-00-00-00-00-04-01 (role 04"
expect_ok "open" -- open "$WORK/adt.cms" "${OPEN_AS_DCC[@]}" "${TRUST[@]}" -o "$WORK/adt.out"
expect_contains "open says who signed" "$OUT" "signed by:    AD-7C-00-00-00-00-02-01 (role 02, supplier)"
expect_contains "open says revocation was checked" "$OUT" "revocation checked"
cmp -s "$WORK/adt.csv" "$WORK/adt.out" || fail "opened content differs"
[ "$(stat -c %a "$WORK/adt.out")" = 600 ] || fail "opened file must be 0600"
expect_ok "open --json" -- open "$WORK/adt.cms" "${OPEN_AS_DCC[@]}" "${TRUST[@]}" -o "$WORK/adt.json.out" --json
expect_contains "json signer" "$OUT" '"eui64":"AD-7C-00-00-00-00-02-01"'
expect_contains "json role" "$OUT" '"role_code":"02"'

# The output is never overwritten by accident.
expect_refusal "existing output" 7 output.exists -- open "$WORK/adt.cms" "${OPEN_AS_DCC[@]}" "${TRUST[@]}" -o "$WORK/adt.out"
expect_ok "--force replaces" -- open "$WORK/adt.cms" "${OPEN_AS_DCC[@]}" "${TRUST[@]}" -o "$WORK/adt.out" --force

# Tampered ciphertext: flip one byte in the middle of the encrypted content.
cp "$WORK/adt.cms" "$WORK/tampered.cms"
size=$(stat -c %s "$WORK/tampered.cms")
printf '\x55' | dd of="$WORK/tampered.cms" bs=1 seek=$((size - 60)) conv=notrunc status=none
expect_refusal "tampered ciphertext" 4 envelope.tampered -- open "$WORK/tampered.cms" "${OPEN_AS_DCC[@]}" "${TRUST[@]}" -o "$WORK/t1"
expect_absent "tampered ciphertext" "$WORK/t1"

# Tampered signed content: a SignedData whose content was changed after signing,
# then encrypted correctly, so only the inner signature can tell.
openssl cms -sign -binary -nodetach -in "$WORK/adt.csv" -signer "$P/supplier-a/ds.cert.pem" \
  -inkey "$P/supplier-a/ds.key.pem" -outform DER -out "$WORK/signed.der"
perl -0777 -pi -e 's/,IS,4\.1\.1,10,20/,IS,4.1.1,99,99/' "$WORK/signed.der"
openssl cms -encrypt -binary -aes-256-gcm -recip "$P/dcc/ka.cert.pem" -keyopt ecdh_kdf_md:sha256 \
  -in "$WORK/signed.der" -outform DER -out "$WORK/content-changed.cms"
expect_refusal "tampered signed content" 4 signature.digest_mismatch -- open "$WORK/content-changed.cms" "${OPEN_AS_DCC[@]}" "${TRUST[@]}" -o "$WORK/t2"
expect_absent "tampered signed content" "$WORK/t2"

# Wrong recipient key.
expect_refusal "wrong recipient" 4 envelope.not_a_recipient -- open "$WORK/adt.cms" --key "$P/supplier-b/ka.key.pem" --cert "$P/supplier-b/ka.cert.pem" "${TRUST[@]}" -o "$WORK/t3"
expect_absent "wrong recipient" "$WORK/t3"
expect_refusal "key of another certificate" 2 key.mismatch -- open "$WORK/adt.cms" --key "$P/supplier-b/ka.key.pem" --cert "$P/dcc/ka.cert.pem" "${TRUST[@]}" -o "$WORK/t3b"

# Untrusted signer: the same envelope judged against another PKI.
"$ADTGW" demo-pki "$WORK/other" >/dev/null
expect_refusal "untrusted signer" 5 cert.untrusted -- open "$WORK/adt.cms" "${OPEN_AS_DCC[@]}" --trust "$WORK/other/smki/trust.pem" --policy-oid "$POLICY_OID" -o "$WORK/t4"
expect_absent "untrusted signer" "$WORK/t4"
expect_refusal "no trust configured" 5 cert.untrusted -- open "$WORK/adt.cms" "${OPEN_AS_DCC[@]}" --policy-oid "$POLICY_OID" -o "$WORK/t4b"

# Revoked signer: sealed without revocation checking, refused when the CRL is given.
expect_ok "seal with the revoked certificate, no CRL" -- seal "$WORK/adt.csv" --to "$P/dcc/ka.cert.pem" --sign-cert "$PKI/smki/revoked-supplier-a-ds.cert.pem" --sign-key "$PKI/smki/revoked-supplier-a-ds.key.pem" --trust "$PKI/smki/trust.pem" --policy-oid "$POLICY_OID" -o "$WORK/revoked.cms"
expect_refusal "revoked signer" 5 cert.revoked -- open "$WORK/revoked.cms" "${OPEN_AS_DCC[@]}" "${TRUST[@]}" -o "$WORK/t5"
expect_absent "revoked signer" "$WORK/t5"
expect_refusal "sealing with a revoked certificate" 5 cert.revoked -- seal "$WORK/adt.csv" --to "$P/dcc/ka.cert.pem" --sign-cert "$PKI/smki/revoked-supplier-a-ds.cert.pem" --sign-key "$PKI/smki/revoked-supplier-a-ds.key.pem" "${TRUST[@]}" -o "$WORK/t5b"

# Expired signer: adtgw seal refuses to sign with it; a file stock openssl signed with
# it (openssl does not look at validity) is refused by open.
expect_refusal "sealing with an expired certificate" 5 cert.expired -- seal "$WORK/adt.csv" --to "$P/dcc/ka.cert.pem" --sign-cert "$PKI/smki/expired-supplier-a-ds.cert.pem" --sign-key "$PKI/smki/expired-supplier-a-ds.key.pem" "${TRUST[@]}" -o "$WORK/t6a"
openssl cms -sign -binary -nodetach -in "$WORK/adt.csv" -signer "$PKI/smki/expired-supplier-a-ds.cert.pem" \
  -inkey "$PKI/smki/expired-supplier-a-ds.key.pem" -outform DER |
  openssl cms -encrypt -binary -aes-256-gcm -recip "$P/dcc/ka.cert.pem" -keyopt ecdh_kdf_md:sha256 \
    -outform DER -out "$WORK/expired.cms"
expect_refusal "expired signer" 5 cert.expired -- open "$WORK/expired.cms" "${OPEN_AS_DCC[@]}" "${TRUST[@]}" -o "$WORK/t6"
expect_contains "expired names the date" "$ERR" "expired on"
expect_absent "expired signer" "$WORK/t6"

# A KA certificate used to sign: refused by seal, and by open when stock openssl did it.
expect_refusal "seal signing with a KA certificate" 5 cert.wrong_usage -- seal "$WORK/adt.csv" --to "$P/dcc/ka.cert.pem" --sign-cert "$P/supplier-a/ka.cert.pem" --sign-key "$P/supplier-a/ka.key.pem" "${TRUST[@]}" -o "$WORK/t7"
expect_absent "KA signer" "$WORK/t7"
openssl cms -sign -binary -nodetach -in "$WORK/adt.csv" -signer "$P/supplier-a/ka.cert.pem" \
  -inkey "$P/supplier-a/ka.key.pem" -outform DER 2>/dev/null |
  openssl cms -encrypt -binary -aes-256-gcm -recip "$P/dcc/ka.cert.pem" -keyopt ecdh_kdf_md:sha256 \
    -outform DER -out "$WORK/ka-signed.cms"
expect_refusal "open of a KA-signed file" 5 cert.wrong_usage -- open "$WORK/ka-signed.cms" "${OPEN_AS_DCC[@]}" "${TRUST[@]}" -o "$WORK/t7b"
expect_absent "KA-signed" "$WORK/t7b"

# A DS certificate given as recipient.
expect_refusal "DS certificate as recipient" 5 cert.wrong_usage -- seal "$WORK/adt.csv" --to "$P/dcc/ds.cert.pem" "${SEAL_AS_A[@]}" "${TRUST[@]}" -o "$WORK/t8"
expect_absent "DS recipient" "$WORK/t8"

# A non-P-256 key, and an RSA key where SMKI is required.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$WORK/p384.key" \
  -out "$WORK/p384.pem" -subj "/OU=04/CN=p384" -days 30 2>/dev/null
expect_refusal "P-384 recipient" 5 cert.profile.key_not_p256 -- seal "$WORK/adt.csv" --to "$WORK/p384.pem" "${SEAL_AS_A[@]}" "${TRUST[@]}" -o "$WORK/t9"
expect_absent "P-384 recipient" "$WORK/t9"
expect_refusal "RSA signing certificate" 5 cert.profile.rsa_key -- seal "$WORK/adt.csv" --to "$P/dcc/ka.cert.pem" --sign-cert "$P/supplier-b/tls.cert.pem" --sign-key "$P/supplier-b/tls.key.pem" "${TRUST[@]}" -o "$WORK/t10"
expect_absent "RSA signer" "$WORK/t10"

# Truncated, empty and garbage input.
head -c 700 "$WORK/adt.cms" >"$WORK/truncated.cms"
expect_refusal "truncated file" 3 envelope.truncated -- open "$WORK/truncated.cms" "${OPEN_AS_DCC[@]}" "${TRUST[@]}" -o "$WORK/t11"
: >"$WORK/empty.cms"
expect_refusal "empty file" 3 envelope.empty -- open "$WORK/empty.cms" "${OPEN_AS_DCC[@]}" "${TRUST[@]}" -o "$WORK/t12"
{ printf 'G'; head -c 4095 /dev/urandom; } >"$WORK/garbage.cms"
expect_refusal "garbage" 3 envelope.not_an_envelope -- open "$WORK/garbage.cms" "${OPEN_AS_DCC[@]}" "${TRUST[@]}" -o "$WORK/t13"
for t in t11 t12 t13; do expect_absent "bad input $t" "$WORK/$t"; done

# Private keys readable by others are refused before use.
cp "$P/dcc/ka.key.pem" "$WORK/loose.key"
chmod 644 "$WORK/loose.key"
expect_refusal "world-readable key" 8 key.unsafe_permissions -- open "$WORK/adt.cms" --key "$WORK/loose.key" --cert "$P/dcc/ka.cert.pem" "${TRUST[@]}" -o "$WORK/t14"
expect_contains "hint says chmod" "$ERR" "chmod 600"

# Usage errors.
expect_refusal "missing option" 2 usage -- seal "$WORK/adt.csv"
finish
