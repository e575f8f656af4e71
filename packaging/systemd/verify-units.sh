#!/usr/bin/env bash
# Checks the systemd units of packaging/systemd with `systemd-analyze verify`, and their
# hardening with `systemd-analyze security --offline`, on a machine where adtgw is not
# installed and systemd need not be running (a CI container).
#
#   packaging/systemd/verify-units.sh [BUILT_ADTGW]
#
# Fails on anything systemd-analyze says about our units: verify exits 0 after warning
# about an unknown or misspelt directive, so its output is read, not only its status.
# Skips when systemd-analyze is missing, unless ADTGW_REQUIRE_ALL=1.
#
# Why a temporary root: verify refuses a unit whose ExecStart= binary does not exist,
# and /usr/bin/adtgw exists only once the package is installed. With --root=DIR every
# path (unit search path, Exec*= binaries) is looked up inside DIR, so DIR gets the units
# at /etc/systemd/system, a copy of this machine's own units (the targets ours order
# against), the other Exec*= binaries (/bin/kill) and an executable stand-in for
# /usr/bin/adtgw. verify only tests that the file is executable, so BUILT_ADTGW itself
# is checked where it is (executable, answers --version) rather than copied in (it is
# large: ~200 MiB with debug information). verify does not resolve User=, so no passwd entry
# is needed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
units=(adtgw-gateway.service adtgw-push.service adtgw-push.timer adtgw-receive.service)
services=(adtgw-gateway.service adtgw-push.service adtgw-receive.service)
# Overall exposure of each service as systemd-analyze security scores it, times ten
# (its --threshold scale): they score 1.2 today; dropping a hardening line trips this.
max_exposure=20

if ! command -v systemd-analyze >/dev/null 2>&1; then
  if [ "${ADTGW_REQUIRE_ALL:-0}" = 1 ]; then
    echo "verify-units: FAIL: systemd-analyze not found (install the Debian package systemd)" >&2
    exit 1
  fi
  echo "verify-units: SKIP: systemd-analyze not found (install the Debian package systemd)"
  exit 0
fi

if [ $# -gt 0 ]; then
  built=$1
  if [ ! -f "$built" ] || [ ! -x "$built" ]; then
    echo "verify-units: FAIL: $built is not an executable file (build it first)" >&2
    exit 1
  fi
  if ! version=$("$built" --version 2>&1); then
    echo "verify-units: FAIL: $built --version failed: $version" >&2
    exit 1
  fi
  echo "verify-units: built binary $built: $version"
else
  echo "verify-units: no built binary given: only the units are checked"
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/adtgw-verify-units.XXXXXX")
trap 'rm -rf "$root"' EXIT

# A merged-/usr layout, as Debian 12's, so /bin/kill and /usr/bin/kill are one file.
mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib/systemd/system" "$root/etc/systemd/system"
ln -s usr/bin "$root/bin"
ln -s usr/sbin "$root/sbin"
ln -s usr/lib "$root/lib"
for dir in /usr/lib/systemd/system /lib/systemd/system; do
  if [ -d "$dir" ]; then cp -a "$dir/." "$root/usr/lib/systemd/system/"; fi
done
for unit in "${units[@]}"; do
  cp "$here/$unit" "$root/etc/systemd/system/$unit"
done
printf '#!/bin/sh\n# stands in for /usr/bin/adtgw: systemd-analyze verify checks only that it exists\nexit 0\n' \
  >"$root/usr/bin/adtgw"
chmod 755 "$root/usr/bin/adtgw"
# Every other absolute Exec*= binary comes from this machine: a unit naming one that a
# Debian system does not have should fail here too. (Prefixes - @ : + ! are flags.)
sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\(\/[^ ]*\).*/\1/p' "${units[@]/#/$here/}" | sort -u |
  while read -r bin; do
    [ "$bin" = /usr/bin/adtgw ] && continue
    real=$(readlink -f "$bin" 2>/dev/null) || continue
    [ -f "$real" ] || continue
    mkdir -p "$(dirname "$root$bin")"
    cp "$real" "$root$bin"
  done

indent() { sed 's/^ */  /'; }

status=0
# Lines naming one of our units are findings; anything else is printed as a note.
unit_pattern=$(printf '%s\n' "${units[@]}" | sed 's/\./\\./g' | paste -sd'|')

echo "verify-units: systemd-analyze verify ${units[*]}  ($(systemd-analyze --version | head -1))"
if output=$(systemd-analyze verify --man=no --root="$root" "${units[@]}" 2>&1); then rc=0; else rc=$?; fi
# Name the files as they are in the tree, not their copies in the temporary root.
output=${output//"$root/etc/systemd/system"/"$here"}
if [ -n "$output" ]; then indent <<<"$output"; fi
if grep -Eq "$unit_pattern" <<<"$output"; then
  echo "verify-units: FAIL: systemd-analyze verify reported the problems above" >&2
  status=1
elif [ "$rc" -ne 0 ]; then
  echo "verify-units: FAIL: systemd-analyze verify exited $rc" >&2
  status=1
else
  echo "verify-units: verify OK"
fi

for unit in "${services[@]}"; do
  if output=$(systemd-analyze security --offline=yes --root="$root" --threshold="$max_exposure" \
    "$unit" 2>&1); then rc=0; else rc=$?; fi
  # "→ Overall exposure level for UNIT: 1.2 OK" (the arrow is "->" outside UTF-8).
  line=$(grep -o 'Overall exposure level.*' <<<"$output" || true)
  echo "verify-units: security: ${line:-$unit: no exposure score}"
  if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
    # The settings that cost exposure: the lines ending in their share of the score.
    grep -E '[0-9]\.[0-9]+[[:space:]]*$' <<<"$output" | indent || indent <<<"$output"
    echo "verify-units: FAIL: $unit: exposure above $((max_exposure / 10)).$((max_exposure % 10)) or not scored" >&2
    status=1
  fi
done

if [ "$status" -eq 0 ]; then
  echo "verify-units: OK: ${units[*]}"
fi
exit "$status"
