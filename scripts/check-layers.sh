#!/usr/bin/env bash
# The one-way dependency rule between adtgw's libraries, checked (docs/architecture.md).
#
# LAYERS below is the only statement of the rule. Each layer is a CMake library and the
# sources that belong to it; it stands on the layers named in its last column and,
# through them, on everything below those. A layer may use itself and what it stands on,
# nothing else: no sibling, nothing above. The check reads:
# - every #include "..." in crypto/ certs/ policies/ gateway/: the included file's
#   layer must be one the including file's layer may use (a path that is no layer's is
#   refused too), and <sqlite3.h> only where the table says the layer holds SQLite;
# - every add_library in their CMakeLists.txt: the library must be in the table and
#   compile only its own layer's sources;
# - every target_link_libraries of those libraries: adtgw_* only from layers below,
#   SQLite::SQLite3 only where the table allows it.
# So `adtgw_client` cannot come to link SQLite without this failing.
#
# Usage: scripts/check-layers.sh [SOURCE_DIR]       exit 0 clean, 1 on any violation
#        scripts/check-layers.sh --self-test [SOURCE_DIR]
#          copies the sources, checks that the clean copy passes and that an include,
#          a link and a source against the arrows each make the check fail.
# Registered as the ctest tests layers.include_direction and layers.self_test.
set -euo pipefail

# layer      library             sources (path prefixes)  sqlite  stands on
LAYERS='
crypto       adtgw_crypto        crypto/                  no      -
certs        adtgw_certs         certs/                   no      crypto
policies     adtgw_policies      policies/                no      certs
common       adtgw_common        gateway/common/          no      crypto
formats      adtgw_formats       gateway/formats/         no      common certs
transfer     adtgw_transfer      gateway/transfer/        no      common certs
audit        adtgw_audit_proofs  gateway/audit/           no      common certs
store        adtgw_store         gateway/store/           yes     transfer
audit_log    adtgw_audit_log     gateway/audit/audit_log. yes     audit store
server       adtgw_server        gateway/server/          no      audit_log policies
client       adtgw_client        gateway/client/          no      audit transfer formats policies
cli          adtgw_cli           gateway/cli/             no      server client
'
# The folders whose sources are checked.
TOP_DIRS=(crypto certs policies gateway)

