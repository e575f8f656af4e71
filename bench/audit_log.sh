#!/usr/bin/env bash
# Benchmark the audit log (issue 5), in one run on this machine:
#   1a. AuditLog alone: 16 threads each calling Append (one entry a call) for a few
#       seconds: entries/s, batches (signed checkpoints), Append latency
#       (bench/audit_log_bench.cc append).
#   1b. The gateway end to end: durable uploads/s with 16 keep-alive senders
#       (bench/gateway_load.cc) against this gateway and against the gateway from
#       before the audit log (commit a68929e, built separately, with the one later
#       fix that is not the log's applied: bench/baseline/), alternating, fresh state
#       for every run. Goal: the log costs at most 10% (ratio >= 0.90).
#   2.  `adtgw audit verify --full` online over a log of 1,000,000 entries
#       (bench/audit_log_fill.cc, a year of realistic events, 100 parties), and offline
#       over its `adtgw audit export`. Goal: under 5 s.
#   3.  InclusionProof and ConsistencyProof at 1,000,000 entries, in process
#       (bench/audit_log_bench.cc read). Goal: under 1 ms. Side figure: the same proofs
#       over HTTPS with curl (mTLS, the auditor's certificate, one keep-alive connection).
#   4.  Entries naming one party in one month: AuditLog::Find in process, and the query
#       as the gateway serves it, GET /v1/audit/query over HTTPS with curl (one
#       keep-alive connection, the whole answer read). Goal: under 50 ms. Side figures:
#       the whole `adtgw audit query --party EUI --since 2026-03-01 --until 2026-04-01
#       --json` command, and what any auditor command costs before it asks anything
#       (`adtgw --version`; `adtgw audit verify` without --full: process start, config,
#       keys, TLS handshake, witness check).
# Prints a markdown table with goals, whether each is met, and peak RSS of the gateway
# (VmHWM) and of the tools and CLI (GNU time).
#
# Usage: bench/audit_log.sh [BUILD_DIR]
#   BUILD_DIR  default build/release: BUILD_DIR/adtgw and BUILD_DIR/bench/adtgw_audit_log_fill,
#              adtgw_audit_log_bench, adtgw_gateway_load (cmake targets of those names)
#
# Environment:
#   ADTGW_BENCH_BEFORE_DIR     build directory of the gateway before the audit log, with
#                              adtgw and bench/adtgw_gateway_load in it; unset: 1b skipped.
#                              Make one with:
#                                git worktree add /tmp/adtgw-before a68929e
#                                git -C /tmp/adtgw-before apply \
#                                  "$PWD/bench/baseline/a68929e-upload-buffer.patch"
#                                cmake -S /tmp/adtgw-before -B /tmp/adtgw-before/build \
#                                  -DCMAKE_BUILD_TYPE=RelWithDebInfo
#                                cmake --build /tmp/adtgw-before/build --target adtgw adtgw_gateway_load
#   ADTGW_BENCH_ENTRIES        entries in the big log (default 1000000)
#   ADTGW_BENCH_BATCH          entries per AppendAll, i.e. per signed checkpoint, when
#                              filling it (default 1000)
#   ADTGW_BENCH_APPEND_SECONDS 1a's duration (default 10)
#   ADTGW_BENCH_LOAD_SECONDS   each 1b run's duration (default 15)
#   ADTGW_BENCH_LOAD_ROUNDS    1b runs of each gateway, alternating (default 8)
#   ADTGW_BENCH_SAMPLES        proofs of each kind (default 2000)
#   ADTGW_BENCH_RUNS           timed runs of each CLI command (default 3 for verify,
#                              3x that for query)
#   ADTGW_BENCH_OUT            also write the report (markdown) to this file
#   ADTGW_BENCH_STRICT         if 1, exit 3 when a goal is not met
#   TMPDIR                     scratch space: about 1.3 GB for 1,000,000 entries
#
# Every process started here runs as the current user from a private directory, talks
# only to 127.0.0.1 on ports the gateway picks itself (port 0, reported through its
# ready files), is bounded by `timeout`, and is stopped on exit however the script exits.
set -euo pipefail
export LC_ALL=C

readonly GOAL_RATIO=0.90     # uploads/s with the log / without it, at least
readonly GOAL_VERIFY_S=5     # verify --full over 1,000,000 entries, under
readonly GOAL_PROOF_US=1000  # a proof at 1,000,000 entries, under
readonly GOAL_QUERY_MS=50    # one party's month, under
readonly GNU_TIME=/usr/bin/time
readonly QUERY_PARTY=AD-7C-00-00-00-00-02-01 # demo supplier-a
readonly QUERY_SINCE=2026-03-01 QUERY_UNTIL=2026-04-01

