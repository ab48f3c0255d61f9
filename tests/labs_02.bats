#!/usr/bin/env bats
# Lab 02 (message format and MIME): labs/02-mime/check.sh, solution.sh and
# reset.sh, the lab's texts against the servers' replies, and the slides.
#
# Every test works on a copy of the lab in its own temporary folder, so the
# real lab folder stays clean; the scripts take the lab folder as an
# argument.

load lib/helpers

LAB_SRC=$CARTERO_ROOT/labs/02-mime
STEPS=17

setup() {
  LAB=$BATS_TEST_TMPDIR/02-mime
  mkdir -p "$LAB"
  cp -R "$LAB_SRC"/. "$LAB"/
  # fresh, whatever the real folder holds
  rm -rf "$LAB/lab-mail" "$LAB/lab-mail-7bit" "$LAB/extracted" "$LAB/answers.txt" "$LAB"/*.eml
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

# message ROOT NAME USER LINES... - a delivered message written by hand under
# the mail root ROOT (relative to $LAB), named as smtpd names them.
message() {
  local root=$1 name=$2 user=$3 dir
  shift 3
  dir=$LAB/$root/$user/new
  mkdir -p "$dir" "$LAB/$root/$user/tmp" "$LAB/$root/$user/cur"
  {
    printf 'Return-Path: <alice@crepes.fr>\nReceived: from crepes.fr ([127.0.0.1])\n'
    printf '\tby hamburger.edu (Cartero smtpd) with SMTP id %s\n' "$name"
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

# step_ok N NAME - the regex of step N's "ok" line in the text report.
step_ok() { printf '^ *%d %s +ok$' "$1" "$2"; }

# --- check.sh ------------------------------------------------------------------

@test "check: a fresh lab fails, with a hint naming a README step for every step" {
  run "$LAB_SRC/check.sh" "$LAB"
  assert_failure 1
  [ "$(grep -c 'HINT: ' <<<"$output")" -eq "$STEPS" ]
  [ "$(grep -c 'HINT: .*README step [1-7]' <<<"$output")" -eq "$STEPS" ]
  assert_output --partial "0 of $STEPS steps passed."
  assert_output --partial "There is no mail root lab-mail/ yet."
  assert_output --partial "There is no mail root lab-mail-7bit/."
  assert_output --partial "There is no folder extracted/."
}

@test "check: a copied answers template without answers says which answer is empty" {
  cp "$LAB/answers.template" "$LAB/answers.txt"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_failure 1
  assert_output --partial "A1 is empty. The question: which line of carol's file names carol"
  assert_output --partial "A12 is empty."
}

@test "check: after solution.sh every step passes" {
  solve
  run "$LAB_SRC/check.sh" "$LAB"
  assert_success
  assert_output --partial "All $STEPS steps passed."
  refute_output --partial "HINT"
}

@test "check: LAB_DIR, LAB_MAIL, LAB_MAIL_7BIT and LAB_ANSWERS point it at work elsewhere" {
  solve
  mv "$LAB/lab-mail" "$BATS_TEST_TMPDIR/mail"
  mv "$LAB/lab-mail-7bit" "$BATS_TEST_TMPDIR/mail7"
  mv "$LAB/answers.txt" "$BATS_TEST_TMPDIR/answers"
  LAB_DIR=$LAB LAB_MAIL=$BATS_TEST_TMPDIR/mail LAB_MAIL_7BIT=$BATS_TEST_TMPDIR/mail7 \
    LAB_ANSWERS=$BATS_TEST_TMPDIR/answers run "$LAB_SRC/check.sh"
  assert_success
}

@test "check --format tap: a plan, one line per step, hints as comments; junit parses" {
  run "$LAB_SRC/check.sh" --format tap "$LAB"
  assert_failure 1
  assert_line --index 0 "1..$STEPS"
  [ "$(grep -c '^not ok [0-9]* - ' <<<"$output")" -eq "$STEPS" ]
  [ "$(grep -c '^# HINT: ' <<<"$output")" -eq "$STEPS" ]
  solve
  "$LAB_SRC/check.sh" --format junit "$LAB" >"$BATS_TEST_TMPDIR/out.xml"
  run python3 -c '
import sys, xml.etree.ElementTree as ET
s = ET.parse(sys.argv[1]).getroot()
print(s.get("name"), s.get("tests"), s.get("failures"), len(list(s.iter("testcase"))))' \
    "$BATS_TEST_TMPDIR/out.xml"
  assert_output "02-mime $STEPS 0 $STEPS"
}

@test "check: an unknown format or option is refused with status 64" {
  run "$LAB_SRC/check.sh" --format html "$LAB"
  assert_failure 64
  run "$LAB_SRC/check.sh" --frobnicate
  assert_failure 64
}

@test "check: the envelope step wants To: bob in carol's mailbox, and bob without it" {
  message lab-mail 1795737837.M000001P100Q1.vm carol "To: carol@hamburger.edu" "" "hi"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --partial "HINT: carol has 1 message(s), but none with the header line To: bob@hamburger.edu"

  message lab-mail 1795737838.M000002P101Q1.vm carol "To: bob@hamburger.edu, carol@hamburger.edu" "" "hi"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --partial "HINT: carol's message names carol in its To: line"

  rm "$LAB/lab-mail/carol/new/"*
  message lab-mail 1795737839.M000003P102Q1.vm carol "To: bob@hamburger.edu" "" "hi"
  message lab-mail 1795737839.M000003P102Q1.vm bob "To: bob@hamburger.edu" "" "hi"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --partial "HINT: The message with To: bob reached carol, but bob got it too"

  # Folded, and in a message a mail reader moved to cur/: it counts.
  message lab-mail 1795737840.M000004P103Q1.vm carol "To: Bob" " <bob@hamburger.edu>" "" "hi"
  mv "$LAB/lab-mail/carol/new/1795737840.M000004P103Q1.vm" "$LAB/lab-mail/carol/cur/1795737840.M000004P103Q1.vm:2,S"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --regexp "$(step_ok 1 envelope-not-header)"
}

@test "check: a blind copy is one message for bob and dave whose header names neither dave nor Bcc" {
  message lab-mail 1795737837.M000001P100Q1.vm dave "To: bob@hamburger.edu" "" "hi"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --partial "HINT: dave got mail, but not the same message as bob"

  message lab-mail 1795737838.M000002P101Q1.vm dave "To: bob@hamburger.edu" "Bcc: dave@hamburger.edu" "" "hi"
  message lab-mail 1795737838.M000002P101Q1.vm bob "To: bob@hamburger.edu" "Bcc: dave@hamburger.edu" "" "hi"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --partial "HINT: The message bob and dave got has a Bcc: line"

  message lab-mail 1795737839.M000003P102Q1.vm dave "To: bob@hamburger.edu" "Cc: dave@hamburger.edu" "" "hi"
  message lab-mail 1795737839.M000003P102Q1.vm bob "To: bob@hamburger.edu" "Cc: dave@hamburger.edu" "" "hi"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --partial "HINT: The message bob and dave got has a Bcc: line"   # the first problem found

  rm "$LAB"/lab-mail/*/new/1795737838.*
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --partial "HINT: The message bob and dave got names dave in To: or Cc:"

  message lab-mail 1795737840.M000004P103Q1.vm dave "To: bob@hamburger.edu" "" "hi"
  message lab-mail 1795737840.M000004P103Q1.vm bob "To: bob@hamburger.edu" "" "hi"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --regexp "$(step_ok 2 blind-copy)"
}

