#!/usr/bin/env bash
# run-tests.sh BINDIR UNITDIR - run the unit tests, then every bats file.
#
# The bats files find the programs under test through $CARTERO_BIN (make
# test points it at the sanitizer build). The last line is the summary CI
# reads: "tests: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
bindir=$(cd "$1" && pwd)
unitdir=$2
export CARTERO_BIN=$bindir
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0 failed=0 skipped=0

echo "== unit tests (lib/)"
for t in "$unitdir"/test_*; do
  [ -x "$t" ] || continue
  out=$("$t" 2>&1); status=$?
  printf '%s\n' "$out" | sed 's/^/  /'
  summary=$(printf '%s\n' "$out" | grep -E '^([a-z_]+: )?[0-9]+ passed, [0-9]+ failed' | tail -n 1)
  p=$(printf '%s' "$summary" | sed -E 's/^([a-z_]+: )?([0-9]+) passed.*/\2/')
  f=$(printf '%s' "$summary" | sed -E 's/^([a-z_]+: )?[0-9]+ passed, ([0-9]+) failed.*/\2/')
  if [ -z "$summary" ]; then p=0 f=1; echo "  $(basename "$t"): no summary line (crashed?)"; fi
  [ $status -ne 0 ] && [ "$f" -eq 0 ] && f=1
  passed=$((passed + p)) failed=$((failed + f))
done

echo "== behaviour tests (bats, programs from $bindir)"
tap=$(mktemp)
bats --tap ${BATS_FILTER:+--filter "$BATS_FILTER"} tests/*.bats | tee "$tap"
p=$(grep -cE '^ok [0-9]+' "$tap" | tr -d ' ')
s=$(grep -cE '^ok [0-9]+ .*# skip' "$tap" | tr -d ' ')
f=$(grep -cE '^not ok [0-9]+' "$tap" | tr -d ' ')
rm -f "$tap"
passed=$((passed + p - s)) skipped=$((skipped + s)) failed=$((failed + f))

echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
