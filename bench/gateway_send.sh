#!/usr/bin/env bash
# Benchmark a whole `adtgw send` (seal + manifest + mTLS upload to a running
# gateway, receipt checked) against what it replaces, side by side in one run:
#   stock:  openssl cms -sign | openssl cms -encrypt | curl -T - (client
#           certificate) to nginx with `dav_methods PUT`, and
#   sftp:   `sftp -b` put to an OpenSSH sshd (no signing, no encryption at rest).
# Reports 10 KiB latency, 100 MiB / 1 GiB throughput, peak RSS of the adtgw
# client and server, and accepted durable uploads per second with 16 concurrent
# keep-alive senders (bench/gateway_load.cc).
#
# Usage: bench/gateway_send.sh [ADTGW_BINARY] [SIZE...]
#   ADTGW_BINARY  default build/release/adtgw
#   SIZE          e.g. 10K 100M 500M (binary units); default "10K 100M 500M".
#                 The input is a valid ADT/1 file of about SIZE (adtgw send checks
#                 its content, and ADT/1 files are capped at 512 MiB), made by
#                 scripts/make-adt-file.sh; the figures use its exact size.
#                 Sizes up to 1 MiB are reported as latency, larger ones as
#                 throughput.
#
# Environment:
#   ADTGW_BENCH_SIZES            sizes when none are given as arguments
#   ADTGW_BENCH_RUNS             timed runs per size (default 5 / 3 / 2 by size)
#   ADTGW_BENCH_LOAD_TOOL        adtgw_gateway_load binary (default: bench/ beside
#                                ADTGW_BINARY, as `make build` lays it out)
#   ADTGW_BENCH_LOAD_COUNT       uploads in the concurrency test (default 30000)
#   ADTGW_BENCH_LOAD_SECONDS     ...or stop after this many seconds (default 15)
#   ADTGW_BENCH_LOAD_CONCURRENCY senders (default 16)
#   ADTGW_BENCH_OSSL_STREAM      -stream on the openssl stages: both (default),
#                                sign or none (as in bench/seal_open.sh)
#   ADTGW_BENCH_OUT              also write the results as markdown to this file
#   ADTGW_BENCH_STRICT           if 1, exit 3 when a goal is not met
#   ADTGW_BENCH_NO_INSTALL       if 1, never apt-get install what is missing
#   ADTGW_BENCH_OP_TIMEOUT       seconds one command may take before the run is
#                                stopped (default 120 + 1 s per 5 MB)
#   TMPDIR                       scratch space (about (runs + 6) x the largest size)
#
# Needs nginx, sshd (openssh-server), sftp, curl, openssl and GNU time; when
# run as root it installs the missing Debian packages itself (they are only
# needed by this benchmark, so they are not build dependencies). Every server
# runs as the current user, from a private temporary directory, on 127.0.0.1
# ports picked here; all of them are stopped on exit, however it exits.
#
# Every run's result is checked (exit status, a receipt from the gateway, the
# size of the uploaded file), and once per invocation the stock envelope and
# the adtgw transfer are opened again, so a failure cannot be timed as a success.
set -euo pipefail
export LC_ALL=C

readonly GOAL_LATENCY=0.5    # 10 KiB: adtgw time / stock time at most this
readonly GOAL_TPUT_STOCK=1.5 # large: adtgw MB/s / stock MB/s at least this
readonly GOAL_TPUT_SFTP=1.0  # large: adtgw MB/s / sftp MB/s at least this
readonly GOAL_RATE=3000      # accepted durable uploads per second, 16 senders
readonly GOAL_RSS_KIB=65536  # adtgw client and server peak RSS below 64 MiB
readonly LATENCY_MAX_BYTES=$((1024 * 1024))
readonly POLICY_OID=2.25.161723384018474328562402419043254938120
readonly GNU_TIME=/usr/bin/time
readonly NGINX=/usr/sbin/nginx
readonly SSHD=/usr/sbin/sshd # sshd re-executes itself: it needs an absolute path

die() {
  printf 'gateway_send.sh: %s\n' "$*" >&2
  exit 1
}
note() { printf '%s\n' "$*" >&2; }