@test "check: the photo must arrive and come back out byte for byte" {
  local b64
  b64=$(base64 -w 76 "$LAB/crepe.jpg")
  # One character changed in the middle of the Base64 text.
  message lab-mail 1795737837.M000001P100Q1.vm bob "Content-Type: image/jpeg" \
    "Content-Transfer-Encoding: base64" "" \
    "$(awk 'NR == 10 { c = substr($0, 1, 1); $0 = (c == "A" ? "B" : "A") substr($0, 2) } { print }' <<<"$b64")"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --partial "HINT: A delivered message has a base64 part, but it does not decode to crepe.jpg"

  # Intact, but in carol's mailbox.
  message lab-mail 1795737838.M000002P101Q1.vm carol "MIME-Version: 1.0" \
    "Content-Type: multipart/mixed;" ' boundary="XX"' "" "--XX" "Content-Type: image/jpeg" \
    "Content-Transfer-Encoding: base64" "" "$b64" "--XX--"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --partial "HINT: The photo reached carol, not bob"

  message lab-mail 1795737839.M000003P102Q1.vm bob "MIME-Version: 1.0" \
    "Content-Type: multipart/mixed;" ' boundary="XX"' "" "--XX" "Content-Type: text/plain" "" "hello" \
    "--XX" "Content-Type: image/jpeg" "Content-Transfer-Encoding: base64" "" "$b64" "--XX--"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --regexp "$(step_ok 3 photo-delivered)"

  mkdir -p "$LAB/extracted"
  head -c 100 "$LAB/crepe.jpg" >"$LAB/extracted/crepe.jpg"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --partial "HINT: extracted/crepe.jpg is not the same as crepe.jpg"
  cp "$LAB/crepe.jpg" "$LAB/extracted/crepe-1.jpg"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --regexp "$(step_ok 4 photo-extracted)"
}