die() {
  printf 'audit_log.sh: %s\n' "$*" >&2
  exit 1
}
note() { printf '%s\n' "$*" >&2; }

build=${1:-build/release}
build=$(cd "$build" 2>/dev/null && pwd) || die "build directory '${1:-build/release}' not found (run: make build)"
for f in adtgw bench/adtgw_audit_log_fill bench/adtgw_audit_log_bench bench/adtgw_gateway_load; do
  [[ -x $build/$f ]] || die "$build/$f not found (cmake --build $build --target ${f##*/})"
done
before=${ADTGW_BENCH_BEFORE_DIR:-}
if [[ -n $before ]]; then
  before=$(cd "$before" && pwd) || die "ADTGW_BENCH_BEFORE_DIR '$ADTGW_BENCH_BEFORE_DIR' not found"
  for f in adtgw bench/adtgw_gateway_load; do
    [[ -x $before/$f ]] || die "$before/$f not found (see ADTGW_BENCH_BEFORE_DIR above)"
  done
fi
entries=${ADTGW_BENCH_ENTRIES:-1000000}
batch=${ADTGW_BENCH_BATCH:-1000}
append_seconds=${ADTGW_BENCH_APPEND_SECONDS:-10}
load_seconds=${ADTGW_BENCH_LOAD_SECONDS:-15}
load_rounds=${ADTGW_BENCH_LOAD_ROUNDS:-8}
samples=${ADTGW_BENCH_SAMPLES:-2000}
runs=${ADTGW_BENCH_RUNS:-3}
for v in entries batch append_seconds load_seconds load_rounds samples runs; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, not '${!v}'"
done
command -v curl >/dev/null || die "curl is needed (apt-get install curl)"
"$GNU_TIME" --version 2>&1 | grep -q GNU || die "GNU time is needed (apt-get install time)"

# ---------------------------------------------------------------- processes
work=$(mktemp -d "${TMPDIR:-/tmp}/adtgw-auditbench.XXXXXX")
pids=() # every background process started here, stopped by cleanup

