#!/usr/bin/env bats
# Lab 01 and the lab-checking tools: labs/01-smtp-by-hand/check.sh,
# solution.sh and reset.sh, scripts/check-lab.sh and scripts/grade.sh.
#
# Every test works on a copy of the lab in its own temporary folder, so the
# real lab folder stays clean; the scripts take the lab folder as an
# argument (check.sh, solution.sh, reset.sh) or find the labs through
# $CARTERO_LABS (check-lab.sh, grade.sh).

load lib/helpers

LAB_SRC=$CARTERO_ROOT/labs/01-smtp-by-hand
STEPS=14

setup() {
  LAB=$BATS_TEST_TMPDIR/lab
  cp -R "$LAB_SRC" "$LAB"
  rm -rf "$LAB/lab-mail" "$LAB/answers.txt"   # fresh, whatever the real folder holds
}

teardown() {
  stop_servers
}

# solve - runs solution.sh on $LAB; the servers' transcript goes where
# check_sanitizer_logs looks.
solve() {
  mkdir -p "$BATS_TEST_TMPDIR/solution"
  SMTPD_LOG=$BATS_TEST_TMPDIR/solution/stderr run "$LAB_SRC/solution.sh" "$LAB"
  assert_success
}

# labs_copy - a labs/ folder holding a copy of the fresh lab; sets LABS.
labs_copy() {
  LABS=$BATS_TEST_TMPDIR/labs
  mkdir -p "$LABS"
  cp -R "$LAB" "$LABS/01-smtp-by-hand"
}

# message FILE_NAME USER [BODY...] - a delivered message written by hand,
# named as smtpd names them.
message() {
  local name=$1 user=$2 dir
  shift 2
  dir=$LAB/lab-mail/$user/new
  mkdir -p "$dir" "$LAB/lab-mail/$user/tmp" "$LAB/lab-mail/$user/cur"
  {
    printf 'Return-Path: <alice@crepes.fr>\nReceived: from crepes.fr ([127.0.0.1])\n\n'
    printf '%s\n' "$@"
  } >"$dir/$name"
}

# set_answer N TEXT - replaces line A<N>: of answers.txt.
set_answer() {
  local n=$1 text=$2
  awk -v n="$n" -v t="$text" '$0 ~ "^A" n ":" { print "A" n ": " t; next } { print }' \
    "$LAB/answers.txt" >"$LAB/answers.new"
  mv "$LAB/answers.new" "$LAB/answers.txt"
}

# valid_tap FILE - a plan "1..N" first, then N test lines numbered 1..N;
# other lines are comments.
valid_tap() {
  python3 - "$1" <<'EOF'
import re, sys
lines = [l for l in open(sys.argv[1]).read().splitlines() if l and not l.startswith("TAP version")]
m = re.fullmatch(r"1\.\.(\d+)", lines[0])
assert m, "first line is not a plan: %r" % lines[0]
tests = [l for l in lines[1:] if not l.startswith("#")]
assert len(tests) == int(m.group(1)), "plan %s, %d test lines" % (m.group(1), len(tests))
for i, l in enumerate(tests, 1):
    assert re.match(r"(not )?ok %d( |$)" % i, l), "line %d: %r" % (i, l)
EOF
}

# junit_summary FILE - prints "tests failures errors skipped" of a JUnit
# report, counted from its <testcase> elements (and checks the totals).
junit_summary() {
  python3 - "$1" <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = list(root.iter("testcase"))
fail = sum(1 for c in cases if c.find("failure") is not None)
err = sum(1 for c in cases if c.find("error") is not None)
skip = sum(1 for c in cases if c.find("skipped") is not None)
for suite in ([root] if root.tag == "testsuite" else list(root) + [root]):
    assert int(suite.get("tests")) == len(list(suite.iter("testcase"))), suite.attrib
    assert int(suite.get("failures")) == sum(1 for c in suite.iter("testcase") if c.find("failure") is not None)
print(len(cases), fail, err, skip)
EOF
}

# --- check.sh ------------------------------------------------------------------

@test "check: a fresh lab fails, with a hint for every step" {
  run "$LAB_SRC/check.sh" "$LAB"
  assert_failure 1
  [ "$(grep -c 'HINT: ' <<<"$output")" -eq "$STEPS" ]
  assert_output --partial "0 of $STEPS steps passed."
}

