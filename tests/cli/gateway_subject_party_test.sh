#!/usr/bin/env bash
# Parties the policy names by certificate subject (tls.subjects, docs/policy.md): a
# client certificate issued by openssl, whose subject holds characters RFC 2253
# escapes, is recognised through the real gateway when the policy writes the subject
# as `openssl x509 -nameopt RFC2253` prints it, or as openssl's default one-line display
# prints it; a certificate whose subject differs in one attribute is not.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gateway_lib.sh"
require_openssl
require_program curl curl
require_program sqlite3 sqlite3
trap 'stop_gateway KILL; rm -rf "$WORK"' EXIT

make_demo_pki
adt_file "$WORK/adt-b.csv" 0 AD-7C-00-00-00-00-02-02
adt_file "$WORK/adt-operator.csv" 0 AD-7C-00-00-00-00-03-01

# Supplier B: several RDNs, and a comma, a plus sign, quotes and a '#' in its values.
dccki_client_cert supplier-b '/C=GB/O=Smith, Jones \+ Co/OU=#2 "Metering"/CN=Supplier B AD-7C-00-00-00-00-02-02'
config_with_cert supplier-b supplier-b
rfc2253=$(openssl x509 -in "$WORK/supplier-b.crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
expect_contains "openssl escapes the subject" "$rfc2253" 'O=Smith\, Jones \+ Co'
# The network operator: named by what `openssl x509 -noout -subject` shows by default.
dccki_client_cert operator '/C=GB/O=Demo Networks/OU=Operations/CN=Demo Network Operator'
config_with_cert network-operator operator
one_line=$(openssl x509 -in "$WORK/operator.crt" -noout -subject)
expect_contains "openssl's one-line display" "$one_line" 'subject=C = GB, O = Demo Networks'
# Same attributes as the operator's but one: another organisation.
dccki_client_cert lookalike '/C=GB/O=Demo Networks Two/OU=Operations/CN=Demo Network Operator'
config_with_cert network-operator lookalike

# The policy names both by subject only (single-quoted YAML keeps the backslashes; the
# sed replacement needs its own backslashes and '&' escaped).
yaml_quote() {
  local quoted="'${1//\'/\'\'}'"
  quoted=${quoted//\\/\\\\}
  printf '%s' "${quoted//&/\\&}"
}
policy=$PKI/config/policy.yaml
sed -i -e "s|tls: { certificates: \[../parties/supplier-b/tls.cert.pem\] }|tls: { subjects: [$(yaml_quote "$rfc2253")] }|" \
  -e "s|tls: { certificates: \[../parties/network-operator/tls.cert.pem\] }|tls: { subjects: [$(yaml_quote "$one_line")] }|" \
  "$policy"
expect_contains "supplier B named by subject" "$(cat "$policy")" "subjects: ['C"
expect_ok "the policy with subjects validates" -- policy check "$policy"
start_gateway

expect_ok "supplier B, known by its subject, sends" -- \
  send "$WORK/adt-b.csv" --type adt --json --config "$WORK/supplier-b.yaml" --gateway "$URL"
expect_contains "supplier B's receipt" "$OUT" '"sender":"AD-7C-00-00-00-00-02-02"'
expect_ok "supplier B lists its inbox" -- \
  inbox --json --config "$WORK/supplier-b.yaml" --gateway "$URL"
expect_ok "the operator, known by its one-line subject, sends" -- \
  send "$WORK/adt-operator.csv" --type adt --json --config "$WORK/operator.yaml" --gateway "$URL"
expect_contains "the operator's receipt" "$OUT" '"sender":"AD-7C-00-00-00-00-03-01"'
expect_ok "the DCC sees both" -- inbox --json --config "$PKI/config/client-dcc.yaml" --gateway "$URL"
expect_contains "the DCC's inbox: supplier B's file" "$OUT" '"sender":"AD-7C-00-00-00-00-02-02"'
expect_contains "the DCC's inbox: the operator's file" "$OUT" '"sender":"AD-7C-00-00-00-00-03-01"'
before=$(snapshot)
expect_refusal "one attribute differs: no party" 12 tls.unknown_client -- \
  send "$WORK/adt-operator.csv" --type adt --config "$WORK/lookalike.yaml" --gateway "$URL"
expect_unchanged "the lookalike certificate" "$before"
# The demo certificate supplier B no longer has in the policy: not a party either.
expect_refusal "a certificate the policy no longer names" 12 tls.unknown_client -- \
  send "$WORK/adt-b.csv" --type adt --config "$PKI/config/client-supplier-b.yaml" --gateway "$URL"

# A subject that is no distinguished name is a policy error, at its line.
cp "$policy" "$WORK/policy.good"
sed -i "s|subjects: \['subject=C = GB, |subjects: ['Department = x, C = GB, |" "$policy"
expect_contains "the changed subject" "$(cat "$policy")" "['Department = x, C = GB"
expect_refusal "a subject with an unknown attribute type" 3 policy.invalid -- policy check "$policy"
expect_contains "the reason" "$ERR" "unknown attribute type 'Department'"
cp "$WORK/policy.good" "$policy"

stop_gateway
finish