# alive PID, stop_pid PID, cpu_busy
source "$(dirname "$0")/bench_lib.sh"
cleanup() {
  local pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p -- "$work/home" "$work/tmp"
export HOME=$work/home TMPDIR=$work/tmp
unset ADTGW_CONFIG XDG_CONFIG_HOME

# Private copies: a rebuild during the run cannot swap them.
mkdir -p -- "$work/bin/new" "$work/bin/old"
for f in adtgw adtgw_audit_log_fill adtgw_audit_log_bench adtgw_gateway_load; do
  src=$build/$f
  [[ $f == adtgw ]] || src=$build/bench/$f
  cp -- "$src" "$work/bin/new/$f"
done
adtgw=$work/bin/new/adtgw
if [[ -n $before ]]; then
  cp -- "$before/adtgw" "$work/bin/old/adtgw"
  cp -- "$before/bench/adtgw_gateway_load" "$work/bin/old/adtgw_gateway_load"
fi

median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.12g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
p99() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { i = int(0.99 * (NR - 1) + 1.5); if (i > NR) i = NR; print v[i] }'; }
max() { if (($1 > $2)); then echo "$1"; else echo "$2"; fi; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
lt() { awk -v x="$1" -v y="$2" 'BEGIN { exit !(x < y) }'; }
ge() { awk -v x="$1" -v y="$2" 'BEGIN { exit !(x >= y) }'; }
# kv FILE KEY: the value of KEY=... in a tool's key=value output line.
kv() { tr ' ' '\n' <"$1" | awk -F= -v k="$2" '$1 == k { print substr($0, length(k) + 2); exit }'; }
# Peak RSS (KiB) from a GNU time -f '%M ...' file.
time_rss() { awk 'NF >= 1 && $1 ~ /^[0-9]+$/ { print $1; exit }' "$1"; }

busy_start=$(cpu_busy)
((busy_start <= 10)) || note "warning: the machine is already ${busy_start}% busy; results will be skewed"

# ---------------------------------------------------------------- PKI
# pki_for VERSION DIR: a demo PKI made by that adtgw, the policy's limits raised as in
# bench/gateway_send.sh (the load test makes thousands of transfers a day).
pki_for() {
  local bin=$1 dir=$2
  "$bin" demo-pki "$dir" >"$work/demo-pki.log" 2>&1 || { cat "$work/demo-pki.log" >&2; die "$bin demo-pki failed"; }
  sed -i -e 's/max_size: 10MiB/max_size: 2GiB/' \
    -e 's/^default_daily_limit: [0-9]*/default_daily_limit: 10000000/' "$dir/config/policy.yaml"
  grep -q '^default_daily_limit: 10000000' "$dir/config/policy.yaml" ||
    die "could not raise the daily limit in $dir/config/policy.yaml"
}
pki=$work/pki
pki_for "$adtgw" "$pki"
origin=$(awk '/^audit:/ { a = 1; next } a && /^  origin:/ { print $2; exit }' "$pki/config/gateway.yaml")
state_dir=$(awk '/^state_dir:/ { print $2; exit }' "$pki/config/gateway.yaml")
[[ -n $origin && -n $state_dir ]] || die "no audit origin or state_dir in $pki/config/gateway.yaml"
log_key=$pki/audit/log-key.pem
if [[ -n $before ]]; then
  pki_old=$work/pki-old
  pki_for "$work/bin/old/adtgw" "$pki_old"
fi

# ---------------------------------------------------------------- gateway
# start_gateway BIN CONFIG [new]: starts adtgw serve on 127.0.0.1:0 (and, for the new
# one, its auditor listener on 127.0.0.1:0); sets gw_pid, gw_port, aud_port and
# gw_ready_ms (from start to the ready file). Bounded: 120 s to get ready (opening a
# big audit log is part of it).
gw_pid='' gw_port='' aud_port='' gw_ready_ms=0
start_gateway() {
  local bin=$1 config=$2 kind=${3:-old} i t0 t1
  local extra=()
  rm -f -- "$work/gateway.port" "$work/auditor.port"
  if [[ $kind == new ]]; then
    extra=(--auditor-listen 127.0.0.1:0 --auditor-ready-file "$work/auditor.port")
  fi
  t0=${EPOCHREALTIME/[.,]/}
  "$bin" serve --config "$config" --listen 127.0.0.1:0 --ready-file "$work/gateway.port" \
    "${extra[@]}" 2>"$work/gateway.log" &
  gw_pid=$!
  pids+=("$gw_pid")
  for ((i = 0; i < 1200; i++)); do
    [[ -s $work/gateway.port ]] && break
    alive "$gw_pid" || { cat "$work/gateway.log" >&2; die "adtgw serve exited"; }
    sleep 0.1
  done
  [[ -s $work/gateway.port ]] || { cat "$work/gateway.log" >&2; die "adtgw serve did not get ready in 120 s"; }
  t1=${EPOCHREALTIME/[.,]/}
  gw_ready_ms=$(((t1 - t0) / 1000))
  gw_port=$(<"$work/gateway.port")
  aud_port=''
  [[ $kind != new ]] || aud_port=$(<"$work/auditor.port")
}
stop_gateway() {
  stop_pid "$gw_pid"
  gw_pid=''
}
gw_hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$gw_pid/status"; }
# gw_cpu_ms: the running gateway's CPU time so far (user + system), in milliseconds.
gw_cpu_ms() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1000 / hz }' "/proc/$gw_pid/stat"
}
# client_config SRC DST: a copy of a client configuration pointing at this run's ports.
client_config() {
  sed -e "s#^gateway: https://127.0.0.1:[0-9]*#gateway: https://127.0.0.1:$gw_port#" \
    -e "s#^auditor_url: https://127.0.0.1:[0-9]*#auditor_url: https://127.0.0.1:${aud_port:-0}#" \
    "$1" >"$2"
}

# ================================================================ 1a. AuditLog alone
note "== 1a. AuditLog::Append, 16 threads, ${append_seconds} s"
sync -f -- "$work"
"$GNU_TIME" -f '%M %U %S' -o "$work/append.time" \
  timeout -k 5 $((append_seconds + 120)) "$work/bin/new/adtgw_audit_log_bench" append \
  --db "$work/append.db" --key "$log_key" --origin "$origin" --threads 16 \
  --seconds "$append_seconds" >"$work/append.out" 2>"$work/append.err" ||
  { cat "$work/append.err" >&2; die "adtgw_audit_log_bench append failed"; }
cat "$work/append.err" >&2
append_rss=$(time_rss "$work/append.time")
rm -f -- "$work"/append.db*

