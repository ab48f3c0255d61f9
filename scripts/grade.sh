#!/usr/bin/env bash
# grade.sh - checks every lab and reports: `make grade [FORMAT=tap|junit]`
# runs `scripts/grade.sh "$FORMAT"`.
#
# usage: grade.sh [text|tap|junit]      (empty means text)
#
#   text   a table: lab, steps passed, steps in all, result
#   tap    one TAP stream (TAP version 13) with every step of every lab,
#          a failed step followed by its hint as a "# HINT:" line
#   junit  JUnit XML: one <testsuite> per lab, one <testcase> per step,
#          the hint as the <failure> message
#   $CARTERO_LABS  where the labs are (default: labs/ of this repository)
#
# Every labs/NN-*/check.sh is run with "--format tap" and must print a plan
# "1..N" and N lines "ok|not ok K - NAME" (a "# HINT: ..." line may follow a
# failure). A check that breaks that contract is reported as an error, not
# as a failed step. Output goes to stdout. Exit status: 0 when every step of
# every lab passed, 1 when not, 64 bad usage.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
labs=${CARTERO_LABS:-$root/labs}
# The labs' checks share labs/lib/; one copied out of the repository (a
# student's hand-in under $CARTERO_LABS) finds it through $CARTERO_ROOT.
export CARTERO_ROOT=${CARTERO_ROOT:-$root}
# xml, tap_result and junit_testcase: a step reads as in the lab's own report.
# shellcheck source=SCRIPTDIR/../labs/lib/report.bash disable=SC1091
. "$root/labs/lib/report.bash" || exit 70
format=${1:-text}
case $format in
  text|tap|junit) ;;
  *) echo "usage: grade.sh [text|tap|junit]" >&2; exit 64 ;;
esac

# The results. Per lab: its name, its state (checked, error, nocheck), an
# error text, and the range of its steps in the STEP_* arrays.
LAB_NAMES=() LAB_STATE=() LAB_ERROR=() LAB_FIRST=() LAB_COUNT=() LAB_PASSED=()
STEP_NAMES=() STEP_OK=() STEP_HINT=()

errfile=$(mktemp "${TMPDIR:-/tmp}/cartero-grade.XXXXXX")
trap 'rm -f "$errfile"' EXIT

