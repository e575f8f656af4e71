#!/usr/bin/env bash
# Bounded libFuzzer runs of every adtgw fuzz target (see tests/fuzz/README.md).
#
#   tests/fuzz/run-all.sh BUILD_DIR SECONDS [TARGET...]
#
# BUILD_DIR is the fuzz build (`cmake --preset fuzz`: build/fuzz); SECONDS is the run
# time of EACH target; TARGETs default to all of them (the ADTGW_FUZZ_TARGETS list in
# tests/fuzz/CMakeLists.txt, so a new target is run without editing this script). For
# each target it:
#   1. writes fresh seeds with the target's seed mode into BUILD_DIR/seeds/<name>;
#   2. fuzzes for SECONDS seconds with the corpus BUILD_DIR/corpus/<name> (kept between
#      runs; new inputs are added there), the seeds and tests/fuzz/regressions/<name>
#      (saved reproducers, if any), logging to
#      BUILD_DIR/fuzz-logs/<name>.log; crash/leak/timeout/oom reproducers go to
#      BUILD_DIR/artifacts/<name>/.
# Prints a summary (also in BUILD_DIR/fuzz-summary.txt). Exits 1 if any target found
# a problem or could not run, 2 on bad usage. Runs offline; nothing is downloaded.
set -uo pipefail

usage() {
  echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
  exit 2
}

[[ $# -ge 2 ]] || usage
build_dir=$1
seconds=$2
shift 2
[[ $seconds =~ ^[1-9][0-9]*$ ]] || usage
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  list=$(sed -n '/^set(ADTGW_FUZZ_TARGETS/,/^)/{/^ *[a-z_0-9]* *$/p}' \
    "$(dirname "$0")/CMakeLists.txt")
  read -r -a targets <<<"$(echo $list)"
  [[ ${#targets[@]} -gt 0 ]] || { echo "no targets found in tests/fuzz/CMakeLists.txt" >&2; exit 2; }
fi

bin_dir=$build_dir/tests/fuzz
regressions_dir=$(cd "$(dirname "$0")" && pwd)/regressions
summary=$build_dir/fuzz-summary.txt
mkdir -p "$build_dir/fuzz-logs"
printf '%-20s %-6s %12s %8s %7s %7s %14s %8s\n' target result execs exec/s cov ft corpus new \
  | tee "$summary"

failed=0
for name in "${targets[@]}"; do
  bin=$bin_dir/adtgw_fuzz_$name
  seeds=$build_dir/seeds/$name
  corpus=$build_dir/corpus/$name
  artifacts=$build_dir/artifacts/$name
  log=$build_dir/fuzz-logs/$name.log

  if [[ ! -x $bin ]]; then
    echo "$name: $bin is missing (build with: cmake --build --preset fuzz)" >&2
    failed=1
    continue
  fi
  rm -rf "$seeds"
  if ! ADTGW_FUZZ_WRITE_SEEDS=$seeds "$bin" >"$log.seeds" 2>&1; then
    echo "$name: writing seeds failed:" >&2
    tail -n 20 "$log.seeds" >&2
    failed=1
    continue
  fi
  mkdir -p "$corpus" "$artifacts"
  inputs=("$corpus" "$seeds")
  # Saved reproducers of fixed bugs are replayed first thing (read-only).
  if [[ -d $regressions_dir/$name ]]; then
    inputs+=("$regressions_dir/$name")
  fi
  before=$(find "$corpus" -type f | wc -l)

  # -timeout: one input may take at most 25 s (a hang is a finding); the outer
  # `timeout` is only a safety net should libFuzzer itself stall.
  timeout --kill-after=30 $((seconds + 300)) "$bin" \
    -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=1024 -timeout=25 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" \
    "${inputs[@]}" >"$log" 2>&1
  rc=$?

  after=$(find "$corpus" -type f | wc -l)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[A-Za-z]*\).*/\1/p' <<<"$last")

  result=ok
  if [[ $rc -ne 0 ]] || grep -qE '^==[0-9]+==ERROR|^SUMMARY: |runtime error:|ALARM: working on the last Unit' "$log"; then
    result=FAIL
    failed=1
  fi
  printf '%-20s %-6s %12s %8s %7s %7s %14s %8s\n' "$name" "$result" "${execs:-?}" "${rate:-?}" \
    "${cov:-?}" "${ft:-?}" "${corp:-?}" "+$((after - before))" | tee -a "$summary"
  if [[ $result == FAIL ]]; then
    {
      echo "---- $name failed (exit $rc); log: $log"
      grep -E -A 30 '^==[0-9]+==ERROR|runtime error:|invariant failed|ALARM' "$log" | head -n 60
      echo "---- reproducers in $artifacts:"
      ls -1 "$artifacts"
    } >&2
  fi
done

if [[ $failed -ne 0 ]]; then
  echo "fuzzing found problems (see above and $build_dir/fuzz-logs/)" >&2
  exit 1
fi
echo "all fuzz targets ran ${seconds}s without findings"