@test "check: the strict server's mail root must hold an encoded message" {
  message lab-mail-7bit 1795737837.M000001P100Q1.vm bob "Subject: plain" "" "hello"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --partial "HINT: The --strict-7bit server stored 1 message(s), but none encoded."
  message lab-mail-7bit 1795737838.M000002P101Q1.vm bob "MIME-Version: 1.0" \
    "Content-Type: text/plain; charset=utf-8" "Content-Transfer-Encoding: Quoted-Printable" "" \
    "Prueba de interacci=C3=B3n"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --regexp "$(step_ok 5 strict-7bit)"
}

@test "check: answers written in other reasonable ways are accepted" {
  solve
  local sum
  sum=$(sha256sum <"$LAB/crepe.jpg" | cut -d' ' -f1)
  set_answer 1 "la línea received (for <carol@hamburger.edu>)"
  set_answer 2 "No, en ninguna línea"
  set_answer 3 "rcpt to:<dave@hamburger.edu>"
  set_answer 4 "Image/JPEG; name=crepe.jpg"
  set_answer 5 "Base 64"
  set_answer 6 "4096/3071 = 1,33"
  set_answer 7 "$(tr a-f A-F <<<"$sum")  extracted/crepe.jpg"
  set_answer 8 "\`SGk=\`"
  set_answer 9 "dos: SA=="
  set_answer 10 "554 Message refused"
  set_answer 11 "=c3=b3"
  set_answer 12 "250-8BITMIME"
  sed -i 's/$/\r/' "$LAB/answers.txt"       # saved by a Windows editor
  run "$LAB_SRC/check.sh" "$LAB"
  assert_success
}

@test "check: wrong answers fail, each with its own hint" {
  solve
  set_answer 1 "To"
  set_answer 2 "yes"
  set_answer 5 "7bit"
  set_answer 6 "4096"
  set_answer 7 "0000000000000000000000000000000000000000000000000000000000000000"
  set_answer 8 "SGk"
  set_answer 9 "1"
  set_answer 10 "250"
  set_answer 11 "C3 B3"
  run "$LAB_SRC/check.sh" "$LAB"
  assert_failure 1
  assert_output --partial "$((STEPS - 9)) of $STEPS steps passed."
  assert_line --partial "HINT: A1: you wrote \"To\"; carol is in no line you typed"
  assert_line --partial "HINT: A2: you wrote \"yes\"; open bob's copy"
  assert_line --partial "HINT: A5: you wrote \"7bit\"; copy the Content-Transfer-Encoding"
  assert_line --partial "HINT: A6: you wrote \"4096\"; divide the number of Base64 characters"
  assert_line --partial "HINT: A7: that is not the SHA-256 of crepe.jpg"
  assert_line --partial "HINT: A8: 3 characters carry 18 bits"
  assert_line --partial "HINT: A9: you wrote \"1\"; one byte is 8 bits"
  assert_line --partial "HINT: A10: 250 is not the code the --strict-7bit server sent"
  assert_line --partial "HINT: A11: write the two bytes exactly as they are in the message"
  set_answer 8 "sgk="
  run "$LAB_SRC/check.sh" "$LAB"
  assert_line --partial "HINT: A8: Base64 tells capitals from small letters"
}

# --- solution.sh and reset.sh ---------------------------------------------------

