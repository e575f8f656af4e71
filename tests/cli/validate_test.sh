# adtgw validate on the example files of docs/examples, and on broken copies: every
# problem listed as FILE:LINE:COLUMN: code: message, exit 3, --json, --max-problems,
# the signer binding, and a missing catalogue.
source "$(dirname "$0")/lib.sh"
EXAMPLES=$(dirname "$0")/../../docs/examples
CAT=(--srv-catalogue "$FIXTURES/duis/srv-catalogue.csv")
A=AD-7C-00-00-00-00-02-01 B=AD-7C-00-00-00-00-02-02

expect_ok "the ADT example" -- validate "$EXAMPLES/adt-example.csv" --type adt --signer $A "${CAT[@]}"
expect_contains "says valid" "$OUT" "adt-example.csv: valid ADT/1, 5 D records"
expect_ok "the exit-quarantine example" -- validate "$EXAMPLES/exit-quarantine-example.csv" --type exit-quarantine --signer $A
expect_ok "the quarantine report example" -- validate "$EXAMPLES/quarantine-report-example.csv" --type quarantine-report "${CAT[@]}"

# A wrong role on line 4 and a changed count on line 5: both listed, the digest too.
sed -e '4s/,IS,1.1.1,QUARANTINE,/,XX,1.1.1,QUARANTINE,/' -e '5s/,5000,/,5001,/' \
  "$EXAMPLES/adt-example.csv" >"$WORK/adt.csv"
expect_refusal "a broken ADT file" 3 format.invalid -- validate "$WORK/adt.csv" --type adt "${CAT[@]}"
expect_contains "the role, where" "$OUT" "$WORK/adt.csv:4:3: field.bad_role: 'XX' is not a User Role"
expect_contains "the digest" "$OUT" "$WORK/adt.csv:8:3: trailer.wrong_digest"
expect_contains "how many" "$ERR" "is not a valid ADT/1 file: 2 problems"
expect_refusal "--json" 3 format.invalid -- validate "$WORK/adt.csv" --type adt --json "${CAT[@]}"
expect_contains "json problem" "$OUT" '{"code":"field.bad_role","column":3,"line":4,'
expect_contains "json total" "$OUT" '"problems_total":2'
expect_refusal "--max-problems 1" 3 format.invalid -- validate "$WORK/adt.csv" --type adt --max-problems 1 "${CAT[@]}"
expect_contains "the rest counted" "$OUT" "1 more problem not listed"

# Signed by B, the file names A: refused unless B may act for A.
expect_refusal "another party's file" 3 format.invalid -- validate "$EXAMPLES/adt-example.csv" --type adt --signer $B "${CAT[@]}"
expect_contains "binding" "$OUT" "2:2: binding.not_signer: $A is not the signer ($B)"
expect_ok "acting for A" -- validate "$EXAMPLES/adt-example.csv" --type adt --signer $B --acts-for $A "${CAT[@]}"

# A quarantine report is the DCC's, for the user it names.
Q=("$EXAMPLES/quarantine-report-example.csv" --type quarantine-report "${CAT[@]}")
DCC=AD-7C-00-00-00-00-04-01
expect_ok "signed by the DCC, for A" -- validate "${Q[@]}" --signer $DCC --dcc $DCC --recipient $A
expect_refusal "signed by a supplier" 3 format.invalid -- validate "${Q[@]}" --signer $A --dcc $DCC
expect_contains "not the DCC" "$OUT" "2:3: binding.not_dcc"
expect_refusal "sent to B" 3 format.invalid -- validate "${Q[@]}" --recipient $B
expect_contains "not B's" "$OUT" "2:3: binding.wrong_recipient: the report is for $A, not for its recipient $B"
expect_refusal "a report's signer without the DCC" 2 usage -- validate "${Q[@]}" --signer $DCC

# adtgw template writes a starter file that validates, and never replaces one silently.
expect_ok "an ADT template" -- template --type adt --user $A --role ED -o "$WORK/t.csv" "${CAT[@]}"
expect_ok "it validates" -- validate "$WORK/t.csv" --type adt --signer $A "${CAT[@]}"
expect_contains "one row per SRV ED may send" "$OUT" "valid ADT/1, 38 D records"
expect_refusal "not over an existing file" 7 output.exists -- template --type adt --user $A --role ED -o "$WORK/t.csv" "${CAT[@]}"
expect_ok "an exit-quarantine template" -- template --type exit-quarantine --user $A -o "$WORK/q.csv"
expect_ok "it validates" -- validate "$WORK/q.csv" --type exit-quarantine --signer $A
expect_refusal "an ADT template needs a role" 2 usage -- template --type adt --user $A -o "$WORK/r.csv" "${CAT[@]}"

# The wrong --type: the header row says so.
expect_refusal "an ADT file as exit-quarantine" 3 format.invalid -- validate "$EXAMPLES/adt-example.csv" --type exit-quarantine
expect_contains "header row" "$OUT" "1:2: file.bad_header: line 1 must be the EXITQ/1 header row"
expect_refusal "an unknown type" 2 usage -- validate "$EXAMPLES/adt-example.csv" --type adtx
expect_refusal "no catalogue" 6 input.not_found -- validate "$EXAMPLES/adt-example.csv" --type adt --srv-catalogue "$WORK/none.csv"
expect_refusal "no file" 6 input.not_found -- validate "$WORK/none.csv" --type exit-quarantine
finish
