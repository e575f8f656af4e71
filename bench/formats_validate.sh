#!/usr/bin/env bash
# Benchmark `adtgw validate` (issue 6): MB/s checking a large ADT/1 file, beside the
# stock tools that read the same bytes, in the same run: `sha256sum` (every validation
# hashes the D lines, so this is the floor) and `wc -l`. Goal: at least 100 MB/s on one
# core (adtgw validate is single-threaded). Reports each tool's median of RUNS runs,
# the ratios, and peak RSS (GNU time).
#
# Usage: bench/formats_validate.sh [ADTGW_BINARY]   (default build/release/adtgw)
# Environment: ADTGW_BENCH_ROWS (default 1000000), ADTGW_BENCH_RUNS (default 5),
#   ADTGW_SRV_CATALOGUE (default ../shared/fixtures/duis/srv-catalogue.csv), TMPDIR.
# Nothing here talks to the network; every run is bounded by `timeout`.
set -euo pipefail
export LC_ALL=C
readonly GOAL_MBPS=100
adtgw=${1:-build/release/adtgw}
rows=${ADTGW_BENCH_ROWS:-1000000}
runs=${ADTGW_BENCH_RUNS:-5}
here=$(cd "$(dirname "$0")" && pwd)
catalogue=${ADTGW_SRV_CATALOGUE:-$here/../../shared/fixtures/duis/srv-catalogue.csv}
die() { echo "formats_validate.sh: $*" >&2; exit 1; }
[[ -x $adtgw ]] || die "no adtgw at $adtgw (cmake --build build/release --target adtgw)"
[[ -r $catalogue ]] || die "no SRV catalogue at $catalogue (set ADTGW_SRV_CATALOGUE)"
[[ -x /usr/bin/time ]] || die "GNU time is needed (apt-get install time)"
work=$(mktemp -d "${TMPDIR:-/tmp}/adtgw-formats-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# A supplier's thresholds: every SRV an import supplier may send, WARNING and QUARANTINE,
# over as many hourly periods as it takes to reach $rows D records.
user=AD-7C-00-00-00-00-02-01
file=$work/adt.csv
{
  echo "rec,user_id,user_role,srv,threshold_type,period,max_count,effective_from,note"
  echo "H,$user,IS,,,,,2026-01-06T00:00:00Z,fmt=ADT/1;ref=SM-BENCH"
  awk -F, -v rows="$rows" -v user="$user" 'NR > 1 && (" " $4 " ") ~ / IS / { srv[n++] = $1 }
    END {
      for (i = 0; 2 * i < rows; i++) {
        s = srv[i % n]; p = "PT" (int(i / n) + 1) "H"
        printf "D,%s,IS,%s,WARNING,%s,%d,2026-01-06T00:00:00Z,generated threshold row %d\n", user, s, p, 100 + i % 1000, i
        if (2 * i + 1 < rows)
          printf "D,%s,IS,%s,QUARANTINE,%s,%d,2026-01-06T00:00:00Z,generated threshold row %d\n", user, s, p, 2000 + i % 1000, i
      }
    }' "$catalogue"
} >"$file.body"
digest=$(grep '^D,' "$file.body" | sha256sum | cut -d' ' -f1)
{ cat "$file.body"; echo "T,$rows,$digest"; } >"$file"
rm -f "$file.body"
bytes=$(stat -c %s "$file")

# run NAME CMD...: RUNS timed runs; prints "median_seconds peak_rss_kib".
run() {
  local name=$1 i times=() rss=0
  shift
  for ((i = 0; i < runs; i++)); do
    timeout -k 5 300 /usr/bin/time -f '%e %M' -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err" ||
      { cat "$work/$name.err" >&2; die "$name failed: $*"; }
    read -r s kib <"$work/$name.time"
    times+=("$s")
    ((kib > rss)) && rss=$kib
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v rss="$rss" '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)], rss }'
}
read -r v_s v_rss < <(run validate "$adtgw" validate "$file" --type adt --signer "$user" --srv-catalogue "$catalogue")
grep -q "valid ADT/1, $rows D records" "$work/validate.out" || { cat "$work/validate.out" >&2; die "the file did not validate"; }
read -r h_s h_rss < <(run sha256sum sha256sum "$file")
read -r w_s w_rss < <(run wc wc -l "$file")

# Parenthesised: in awk, a bare `>` in a print statement redirects output.
mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.0f", (s > 0 ? b / 1e6 / s : 0) }'; }
met=$(awk -v m="$(mbps "$v_s")" -v g="$GOAL_MBPS" 'BEGIN { print ((m + 0 >= g + 0) ? "met" : "NOT met") }')
echo "adtgw validate of an ADT/1 file: $rows D records, $bytes bytes; median of $runs runs each; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "| tool | seconds | MB/s | vs sha256sum | peak RSS (MiB) |"
echo "|---|---:|---:|---:|---:|"
echo "| \`adtgw validate --type adt --signer ...\` | $v_s | **$(mbps "$v_s")** (goal >= $GOAL_MBPS: $met) | $(awk -v a="$h_s" -v b="$v_s" 'BEGIN { printf "%.2fx", a / b }') | $(awk -v k="$v_rss" 'BEGIN { printf "%.1f", k / 1024 }') |"
echo "| \`sha256sum\` | $h_s | $(mbps "$h_s") | 1.00x | $(awk -v k="$h_rss" 'BEGIN { printf "%.1f", k / 1024 }') |"
echo "| \`wc -l\` | $w_s | $(mbps "$w_s") | $(awk -v a="$h_s" -v b="$w_s" 'BEGIN { printf "%.2fx", a / b }') | $(awk -v k="$w_rss" 'BEGIN { printf "%.1f", k / 1024 }') |"
