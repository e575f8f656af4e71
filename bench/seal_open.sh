#!/usr/bin/env bash
# Benchmark adtgw seal/open against the stock `openssl cms` pipelines they
# replace, side by side, for several file sizes. See docs/performance.md.
#
# Usage: bench/seal_open.sh [ADTGW_BINARY] [SIZE...]
#   ADTGW_BINARY  default build/release/adtgw
#   SIZE          e.g. 10K 100M 1G (binary units); default "10K 100M 1G"
#
# Environment:
#   ADTGW_BENCH_SIZES        sizes when none are given as arguments ("10K 100M")
#   ADTGW_BENCH_RUNS         timed runs per size (default 5 / 3 / 2 by size)
#   ADTGW_BENCH_OUT          also write the results as markdown to this file
#   ADTGW_BENCH_OSSL_STREAM  -stream on the openssl sign|encrypt stages:
#                            both (default, fastest), sign, or none
#   ADTGW_BENCH_STRICT       if 1, exit 3 when a goal is not met
#   TMPDIR                   scratch space (needs about 6.1 x the largest size)
#
# Every run's output is checked (exit status, and the opened plaintext is
# compared with the original), so a failure cannot be timed as a success.
set -euo pipefail
export LC_ALL=C

readonly GOAL_SEAL=1.5       # seal: openssl time / adtgw time at least this
readonly GOAL_OPEN=2.0       # open: likewise
readonly GOAL_RSS_KIB=65536  # adtgw peak RSS below 64 MiB
readonly POLICY_OID=2.25.161723384018474328562402419043254938120
readonly GNU_TIME=/usr/bin/time

die() {
  printf 'seal_open.sh: %s\n' "$*" >&2
  exit 1
}
note() { printf '%s\n' "$*" >&2; }

adtgw=${1:-build/release/adtgw}
if (($# > 0)); then shift; fi
[[ -x $adtgw && -f $adtgw ]] || die "adtgw binary '$adtgw' not found or not executable (run: make build)"
adtgw=$(cd "$(dirname "$adtgw")" && pwd)/$(basename "$adtgw")

if (($# > 0)); then
  sizes=("$@")
else
  read -r -a sizes <<<"${ADTGW_BENCH_SIZES:-10K 100M 1G}"
fi
((${#sizes[@]} > 0)) || die "no sizes given"

command -v openssl >/dev/null || die "openssl not found"
"$GNU_TIME" --version 2>&1 | grep -q GNU || die "$GNU_TIME is not GNU time (apt-get install time)"

case ${ADTGW_BENCH_OSSL_STREAM:-both} in
  both) sign_stream=(-stream) enc_stream=(-stream) ;;
  sign) sign_stream=(-stream) enc_stream=() ;;
  none) sign_stream=() enc_stream=() ;;
  *) die "ADTGW_BENCH_OSSL_STREAM must be both, sign or none" ;;
esac

# SIZE ("10K", "100M", "1G", or bytes) -> bytes
to_bytes() {
  local s=${1^^}
  case $s in
    *K) echo $((${s%K} * 1024)) ;;
    *M) echo $((${s%M} * 1024 * 1024)) ;;
    *G) echo $((${s%G} * 1024 * 1024 * 1024)) ;;
    *) echo $((s)) ;;
  esac
}
# SIZE -> "10 KiB"
size_label() {
  local s=${1^^}
  case $s in
    *K) echo "${s%K} KiB" ;;
    *M) echo "${s%M} MiB" ;;
    *G) echo "${s%G} GiB" ;;
    *) echo "$s B" ;;
  esac
}
for s in "${sizes[@]}"; do
  [[ ${s^^} =~ ^[0-9]+[KMG]?$ ]] || die "bad size '$s' (use e.g. 10K, 100M, 1G)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/adtgw-bench.XXXXXX")