# ================================================================ 1b. gateway end to end
old_rates=() new_rates=() old_hwm=0 new_hwm=0 old_p50=() new_p50=() old_cpu=() new_cpu=()
# A run's state is moved aside, not deleted, until every run is done: ext4 skips
# recently deleted inodes when it allocates new ones, so a run that started right after
# deleting the last run's thousands of envelopes paid for it in every file it created
# (openat took 6 times longer), and more so after a run that had stored more.
spent=$work/spent
mkdir -p -- "$spent"
# load_run old|new: one fresh gateway, one load run; appends the rate.
load_run() {
  local kind=$1 bin cfg_dir tool rc=0 hwm cpu uploads
  if [[ $kind == old ]]; then
    bin=$work/bin/old/adtgw cfg_dir=$pki_old tool=$work/bin/old/adtgw_gateway_load
  else
    bin=$adtgw cfg_dir=$pki tool=$work/bin/new/adtgw_gateway_load
  fi
  local sd
  sd=$(awk '/^state_dir:/ { print $2; exit }' "$cfg_dir/config/gateway.yaml")
  local aside
  aside=$(mktemp -d "$spent/run.XXXXXX")
  [[ ! -e $sd ]] || mv -- "$sd" "$aside/state"
  [[ ! -e $cfg_dir/client-state ]] || mv -- "$cfg_dir/client-state" "$aside/client-state"
  sync -f -- "$work"
  start_gateway "$bin" "$cfg_dir/config/gateway.yaml" "$kind"
  client_config "$cfg_dir/config/client-supplier-a.yaml" "$work/load-client.yaml"
  timeout -k 5 $((load_seconds * 4 + 120)) "$tool" --config "$work/load-client.yaml" \
    --count 30000 --concurrency 16 --seconds "$load_seconds" \
    >"$work/load.out" 2>"$work/load.err" || rc=$?
  hwm=$(gw_hwm)
  cpu=$(gw_cpu_ms)
  stop_gateway
  cat "$work/load.err" >&2
  ((rc == 0)) || { tail -n 5 "$work/gateway.log" >&2; die "the $kind gateway's load run failed (exit $rc)"; }
  # Gateway CPU per upload (its whole life: start-up, the 16 warm-ups, the run), the
  # figure the rates move with when the machine is busy with something else.
  uploads=$(kv "$work/load.out" uploads)
  cpu=$(awk -v c="$cpu" -v u="$uploads" 'BEGIN { printf "%.2f", (u > 0 ? c / (u + 16) : 0) }')
  if [[ $kind == old ]]; then
    old_cpu+=("$cpu")
    old_rates+=("$(kv "$work/load.out" rate)") old_p50+=("$(kv "$work/load.out" p50_ms)")
    old_hwm=$(max "$old_hwm" "$hwm")
  else
    new_cpu+=("$cpu")
    new_rates+=("$(kv "$work/load.out" rate)") new_p50+=("$(kv "$work/load.out" p50_ms)")
    new_hwm=$(max "$new_hwm" "$hwm")
  fi
  return 0
}
if [[ -n $before ]]; then
  note "== 1b. uploads/s, 16 senders, ${load_seconds} s a run, $load_rounds run(s) of each gateway, alternating"
  for ((r = 1; r <= load_rounds; r++)); do
    # Alternate which goes first, so that drift on the machine hits both alike.
    if ((r % 2)); then order=(old new); else order=(new old); fi
    for k in "${order[@]}"; do load_run "$k"; done
  done
  rm -rf -- "$spent"
fi

# ================================================================ 2-4. the big log
note "== 2. filling a log of $entries entries ($batch per checkpoint)"
rm -rf -- "$state_dir"
mkdir -p -- "$state_dir"
chmod 0700 "$state_dir"
avail_kib=$(df -Pk -- "$state_dir" | awk 'NR == 2 { print $4 }')
need_kib=$((entries * 13 / 10 + 262144)) # ~1.3 KB an entry: db, WAL, export
((avail_kib >= need_kib)) || die "needs $((need_kib / 1024)) MiB free in $state_dir, have $((avail_kib / 1024)) MiB"
"$GNU_TIME" -f '%M %U %S %e' -o "$work/fill.time" \
  timeout -k 5 3600 "$work/bin/new/adtgw_audit_log_fill" --db "$state_dir/audit.db" \
  --key "$log_key" --origin "$origin" --entries "$entries" --batch "$batch" \
  --user AD-7C-00-00-00-00-02-01 --user AD-7C-00-00-00-00-02-02 --user AD-7C-00-00-00-00-03-01 \
  --dcc AD-7C-00-00-00-00-04-01 --users 99 >"$work/fill.out" 2>"$work/fill.err" ||
  { cat "$work/fill.err" >&2; die "adtgw_audit_log_fill failed"; }
tail -c 300 "$work/fill.err" >&2
db_mib=$(du -smc -- "$state_dir"/audit.db* | awk 'END { print $1 }')

