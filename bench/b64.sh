#!/usr/bin/env bash
# bench/b64.sh - how fast is b64 next to coreutils base64, both ways?
#
#   bench/b64.sh [SIZE_MIB] [RUNS]      (defaults: 256 MiB, best of 3 runs)
#
# Makes a file of SIZE_MIB random bytes, checks that both programs give the
# same output for it, then times each program encoding it and decoding its
# encoding (output to /dev/null, input from the page cache), in the same
# run. Prints the best time of RUNS for each and the ratio:
#   ratio = coreutils time / b64 time   (above 1.00: b64 is faster)
# Uses $CARTERO_BIN/b64 (default bin/b64); build it first (make bin/b64).
set -euo pipefail

size_mib=${1:-256}
runs=${2:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
b64=${CARTERO_BIN:-$root/bin}/b64

[ -x "$b64" ] || { echo "b64.sh: no $b64; run 'make bin/b64' first" >&2; exit 1; }
command -v base64 >/dev/null || { echo "b64.sh: coreutils base64 not found" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$tmp/data"
base64 "$tmp/data" >"$tmp/data.b64"

# Same output before any timing: a fast wrong program is not faster.
"$b64" "$tmp/data" | cmp -s - "$tmp/data.b64" \
  || { echo "b64.sh: b64 and base64 encode differently" >&2; exit 1; }
"$b64" -d "$tmp/data.b64" | cmp -s - "$tmp/data" \
  || { echo "b64.sh: b64 -d does not give the input back" >&2; exit 1; }

# best_ns CMD... - the shortest wall-clock time, in nanoseconds, of $runs
# runs of CMD.
best_ns() {
  local best=0 start t i
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    "$@" >/dev/null
    t=$(( $(date +%s%N) - start ))
    if ((best == 0 || t < best)); then best=$t; fi
  done
  echo "$best"
}

report() {   # report WHAT CORE_NS B64_NS
  awk -v what="$1" -v core="$2" -v mine="$3" -v mib="$size_mib" 'BEGIN {
    printf "%-7s coreutils %6.3f s (%5.0f MiB/s)   b64 %6.3f s (%5.0f MiB/s)   ratio %.2f\n",
      what, core / 1e9, mib / (core / 1e9), mine / 1e9, mib / (mine / 1e9), core / mine }'
}

echo "b64 vs coreutils $(base64 --version | head -n 1 | sed 's/.* //'):" \
  "$size_mib MiB of random bytes, best of $runs runs"
enc_core=$(best_ns base64 "$tmp/data")
enc_b64=$(best_ns "$b64" "$tmp/data")
dec_core=$(best_ns base64 -d "$tmp/data.b64")
dec_b64=$(best_ns "$b64" -d "$tmp/data.b64")
report encode "$enc_core" "$enc_b64"
report decode "$dec_core" "$dec_b64"
