#!/usr/bin/env bash
# The `make demo` walk-through: a demo PKI, a file sealed by a supplier for the DCC,
# opened by the DCC with the signer named, and a tampered copy refused.
# Usage: scripts/demo.sh [ADTGW_BINARY]   (scratch folder: $ADTGW_DEMO_DIR or a new temp dir)
set -euo pipefail
adtgw=$(realpath "${1:-build/release/adtgw}")
dir=${ADTGW_DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/adtgw-demo.XXXXXX")}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "1. A demo SMKI + DCCKI PKI for two suppliers, a network operator, the DCC and an auditor"
show "$adtgw" demo-pki "$dir/pki"
pki=$dir/pki
oid=2.25.161723384018474328562402419043254938120
trust=(--trust "$pki/smki/trust.pem" --crl "$pki/smki/issuing-oca.crl.pem"
  --crl "$pki/smki/root-oca.arl.pem" --policy-oid "$oid")

step "2. The DCC's key-agreement certificate"
show "$adtgw" certs inspect "$pki/parties/dcc/ka.cert.pem"

step "3. Supplier A signs and encrypts an ADT file for the DCC"
cat >"$dir/adt-supplier-a.csv" <<'CSV'
H,ADT,1,AD-7C-00-00-00-00-02-01,20261129T020000Z
D,AD-7C-00-00-00-00-02-01,IS,4.1.1,1000,1500
D,AD-7C-00-00-00-00-02-01,IS,6.15.1,200,300
T,2
CSV
show "$adtgw" seal "$dir/adt-supplier-a.csv" --to "$pki/parties/dcc/ka.cert.pem" \
  --sign-cert "$pki/parties/supplier-a/ds.cert.pem" --sign-key "$pki/parties/supplier-a/ds.key.pem" \
  "${trust[@]}" -o "$dir/adt-supplier-a.csv.cms"

step "4. The DCC opens it: decrypt, verify the signature, check the signer's SMKI certificate"
show "$adtgw" open "$dir/adt-supplier-a.csv.cms" --key "$pki/parties/dcc/ka.key.pem" \
  --cert "$pki/parties/dcc/ka.cert.pem" "${trust[@]}" -o "$dir/received.csv"
cmp "$dir/adt-supplier-a.csv" "$dir/received.csv" && echo "received.csv is byte-identical to what supplier A sealed"

step "5. A copy with one byte changed in transit is refused, and nothing is written"
cp "$dir/adt-supplier-a.csv.cms" "$dir/tampered.cms"
size=$(stat -c %s "$dir/tampered.cms")
printf '\x42' | dd of="$dir/tampered.cms" bs=1 seek=$((size / 2)) conv=notrunc status=none
set +e
show "$adtgw" open "$dir/tampered.cms" --key "$pki/parties/dcc/ka.key.pem" \
  --cert "$pki/parties/dcc/ka.cert.pem" "${trust[@]}" -o "$dir/tampered.csv"
rc=$?
set -e
if [ "$rc" -eq 0 ] || [ -e "$dir/tampered.csv" ]; then
  echo "demo FAILED: the tampered copy was accepted" >&2
  exit 1
fi
echo "refused with exit code $rc; $dir/tampered.csv was not created"

step "Done. Everything is in $dir"