@test "check: every hint names the README step to redo" {
  run "$LAB_SRC/check.sh" "$LAB"
  while IFS= read -r line; do
    [[ $line != *HINT:* ]] && continue
    [[ $line == *"step "[1-8]* ]] || { echo "no step in: $line"; return 1; }
  done <<<"$output"
}

@test "check: a copied answers template without answers says which answer is empty" {
  cp "$LAB/answers.template" "$LAB/answers.txt"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_failure 1
  assert_output --partial "A1 is empty. The question: after RSET, did you have to send HELO again?"
  assert_output --partial "A11 is empty."
}

@test "check: after solution.sh every step passes" {
  solve
  run "$LAB_SRC/check.sh" "$LAB"
  assert_success
  assert_output --partial "All $STEPS steps passed."
  refute_output --partial "HINT"
}

@test "check: LAB_DIR, LAB_MAIL and LAB_ANSWERS point it at work elsewhere" {
  solve
  mv "$LAB/lab-mail" "$BATS_TEST_TMPDIR/mail"
  mv "$LAB/answers.txt" "$BATS_TEST_TMPDIR/answers"
  LAB_DIR=$LAB LAB_MAIL=$BATS_TEST_TMPDIR/mail LAB_ANSWERS=$BATS_TEST_TMPDIR/answers \
    run "$LAB_SRC/check.sh"
  assert_success
}

@test "check: a message to another user is not message 1, and the hint says so" {
  message 1795737837.M000001P100Q1.vm alice "Do you like ketchup?" "How about pickles?"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --partial "HINT: The slide's message went to the mailbox of alice, not bob"
}

@test "check: two messages count as one connection only with the same P<pid> and another Q" {
  message 1795737837.M000001P100Q1.vm bob "Do you like ketchup?" "How about pickles?"
  message 1795737838.M000002P200Q1.vm bob "hello"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --partial "HINT: Your 2 messages came over different connections"

  # One message to two recipients: the same file name in two mailboxes.
  message 1795737838.M000002P200Q1.vm alice "hello"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --partial "HINT: Your 2 messages came over different connections"

  message 1795737839.M000003P100Q2.vm bob "second"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --regexp '^ 2 same-connection +ok$'
}

@test "check: a stored line that starts with a dot counts, the server's trace lines do not" {
  message 1795737837.M000001P100Q1.vm bob "Do you like ketchup?" "How about pickles?" "profile"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --partial "HINT: No delivered message has a line that starts with a dot"
  # A header line the student typed as "..X-Dots: yes" counts as well.
  message 1795737839.M000003P100Q3.vm bob ".X-Dots: yes" "" "text"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --regexp '^ 3 dot-line +ok$'
}

@test "check: the slide's lines count even without the empty line before them" {
  message 1795737837.M000001P100Q1.vm bob "Subject: ketchup" "Do you like ketchup?" "How about pickles?"
  sed -i '3{/^$/d}' "$LAB/lab-mail/bob/new/1795737837.M000001P100Q1.vm"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --regexp '^ 1 message-1 +ok$'
}