note "== 3/4. proofs and queries in process"
"$GNU_TIME" -f '%M %U %S' -o "$work/read.time" \
  timeout -k 5 600 "$work/bin/new/adtgw_audit_log_bench" read --db "$state_dir/audit.db" \
  --key "$log_key" --origin "$origin" --samples "$samples" --party "$QUERY_PARTY" \
  --since "${QUERY_SINCE}T00:00:00Z" --until "${QUERY_UNTIL}T00:00:00Z" --query-runs 50 \
  >"$work/read.out" 2>"$work/read.err" || { cat "$work/read.err" >&2; die "adtgw_audit_log_bench read failed"; }
cat "$work/read.err" >&2
read_rss=$(time_rss "$work/read.time")

note "== 2. adtgw serve on the big log; adtgw audit verify --full"
start_gateway "$adtgw" "$pki/config/gateway.yaml" new
big_ready_ms=$gw_ready_ms
aud_cfg=$work/client-auditor.yaml
client_config "$pki/config/client-auditor.yaml" "$aud_cfg"
grep -q "^auditor_url: https://127.0.0.1:$aud_port\$" "$aud_cfg" || die "could not point $aud_cfg at the auditor listener"

# cli_run NAME CMD...: runs a CLI command, bounded, under GNU time; sets cli_s (wall
# seconds, from $EPOCHREALTIME around it) and cli_rss (KiB); output in $work/NAME.out.
cli_s=0 cli_rss=0
cli_run() {
  local name=$1 t0 t1 rc=0
  shift
  t0=${EPOCHREALTIME/[.,]/}
  "$GNU_TIME" -f '%M %U %S' -o "$work/$name.time" timeout -k 5 600 "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  t1=${EPOCHREALTIME/[.,]/}
  if ((rc != 0)); then
    cat "$work/$name.err" >&2
    head -c 2000 "$work/$name.out" >&2
    die "$name failed (exit $rc): $*"
  fi
  cli_s=$(awk -v u=$((t1 - t0)) 'BEGIN { printf "%.3f", u / 1e6 }')
  cli_rss=$(time_rss "$work/$name.time")
}

# The gateway adds its own entries (policy.loaded, gateway.started) to the filled ones.
enough_verified() {
  local n
  n=$(grep -o '"entries_verified":[0-9]*' "$1" | cut -d: -f2)
  [[ -n $n ]] && ((n >= entries))
}
verify_s=() verify_rss=0
for ((i = 1; i <= runs; i++)); do
  cli_run verify "$adtgw" audit verify --full --json --config "$aud_cfg"
  grep -q '"ok":true' "$work/verify.out" || { cat "$work/verify.out" >&2; die "verify --full did not verify"; }
  enough_verified "$work/verify.out" || { cat "$work/verify.out" >&2; die "verify --full did not read $entries entries"; }
  verify_s+=("$cli_s")
  verify_rss=$(max "$verify_rss" "$cli_rss")
  note "   verify --full run $i: $cli_s s, $(mib "$cli_rss") MiB"
done

# Without --full: the signed checkpoint and the witness (two requests). What every
# auditor command costs before it asks its own question.
head_ms=()
for ((i = 1; i <= runs * 3; i++)); do
  cli_run verify_head "$adtgw" audit verify --json --config "$aud_cfg"
  grep -q '"ok":true' "$work/verify_head.out" || { cat "$work/verify_head.out" >&2; die "verify did not verify"; }
  head_ms+=("$(awk -v s="$cli_s" 'BEGIN { printf "%.1f", s * 1000 }')")
done
history_n=$(grep -o '"checkpoints_listed":[0-9]*' "$work/verify.out" | cut -d: -f2)

note "== 2. adtgw audit export, then verify --from EXPORT --full"
cli_run export "$adtgw" audit export "$work/export" --config "$aud_cfg"
export_s=$cli_s export_rss=$cli_rss
export_mib=$(du -sm -- "$work/export" | awk '{ print $1 }')
offline_s=() offline_rss=0
for ((i = 1; i <= runs; i++)); do
  cli_run offline "$adtgw" audit verify --from "$work/export" --full --json
  grep -q '"ok":true' "$work/offline.out" || { cat "$work/offline.out" >&2; die "verify --from did not verify"; }
  enough_verified "$work/offline.out" || { cat "$work/offline.out" >&2; die "verify --from did not read $entries entries"; }
  offline_s+=("$cli_s")
  offline_rss=$(max "$offline_rss" "$cli_rss")
  note "   verify --from --full run $i: $cli_s s, $(mib "$cli_rss") MiB"
done
rm -rf -- "$work/export"

