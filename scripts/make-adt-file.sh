#!/usr/bin/env bash
# Writes a valid ADT/1 file (docs/formats.md) for tests and benchmarks: USER's WARNING
# thresholds for SRV 1.1.1 as an import supplier (IS), one per period PT<n>S, as many
# D records as it takes to reach BYTES bytes (default: one record), with its true T
# record. The rows differ only in their period, so no two collide. Written atomically.
# Usage: scripts/make-adt-file.sh OUT USER [BYTES] [NOTE]
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OUT USER [BYTES] [NOTE]" >&2; exit 2; }
out=$1 user=$2 bytes=${3:-0} note=${4:-generated}
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp" "$tmp.d"' EXIT
awk -v user="$user" -v bytes="$bytes" -v note="$note" 'BEGIN {
  size = 0
  for (i = 1; i == 1 || size < bytes; i++) {
    line = sprintf("D,%s,IS,1.1.1,WARNING,PT%dS,%d,2026-01-06T00:00:00Z,%s %d", user, i, 100 + i % 1000, note, i)
    print line
    size += length(line) + 1
  }
}' >"$tmp.d"
rows=$(wc -l <"$tmp.d")
digest=$(sha256sum "$tmp.d" | cut -d' ' -f1)
{
  echo "rec,user_id,user_role,srv,threshold_type,period,max_count,effective_from,note"
  echo "H,$user,IS,,,,,2026-01-06T00:00:00Z,fmt=ADT/1;ref=$note"
  cat "$tmp.d"
  echo "T,$rows,$digest"
} >"$tmp"
sync "$tmp" 2>/dev/null || true
mv "$tmp" "$out"