adtgw=${1:-build/release/adtgw}
if (($# > 0)); then shift; fi
[[ -x $adtgw && -f $adtgw ]] || die "adtgw binary '$adtgw' not found or not executable (run: make build)"
adtgw=$(cd "$(dirname "$adtgw")" && pwd)/$(basename "$adtgw")
load_tool=${ADTGW_BENCH_LOAD_TOOL:-$(dirname "$adtgw")/bench/adtgw_gateway_load}

if (($# > 0)); then
  sizes=("$@")
else
  read -r -a sizes <<<"${ADTGW_BENCH_SIZES:-10K 100M 500M}"
fi
((${#sizes[@]} > 0)) || die "no sizes given"
for s in "${sizes[@]}"; do
  [[ ${s^^} =~ ^[0-9]+[KMG]?$ ]] || die "bad size '$s' (use e.g. 10K, 100M, 1G)"
done
load_count=${ADTGW_BENCH_LOAD_COUNT:-30000}
load_seconds=${ADTGW_BENCH_LOAD_SECONDS:-15}
load_senders=${ADTGW_BENCH_LOAD_CONCURRENCY:-16}

case ${ADTGW_BENCH_OSSL_STREAM:-both} in
  both) sign_stream=(-stream) enc_stream=(-stream) ;;
  sign) sign_stream=(-stream) enc_stream=() ;;
  none) sign_stream=() enc_stream=() ;;
  *) die "ADTGW_BENCH_OSSL_STREAM must be both, sign or none" ;;
esac

# ---------------------------------------------------------------- tools
# Installed only if missing, and only by root: a benchmark-only need, so it
# lives here and not in packaging/build-deps.txt. (On a machine whose
# policy-rc.d allows it, Debian's postinst also starts the system nginx and
# sshd on ports 80 and 22; this script never talks to those.)
missing=()
[[ -x $NGINX ]] || missing+=(nginx)
[[ -x $SSHD ]] || missing+=(openssh-server)
command -v sftp >/dev/null && command -v ssh-keygen >/dev/null || missing+=(openssh-client)
command -v curl >/dev/null || missing+=(curl)
command -v ss >/dev/null || missing+=(iproute2)
"$GNU_TIME" --version 2>&1 | grep -q GNU || missing+=(time)
command -v openssl >/dev/null || missing+=(openssl)
command -v timeout >/dev/null || missing+=(coreutils)
if ((${#missing[@]} > 0)); then
  if [[ ${ADTGW_BENCH_NO_INSTALL:-0} == 1 || $(id -u) != 0 ]]; then
    die "missing: ${missing[*]} (as root: apt-get install -y ${missing[*]})"
  fi
  note "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # A stale package list is the usual reason for a failed install: update, retry.
  if ! apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; then
    if ! { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }; then
      die "apt-get install ${missing[*]} failed"
    fi
  fi
fi

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

# ---------------------------------------------------------------- processes
work=$(mktemp -d "${TMPDIR:-/tmp}/adtgw-gwbench.XXXXXX")
pids=()           # every server started here, stopped by cleanup
made_run_sshd=0   # 1 if this script created /run/sshd (removed again on exit)

# alive PID (a zombie is not alive: `kill -0` succeeds on zombies), stop_pid PID
source "$(dirname "$0")/bench_lib.sh"
cleanup() {
  local pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  if ((made_run_sshd)); then rmdir /run/sshd 2>/dev/null || true; fi
  rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The clients must not pick up the invoking user's ~/.curlrc, ~/.ssh or adtgw
# state; scratch files (adtgw send seals into $TMPDIR first) go to $work too.
mkdir -p -- "$work/home" "$work/tmp"
export HOME=$work/home TMPDIR=$work/tmp
unset ADTGW_CONFIG XDG_CONFIG_HOME

# Run private copies, so that a rebuild during the benchmark cannot swap the
# binaries between runs.
cp -- "$adtgw" "$work/adtgw"
adtgw_path=$adtgw
adtgw=$work/adtgw
if [[ -x $load_tool ]]; then
  cp -- "$load_tool" "$work/adtgw_gateway_load"
  load_tool=$work/adtgw_gateway_load
else
  note "warning: $load_tool not found (cmake target adtgw_gateway_load); skipping the concurrency test"
  load_tool=
fi

listening() { [[ -n $(ss -Htln "sport = :$1" 2>/dev/null) ]]; }
# A port on 127.0.0.1 that nothing listens on now (the server started on it
# may still lose a race; start_on_free_port then tries another).
free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 40000))
    listening "$p" || { echo "$p"; return 0; }
  done
  die "no free port found"
}
# start_on_free_port NAME WRITE_CONFIG_FN CMD...: picks a port, has
# WRITE_CONFIG_FN PORT write the server's configuration, starts CMD in the
# background and waits (bounded) until it listens. Sets `port` and `pid`.
port='' pid=''
start_on_free_port() {
  local name=$1 configure=$2 try i
  shift 2
  for ((try = 1; try <= 5; try++)); do
    port=$(free_port)
    "$configure" "$port"
    "$@" >>"$work/$name.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    for ((i = 0; i < 100; i++)); do
      alive "$pid" || break
      listening "$port" && return 0
      sleep 0.1
    done
    stop_pid "$pid"
    note "$name did not start on port $port (attempt $try):"
    tail -n 5 "$work/$name.log" >&2
  done
  die "$name would not start; see above"
}

# ---------------------------------------------------------------- PKI, gateway
pki=$work/pki
sup=$pki/parties/supplier-a
dcc=$pki/parties/dcc
stages=$work/stages
log=$work/op.log
"$adtgw" demo-pki "$pki" >"$log" 2>&1 || { cat "$log" >&2; die "adtgw demo-pki failed"; }
pki_args=(--trust "$pki/smki/trust.pem" --crl "$pki/smki/issuing-oca.crl.pem"
  --crl "$pki/smki/root-oca.arl.pem" --policy-oid "$POLICY_OID")

# The demo policy allows 10 MiB ADT files and 200 transfers per party per day:
# raise both (10,000,000 is the loader's maximum daily limit). Checked below.
sed -i -e 's/max_size: 10MiB/max_size: 2GiB/' \
  -e 's/^default_daily_limit: [0-9]*/default_daily_limit: 10000000/' "$pki/config/policy.yaml"
if ! { grep -q '^default_daily_limit: 10000000' "$pki/config/policy.yaml" &&
  grep -q 'adt: { max_size: 2GiB }' "$pki/config/policy.yaml"; }; then
  die "could not raise the limits in $pki/config/policy.yaml (did demo-pki's policy change?)"
fi

"$adtgw" serve --config "$pki/config/gateway.yaml" --listen 127.0.0.1:0 \
  --auditor-listen 127.0.0.1:0 --ready-file "$work/gateway.port" 2>"$work/gateway.log" &
gw_pid=$!
pids+=("$gw_pid")
for ((i = 0; i < 300; i++)); do
  [[ -s $work/gateway.port ]] && break
  alive "$gw_pid" || { cat "$work/gateway.log" >&2; die "adtgw serve exited"; }
  sleep 0.1
done
[[ -s $work/gateway.port ]] || { cat "$work/gateway.log" >&2; die "adtgw serve did not get ready in 30 s"; }
gw_port=$(<"$work/gateway.port")
for party in supplier-a dcc; do
  sed "s#^gateway: https://127.0.0.1:[0-9]*#gateway: https://127.0.0.1:$gw_port#" \
    "$pki/config/client-$party.yaml" >"$work/client-$party.yaml"
done
client_cfg=$work/client-supplier-a.yaml

# Peak RSS (VmHWM) of the gateway since the last reset, in KiB. Writing 5 to
# clear_refs resets the high-water mark (Linux 4.0+) to the current RSS, so
# each size is measured on its own; if that is refused, the value is the peak
# since start ("*"). What the gateway already held when the mark was reset is
# reported beside it: memory kept from earlier sizes is not this size's cost.
hwm_reset_ok=1
srv_start_kib=0
reset_hwm() {
  srv_start_kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$gw_pid/status")
  echo 5 >"/proc/$gw_pid/clear_refs" 2>/dev/null || hwm_reset_ok=0
}
server_hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$gw_pid/status"; }
server_cpu_ticks() { sed 's/.*) //' "/proc/$gw_pid/stat" | awk '{ print $12 + $13 }'; }
clk_tck=$(getconf CLK_TCK)

# After a failure: did the gateway die, and what did it say last?
gateway_diagnosis() {
  local st=0
  if alive "$gw_pid"; then
    note "adtgw serve (pid $gw_pid) is still running; last lines of its log:"
  else
    wait "$gw_pid" 2>/dev/null || st=$?
    note "adtgw serve (pid $gw_pid) has EXITED with status $st$( ((st > 128)) && echo " (signal $((st - 128)))"); last lines of its log:"
  fi
  tail -n 15 "$work/gateway.log" | sed 's/^/    /' >&2
  dmesg 2>/dev/null | tail -n 5 | grep -iE 'oom|killed|segfault|adtgw' | sed 's/^/    dmesg: /' >&2 || true
}

# ---------------------------------------------------------------- nginx
ngx=$work/nginx
mkdir -p -- "$ngx/tmp" "$ngx/www/upload"
write_nginx_conf() {
  # `user` only matters when started as root: the workers then stay this user
  # (the scratch directory is private to it) instead of becoming nobody.
  cat >"$ngx/nginx.conf" <<EOF
user $(id -un) $(id -gn);
worker_processes auto;
pid $ngx/nginx.pid;
error_log $ngx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $ngx/tmp;
  proxy_temp_path $ngx/tmp;
  fastcgi_temp_path $ngx/tmp;
  uwsgi_temp_path $ngx/tmp;
  scgi_temp_path $ngx/tmp;
  server {
    listen 127.0.0.1:$1 ssl;
    ssl_certificate $pki/dccki/gateway.cert.pem;
    ssl_certificate_key $pki/dccki/gateway.key.pem;
    ssl_client_certificate $pki/dccki/tls-ca.cert.pem;
    ssl_verify_client on;
    client_max_body_size 0;
    location /upload/ {
      root $ngx/www;
      dav_methods PUT;
      dav_access user:rw;
    }
  }
}
EOF
}
# -e: the error log before the configuration is read (else /var/log/nginx).
start_on_free_port nginx write_nginx_conf \
  "$NGINX" -p "$ngx" -c "$ngx/nginx.conf" -e "$ngx/error.log" -g 'daemon off;'
ngx_port=$port ngx_pid=$pid

# ---------------------------------------------------------------- sshd
ssh_dir=$work/ssh
sftp_dir=$work/sftp
mkdir -p -- "$ssh_dir" "$sftp_dir"
ssh-keygen -q -t ed25519 -N '' -C bench-host -f "$ssh_dir/host_key"
ssh-keygen -q -t ed25519 -N '' -C bench-client -f "$ssh_dir/client_key"
cp -- "$ssh_dir/client_key.pub" "$ssh_dir/authorized_keys"
# As root, sshd insists on its privilege-separation directory (normally made
# by the system service); create it if missing and remove it again on exit.
if [[ $(id -u) == 0 && ! -d /run/sshd ]]; then
  mkdir -m 0755 /run/sshd
  made_run_sshd=1
fi
write_sshd_conf() {
  # internal-sftp: the sftp server runs inside sshd, not through the user's
  # login shell, whose rc files (pyenv, conda...) can add seconds per session
  # that have nothing to do with sftp.
  cat >"$ssh_dir/sshd_config" <<EOF
ListenAddress 127.0.0.1:$1
HostKey $ssh_dir/host_key
PidFile $ssh_dir/sshd.pid
AuthorizedKeysFile $ssh_dir/authorized_keys
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $(id -un)
UsePAM no
StrictModes no
PrintMotd no
Subsystem sftp internal-sftp
LogLevel ERROR
EOF
  echo "[127.0.0.1]:$1 $(cut -d' ' -f1,2 "$ssh_dir/host_key.pub")" >"$ssh_dir/known_hosts"
}
start_on_free_port sshd write_sshd_conf "$SSHD" -D -e -f "$ssh_dir/sshd_config"
ssh_port=$port
# -F /dev/null: no system or user ssh_config; the host key is pinned.
sftp_cmd=(sftp -F /dev/null -q -b "$ssh_dir/batch" -P "$ssh_port" -i "$ssh_dir/client_key"
  -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes
  -o UserKnownHostsFile="$ssh_dir/known_hosts" -o GlobalKnownHostsFile=/dev/null
  "$(id -un)@127.0.0.1")

# ---------------------------------------------------------------- the operations
# Starting a process costs about 10 ms on some virtual machines, so a wrapper
# around each command (GNU time, timeout) would be a large part of a 10 KiB
# send. Hence the timed runs execute the bare commands, and peak RSS comes from
# the warm-up run, where every process runs under its own GNU time (-o a file
# in $stages; a pipeline's peak is its largest stage, as in seal_open.sh).
# Wall time is taken around the whole command with $EPOCHREALTIME.
wrap=0 # 1: prefix every command with GNU time
t_send=() t_sign=() t_encrypt=() t_upload=() t_sftp=()
set_wrappers() {
  local n
  for n in send sign encrypt upload sftp; do
    if ((wrap)); then
      eval "t_$n=(\"\$GNU_TIME\" -f '%M %U %S' -o \"\$stages/$n\")"
    else
      eval "t_$n=()"
    fi
  done
}

f='' name='' # the input file of the current size; the upload's name
op_adtgw() {
  "${t_send[@]}" "$adtgw" send "$f" --type adt --config "$client_cfg" --json
}
op_stock() {
  # -q (first): no ~/.curlrc. -f: an HTTP error fails the pipeline.
  "${t_sign[@]}" openssl cms -sign -binary -nodetach "${sign_stream[@]}" -in "$f" \
    -signer "$sup/ds.cert.pem" -inkey "$sup/ds.key.pem" -outform DER |
    "${t_encrypt[@]}" openssl cms -encrypt -binary "${enc_stream[@]}" -aes-256-gcm \
      -recip "$dcc/ka.cert.pem" -keyopt ecdh_kdf_md:sha256 -outform DER |
    "${t_upload[@]}" curl -q -sS -f -T - --cacert "$pki/dccki/tls-ca.cert.pem" \
      --cert "$sup/tls.cert.pem" --key "$sup/tls.key.pem" \
      "https://127.0.0.1:$ngx_port/upload/$name.cms"
}
op_sftp() {
  printf 'put %s %s\n' "$f" "$sftp_dir/$name" >"$ssh_dir/batch"
  "${t_sftp[@]}" "${sftp_cmd[@]}"
}
# What each operation must have left behind, checked after every run.
check_adtgw() {
  if ! { grep -q "\"content_size\":$bytes," "$log" && grep -q '"receipt":{' "$log"; }; then
    cat "$log" >&2
    die "adtgw send printed no receipt for $bytes bytes"
  fi
}
check_stock() {
  local got
  got=$(stat -c %s -- "$ngx/www/upload/$name.cms" 2>/dev/null || echo 0)
  ((got > bytes)) || die "nginx holds $got bytes for a $bytes-byte file"
}
check_sftp() {
  cmp -s -- "$f" "$sftp_dir/$name" || die "sftp did not store an exact copy"
}
# Keep the disk from filling up with copies nobody reads again.
tidy() { rm -f -- "$ngx/www/upload/$name.cms" "$sftp_dir/$name"; }

# A watchdog bounds every operation without wrapping it: a subshell that waits
# (bash's `read -t` on a FIFO nobody writes: no sleep process to leave behind)
# and, if the operation outlives the limit, kills the operation's processes
# (and sshd's session for it), never the servers; the operation then fails and
# the script stops.
op_timeout=120
wd_pid=''
mkfifo -- "$work/watchdog.fifo"
# leaves ROOT SKIP... -> the descendants of ROOT that have no children, outside
# the SKIP subtrees and other than the servers ($pids). Killing only leaves
# lets each wrapper (GNU time) and parent see its child die and exit by itself,
# so nothing is left orphaned.
leaves() {
  ps -e -o pid=,ppid= | awk -v root="$1" -v skip="${*:2}" -v keep="${pids[*]}" '
    BEGIN {
      n = split(skip, s, " "); for (i = 1; i <= n; i++) skipped[s[i]] = 1
      n = split(keep, s, " "); for (i = 1; i <= n; i++) kept[s[i]] = 1
    }
    { parent[$1] = $2; has_child[$2] = 1 }
    END {
      for (p in parent) {
        if (p == root || (p in has_child) || (p in kept)) continue
        q = p; out = 0
        while (q in parent && q != root && q > 1) { if (q in skipped) { out = 1; break } q = parent[q] }
        if (!out && q == root) print p
      }
    }'
}
watchdog_start() {
  local main=$$ limit=$1
  (
    if read -r -t "$limit" _ <>"$work/watchdog.fifo"; then exit 0; fi
    : >"$work/watchdog.fired"
    # shellcheck disable=SC2046 # one pid per word
    kill -TERM $(leaves "$main" "$BASHPID" "$gw_pid" "$ngx_pid") 2>/dev/null
    exit 0
  ) &
  wd_pid=$!
}
watchdog_stop() {
  kill -TERM "$wd_pid" 2>/dev/null || true
  wait "$wd_pid" 2>/dev/null || true
  wd_pid=''
}

# measure OP: runs it once; sets m_wall (microseconds) and, when wrapped,
# m_rss (KiB, max over the operation's processes).
m_wall=0 m_rss=0
measure() {
  local op=$1 t0 t1 rc=0
  rm -rf -- "$stages" "$work/watchdog.fired"
  mkdir -- "$stages"
  set_wrappers
  # Start with no dirty pages left by the previous operation, so that nobody
  # pays for writing back another's data (the gateway fsyncs what it stores).
  sync -f -- "$work"
  watchdog_start "$op_timeout"
  t0=${EPOCHREALTIME/[.,]/}
  "$op" >"$log" 2>&1 </dev/null || rc=$?
  t1=${EPOCHREALTIME/[.,]/}
  watchdog_stop
  if [[ -e $work/watchdog.fired ]]; then
    tail -n 20 "$log" >&2
    gateway_diagnosis
    die "$op did not finish in $op_timeout s on $(basename "$f"); stopped it"
  fi
  if ((rc != 0)); then
    tail -n 20 "$log" >&2
    gateway_diagnosis
    die "$op failed (exit $rc) on $(basename "$f")"
  fi
  m_wall=$((t1 - t0))
  m_rss=0
  if ((wrap)); then
    m_rss=$(awk '$1 ~ /^[0-9]+$/ && NF == 3 { if ($1 > m) m = $1 } END { print m + 0 }' "$stages"/*)
  fi
  "check_${op#op_}"
}

# Once: the stock envelope that nginx stored must open in adtgw (so the stock
# pipeline is a real sign+encrypt), and the DCC must receive and decrypt what
# adtgw send uploaded (so the gateway stored a real envelope).
interop_checked=0
check_interop() {
  local out=$work/interop
  mkdir -p -- "$out"
  timeout -k 5 "$op_timeout" "$adtgw" open "$ngx/www/upload/$name.cms" --key "$dcc/ka.key.pem" --cert "$dcc/ka.cert.pem" \
    "${pki_args[@]}" -o "$out/stock.out" >"$log" 2>&1 ||
    { cat "$log" >&2; die "adtgw cannot open the stock pipeline's envelope"; }
  cmp -s -- "$f" "$out/stock.out" || die "the stock envelope opened to different content"
  timeout -k 5 "$op_timeout" "$adtgw" receive --out "$out" --once --config "$work/client-dcc.yaml" >"$log" 2>&1 ||
    { cat "$log" >&2; die "adtgw receive failed"; }
  cmp -s -- "$f" "$out/$(basename "$f")" || { cat "$log" >&2; die "the DCC received different content"; }
  rm -rf -- "$out"
  interop_checked=1
}

median() { # numbers... -> median (mean of the middle two for an even count)
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.12g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1e3 }'; }
mbps() { awk -v b="$1" -v u="$2" 'BEGIN { r = b / u; printf (r < 100 ? "%.1f" : "%.0f"), r }'; } # bytes/us = MB/s
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
le() { awk -v x="$1" -v y="$2" 'BEGIN { exit !(x <= y) }'; }
ge() { awk -v x="$1" -v y="$2" 'BEGIN { exit !(x >= y) }'; }

busy_start=$(cpu_busy)
if ((busy_start > 10)); then
  note "warning: the machine is already ${busy_start}% busy; results will be skewed"
fi

# ---------------------------------------------------------------- per size
rows=()
goals_missed=0
skipped=()
# verdict VAR STATUS: VAR="met" if STATUS is 0, else "NOT met" (remembered).
verdict() {
  if (($2 == 0)); then
    printf -v "$1" 'met'
  else
    printf -v "$1" 'NOT met'
    goals_missed=1
  fi
}
for size in "${sizes[@]}"; do
  bytes=$(to_bytes "$size")
  label=$(size_label "$size")
  if [[ -n ${ADTGW_BENCH_RUNS:-} ]]; then
    runs=$ADTGW_BENCH_RUNS
  elif ((bytes <= 16 * 1024 * 1024)); then
    runs=5
  elif ((bytes <= 256 * 1024 * 1024)); then
    runs=3
  else
    runs=2
  fi
  # The input, the gateway's copy of every run (it keeps them), adtgw send's
  # sealed scratch copy, nginx's body buffer and its stored copy, sftp's copy.
  need_kib=$(((runs + 6) * (bytes / 1024) + 262144))
  avail_kib=$(df -Pk -- "$work" | awk 'NR == 2 { print $4 }')
  if ((avail_kib < need_kib)); then
    note "skipping $label: needs $((need_kib / 1024)) MiB free in $work, have $((avail_kib / 1024)) MiB"
    skipped+=("$label (disk)")
    continue
  fi

  f=$work/in-$size
  name=bench-$size
  # Generous: 5 MB/s, plus start-up.
  op_timeout=${ADTGW_BENCH_OP_TIMEOUT:-$((120 + bytes / 5000000))}
  note "== $label: creating input, one warm-up of each, then $runs timed run(s)"
  "$(dirname "$0")/../scripts/make-adt-file.sh" "$f" AD-7C-00-00-00-00-02-01 "$bytes" bench ||
    die "could not create a $bytes-byte ADT/1 input"
  bytes=$(stat -c %s -- "$f")

  # Warm-up (page cache, dynamic loader), checked like the rest; it is also
  # the run whose peak RSS is measured (see "the operations" above).
  reset_hwm
  declare -A wall=() rss=()
  wrap=1
  progress=""
  for op in op_adtgw op_stock op_sftp; do
    measure "$op"
    rss[$op]=$m_rss
    progress+=" ${op#op_} $(mib "$m_rss")MiB"
  done
  wrap=0
  note "   warm-up, peak RSS:$progress"
  ((interop_checked)) || check_interop
  tidy

  for ((i = 1; i <= runs; i++)); do
    # Round-robin so that drift on the machine affects every command alike.
    progress=""
    for op in op_adtgw op_stock op_sftp; do
      measure "$op"
      wall[$op]+="$m_wall "
      progress+=" ${op#op_} $(ms "$m_wall")ms"
    done
    tidy
    note "   run $i/$runs:$progress"
  done
  srv_kib=$(server_hwm)

  # shellcheck disable=SC2086 # word-split the space-separated samples
  {
    aw=$(median ${wall[op_adtgw]}) sw=$(median ${wall[op_stock]}) fw=$(median ${wall[op_sftp]})
    ar=${rss[op_adtgw]} sr=${rss[op_stock]} fr=${rss[op_sftp]}
  }
  verdict rss_ok $((ar >= GOAL_RSS_KIB || srv_kib >= GOAL_RSS_KIB))
  srv_label="$(mib "$srv_kib") (from $(mib "$srv_start_kib"))"
  ((hwm_reset_ok)) || srv_label+="*"
  if ((bytes <= LATENCY_MAX_BYTES)); then
    r_stock=$(ratio "$aw" "$sw") r_sftp=$(ratio "$aw" "$fw")
    le "$r_stock" "$GOAL_LATENCY" && ok=0 || ok=1
    verdict v1 "$ok"
    rows+=("| $label | latency, ms | $runs | $(ms "$aw") | $(ms "$sw") | $(ms "$fw") | ${r_stock}x | $v1 (<= ${GOAL_LATENCY}x) | ${r_sftp}x | - | $(mib "$ar") | $srv_label | $rss_ok | $(mib "$sr") | $(mib "$fr") |")
  else
    at=$(mbps "$bytes" "$aw") st=$(mbps "$bytes" "$sw") ft=$(mbps "$bytes" "$fw")
    r_stock=$(ratio "$sw" "$aw") r_sftp=$(ratio "$fw" "$aw") # time ratios = MB/s ratios
    ge "$r_stock" "$GOAL_TPUT_STOCK" && ok=0 || ok=1
    ge "$r_sftp" "$GOAL_TPUT_SFTP" && ok2=0 || ok2=1
    verdict v1 "$ok"
    verdict v2 "$ok2"
    rows+=("| $label | throughput, MB/s | $runs | $at | $st | $ft | ${r_stock}x | $v1 (>= ${GOAL_TPUT_STOCK}x) | ${r_sftp}x | $v2 (>= ${GOAL_TPUT_SFTP}x) | $(mib "$ar") | $srv_label | $rss_ok | $(mib "$sr") | $(mib "$fr") |")
  fi
  unset wall rss
  rm -f -- "$f"
done

# ---------------------------------------------------------------- concurrency
load_row=
if [[ -n $load_tool ]]; then
  note "== $load_senders concurrent senders over keep-alive: up to $load_count uploads or ${load_seconds} s"
  sync -f -- "$work"
  reset_hwm
  cpu0=$(server_cpu_ticks)
  rc=0
  "$GNU_TIME" -f '%M %U %S' -o "$work/load.time" \
    timeout -k 5 $((load_seconds * 4 + 120)) "$load_tool" --config "$client_cfg" \
    --count "$load_count" --concurrency "$load_senders" --seconds "$load_seconds" \
    >"$work/load.out" 2>"$work/load.err" || rc=$?
  cpu1=$(server_cpu_ticks)
  cat "$work/load.err" >&2
  if ((rc != 0)); then
    gateway_diagnosis
    die "adtgw_gateway_load failed (exit $rc)"
  fi
  declare -A lr=()
  read -r -a kvs <"$work/load.out"
  for kv in "${kvs[@]}"; do lr[${kv%%=*}]=${kv#*=}; done
  [[ -n ${lr[rate]:-} ]] || die "adtgw_gateway_load printed no rate"
  srv_kib=$(server_hwm)
  srv_label="$(mib "$srv_kib") (from $(mib "$srv_start_kib"))"
  ((hwm_reset_ok)) || srv_label+="*"
  read -r _ lu lsys <"$work/load.time"
  ge "${lr[rate]}" "$GOAL_RATE" && ok=0 || ok=1
  verdict v1 "$ok"
  load_row="| $load_senders | ${lr[uploads]} | ${lr[seconds]} | $(printf '%.0f' "${lr[rate]}") | $v1 (>= $GOAL_RATE/s) | ${lr[p50_ms]} | ${lr[p99_ms]} | $srv_label | $(awk -v t=$((cpu1 - cpu0)) -v h="$clk_tck" 'BEGIN { printf "%.1f", t / h }') | $(awk -v u="$lu" -v s="$lsys" 'BEGIN { printf "%.1f", u + s }') |"
fi

srv_end=$(awk '/^(VmRSS|RssAnon|RssFile):/ { printf "%s %.1f MiB, ", $1, $2 / 1024 }' "/proc/$gw_pid/status")
srv_requests=$(grep -c ' -> ' "$work/gateway.log" || true)

# Whatever the gateway logged besides its one line per request is worth a look.
gw_ok=(-e ' -> 2[0-9][0-9] ' -e ': listening on ')
gw_errors=$(grep -c -v "${gw_ok[@]}" "$work/gateway.log" || true)

# ---------------------------------------------------------------- report
busy_end=$(cpu_busy)
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
report() {
  echo "$("$adtgw" --version 2>/dev/null | head -n 1) ($adtgw_path) vs $(openssl version | cut -d' ' -f1,2), $(curl --version | head -n 1 | cut -d' ' -f1,2), $("$NGINX" -v 2>&1 | sed 's/.*: //'), $(ssh -V 2>&1 | cut -d, -f1)"
  echo "machine: $(nproc) CPU(s), ${cpu_model:-unknown CPU}, $(uname -sr); scratch: $(df -P -- "$work" | awk 'NR == 2 { print $1 }')"
  echo "other load: ${busy_start}% of all CPUs busy just before the run, ${busy_end}% just after; $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "adtgw = adtgw send FILE --type adt (seal, sign manifest, offer, PATCH upload, receipt checked) to adtgw serve; the gateway fsyncs before its receipt"
  echo "stock = openssl cms -sign -binary -nodetach ${sign_stream[*]} | openssl cms -encrypt -binary ${enc_stream[*]} -aes-256-gcm -keyopt ecdh_kdf_md:sha256 | curl -T - (client certificate) to nginx dav_methods PUT, ssl_verify_client on (no fsync)"
  echo "sftp  = sftp -b (put) to sshd with internal-sftp, ed25519 key, OpenSSH defaults (no signing, no encryption at rest, no fsync)"
  echo "Whole-command wall time, median of the runs; MB/s = 10^6 bytes of plaintext per second; ratios are adtgw time / other time for latency (lower is better) and other time / adtgw time for throughput (higher is better)."
  echo "Timed runs execute the bare commands. RSS: peak resident set size, MiB: adtgw client, stock (largest pipeline stage) and sftp by GNU time in the warm-up run; adtgw server by VmHWM over the warm-up and timed runs of that size."
  echo
  echo "| Size | Metric | Runs | adtgw | stock | sftp | adtgw vs stock | Goal | adtgw vs sftp | Goal | adtgw client RSS | adtgw server RSS | RSS < 64 MiB | stock RSS | sftp RSS |"
  echo "|---|---|---:|---:|---:|---:|---:|---|---:|---|---:|---:|---|---:|---:|"
  if ((${#rows[@]} > 0)); then printf '%s\n' "${rows[@]}"; fi
  if ((${#skipped[@]} > 0)); then
    echo
    echo "Skipped: ${skipped[*]}"
  fi
  echo
  if [[ -n $load_row ]]; then
    echo "Accepted durable uploads (offer + PATCH, 201 with receipt) of one pre-sealed $(awk -F'envelope_bytes=' '{ print $2 + 0 }' "$work/load.out")-byte envelope (10 KiB file), each with its own signed manifest (signed before the clock starts), by bench/gateway_load.cc on the same machine as the gateway:"
    echo
    echo "| Senders (keep-alive) | Uploads | Seconds | Uploads/s | Goal | p50 ms | p99 ms | adtgw server RSS (MiB) | server CPU-s | load tool CPU-s |"
    echo "|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|"
    echo "$load_row"
  else
    echo "Concurrency test skipped: adtgw_gateway_load not found."
  fi
  echo
  echo "adtgw server RSS cells: peak (VmHWM) over that phase (RSS when the phase began). The gateway at the end, after $srv_requests requests: ${srv_end%, }."
  if ((hwm_reset_ok == 0)); then
    echo
    echo "*: /proc/PID/clear_refs refused, so server RSS is the peak since the gateway started."
  fi
  if ((gw_errors > 0)); then
    echo
    echo "The gateway logged $gw_errors line(s) other than successful requests; first ones:"
    grep -v "${gw_ok[@]}" "$work/gateway.log" | head -n 5 | sed 's/^/    /'
  fi
}
((${#rows[@]} > 0 || ${#load_row} > 0)) || die "every size was skipped"
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