note "== 4. adtgw audit query --party $QUERY_PARTY --since $QUERY_SINCE --until $QUERY_UNTIL --json"
query_ms=() query_rss=0
cli_run query "$adtgw" audit query --party "$QUERY_PARTY" --since "$QUERY_SINCE" --until "$QUERY_UNTIL" --json --config "$aud_cfg" # warm-up
query_rows=$(grep -o '"index":' "$work/query.out" | wc -l)
((query_rows > 0)) || { head -c 2000 "$work/query.out" >&2; die "the query found nothing"; }
for ((i = 1; i <= runs * 3; i++)); do
  cli_run query "$adtgw" audit query --party "$QUERY_PARTY" --since "$QUERY_SINCE" --until "$QUERY_UNTIL" --json --config "$aud_cfg"
  query_ms+=("$(awk -v s="$cli_s" 'BEGIN { printf "%.1f", s * 1000 }')")
  query_rss=$(max "$query_rss" "$cli_rss")
done
# What process start costs on its own: the same binary, doing nothing.
ver_ms=()
for ((i = 1; i <= 5; i++)); do
  cli_run version "$adtgw" --version
  ver_ms+=("$(awk -v s="$cli_s" 'BEGIN { printf "%.1f", s * 1000 }')")
done

note "== 3. proofs over HTTPS (curl, mTLS, one keep-alive connection)"
aud=$pki/parties/auditor
size=$(kv "$work/fill.out" size)
# curl_proofs NAME URL-MAKER [N]: N requests (default $samples, at most 500) in one curl;
# per-request time_total in seconds, the first (TLS handshake) dropped; the last
# answer's size in NAME.bytes.
curl_proofs() {
  local name=$1 n=${3:-$samples} i
  n=$((n < 500 ? n : 500))
  : >"$work/$name.curl"
  for ((i = 0; i < n; i++)); do
    printf 'url = "%s"\noutput = "/dev/null"\n' "$("$2")" >>"$work/$name.curl"
  done
  timeout -k 5 300 curl -q -sS -f --cacert "$pki/dccki/tls-ca.cert.pem" \
    --cert "$aud/tls.cert.pem" --key "$aud/tls.key.pem" \
    -w '%{http_code} %{time_total} %{size_download}\n' -K "$work/$name.curl" >"$work/$name.times" ||
    die "curl $name failed"
  awk '$1 != 200 { bad = 1 } END { exit bad }' "$work/$name.times" || die "curl $name: not every answer was 200"
  tail -n +2 "$work/$name.times" | awk '{ printf "%.1f\n", $2 * 1e6 }' >"$work/$name.us"
  tail -n 1 "$work/$name.times" | awk '{ print $3 }' >"$work/$name.bytes"
}
inclusion_url() { echo "https://127.0.0.1:$aud_port/v1/audit/inclusion?index=$(((RANDOM * 32768 + RANDOM) % size))&size=$size"; }
consistency_url() { echo "https://127.0.0.1:$aud_port/v1/audit/consistency?from=$((1 + (RANDOM * 32768 + RANDOM) % (size - 1)))&to=$size"; }
query_url() { echo "https://127.0.0.1:$aud_port/v1/audit/query?party=$QUERY_PARTY&since=${QUERY_SINCE}T00:00:00Z&until=${QUERY_UNTIL}T00:00:00Z"; }
curl_proofs inclusion inclusion_url
curl_proofs consistency consistency_url
curl_proofs http_query query_url $((runs * 10 + 1))
# The answer timed must be the whole month: not truncated, as many entries as the CLI got.
timeout -k 5 60 curl -q -sS -f --cacert "$pki/dccki/tls-ca.cert.pem" --cert "$aud/tls.cert.pem" \
  --key "$aud/tls.key.pem" -o "$work/http_query.json" "$(query_url)" || die "curl query failed"
grep -q '"truncated":false}$' "$work/http_query.json" || die "GET /v1/audit/query: the answer is truncated or malformed"
http_rows=$(grep -o '"index":' "$work/http_query.json" | wc -l)
((http_rows == query_rows)) || die "GET /v1/audit/query answered $http_rows entries, the CLI printed $query_rows"
mapfile -t http_inc <"$work/inclusion.us"
mapfile -t http_con <"$work/consistency.us"
mapfile -t http_query <"$work/http_query.us"
big_hwm=$(gw_hwm)
stop_gateway