check() {
  local root=$1
  cd "$root"
  local sources cmakes
  sources=$(find "${TOP_DIRS[@]}" -type f \( -name '*.h' -o -name '*.cc' -o -name '*.h.in' \) | sort)
  cmakes=$(find "${TOP_DIRS[@]}" -type f -name CMakeLists.txt | sort)
  # shellcheck disable=SC2086  # the file lists are words
  awk -v layers="$LAYERS" -v q="'" '
    function fail(where, text) {
      printf "%s: %s (layer rule, see docs/architecture.md)\n", where, text
      bad = 1
    }
    # The layer a path belongs to: the longest matching source prefix, "" if none.
    function layer_of(path,   i, best, best_len) {
      best = ""; best_len = 0
      for (i = 1; i <= n_prefix; ++i) {
        if (index(path, prefix[i]) == 1 && length(prefix[i]) > best_len) {
          best = prefix_layer[i]; best_len = length(prefix[i])
        }
      }
      return best
    }
    function dirname(path) { sub(/\/[^\/]*$/, "", path); return path }
    BEGIN {
      n = split(layers, rows, "\n")
      for (r = 1; r <= n; ++r) {
        k = split(rows[r], f, /[ \t]+/)
        if (k == 0 || f[1] == "") continue
        name = f[1]
        known[name] = 1
        library_layer[f[2]] = name
        layer_library[name] = f[2]
        prefix[++n_prefix] = f[3]; prefix_layer[n_prefix] = name
        sqlite[name] = (f[4] == "yes")
        for (j = 5; j <= k; ++j) if (f[j] != "-") below[name, f[j]] = 1
      }
      for (key in below) {
        split(key, ab, SUBSEP)
        if (!(ab[2] in known)) { print "check-layers: " ab[1] " stands on " ab[2] ", not a layer"; exit 2 }
      }
      # What each layer may use: itself and everything it stands on, followed down.
      for (a in known) may[a, a] = 1
      changed = 1
      while (changed) {
        changed = 0
        for (key in below) {
          split(key, ab, SUBSEP)
          for (c in known) {
            if ((ab[2], c) in may && !((ab[1], c) in may)) { may[ab[1], c] = 1; changed = 1 }
          }
        }
      }
    }
    FNR == 1 {
      file_layer = layer_of(FILENAME)
      is_cmake = (FILENAME ~ /CMakeLists\.txt$/)
      collecting = 0
      if (!is_cmake && file_layer == "") fail(FILENAME ":1", q FILENAME q " is in no layer")
    }
    # Sources: quoted includes follow the arrows; SQLite only where the table says.
    !is_cmake && /^[ \t]*#[ \t]*include[ \t]*"/ {
      target = $0
      sub(/^[^"]*"/, "", target); sub(/".*$/, "", target)
      to = layer_of(target)
      if (to == "") {
        fail(FILENAME ":" FNR, q file_layer q " may not include " q target q ", which is in no layer")
      } else if (!((file_layer, to) in may)) {
        fail(FILENAME ":" FNR, q file_layer q " may not include " q to q " (" q target q ")")
      }
      next
    }
    !is_cmake && /^[ \t]*#[ \t]*include[ \t]*<sqlite3\.h>/ {
      if (!sqlite[file_layer]) fail(FILENAME ":" FNR, q file_layer q " may not include " q "sqlite3.h" q)
      next
    }
    # CMake: gather each add_library / target_link_libraries call whole (it may span lines).
    is_cmake && !collecting && /^[ \t]*(add_library|target_link_libraries)[ \t]*\(/ {
      collecting = 1; call = ""; call_line = FNR
    }
    is_cmake && collecting {
      text = $0; sub(/#.*$/, "", text)
      call = call " " text
      if (index(text, ")") == 0) next
      collecting = 0
      gsub(/[()]/, " ", call)
      k = split(call, w, /[ \t]+/)
      # w[1] is empty (the leading space), w[2] the command, w[3] the target.
      where = FILENAME ":" call_line
      lib = w[3]
      if (!(lib in library_layer)) {
        if (w[2] == "add_library") fail(where, "library " q lib q " is in no layer")
        next
      }
      from = library_layer[lib]
      for (j = 4; j <= k; ++j) {
        dep = w[j]
        if (dep == "" || dep ~ /^(STATIC|SHARED|OBJECT|PUBLIC|PRIVATE|INTERFACE)$/) continue
        if (w[2] == "add_library") {
          src = dirname(FILENAME) "/" dep
          if (layer_of(src) != from) fail(where, q from q " (" lib ") may not compile " q src q)
        } else if (dep ~ /^adtgw_/) {
          if (!(dep in library_layer)) fail(where, q from q " may not link " q dep q ", which is in no layer")
          else if (!((from, library_layer[dep]) in may)) fail(where, q from q " may not link " q library_layer[dep] q " (" dep ")")
        } else if (dep ~ /^SQLite::/ && !sqlite[from]) {
          fail(where, q from q " may not link SQLite (" dep ")")
        }
      }
    }
    END { exit bad ? 1 : 0 }
  ' $sources $cmakes
}

# Copies the checked folders, then breaks the copy one way at a time: the check must pass
# on the clean copy and fail, naming the line, on each broken one.
self_test() {
  local root=$1 script status=0
  script=$(realpath "$0")
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/check-layers.XXXXXX")  # global: the EXIT trap needs it
  trap 'rm -rf "$scratch"' EXIT
  expect() {  # expect NAME WANT_EXIT WANT_LINE: runs the check on the copy
    local name=$1 want_exit=$2 want_line=$3 out got=0
    out=$(bash "$script" "$scratch/src") || got=$?
    if [ "$got" != "$want_exit" ] || ! grep -qF -- "$want_line" <<<"$out"; then
      printf 'self-test %s: exit %s (wanted %s), output:\n%s\n(wanted a line with: %s)\n' \
        "$name" "$got" "$want_exit" "$out" "$want_line" >&2
      status=1
    fi
  }
  fresh() {
    rm -rf "$scratch/src" && mkdir "$scratch/src"
    (cd "$root" && cp -r "${TOP_DIRS[@]}" "$scratch/src/")
  }
  fresh
  expect clean 0 ""
  echo '#include "gateway/server/transfer_service.h"' >>"$scratch/src/crypto/sha256.cc"
  expect include_upwards 1 \
    "crypto/sha256.cc:$(wc -l <"$scratch/src/crypto/sha256.cc"): 'crypto' may not include 'server' ('gateway/server/transfer_service.h')"
  fresh
  echo '#include "gateway/store/metadata_store.h"' >>"$scratch/src/gateway/transfer/manifest.h"
  expect include_sideways 1 "gateway/transfer/manifest.h:"
  fresh
  echo '#include <sqlite3.h>' >>"$scratch/src/gateway/client/spool.cc"
  expect sqlite_in_client 1 "'client' may not include 'sqlite3.h'"
  fresh
  echo 'target_link_libraries(adtgw_client PUBLIC adtgw_store)' >>"$scratch/src/gateway/CMakeLists.txt"
  expect link_upwards 1 "'client' may not link 'store' (adtgw_store)"
  fresh
  printf 'add_library(adtgw_transfer_extra STATIC\n  transfer/manifest.cc\n)\n' >>"$scratch/src/gateway/CMakeLists.txt"
  expect unknown_library 1 "library 'adtgw_transfer_extra' is in no layer"
  fresh
  sed -i 's|^  transfer/manifest.cc$|  transfer/manifest.cc\n  store/sqlite_database.cc|' "$scratch/src/gateway/CMakeLists.txt"
  expect foreign_source 1 "'transfer' (adtgw_transfer) may not compile 'gateway/store/sqlite_database.cc'"
  [ "$status" = 0 ] && echo "check-layers self-test: the clean copy passes, all 6 breaks are caught"
  return "$status"
}

if [ "${1:-}" = "--self-test" ]; then
  self_test "$(realpath "${2:-$(dirname "$0")/..}")"
else
  check "$(realpath "${1:-$(dirname "$0")/..}")"
fi