@test "check: messages a mail reader moved to cur/ still count" {
  solve
  local f
  for f in "$LAB"/lab-mail/bob/new/*; do
    mv "$f" "$LAB/lab-mail/bob/cur/$(basename "$f"):2,S"
  done
  run "$LAB_SRC/check.sh" "$LAB"
  assert_success
}

@test "check: answers written in other reasonable ways are accepted" {
  solve
  local name pid
  name=$(sed -n 's/^A7: //p' "$LAB/answers.txt")
  pid=$(sed -n 's/^A11: //p' "$LAB/answers.txt")
  set_answer 1 "No, HELO se mantiene"
  set_answer 2 "\`profile\` (without the dot)"
  set_answer 3 "<CR><LF>.<CR><LF>"
  set_answer 4 "503 Need MAIL FROM before RCPT TO"
  set_answer 5 "el código 501"
  set_answer 6 '"500"'
  set_answer 7 "lab-mail/bob/new/$name"
  set_answer 8 "<ALICE@crepes.fr>"
  set_answer 9 "received y return path"
  set_answer 10 "rcpt to:<bob@hamburger.edu>, el sobre"
  set_answer 11 "P$pid"
  sed -i 's/$/\r/' "$LAB/answers.txt"       # saved by a Windows editor
  run "$LAB_SRC/check.sh" "$LAB"
  assert_success
}

@test "check: wrong answers fail, each with its own hint" {
  solve
  set_answer 1 "yes"
  set_answer 2 ".profile"
  set_answer 4 "250"
  set_answer 9 "Received"
  set_answer 11 "1"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_failure 1
  assert_output --partial "$((STEPS - 5)) of $STEPS steps passed."
  assert_line --partial "HINT: A1: you wrote \"yes\"; does RSET end the session"
  assert_line --partial "HINT: A2: look again at the file: the server removes one leading dot"
  assert_line --partial "HINT: A4: 250 is not the code the server sent for RCPT TO before MAIL FROM"
  assert_line --partial "HINT: A9: name both header lines the server wrote on top (missing: the one with the envelope sender)"
  assert_line --partial "HINT: A11: 1 is not the P<number> that two of your files share"
}

@test "check --format tap: a plan, then one line per step, hints as comments" {
  run "$LAB_SRC/check.sh" --format tap "$LAB"
  assert_failure 1
  printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out.tap"
  run valid_tap "$BATS_TEST_TMPDIR/out.tap"
  assert_success
  [ "$(grep -c '^# HINT: ' "$BATS_TEST_TMPDIR/out.tap")" -eq "$STEPS" ]
}

@test "check --format junit: well-formed XML, one testcase per step" {
  "$LAB_SRC/check.sh" --format junit "$LAB" >"$BATS_TEST_TMPDIR/fresh.xml" || true
  run junit_summary "$BATS_TEST_TMPDIR/fresh.xml"
  assert_output "$STEPS $STEPS 0 0"
  solve
  "$LAB_SRC/check.sh" --format junit "$LAB" >"$BATS_TEST_TMPDIR/solved.xml"
  run junit_summary "$BATS_TEST_TMPDIR/solved.xml"
  assert_output "$STEPS 0 0 0"
}

@test "check --format junit: an answer full of XML's special characters stays well-formed" {
  solve
  set_answer 8 $'<b>&"\'</b> \001 ol\xe9'
  "$LAB_SRC/check.sh" --format junit "$LAB" >"$BATS_TEST_TMPDIR/out.xml" || true
  run junit_summary "$BATS_TEST_TMPDIR/out.xml"
  assert_output "$STEPS 1 0 0"
}

@test "check: an unknown format or option is refused with status 64" {
  run "$LAB_SRC/check.sh" --format html "$LAB"
  assert_failure 64
  run "$LAB_SRC/check.sh" --frobnicate
  assert_failure 64
}

# --- solution.sh and reset.sh ---------------------------------------------------

@test "solution.sh: the slide's message reaches bob with Return-Path and Received on top" {
  solve
  local name f
  name=$(sed -n 's/^A7: //p' "$LAB/answers.txt")
  f=$LAB/lab-mail/bob/new/$name
  [ -f "$f" ]
  run sed -n '1p;2p' "$f"
  assert_line --index 0 "Return-Path: <alice@crepes.fr>"
  assert_line --index 1 --partial "Received: from crepes.fr ([127.0.0.1])"
  # The trace lines, then the empty line the server adds to a message with
  # no header of its own, then the body, with LF line ends.
  run awk 'seen { print } /^$/ { seen = 1 }' "$f"
  assert_output $'Do you like ketchup?\nHow about pickles?'
  if grep -q $'\r' "$f"; then echo "CR LF line ends in $f"; return 1; fi
}

@test "solution.sh: its three messages share the session's P<pid> and count up in Q" {
  solve
  run ls "$LAB/lab-mail/bob/new"
  [ "${#lines[@]}" -eq 3 ]
  local pids
  pids=$(printf '%s\n' "${lines[@]}" | sed -E 's/.*P([0-9]+)Q.*/\1/' | sort -u)
  [ "$(wc -l <<<"$pids")" -eq 1 ]
  printf '%s\n' "${lines[@]}" | grep -q 'Q1\.'
  printf '%s\n' "${lines[@]}" | grep -q 'Q3\.'
}

