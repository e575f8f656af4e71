# Shared helpers for the command-line integration tests (sourced, not run).
# Each test script is run by ctest as: bash SCRIPT ADTGW_BINARY SHARED_FIXTURES_DIR
set -euo pipefail

ADTGW=${1:?usage: $0 ADTGW_BINARY FIXTURES_DIR}
FIXTURES=${2:?usage: $0 ADTGW_BINARY FIXTURES_DIR}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/adtgw-cli-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
FAILURES=0
CHECKS=0

fail() {
  echo "FAIL: $*" >&2
  FAILURES=$((FAILURES + 1))
}

# run CMD...: runs adtgw, capturing stdout/stderr/exit code in OUT, ERR, RC.
run() {
  set +e
  "$ADTGW" "$@" >"$WORK/.out" 2>"$WORK/.err"
  RC=$?
  set -e
  OUT=$(cat "$WORK/.out")
  ERR=$(cat "$WORK/.err")
}

# expect_ok DESCRIPTION -- CMD...
expect_ok() {
  local what=$1
  shift 2
  CHECKS=$((CHECKS + 1))
  run "$@"
  if [ "$RC" -ne 0 ]; then
    fail "$what: expected success, got exit $RC: $ERR"
  fi
}

# expect_refusal DESCRIPTION EXIT_CODE ERROR_CODE -- CMD...
# The command must fail with that exit code, print "adtgw: error: ERROR_CODE: ..."
# and a hint line.
expect_refusal() {
  local what=$1 want_rc=$2 code=$3
  shift 4
  CHECKS=$((CHECKS + 1))
  run "$@"
  if [ "$RC" -ne "$want_rc" ]; then
    fail "$what: expected exit $want_rc, got $RC (stderr: $ERR)"
  fi
  if ! grep -q "^adtgw: error: $code: " <<<"$ERR"; then
    fail "$what: expected 'adtgw: error: $code: ...', got: $ERR"
  fi
  if ! grep -q "^adtgw: hint: " <<<"$ERR"; then
    fail "$what: no 'adtgw: hint:' line in: $ERR"
  fi
}

# expect_contains DESCRIPTION HAYSTACK NEEDLE
expect_contains() {
  CHECKS=$((CHECKS + 1))
  if ! grep -qF -- "$3" <<<"$2"; then
    fail "$1: expected to find '$3' in: $2"
  fi
}

expect_absent() {
  CHECKS=$((CHECKS + 1))
  if [ -e "$2" ]; then fail "$1: $2 must not exist"; fi
}

# sql DB QUERY [NAME VALUE]...: sqlite3 on DB with each VALUE bound to the parameter
# :NAME (sqlite3's .parameter): a value is never pasted into the SQL text, as in the
# product (DESIGN.md 7.1). Whole numbers bind as integers, anything else as text.
sql() {
  local db=$1 query=$2 value
  shift 2
  local binds=()
  while [ $# -ge 2 ]; do
    value=$2
    case $value in
      *'"'* | *$'\n'*) echo "sql: a value with a double quote or a newline: $value" >&2; return 2 ;;
    esac
    [[ $value =~ ^-?[0-9]+$ ]] || value="'${value//\'/\'\'}'"
    binds+=(-cmd ".parameter set :$1 \"$value\"")
    shift 2
  done
  sqlite3 "${binds[@]}" "$db" "$query"
}

finish() {
  echo "$((CHECKS - FAILURES)) passed, $FAILURES failed"
  [ "$FAILURES" -eq 0 ]
}

# A demo PKI in $WORK/pki, and the flags that trust it.
make_demo_pki() {
  "$ADTGW" demo-pki "$WORK/pki" >/dev/null
  PKI=$WORK/pki
  POLICY_OID=2.25.161723384018474328562402419043254938120
  TRUST=(--trust "$PKI/smki/trust.pem" --crl "$PKI/smki/issuing-oca.crl.pem"
    --crl "$PKI/smki/root-oca.arl.pem" --policy-oid "$POLICY_OID")
}

require_openssl() {
  if ! command -v openssl >/dev/null; then
    if [ "${ADTGW_REQUIRE_ALL:-0}" = 1 ]; then
      echo "FAIL: openssl not installed (Debian package: openssl)" >&2
      exit 1
    fi
    echo "SKIP: openssl not installed (Debian package: openssl)"
    exit 0
  fi
}

require_fixtures() {
  if [ ! -r "$FIXTURES/smki-zaz1/README.md" ]; then
    if [ "${ADTGW_REQUIRE_ALL:-0}" = 1 ]; then
      echo "FAIL: $FIXTURES missing (../shared/fixtures beside the repo)" >&2
      exit 1
    fi
    echo "SKIP: $FIXTURES missing"
    exit 0
  fi
}
