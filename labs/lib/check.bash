# shellcheck shell=bash
# check.bash - what every lab's check.sh shares: its command line, the list
# of steps and their results, reading mailboxes and transcripts, the answers
# file with check_answer, and the report in its three formats.
#
# A check.sh sources this file (labs/lib/ is beside the lab's folder; it
# sets script_dir, the lab's folder) and then:
#
#   check_options "$@"        sets format, lab and answers, or exits 64
#   ... its own paths ($LAB_MAIL...), then its steps: each one records its
#   result with pass NAME DETAIL or hint NAME TEXT, and each question of
#   answers.txt is a check_answer N NAME QUESTION STEP JUDGE
#   check_report SUITE TITLE [WIDTH]  prints the report; as the last command,
#                             its status is the script's: 0 all steps passed, 1 not
#
# The check reads files only. Every function here is plain bash (and awk),
# so that a student can read how a step is decided.
#
# Sourced, never run: it defines functions, script_dir and the empty step
# lists.

# script_dir: the folder of the script that sources this file (the lab's).
script_dir=$(cd "$(dirname "${BASH_SOURCE[-1]}")" && pwd)

# shellcheck source=SCRIPTDIR/report.bash disable=SC1091
. "$(dirname "${BASH_SOURCE[0]}")/report.bash"

# --- the command line -----------------------------------------------------------

# check_usage - the usage line, on stderr; exits 64 (EX_USAGE).
check_usage() {
  echo "usage: check.sh [--format text|tap|junit] [LAB_DIR]" >&2
  exit 64
}

# check_options ARGS... - reads check.sh's command line:
#   [--format text|tap|junit | --format=FORMAT] [LAB_DIR]
# and sets format (default text), lab (LAB_DIR, else $LAB_DIR, else
# $script_dir; made absolute, so that every hint can show a path relative
# to it) and answers ($LAB_ANSWERS, else LAB_DIR/answers.txt). Exits 64,
# with the usage line, on a bad option or format, or a missing folder.
check_options() {
  format=text
  lab=${LAB_DIR:-$script_dir}
  while [ $# -gt 0 ]; do
    case $1 in
      --format) [ $# -ge 2 ] || check_usage; format=$2; shift 2 ;;
      --format=*) format=${1#--format=}; shift ;;
      -h|--help) check_usage ;;
      -*) echo "check.sh: unknown option $1" >&2; check_usage ;;
      *) lab=$1; shift ;;
    esac
  done
  case $format in text|tap|junit) ;; *) echo "check.sh: unknown format '$format'" >&2; check_usage ;; esac
  [ -d "$lab" ] || { echo "check.sh: no lab directory $lab" >&2; exit 64; }
  lab=$(cd "$lab" && pwd)
  answers=${LAB_ANSWERS:-$lab/answers.txt}
}

# check_work_dir NAME - makes the scratch folder $work
# ($TMPDIR/cartero-NAME.XXXXXX) and removes it on exit, whatever the exit.
check_work_dir() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/cartero-$1.XXXXXX")
  trap 'rm -rf "$work"' EXIT
}

# --- the results: one entry per step, in order -----------------------------------

STEP_NAMES=() STEP_OK=() STEP_TEXT=()

# pass NAME DETAIL / hint NAME TEXT - record a step's result. A hint says
# what to redo and names the README step.
pass() { STEP_NAMES+=("$1"); STEP_OK+=(1); STEP_TEXT+=("$2"); }
hint() { STEP_NAMES+=("$1"); STEP_OK+=(0); STEP_TEXT+=("$2"); }