# run_lab DIR - runs DIR/check.sh --format tap and records what it says.
run_lab() {
  local dir=$1 name out status line plan='' count=0 passed=0 first=${#STEP_NAMES[@]}
  name=$(basename "$dir")
  LAB_NAMES+=("$name") LAB_FIRST+=("$first") LAB_ERROR+=("")
  if [ ! -f "$dir/check.sh" ]; then
    LAB_STATE+=(nocheck) LAB_COUNT+=(0) LAB_PASSED+=(0)
    return
  fi
  out=$(bash "$dir/check.sh" --format tap 2>"$errfile")
  status=$?
  while IFS= read -r line; do
    if [[ $line =~ ^1\.\.([0-9]+) ]]; then
      plan=${BASH_REMATCH[1]}
    elif [[ $line =~ ^(not\ )?ok\ [0-9]+(\ -)?\ ?(.*)$ ]]; then
      STEP_NAMES+=("${BASH_REMATCH[3]}") STEP_HINT+=("")
      if [ -z "${BASH_REMATCH[1]}" ]; then
        STEP_OK+=(1); passed=$((passed + 1))
      else
        STEP_OK+=(0)
      fi
      count=$((count + 1))
    elif [[ $line =~ ^#\ ?(HINT:\ )?(.*)$ ]] && [ "$count" -gt 0 ] &&
         [ "${STEP_OK[-1]}" = 0 ] && [ -z "${STEP_HINT[-1]}" ]; then
      STEP_HINT[-1]=${BASH_REMATCH[2]}
    fi
  done <<<"$out"
  LAB_COUNT+=("$count") LAB_PASSED+=("$passed")
  # The contract: a plan, as many step lines, and exit 0 exactly when all passed.
  if [ -z "$plan" ] || [ "$plan" != "$count" ] || { [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; } ||
     { [ "$status" -eq 0 ] && [ "$passed" -ne "$count" ]; } ||
     { [ "$status" -eq 1 ] && [ "$passed" -eq "$count" ]; }; then
    LAB_STATE+=(error)
    LAB_ERROR[-1]="check.sh broke its contract (exit $status, plan '${plan:-none}', $count step lines)"
    [ -s "$errfile" ] && LAB_ERROR[-1]+=": $(head -n 1 "$errfile")"
  else
    LAB_STATE+=(checked)
  fi
}

for dir in "$labs"/[0-9][0-9]-*/; do
  [ -d "$dir" ] && run_lab "${dir%/}"
done

# Totals and the exit status.
all_steps=0 all_passed=0 all_ok=1
for ((l = 0; l < ${#LAB_NAMES[@]}; l++)); do
  all_steps=$((all_steps + LAB_COUNT[l])) all_passed=$((all_passed + LAB_PASSED[l]))
  [ "${LAB_STATE[l]}" = error ] && all_ok=0
done
[ "$all_passed" -eq "$all_steps" ] || all_ok=0

report_text() {
  local l result
  printf '%-24s %7s %7s  %s\n' Lab Passed Total Result
  for ((l = 0; l < ${#LAB_NAMES[@]}; l++)); do
    case ${LAB_STATE[l]} in
      nocheck) result="no check.sh" ;;
      error) result="ERROR: ${LAB_ERROR[l]}" ;;
      *) if [ "${LAB_PASSED[l]}" -eq "${LAB_COUNT[l]}" ]; then result="all passed"
         else result="hints: make check-lab LAB=${LAB_NAMES[l]%%-*}"; fi ;;
    esac
    printf '%-24s %7d %7d  %s\n' "${LAB_NAMES[l]}" "${LAB_PASSED[l]}" "${LAB_COUNT[l]}" "$result"
  done
  [ ${#LAB_NAMES[@]} -gt 0 ] || echo "(no labs in $labs)"
  printf '%-24s %7d %7d\n' "All labs" "$all_passed" "$all_steps"
}

report_tap() {
  local l s n=0 total=0
  for ((l = 0; l < ${#LAB_NAMES[@]}; l++)); do
    case ${LAB_STATE[l]} in
      checked) total=$((total + LAB_COUNT[l])) ;;
      *) total=$((total + 1)) ;;
    esac
  done
  echo "TAP version 13"
  if [ "$total" -eq 0 ]; then
    echo "1..0 # SKIP no labs in $labs"
    return
  fi
  echo "1..$total"
  for ((l = 0; l < ${#LAB_NAMES[@]}; l++)); do
    case ${LAB_STATE[l]} in
      nocheck) echo "ok $((++n)) - ${LAB_NAMES[l]} # SKIP no check.sh" ;;
      error) echo "not ok $((++n)) - ${LAB_NAMES[l]}: check.sh"
             echo "# ERROR: ${LAB_ERROR[l]}" ;;
      checked)
        for ((s = LAB_FIRST[l]; s < LAB_FIRST[l] + LAB_COUNT[l]; s++)); do
          tap_result $((++n)) "${STEP_OK[s]}" "${LAB_NAMES[l]}: ${STEP_NAMES[s]}" "${STEP_HINT[s]}"
        done ;;
    esac
  done
}

report_junit() {
  local l s failures errors=0 tests=0 all_failures=0 class
  for ((l = 0; l < ${#LAB_NAMES[@]}; l++)); do
    case ${LAB_STATE[l]} in
      checked) tests=$((tests + LAB_COUNT[l]))
               all_failures=$((all_failures + LAB_COUNT[l] - LAB_PASSED[l])) ;;
      error) tests=$((tests + 1)); errors=$((errors + 1)) ;;
      nocheck) tests=$((tests + 1)) ;;
    esac
  done
  echo '<?xml version="1.0" encoding="UTF-8"?>'
  echo "<testsuites name=\"cartero-labs\" tests=\"$tests\" failures=\"$all_failures\" errors=\"$errors\">"
  for ((l = 0; l < ${#LAB_NAMES[@]}; l++)); do
    class="labs.$(xml "${LAB_NAMES[l]}")"
    case ${LAB_STATE[l]} in
      nocheck)
        echo "  <testsuite name=\"$(xml "${LAB_NAMES[l]}")\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\">"
        echo "    <testcase classname=\"$class\" name=\"check.sh\"><skipped message=\"no check.sh\"/></testcase>"
        ;;
      error)
        echo "  <testsuite name=\"$(xml "${LAB_NAMES[l]}")\" tests=\"1\" failures=\"0\" errors=\"1\">"
        echo "    <testcase classname=\"$class\" name=\"check.sh\"><error message=\"$(xml "${LAB_ERROR[l]}")\"/></testcase>"
        ;;
      checked)
        failures=$((LAB_COUNT[l] - LAB_PASSED[l]))
        echo "  <testsuite name=\"$(xml "${LAB_NAMES[l]}")\" tests=\"${LAB_COUNT[l]}\" failures=\"$failures\" errors=\"0\">"
        for ((s = LAB_FIRST[l]; s < LAB_FIRST[l] + LAB_COUNT[l]; s++)); do
          junit_testcase "    " "$class" "${STEP_NAMES[s]}" "${STEP_OK[s]}" "${STEP_HINT[s]:-failed}"
        done
        ;;
    esac
    echo "  </testsuite>"
  done
  echo "</testsuites>"
}

"report_$format"
[ "$all_ok" = 1 ]