@test "solution.sh: the photo goes through smtpd and comes back out identical" {
  solve
  cmp "$LAB/crepe.jpg" "$LAB/extracted/crepe.jpg"
  # carol got the message with To: bob; bob and dave share the blind one.
  run grep -l '^To: bob@hamburger.edu$' "$LAB"/lab-mail/carol/new/*
  assert_success
  local shared
  shared=$(comm -12 <(ls "$LAB/lab-mail/bob/new") <(ls "$LAB/lab-mail/dave/new"))
  [ "$(grep -c . <<<"$shared")" -eq 1 ]
  run grep -ci dave "$LAB/lab-mail/bob/new/$shared"
  assert_output 0
  # The strict server stored only the quoted-printable message.
  run ls "$LAB/lab-mail-7bit/bob/new"
  [ "${#lines[@]}" -eq 1 ]
  grep -q '^Prueba de interacci=C3=B3n$' "$LAB/lab-mail-7bit/bob/new/${lines[0]}"
  if LC_ALL=C grep -q '[^ -~	]' "$LAB/lab-mail-7bit/bob/new/${lines[0]}"; then
    echo "an 8-bit byte in the strict server's mailbox"; return 1
  fi
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
  grep -q '^A10: 554$' "$LAB/answers.txt"
}

@test "solution.sh: works in an empty folder, and says what to do when the programs are not built" {
  mkdir "$BATS_TEST_TMPDIR/empty"
  mkdir -p "$BATS_TEST_TMPDIR/solution"
  SMTPD_LOG=$BATS_TEST_TMPDIR/solution/stderr run "$LAB_SRC/solution.sh" "$BATS_TEST_TMPDIR/empty"
  assert_success
  run "$LAB_SRC/check.sh" "$BATS_TEST_TMPDIR/empty"
  assert_success
  CARTERO_BIN=$BATS_TEST_TMPDIR/nothing run "$LAB_SRC/solution.sh" "$LAB"
  assert_failure
  assert_output --partial "run 'make' first"
}

@test "reset.sh: removes the student's work, and nothing else" {
  solve
  run "$LAB_SRC/reset.sh" --keep-answers "$LAB"
  assert_success
  [ ! -e "$LAB/lab-mail" ] && [ ! -e "$LAB/lab-mail-7bit" ] && [ ! -e "$LAB/extracted" ]
  [ ! -e "$LAB/crepe.eml" ] && [ -f "$LAB/answers.txt" ] && [ -f "$LAB/crepe.jpg" ]
  run "$LAB_SRC/reset.sh" "$LAB"
  assert_success
  [ ! -e "$LAB/answers.txt" ]
  run diff -r "$LAB_SRC" "$LAB" -x lab-mail -x lab-mail-7bit -x extracted -x '*.eml' -x answers.txt
  assert_success
}

@test "the student's files are git-ignored in the real lab folder, the lab's own are not" {
  command -v git >/dev/null || skip "git is not installed"
  git -C "$CARTERO_ROOT" rev-parse --git-dir >/dev/null 2>&1 || skip "not a git work tree"
  local f
  for f in lab-mail/bob/new/x lab-mail-7bit/bob/new/x extracted/crepe.jpg crepe.eml \
           prueba.eml answers.txt; do
    git -C "$CARTERO_ROOT" check-ignore -q "labs/02-mime/$f" || { echo "not ignored: $f"; return 1; }
  done
  for f in answers.template crepe.jpg check.sh; do
    run git -C "$CARTERO_ROOT" check-ignore -q "labs/02-mime/$f"
    assert_failure 1
  done
}

@test "grade.sh picks lab 02 up" {
  solve
  mkdir -p "$BATS_TEST_TMPDIR/labs"
  cp -R "$LAB" "$BATS_TEST_TMPDIR/labs/02-mime"
  CARTERO_LABS=$BATS_TEST_TMPDIR/labs run "$CARTERO_ROOT/scripts/grade.sh"
  assert_success
  assert_line --regexp "^02-mime +$STEPS +$STEPS +all passed$"
}

# --- the lab's files match the tools ---------------------------------------------

@test "crepe.jpg is a small JPEG, and the texts quote its size" {
  local size
  size=$(wc -c <"$LAB_SRC/crepe.jpg")
  [ "$size" -lt 10240 ]
  [ "$(head -c 3 "$LAB_SRC/crepe.jpg" | od -An -tx1 | tr -d ' \n')" = ffd8ff ]
  [ "$(tail -c 2 "$LAB_SRC/crepe.jpg" | od -An -tx1 | tr -d ' \n')" = ffd9 ]
  grep -qF "3071 bytes" "$LAB_SRC/README.md"
  [ "$size" -eq 3071 ]
  # Its first Base64 lines, as the slides show them.
  local first
  first=$("$CARTERO_BIN/b64" "$LAB_SRC/crepe.jpg" | head -n 2)
  while IFS= read -r line; do
    grep -qxF "$line" "$CARTERO_ROOT/slides/02-formato-mime.md" || { echo "the slides lack: $line"; return 1; }
  done <<<"$first"
}

# reply_to LINE - sends LINE and appends the whole reply to REPLIES.
reply_to() {
  send "$1"
  read_reply
  REPLIES+=("${REPLY_LINES[@]}")
}

@test "README and LEEME quote the servers' replies exactly as they send them" {
  start_server smtpd -d hamburger.edu -m "$BATS_TEST_TMPDIR/mail"
  local port=$SERVER_PORT
  REPLIES=()
  connect "$port"
  read_reply; REPLIES+=("${REPLY_LINES[@]}")
  reply_to "EHLO crepes.fr"
  reply_to "HELO crepes.fr"
  reply_to "MAIL FROM:<alice@crepes.fr>"
  reply_to "RCPT TO:<carol@hamburger.edu>"
  reply_to "RCPT TO:<bob@hamburger.edu>"
  reply_to "RCPT TO:<dave@hamburger.edu>"
  reply_to "DATA"
  send "Subject: Prueba"
  send ""
  send "Prueba de interacción"
  reply_to "."                 # 8BITMIME: this one takes 8-bit text
  [ "$REPLY_CODE" = 250 ]
  reply_to "QUIT"
  disconnect
  start_server smtpd -d hamburger.edu -m "$BATS_TEST_TMPDIR/mail7" --strict-7bit
  connect
  read_reply
  say "EHLO crepes.fr" 250
  if printf '%s\n' "${REPLY_LINES[@]}" | grep -q 8BITMIME; then
    echo "--strict-7bit still offers 8BITMIME"; return 1
  fi
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "DATA" 354
  send "Subject: Prueba"
  send ""
  send "Prueba de interacción"
  reply_to "."
  [ "$REPLY_CODE" = 554 ]
  disconnect
  local doc r
  for doc in README.md LEEME.md; do
    for r in "${REPLIES[@]}"; do
      grep -qxF "    S: $r" "$LAB_SRC/$doc" || { echo "$doc lacks the reply: S: $r"; return 1; }
    done
  done
}

@test "README and LEEME show mime show and mime extract as they print" {
  (cd "$LAB" && "$CARTERO_BIN/mime" build --from alice@crepes.fr --to bob@hamburger.edu \
      --subject "Picture of yummy crepe." --text "Here is the crepe I told you about." \
      --attach crepe.jpg >crepe.eml)
  local doc line
  run "$CARTERO_BIN/mime" show "$LAB/crepe.eml"
  assert_success
  for doc in README.md LEEME.md; do
    for line in "${lines[@]}"; do
      case $line in ''|Date:*|multipart/mixed*) continue ;; esac   # these change every time
      grep -qxF "    $line" "$LAB_SRC/$doc" || { echo "$doc lacks: $line"; return 1; }
    done
  done
  run bash -c "cd '$LAB' && '$CARTERO_BIN/mime' extract -d extracted crepe.eml"
  assert_success
  for doc in README.md LEEME.md; do
    for line in "${lines[@]}"; do
      grep -qxF "    $line" "$LAB_SRC/$doc" || { echo "$doc lacks: $line"; return 1; }
    done
  done
}

@test "the slides hold the course's facts and the demo's commands" {
  local deck=$CARTERO_ROOT/slides/02-formato-mime.md f
  for f in "MIME-Version: 1.0" "Content-Transfer-Encoding: base64" "Content-Type: image/jpeg" \
           "From: alice@crepes.fr" "To: bob@hamburger.edu" "Subject: Picture of yummy crepe." \
           "RFC 2045" "RFC 2046" "RFC 5322" "MAIL FROM" "RCPT TO" "A-Z" "multipart/mixed" \
           "HTTP" "554 Message refused: message must be 7-bit ASCII (use MIME)" "8BITMIME" \
           "Prueba de interacci=C3=B3n"; do
    grep -qF -- "$f" "$deck" || { echo "the deck lacks: $f"; return 1; }
  done
  # Notes for the instructor hold the commands to run live.
  grep -qF '../../bin/smtpd -d hamburger.edu -m lab-mail -v' "$deck"
  grep -qF '../../bin/smtpd -d hamburger.edu -m lab-mail-7bit -v -p 2526 --strict-7bit' "$deck"
  grep -qF ':send crepe.eml' "$deck"
  grep -qF '../../bin/b64 --explain Hi' "$deck"
  grep -qF '../../bin/mime extract -d extracted' "$deck"
  grep -qF 'sha256sum crepe.jpg extracted/crepe.jpg' "$deck"
}