# ---------------------------------------------------------------- report
busy_end=$(cpu_busy)
verdict_missed=0
v_ok='' o_ok='' i_ok='' c_ok='' f_ok='' q_ok='' l_ok=''
# check VAR STATUS: VAR="met" if STATUS is 0, else "NOT met" (remembered for STRICT).
check() {
  if (($2 == 0)); then
    printf -v "$1" 'met'
  else
    printf -v "$1" 'NOT met'
    verdict_missed=1
  fi
}
r() { kv "$work/read.out" "$1"; }
a() { kv "$work/append.out" "$1"; }
st() { "$@" && echo 0 || echo 1; }

vmed=$(median "${verify_s[@]}") omed=$(median "${offline_s[@]}")
qmed=$(median "${query_ms[@]}") qp99=$(p99 "${query_ms[@]}")
check v_ok "$(st lt "$vmed" "$GOAL_VERIFY_S")"
check o_ok "$(st lt "$omed" "$GOAL_VERIFY_S")"
check i_ok "$(st lt "$(r inc_p99_us)" "$GOAL_PROOF_US")"
check c_ok "$(st lt "$(r con_p99_us)" "$GOAL_PROOF_US")"
check f_ok "$(st lt "$(awk -v u="$(r find_p99_us)" 'BEGIN { print u / 1000 }')" "$GOAL_QUERY_MS")"
hqmed=$(median "${http_query[@]}") hqp99=$(p99 "${http_query[@]}")
check q_ok "$(st lt "$(awk -v u="$hqp99" 'BEGIN { print u / 1000 }')" "$GOAL_QUERY_MS")"
if [[ -n $before ]]; then
  old_med=$(median "${old_rates[@]}") new_med=$(median "${new_rates[@]}")
  ratio=$(awk -v a="$new_med" -v b="$old_med" 'BEGIN { printf "%.2f", a / b }')
  check l_ok "$(st ge "$ratio" "$GOAL_RATIO")"
  old_cpu_med=$(median "${old_cpu[@]}") new_cpu_med=$(median "${new_cpu[@]}")
  cpu_ratio=$(awk -v a="$old_cpu_med" -v b="$new_cpu_med" 'BEGIN { printf "%.2f", a / b }')
fi
f1() { awk -v x="$1" 'BEGIN { printf "%.1f", x }'; }
f0() { awk -v x="$1" 'BEGIN { printf "%.0f", x }'; }
ms_of_us() { awk -v x="$1" 'BEGIN { printf "%.1f", x / 1000 }'; }

