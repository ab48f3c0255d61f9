# shellcheck shell=bash
# report.bash - how a result is written for the tools that read it: XML
# escaping, a TAP line, a JUnit <testcase>. Every lab's check.sh (through
# check.bash) and scripts/grade.sh source it, so that a step reads the same
# in a lab's own report and in the report of all the labs.
#
# Sourced, never run: it only defines functions.

# xml TEXT - prints TEXT escaped for an XML attribute or element, with
# control characters and invalid UTF-8 dropped: a hint may quote a student's
# answer, and one such byte makes the whole JUnit file unreadable.
xml() {
  local s
  s=$(printf '%s' "$1" | LC_ALL=C tr -d '\000-\010\013\014\016-\037')
  if command -v iconv >/dev/null; then
    s=$(printf '%s' "$s" | iconv -f UTF-8 -t UTF-8 -c 2>/dev/null)
  fi
  s=${s//&/'&amp;'}; s=${s//</'&lt;'}; s=${s//>/'&gt;'}; s=${s//\"/'&quot;'}; s=${s//\'/'&apos;'}
  printf '%s' "$s"
}

# tap_result N OK NAME HINT - the TAP lines of test N: "ok N - NAME" when OK
# is 1; otherwise "not ok N - NAME", then "# HINT: HINT" unless HINT is empty
# (a TAP comment: graders see why, and TAP readers skip it).
tap_result() {
  if [ "$2" = 1 ]; then
    echo "ok $1 - $3"
  else
    echo "not ok $1 - $3"
    [ -z "$4" ] || echo "# HINT: $4"
  fi
}

# junit_testcase INDENT CLASS NAME OK MESSAGE - a <testcase> of class CLASS
# (already escaped) named NAME, its lines starting with INDENT. When OK is
# not 1 it holds a <failure> whose message and text are MESSAGE.
junit_testcase() {
  local pad=$1 class=$2 name=$3 ok=$4 message=$5
  if [ "$ok" = 1 ]; then
    echo "$pad<testcase classname=\"$class\" name=\"$(xml "$name")\"/>"
  else
    echo "$pad<testcase classname=\"$class\" name=\"$(xml "$name")\">"
    echo "$pad  <failure message=\"$(xml "$message")\">$(xml "$message")</failure>"
    echo "$pad</testcase>"
  fi
}