cleanup() { rm -rf -- "$work"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Run a private copy, so that a rebuild during the benchmark cannot swap the
# binary between runs.
cp -- "$adtgw" "$work/adtgw"
adtgw_path=$adtgw
adtgw=$work/adtgw

pki=$work/pki
sup=$pki/parties/supplier-a
dcc=$pki/parties/dcc
stages=$work/stages
log=$work/log
"$adtgw" demo-pki "$pki" >"$log" 2>&1 || { cat "$log" >&2; die "adtgw demo-pki failed"; }
pki_args=(--trust "$pki/smki/trust.pem" --crl "$pki/smki/issuing-oca.crl.pem"
  --crl "$pki/smki/root-oca.arl.pem" --policy-oid "$POLICY_OID")

# ---------------------------------------------------------------- the runs
# Each operation runs every process under its own GNU time (-o a file in
# $stages): a pipeline's stages are separate processes, and GNU time around
# `bash -c 'a | b'` would only give the largest child's RSS, not per stage.
# Wall time is taken around the whole operation with $EPOCHREALTIME.
stage() {
  local name=$1
  shift
  "$GNU_TIME" -f '%M %U %S' -o "$stages/$name" "$@"
}

f= # the input file of the current size
op_seal() {
  rm -f -- "$f.adtgw.cms"
  stage seal "$adtgw" seal "$f" --to "$dcc/ka.cert.pem" --sign-cert "$sup/ds.cert.pem" \
    --sign-key "$sup/ds.key.pem" "${pki_args[@]}" -o "$f.adtgw.cms"
}
op_ossl_seal() {
  rm -f -- "$f.ossl.cms"
  stage sign openssl cms -sign -binary -nodetach "${sign_stream[@]}" -in "$f" \
    -signer "$sup/ds.cert.pem" -inkey "$sup/ds.key.pem" -outform DER |
    stage encrypt openssl cms -encrypt -binary "${enc_stream[@]}" -aes-256-gcm \
      -recip "$dcc/ka.cert.pem" -keyopt ecdh_kdf_md:sha256 -outform DER -out "$f.ossl.cms"
}
# The same pipeline followed by an fsync of its output: adtgw seal always fsyncs
# (docs/architecture.md, section 8: nothing half-written), so this is the like-for-like comparison.
op_ossl_seal_fsync() {
  op_ossl_seal
  stage fsync sync -- "$f.ossl.cms"
}
op_open() {
  rm -f -- "$f.adtgw.out"
  stage open "$adtgw" open "$f.adtgw.cms" --key "$dcc/ka.key.pem" --cert "$dcc/ka.cert.pem" \
    "${pki_args[@]}" -o "$f.adtgw.out"
}
op_ossl_open() {
  rm -f -- "$f.sd" "$f.ossl.out"
  stage decrypt openssl cms -decrypt -inform DER -in "$f.ossl.cms" \
    -recip "$dcc/ka.cert.pem" -inkey "$dcc/ka.key.pem" -out "$f.sd" &&
    stage verify openssl cms -verify -inform DER -in "$f.sd" -CAfile "$pki/smki/trust.pem" \
      -binary -purpose any -out "$f.ossl.out"
}

# measure OP: run it once; sets m_wall (microseconds), m_rss (KiB, max over
# the operation's processes), m_cpu (user+sys seconds, summed) and m_other
# (CPU seconds the rest of the machine used meanwhile, from /proc/stat).
m_wall=0 m_rss=0 m_cpu=0 m_other=0
measure() {
  local op=$1 t0 t1 s0 s1 rc=0
  rm -rf -- "$stages"
  mkdir -- "$stages"
  # Start every operation with no dirty pages left by the previous one, so
  # that adtgw's fsync of its output does not also pay for writing back
  # openssl's earlier output (and openssl is not slowed by adtgw's).
  sync -f -- "$work"
  s0=$(head -n 1 /proc/stat)
  t0=${EPOCHREALTIME/[.,]/}
  "$op" >"$log" 2>&1 || rc=$?
  t1=${EPOCHREALTIME/[.,]/}
  s1=$(head -n 1 /proc/stat)
  if ((rc != 0)); then
    tail -n 20 "$log" >&2
    die "$op failed (exit $rc) on $(basename "$f")"
  fi
  m_wall=$((t1 - t0))
  read -r m_rss m_cpu < <(awk '$1 ~ /^[0-9]+$/ && NF == 3 { if ($1 > m) m = $1; c += $2 + $3 }
    END { printf "%d %.2f\n", m, c }' "$stages"/*)
  # Busy = user nice system irq softirq steal (not idle, iowait, guest).
  m_other=$(awk -v a="$s0" -v b="$s1" -v own="$m_cpu" 'BEGIN {
    split(a, x); split(b, y)
    for (i = 2; i <= 9; i++) if (i != 5 && i != 6) busy += y[i] - x[i]
    o = busy / 100 - own; printf "%.2f", (o > 0 ? o : 0) }')
}

# True if other processes took more than 15% of the machine during the last
# measurement: such a run is repeated. The 0.08 CPU-s allowance covers the
# 10 ms granularity of /proc/stat and GNU time and this script's own forks.
disturbed() {
  awk -v o="$m_other" -v w="$m_wall" -v n="$ncpu" 'BEGIN {
    exit !(o > 0.08 + 0.15 * n * w / 1e6) }'
}
ncpu=$(nproc)
readonly MAX_TRIES=3       # attempts per timed measurement when disturbed
readonly NO_RETRY_US=30000000 # never repeat an operation that took over 30 s

same_as_input() {
  cmp -s -- "$f" "$1" || die "$2: output $(basename "$1") differs from the input $(basename "$f")"
}
check_opened() {
  same_as_input "$f.adtgw.out" "adtgw seal+open"
  same_as_input "$f.ossl.out" "openssl sign|encrypt + decrypt,verify"
}

# Interoperability (once, on the first size): stock openssl must decrypt and
# verify adtgw's envelope, so the seal being timed produces standard CMS.
interop_checked=0
check_interop() {
  rm -f -- "$f.x.sd" "$f.x.out"
  if ! {
    openssl cms -decrypt -inform DER -in "$f.adtgw.cms" -recip "$dcc/ka.cert.pem" \
      -inkey "$dcc/ka.key.pem" -out "$f.x.sd" &&
      openssl cms -verify -inform DER -in "$f.x.sd" -CAfile "$pki/smki/trust.pem" \
        -binary -purpose any -out "$f.x.out"
  } >"$log" 2>&1; then
    cat "$log" >&2
    die "openssl cannot decrypt+verify the adtgw envelope"
  fi
  same_as_input "$f.x.out" "openssl open of the adtgw envelope"
  rm -f -- "$f.x.sd" "$f.x.out"
  interop_checked=1
}

median() { # numbers... -> median (mean of the middle two for an even count)
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.12g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
max() { printf '%s\n' "$@" | sort -n | tail -n 1; }
secs() { awk -v u="$1" 'BEGIN { printf "%.3f", u / 1e6 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v o="$1" -v a="$2" 'BEGIN { printf "%.2f", o / a }'; }
ge() { awk -v x="$1" -v y="$2" 'BEGIN { exit !(x >= y) }'; }

source "$(dirname "$0")/bench_lib.sh"  # cpu_busy
busy_start=$(cpu_busy)
if ((busy_start > 10)); then
  note "warning: the machine is already ${busy_start}% busy; results will be skewed"
fi

# ---------------------------------------------------------------- per size
rows=()
goals_missed=0
skipped=()
disturbed_runs=()
for size in "${sizes[@]}"; do
  bytes=$(to_bytes "$size")
  label=$(size_label "$size")
  # Input, both envelopes, the signed-data intermediate and both plaintexts.
  need_kib=$((bytes * 61 / 10 / 1024 + 65536))
  avail_kib=$(df -Pk -- "$work" | awk 'NR == 2 { print $4 }')
  if ((avail_kib < need_kib)); then
    note "skipping $label: needs $((need_kib / 1024)) MiB free in $work, have $((avail_kib / 1024)) MiB"
    skipped+=("$label (disk)")
    continue
  fi
  # openssl cms -decrypt/-verify hold the whole file several times over.
  mem_kib=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
  if ((mem_kib < bytes * 3 / 1024 + 262144)); then
    note "skipping $label: openssl decrypt+verify needs about 3x the file in RAM, have $((mem_kib / 1024)) MiB"
    skipped+=("$label (memory)")
    continue
  fi
  if [[ -n ${ADTGW_BENCH_RUNS:-} ]]; then
    runs=$ADTGW_BENCH_RUNS
  elif ((bytes <= 16 * 1024 * 1024)); then
    runs=5
  elif ((bytes <= 256 * 1024 * 1024)); then
    runs=3
  else
    runs=2
  fi

  f=$work/in-$size
  note "== $label: creating input, one warm-up of each, then $runs timed run(s)"
  head -c "$bytes" /dev/urandom >"$f"
  [[ $(stat -c %s -- "$f") == "$bytes" ]] || die "could not create $bytes-byte input"

  # Warm-up (page cache, dynamic loader), checked like every timed run.
  for op in op_seal op_ossl_seal op_ossl_seal_fsync op_open op_ossl_open; do measure "$op"; done
  check_opened
  ((interop_checked)) || check_interop

  declare -A wall=() rss=() cpu=()
  for ((i = 1; i <= runs; i++)); do
    # Round-robin so that drift on the machine affects every operation alike.
    progress=""
    for op in op_seal op_ossl_seal op_ossl_seal_fsync op_open op_ossl_open; do
      for ((try = 1; ; try++)); do
        measure "$op"
        disturbed || break
        if ((try >= MAX_TRIES || m_wall > NO_RETRY_US)); then
          disturbed_runs+=("$label ${op#op_} (other load ${m_other} CPU-s in $(secs "$m_wall") s)")
          break
        fi
        note "   ${op#op_}: other processes used ${m_other} CPU-s in $(secs "$m_wall") s; repeating"
      done
      wall[$op]+="$m_wall " rss[$op]+="$m_rss " cpu[$op]+="$m_cpu "
      progress+=" ${op#op_} $(secs "$m_wall")s/$(mib "$m_rss")MiB"
    done
    check_opened # this run's seal output was opened by this run's open
    note "   run $i/$runs:$progress"
  done

  for pair in "seal op_seal op_ossl_seal $GOAL_SEAL" \
    "seal-vs-fsynced-openssl op_seal op_ossl_seal_fsync $GOAL_SEAL" \
    "open op_open op_ossl_open $GOAL_OPEN"; do
    read -r what a o goal <<<"$pair"
    # shellcheck disable=SC2086 # word-split the space-separated samples
    {
      aw=$(median ${wall[$a]}) ow=$(median ${wall[$o]})
      ac=$(printf '%.2f' "$(median ${cpu[$a]})") oc=$(printf '%.2f' "$(median ${cpu[$o]})")
      ar=$(max ${rss[$a]}) orss=$(max ${rss[$o]})
    }
    r=$(ratio "$ow" "$aw")
    if ge "$r" "$goal"; then speed_ok="met"; else speed_ok="NOT met"; goals_missed=1; fi
    if ((ar < GOAL_RSS_KIB)); then rss_ok="met"; else rss_ok="NOT met"; goals_missed=1; fi
    rows+=("| $label | $what | $runs | $(secs "$aw") | $(secs "$ow") | ${r}x | $speed_ok (>= ${goal}x) | $ac | $oc | $(mib "$ar") | $(mib "$orss") | $rss_ok |")
  done
  unset wall rss cpu
  rm -f -- "$f" "$f".*
done

# ---------------------------------------------------------------- report
busy_end=$(cpu_busy)
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
report() {
  echo "$("$adtgw" --version 2>/dev/null | head -n 1) ($adtgw_path) vs $(openssl version)"
  echo "machine: $(nproc) CPU(s), ${cpu_model:-unknown CPU}, $(uname -sr); scratch: $(df -P -- "$work" | awk 'NR == 2 { print $1 }')"
  echo "other load: ${busy_start}% of all CPUs busy just before the run, ${busy_end}% just after; $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "openssl seal = cms -sign -binary -nodetach ${sign_stream[*]} | cms -encrypt -binary ${enc_stream[*]} -aes-256-gcm -keyopt ecdh_kdf_md:sha256"
  echo "openssl open = cms -decrypt, then cms -verify -binary -purpose any (timed together)"
  echo "time: median wall-clock seconds; CPU: median user+sys seconds (summed over pipeline stages);"
  echo "RSS: peak resident set size, MiB (max over the stages of a pipeline and over runs)"
  echo
  echo "| Size | Operation | Runs | adtgw (s) | openssl (s) | Speed-up (openssl/adtgw) | Speed goal | adtgw CPU (s) | openssl CPU (s) | adtgw peak RSS (MiB) | openssl peak RSS (MiB) | adtgw RSS < 64 MiB |"
  echo "|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---|"
  printf '%s\n' "${rows[@]}"
  if ((${#skipped[@]} > 0)); then
    echo
    echo "Skipped: ${skipped[*]}"
  fi
  echo
  if ((${#disturbed_runs[@]} > 0)); then
    echo "Timed runs disturbed by other processes (kept after $MAX_TRIES attempts or because they are long):"
    printf -- '- %s\n' "${disturbed_runs[@]}"
  else
    echo "No timed run was disturbed by other processes (each is repeated, up to $MAX_TRIES times, if they use over 15% of the machine)."
  fi
}
((${#rows[@]} > 0)) || die "every size was skipped"
echo
report
if [[ -n ${ADTGW_BENCH_OUT:-} ]]; then
  report >"$ADTGW_BENCH_OUT"
  note "wrote $ADTGW_BENCH_OUT"
fi
if ((goals_missed)) && [[ ${ADTGW_BENCH_STRICT:-0} == 1 ]]; then
  note "one or more goals not met"
  exit 3
fi