report() {
  echo "$("$adtgw" --version 2>/dev/null | head -n 1) ($build/adtgw)${before:+ vs the gateway before the audit log ($before/adtgw)}"
  echo "machine: $(nproc) CPU(s), $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(uname -sr); scratch: $(df -P -- "$work" | awk 'NR == 2 { print $1 }')"
  echo "other load: ${busy_start}% of all CPUs busy just before the run, ${busy_end}% just after; $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "big log: $(kv "$work/fill.out" entries) entries (avg $(kv "$work/fill.out" avg_entry_bytes) bytes, a year of transfers between 99 users and the DCC), $(kv "$work/fill.out" batches) signed checkpoints, ${db_mib} MiB of SQLite; filled in $(kv "$work/fill.out" seconds) s ($(kv "$work/fill.out" entries_per_s) entries/s, peak RSS $(mib "$(time_rss "$work/fill.time")") MiB); adtgw serve ready on it in ${big_ready_ms} ms"
  echo
  echo "| # | figure | result | goal | met | peak RSS (MiB) |"
  echo "|---|---|---:|---|---|---|"
  echo "| 1a | AuditLog::Append alone, 16 threads, $(f1 "$(a seconds)") s: entries/s | $(f0 "$(a rate)") ($(a batches) batches, $(f1 "$(a entries_per_batch)") entries each; Append p50 $(a p50_ms) ms, p99 $(a p99_ms) ms; $(a avg_entry_bytes)-byte entries) | - | - | bench tool $(mib "$append_rss") |"
  if [[ -n $before ]]; then
    echo "| 1b | gateway uploads/s, 16 keep-alive senders: with the log / before it (median of $load_rounds runs of ${load_seconds} s each) | $(f0 "$new_med") / $(f0 "$old_med") = **${ratio}** (runs: new ${new_rates[*]}; old ${old_rates[*]}; p50 ms new $(median "${new_p50[@]}"), old $(median "${old_p50[@]}")) | >= $GOAL_RATIO | $l_ok | gateway $(mib "$new_hwm") / $(mib "$old_hwm") |"
    echo "| 1b | the same runs: gateway CPU ms per upload, before / with the log (what uploads/s on a machine of its own would move by) | $old_cpu_med / $new_cpu_med = **${cpu_ratio}** (runs: new ${new_cpu[*]}; old ${old_cpu[*]}) | (side figure) | - | |"
  else
    echo "| 1b | gateway uploads/s with the log / before it | skipped (ADTGW_BENCH_BEFORE_DIR not set) | >= $GOAL_RATIO | - | - |"
  fi
  echo "| 2 | \`adtgw audit verify --full\` online, $entries entries and $history_n signed checkpoints (median of $runs) | $(f1 "$vmed") s (runs: ${verify_s[*]}) | < ${GOAL_VERIFY_S} s | $v_ok | CLI $(mib "$verify_rss"), gateway $(mib "$big_hwm") |"
  echo "| 2 | \`adtgw audit verify\` without --full (the newest checkpoint and the witness; median of $((runs * 3))) | $(median "${head_ms[@]}") ms | (side figure) | - | |"
  echo "| 2 | \`adtgw audit verify --from EXPORT --full\` offline (median of $runs; export took $(f1 "$export_s") s, $export_mib MiB) | $(f1 "$omed") s (runs: ${offline_s[*]}) | < ${GOAL_VERIFY_S} s | $o_ok | CLI $(mib "$offline_rss"), export $(mib "$export_rss") |"
  echo "| 3 | AuditLog::InclusionProof(random index, $size), $(r inc_n) samples | median $(r inc_median_us) us, p99 $(r inc_p99_us) us, max $(r inc_max_us) us (CPU: median $(r inc_cpu_median_us) us, p99 $(r inc_cpu_p99_us) us) | < ${GOAL_PROOF_US} us | $i_ok | bench tool $(mib "$read_rss") |"
  echo "| 3 | AuditLog::ConsistencyProof(random m, $size), $(r con_n) samples | median $(r con_median_us) us, p99 $(r con_p99_us) us, max $(r con_max_us) us (CPU: median $(r con_cpu_median_us) us, p99 $(r con_cpu_p99_us) us) | < ${GOAL_PROOF_US} us | $c_ok | |"
  echo "| 3 | GET /v1/audit/inclusion over HTTPS (curl, keep-alive, ${#http_inc[@]} requests) | median $(f0 "$(median "${http_inc[@]}")") us, p99 $(f0 "$(p99 "${http_inc[@]}")") us | (side figure) | - | |"
  echo "| 3 | GET /v1/audit/consistency over HTTPS (curl, keep-alive, ${#http_con[@]} requests) | median $(f0 "$(median "${http_con[@]}")") us, p99 $(f0 "$(p99 "${http_con[@]}")") us | (side figure) | - | |"
  echo "| 4 | AuditLog::Find({$QUERY_PARTY, $QUERY_SINCE..$QUERY_UNTIL}), $(r find_rows) entries (50 runs; first $(ms_of_us "$(r find_first_us)") ms) | median $(ms_of_us "$(r find_median_us)") ms, p99 $(ms_of_us "$(r find_p99_us)") ms (CPU: median $(ms_of_us "$(r find_cpu_median_us)") ms) | < ${GOAL_QUERY_MS} ms | $f_ok | |"
  echo "| 4 | AuditLog::Find, 50 random (user, 30 days), $(r find_random_rows) entries each | median $(ms_of_us "$(r find_random_median_us)") ms, p99 $(ms_of_us "$(r find_random_p99_us)") ms | (side figure) | - | |"
  echo "| 4 | GET /v1/audit/query, the same party and month, over HTTPS (curl, keep-alive, ${#http_query[@]} requests, the whole $(cat "$work/http_query.bytes")-byte answer read) | median $(ms_of_us "$hqmed") ms, p99 $(ms_of_us "$hqp99") ms | < ${GOAL_QUERY_MS} ms | $q_ok | |"
  echo "| 4 | \`adtgw audit query --party $QUERY_PARTY --since $QUERY_SINCE --until $QUERY_UNTIL --json\`, $query_rows entries, whole command ($((runs * 3)) runs): process start, configuration, keys, TLS handshake and witness check (the fixed part: \`adtgw audit verify\` without --full, $(median "${head_ms[@]}") ms; \`adtgw --version\` alone, $(median "${ver_ms[@]}") ms), then the query | median $qmed ms, p99 $qp99 ms | (side figure) | - | CLI $(mib "$query_rss") |"
}
echo
report
if [[ -n ${ADTGW_BENCH_OUT:-} ]]; then
  report >"$ADTGW_BENCH_OUT"
  note "wrote $ADTGW_BENCH_OUT"
fi
if ((verdict_missed)) && [[ ${ADTGW_BENCH_STRICT:-0} == 1 ]]; then
  note "one or more goals not met"
  exit 3
fi
