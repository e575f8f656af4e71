# adtgw policy check / explain on the example policy that demo-pki writes (the same
# text as policies/examples/demo-policy.yaml), and a broken policy's line and column.
source "$(dirname "$0")/lib.sh"
make_demo_pki
POLICY=$PKI/config/policy.yaml
EXAMPLE=$(dirname "$0")/../../policies/examples/demo-policy.yaml
CHECKS=$((CHECKS + 1))
cmp -s "$POLICY" "$EXAMPLE" || fail "demo-pki must write policies/examples/demo-policy.yaml unchanged"

expect_ok "check the demo policy" -- policy check "$POLICY"
expect_contains "summary: parties" "$OUT" "parties:     5 (2 supplier, 1 network-operator, 1 dcc, 0 other, 1 auditor)"
expect_contains "summary: rules" "$OUT" "dcc-sends-quarantine-reports"
hash=$(sed -n 's/^  sha256:      //p' <<<"$OUT")
CHECKS=$((CHECKS + 1))
[[ $hash =~ ^[0-9a-f]{64}$ ]] || fail "no policy hash in: $OUT"
expect_ok "check --json" -- policy check "$POLICY" --json
expect_contains "json hash" "$OUT" "\"sha256\":\"$hash\""

A=AD-7C-00-00-00-00-02-01 B=AD-7C-00-00-00-00-02-02 NO=AD-7C-00-00-00-00-03-01
DCC=AD-7C-00-00-00-00-04-01 AUD=AD-7C-00-00-00-00-7F-01
NOON=2026-11-29T12:00:00Z NIGHT=2026-11-29T23:00:00Z
expect_ok "supplier ADT to the DCC" -- policy explain "$POLICY" --from $A --type adt --to $DCC --size 2048 --at $NOON
expect_contains "allowed by its rule" "$OUT" "allowed: policy.allowed (rule users-send-adt-to-dcc)"
expect_refusal "ADT to another supplier" 11 policy.recipient_not_allowed -- policy explain "$POLICY" --from $A --type adt --to $B --at $NOON
expect_contains "names the recipient" "$OUT" "may not send adt to $B (Demo Supplier B)"
expect_refusal "exit quarantine at night" 11 policy.outside_hours -- policy explain "$POLICY" --from $NO --type exit-quarantine --to $DCC --at $NIGHT
expect_refusal "too large" 11 policy.too_large -- policy explain "$POLICY" --from $A --type adt --to $DCC --size 20000000 --at $NOON
expect_refusal "daily limit of supplier B" 11 policy.daily_limit -- policy explain "$POLICY" --from $B --type adt --to $DCC --sent-today 50 --at $NOON
expect_refusal "auditors are read-only" 11 policy.read_only -- policy explain "$POLICY" --from $AUD --type adt --to $DCC
expect_refusal "suppliers do not send reports" 11 policy.file_type_not_allowed -- policy explain "$POLICY" --from $A --type quarantine-report --to $DCC
expect_ok "explain --json" -- policy explain "$POLICY" --from $DCC --type quarantine-report --to $A --to $NO --json
expect_contains "json decision" "$OUT" '"allow":true'
expect_contains "json rule" "$OUT" '"rule":"dcc-sends-quarantine-reports"'

# A broken policy: the exact place and a hint; exit 3.
sed 's/^    roles: \[dcc\]$/    roles: [dcc, wizard]/' "$POLICY" >"$PKI/config/broken.yaml"
line=$(grep -n 'wizard' "$PKI/config/broken.yaml" | cut -d: -f1)
expect_refusal "unknown role" 3 policy.invalid -- policy check "$PKI/config/broken.yaml"
expect_contains "file:line:column" "$ERR" "broken.yaml:$line:18: unknown role 'wizard'"
finish