# rel PATH - the path relative to the lab directory, for shorter hints.
rel() {
  case $1 in
    "$lab"/*) printf '%s' "${1#"$lab"/}" ;;
    *) printf '%s' "$1" ;;
  esac
}

# lower TEXT - TEXT in lower case.
lower() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }

# --- reading Maildirs --------------------------------------------------------------

# A delivered message is a file in new/ or cur/ of a Maildir (a mail reader
# moves read mail to cur/ and adds ":2,FLAGS" to its name). tmp/ holds
# messages still arriving, and is not looked at.

# maildir_files DIR - the message files of the Maildir DIR, one a line.
maildir_files() {
  local f
  for f in "$1"/new/* "$1"/cur/*; do
    [ -f "$f" ] && printf '%s\n' "$f"
  done
}

# mail_root_files ROOT - the message files of every mailbox under the mail
# root ROOT (ROOT/<user>/new/, ROOT/<user>/cur/), one a line.
mail_root_files() {
  local f
  [ -d "$1" ] || return 0
  for f in "$1"/*/new/* "$1"/*/cur/*; do
    [ -f "$f" ] && printf '%s\n' "$f"
  done
}

# mailbox_of FILE - the user whose Maildir holds FILE.
mailbox_of() { basename "$(dirname "$(dirname "$1")")"; }

# plain_name FILE - FILE's name without the ":2,FLAGS" info of cur/.
plain_name() { local b; b=$(basename "$1"); printf '%s' "${b%%:*}"; }

# --- reading a server's -v transcript ---------------------------------------------

# split_sessions LOG DIR - DIR/N holds session N's lines of the -v transcript
# LOG, without their "[N] " tag, colours removed. A session is one
# connection; its lines are tagged with its number.
split_sessions() {
  mkdir -p "$2"
  [ -f "$1" ] || return 0
  sed 's/\x1b\[[0-9;]*m//g' "$1" |
    awk -v dir="$2" '
      match($0, /^\[[0-9]+\] /) {
        n = substr($0, 2, RLENGTH - 3)
        print substr($0, RLENGTH + 1) > (dir "/" n)
      }'
}

# session_files DIR - the session files of a split transcript, one a line.
session_files() {
  local f
  for f in "$1"/[0-9]*; do
    [ -f "$f" ] && printf '%s\n' "$f"
  done
}

# find_session TEST... - finds the first session of SESSIONS (the session
# files the check made) for which the command "TEST... SESSION" succeeds,
# and sets FOUND to its number.
find_session() {
  local s
  FOUND=
  for s in "${SESSIONS[@]}"; do
    if "$@" "$s"; then
      # shellcheck disable=SC2034  # FOUND is the caller's
      FOUND=$(basename "$s")
      return 0
    fi
  done
  return 1
}

# --- the answers ---------------------------------------------------------------------

# answer N - the text after "A<N>:" in the answers file (the last such line),
# trimmed, without a Windows CR and without surrounding quotes or backticks.
answer() {
  [ -f "$answers" ] || return 0
  awk -v n="$1" '
    { sub(/\r$/, "") }
    /^[ \t]*#/ { next }
    match($0, /^[ \t]*[Aa][0-9]+[ \t]*[:=.)]/) {
      head = substr($0, 1, RLENGTH); num = head; gsub(/[^0-9]/, "", num)
      if (num + 0 == n + 0) { v = substr($0, RLENGTH + 1); found = 1 }
    }
    END {
      if (!found) exit
      gsub(/^[ \t]+|[ \t]+$/, "", v)
      while (v ~ /^["`'"'"'].*["`'"'"']$/ && length(v) >= 2) v = substr(v, 2, length(v) - 2)
      print v
    }' "$answers"
}

# shown TEXT - the answer as it may be quoted in a hint: printable ASCII,
# at most 60 characters.
shown() {
  local s
  s=$(printf '%s' "$1" | LC_ALL=C tr -c '[:print:]' '?')
  [ ${#s} -gt 60 ] && s="${s:0:57}..."
  printf '%s' "$s"
}

# first_code TEXT - the first three-digit number in TEXT (a reply code).
first_code() { [[ $1 =~ (^|[^0-9])([0-9]{3})([^0-9]|$) ]] && printf '%s' "${BASH_REMATCH[2]}"; }

# check_answer N NAME QUESTION STEP JUDGE - records step NAME for answer N.
# JUDGE is a function called with the answer; it returns 0 when the answer
# is right, or prints why not (a hint, without the "AN:" part) and returns 1.
# QUESTION and the README STEP go into the hint for a missing answer.
check_answer() {
  local n=$1 name=$2 question=$3 step=$4 judge=$5 a why
  if [ ! -f "$answers" ]; then
    hint "$name" "A$n: there is no $(rel "$answers") yet (cp answers.template answers.txt). The question: $question (README step $step)."
    return
  fi
  a=$(answer "$n")
  if [ -z "$a" ]; then
    hint "$name" "A$n is empty. The question: $question (README step $step)."
    return
  fi
  if why=$("$judge" "$a"); then
    pass "$name" "A$n: $(shown "$a")"
  else
    hint "$name" "A$n: $why (README step $step)."
  fi
}

# --- the report ------------------------------------------------------------------------

# steps_passed - how many steps passed.
steps_passed() {
  local ok passed=0
  for ok in "${STEP_OK[@]}"; do passed=$((passed + ok)); done
  printf '%s' "$passed"
}

# check_report SUITE TITLE [WIDTH] - prints every step in $format:
#   text   "TITLE: checking LAB", a line per step ("ok", or "HINT: ..."), the
#          step names padded to WIDTH (default 32), and the count passed
#   tap    scripts/grade.sh's contract: a plan "1..N" and a line per step,
#          "ok N - NAME" or "not ok N - NAME" followed by "# HINT: ..."
#   junit  a <testsuite name="SUITE">, one <testcase> of class labs.SUITE
#          per step, the hint as the <failure> message
# Returns 0 when every step passed, 1 when not.
check_report() {
  local total=${#STEP_NAMES[@]} passed
  passed=$(steps_passed)
  case $format in
    text) report_text "$2" "${3:-32}" "$passed" ;;
    tap) report_tap ;;
    junit) report_junit "$1" "$passed" ;;
  esac
  [ "$passed" -eq "$total" ]
}

# report_text TITLE WIDTH PASSED - the table the student reads.
report_text() {
  local total=${#STEP_NAMES[@]} i
  echo "$1: checking $lab"
  for ((i = 0; i < total; i++)); do
    if [ "${STEP_OK[i]}" = 1 ]; then
      printf "%2d %-${2}s ok\n" $((i + 1)) "${STEP_NAMES[i]}"
    else
      printf "%2d %-${2}s HINT: %s\n" $((i + 1)) "${STEP_NAMES[i]}" "${STEP_TEXT[i]}"
    fi
  done
  if [ "$3" -eq "$total" ]; then
    echo "All $total steps passed."
  else
    echo "$3 of $total steps passed."
  fi
}

# report_tap - the TAP stream grade.sh reads.
report_tap() {
  local i
  echo "1..${#STEP_NAMES[@]}"
  for ((i = 0; i < ${#STEP_NAMES[@]}; i++)); do
    tap_result $((i + 1)) "${STEP_OK[i]}" "${STEP_NAMES[i]}" "${STEP_TEXT[i]}"
  done
}

# report_junit SUITE PASSED - the JUnit XML a CI server reads.
report_junit() {
  local total=${#STEP_NAMES[@]} i
  echo '<?xml version="1.0" encoding="UTF-8"?>'
  echo "<testsuite name=\"$1\" tests=\"$total\" failures=\"$((total - $2))\" errors=\"0\">"
  for ((i = 0; i < total; i++)); do
    junit_testcase "  " "labs.$1" "${STEP_NAMES[i]}" "${STEP_OK[i]}" "${STEP_TEXT[i]}"
  done
  echo "</testsuite>"
}