@test "solution.sh: a body line typed with two dots is stored with one, and one dot with none" {
  solve
  run grep -h -x -e '.bashrc' -e 'profile' -e '..bashrc' -e '.profile' "$LAB"/lab-mail/bob/new/*
  assert_output $'.bashrc\nprofile'
}

@test "solution.sh: leaves no server running in the lab folder" {
  solve
  local p
  for p in /proc/[0-9]*; do
    if [ "$(readlink "$p/cwd" 2>/dev/null)" = "$LAB" ]; then
      echo "process ${p#/proc/} still runs in $LAB: $(tr '\0' ' ' <"$p/cmdline")"
      return 1
    fi
  done
}

@test "solution.sh: keeps an existing answers.txt unless --force" {
  echo "my own answers" >"$LAB/answers.txt"
  run "$LAB_SRC/solution.sh" "$LAB"
  assert_failure
  assert_output --partial "answers.txt exists"
  [ "$(cat "$LAB/answers.txt")" = "my own answers" ]
  mkdir -p "$BATS_TEST_TMPDIR/solution"
  SMTPD_LOG=$BATS_TEST_TMPDIR/solution/stderr run "$LAB_SRC/solution.sh" --force "$LAB"
  assert_success
  grep -q '^A4: 503$' "$LAB/answers.txt"
}

@test "solution.sh: says what to do when smtpd is not built" {
  CARTERO_BIN=$BATS_TEST_TMPDIR/nothing run "$LAB_SRC/solution.sh" "$LAB"
  assert_failure
  assert_output --partial "make bin/smtpd"
}

@test "reset.sh: removes lab-mail/ and answers.txt, and nothing else" {
  solve
  run "$LAB_SRC/reset.sh" --keep-answers "$LAB"
  assert_success
  [ ! -e "$LAB/lab-mail" ] && [ -f "$LAB/answers.txt" ]
  run "$LAB_SRC/reset.sh" "$LAB"
  assert_success
  [ ! -e "$LAB/answers.txt" ]
  run diff -r "$LAB_SRC" "$LAB" -x lab-mail -x answers.txt
  assert_success
}

@test "the student's files are git-ignored in the real lab folder" {
  command -v git >/dev/null || skip "git is not installed"
  git -C "$CARTERO_ROOT" rev-parse --git-dir >/dev/null 2>&1 || skip "not a git work tree"
  git -C "$CARTERO_ROOT" check-ignore -q labs/01-smtp-by-hand/lab-mail/bob/new/x
  git -C "$CARTERO_ROOT" check-ignore -q labs/01-smtp-by-hand/answers.txt
  run git -C "$CARTERO_ROOT" check-ignore -q labs/01-smtp-by-hand/answers.template
  assert_failure 1
}

# --- scripts/check-lab.sh and scripts/grade.sh ------------------------------------

@test "check-lab.sh: finds a lab by its number, with or without the zero" {
  labs_copy
  CARTERO_LABS=$LABS run "$CARTERO_ROOT/scripts/check-lab.sh" 01
  assert_failure 1
  assert_output --partial "0 of $STEPS steps passed."
  CARTERO_LABS=$LABS run "$CARTERO_ROOT/scripts/check-lab.sh" 1 --format tap
  assert_line --index 0 "1..$STEPS"
}

@test "check-lab.sh: an unknown lab, or none, is a usage error that lists the labs" {
  labs_copy
  CARTERO_LABS=$LABS run "$CARTERO_ROOT/scripts/check-lab.sh" 42
  assert_failure 64
  assert_output --partial "no lab '42'"
  assert_output --partial "01-smtp-by-hand"
  run "$CARTERO_ROOT/scripts/check-lab.sh"
  assert_failure 64
  assert_output --partial "usage"
}

@test "grade: the text table shows each lab's steps passed of its total" {
  labs_copy
  CARTERO_LABS=$LABS run "$CARTERO_ROOT/scripts/grade.sh"
  assert_failure 1
  assert_line --regexp '^Lab +Passed +Total +Result$'
  assert_line --regexp "^01-smtp-by-hand +0 +$STEPS +hints: make check-lab LAB=01$"
  SMTPD_LOG=$BATS_TEST_TMPDIR/solution/stderr
  mkdir -p "$BATS_TEST_TMPDIR/solution"
  SMTPD_LOG=$SMTPD_LOG run "$LAB_SRC/solution.sh" "$LABS/01-smtp-by-hand"
  assert_success
  CARTERO_LABS=$LABS run "$CARTERO_ROOT/scripts/grade.sh" text
  assert_success
  assert_line --regexp "^01-smtp-by-hand +$STEPS +$STEPS +all passed$"
  assert_line --regexp "^All labs +$STEPS +$STEPS$"
}

@test "grade tap: one well-formed stream over every lab" {
  labs_copy
  mkdir -p "$LABS/02-pop3-by-hand"          # a lab without a check yet
  CARTERO_LABS=$LABS "$CARTERO_ROOT/scripts/grade.sh" tap >"$BATS_TEST_TMPDIR/grade.tap" || true
  run valid_tap "$BATS_TEST_TMPDIR/grade.tap"
  assert_success
  run grep -c '^not ok [0-9]* - 01-smtp-by-hand: ' "$BATS_TEST_TMPDIR/grade.tap"
  assert_output "$STEPS"
  grep -q '^ok [0-9]* - 02-pop3-by-hand # SKIP no check.sh$' "$BATS_TEST_TMPDIR/grade.tap"
}

@test "grade junit: parses; a lab without a check is skipped, a broken check is an error" {
  labs_copy
  mkdir -p "$LABS/02-pop3-by-hand" "$LABS/03-broken"
  printf 'echo "not TAP & <not> XML"; exit 2\n' >"$LABS/03-broken/check.sh"
  CARTERO_LABS=$LABS run "$CARTERO_ROOT/scripts/grade.sh" junit
  assert_failure 1
  printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/grade.xml"
  run junit_summary "$BATS_TEST_TMPDIR/grade.xml"
  assert_output "$((STEPS + 2)) $STEPS 1 1"
  CARTERO_LABS=$LABS run "$CARTERO_ROOT/scripts/grade.sh"
  assert_line --regexp '^03-broken +0 +0 +ERROR: check.sh broke its contract \(exit 2'
}

@test "grade: an unknown format is a usage error" {
  run "$CARTERO_ROOT/scripts/grade.sh" html
  assert_failure 64
}

# --- the lab's text matches the server ----------------------------------------------

# reply_to LINE - sends LINE and appends the whole reply to REPLIES.
reply_to() {
  send "$1"
  read_reply
  REPLIES+=("${REPLY_LINES[@]}")
}

@test "README and LEEME quote the server's replies exactly as it sends them" {
  start_server smtpd -d hamburger.edu -m "$BATS_TEST_TMPDIR/mail"
  REPLIES=()
  connect
  read_reply; REPLIES+=("${REPLY_LINES[@]}")
  reply_to "HELO crepes.fr"
  reply_to "RCPT TO: <bob@hamburger.edu>"
  reply_to "MAIL FROM: alice@crepes.fr"
  reply_to "MAIL FROM: <alice@crepes.fr>"
  reply_to "DATA"
  reply_to "RCPT TO: <bob@hamburger.edu>"
  reply_to "DATA"
  send "Do you like ketchup?"
  reply_to "."
  reply_to "RSET"
  reply_to "QUIT"
  disconnect
  connect
  read_reply
  send_raw 'HELO crepes.fr\n'
  read_reply; REPLIES+=("${REPLY_LINES[@]}")
  disconnect
  start_server smtpd -d hamburger.edu -m "$BATS_TEST_TMPDIR/mail" --greet-delay 10000
  connect
  reply_to "HELO crepes.fr"
  read_reply; REPLIES+=("${REPLY_LINES[@]}")
  disconnect
  local doc r
  for doc in README.md LEEME.md; do
    for r in "${REPLIES[@]}"; do
      grep -qxF "    S: $r" "$LAB_SRC/$doc" || { echo "$doc lacks the reply: S: $r"; return 1; }
    done
  done
}

@test "the slides hold the slide's session and the errors that teach" {
  local deck=$CARTERO_ROOT/slides/01-smtp.md
  grep -qxF 'S: 220 hamburger.edu ESMTP Cartero' "$deck"
  grep -qxF 'C: How about pickles?' "$deck"
  grep -qxF 'S: 221 hamburger.edu closing connection' "$deck"
  local e
  for e in "503 Need MAIL FROM before RCPT TO" "503 Need RCPT TO before DATA" \
           "501 The address goes in angle brackets" "500 Line must end with CRLF" \
           "You spoke before my greeting"; do
    grep -qF "$e" "$deck" || { echo "the deck lacks: $e"; return 1; }
  done
  # Notes for the instructor hold the commands to run live.
  grep -qF '../../bin/smtpd -d hamburger.edu -m lab-mail -v' "$deck"
  grep -qF 'telnet 127.0.0.1 2525' "$deck"
}
