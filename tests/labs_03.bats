#!/usr/bin/env bats
# Lab 03 (POP3): on a fresh copy the check fails with hints; after
# solution.sh it passes; it keeps grade.sh's contract. Each test works on a
# copy of the lab in its own temporary folder, never on labs/ itself.

load lib/helpers

LAB_SRC="$CARTERO_ROOT/labs/03-pop3"

setup() {
  LAB="$BATS_TEST_TMPDIR/03-pop3"
  mkdir -p "$LAB"
  cp -r "$LAB_SRC"/. "$LAB"/
  rm -rf "$LAB/lab-mail" "$LAB/laptop" "$LAB/phone" "$LAB/pop3d.log" "$LAB/smtpd.log" "$LAB/answers.txt"
}

# solve - run the solution in the copy (it starts and stops its own servers).
solve() {
  run bash "$LAB/solution.sh" "$LAB"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "a fresh lab: the check fails, with a hint naming a README step for every step" {
  run bash "$LAB/check.sh" "$LAB"
  [ "$status" -eq 1 ]
  [[ $output == *"0 of 13 steps passed."* ]]
  [ "$(grep -c 'HINT: .*(README step [0-9])' <<<"$output")" -eq 13 ]
  [[ $output == *"There is no pop3d.log"* ]]
}

@test "after solution.sh the check passes" {
  solve
  run bash "$LAB/check.sh" "$LAB"
  [ "$status" -eq 0 ]
  [[ $output == *"All 13 steps passed."* ]]
}

@test "the check keeps grade.sh's contract: a TAP plan and a line per step, JUnit too" {
  run bash "$LAB/check.sh" --format tap "$LAB"
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "1..13" ]
  [ "$(grep -c '^not ok [0-9]* - ' <<<"$output")" -eq 13 ]
  [ "$(grep -c '^# HINT: ' <<<"$output")" -eq 13 ]
  solve
  run bash "$LAB/check.sh" --format junit "$LAB"
  [ "$status" -eq 0 ]
  [[ $output == *'<testsuite name="03-pop3" tests="13" failures="0"'* ]]
}

@test "grade.sh picks lab 03 up" {
  [ -f "$CARTERO_ROOT/scripts/grade.sh" ] || skip "scripts/grade.sh is not there yet"
  solve
  CARTERO_LABS=$BATS_TEST_TMPDIR run bash "$CARTERO_ROOT/scripts/grade.sh" tap
  [ "$status" -eq 0 ]
  [[ $output == *"03-pop3"* ]]
}

@test "a wrong answer gets a hint, a right one in Spanish passes" {
  solve
  sed -i 's/^A3:.*/A3: ERR/; s/^A1:.*/A1: sí, seguía ahí/; s/^A6:.*/A6: el cliente, en laptop\/.mailget-uidl/' "$LAB/answers.txt"
  run bash "$LAB/check.sh" "$LAB"
  [ "$status" -eq 1 ]
  [[ $output == *"answer-3-in-use"*"HINT: A3: copy the response code in square brackets"* ]]
  [[ $output == *"answer-1-dele-without-quit       ok"* ]]
  [[ $output == *"answer-6-who-remembers           ok"* ]]
}

@test "a phone run with --keep is not download-and-delete: the check says so" {
  solve
  # put the phone's messages back on the server, as if it had kept them
  mkdir -p "$LAB/lab-mail/bob/cur"
  cp "$LAB"/phone/new/* "$LAB/lab-mail/bob/cur/"
  run bash "$LAB/check.sh" "$LAB"
  [[ $output == *"still on the server: the phone client must run without --keep"* ]]
}

@test "DELE followed by QUIT is not 'DELE without QUIT'" {
  mkdir -p "$LAB"
  printf '[1] C: USER bob\n[1] C: DELE 1\n[1] C: QUIT\n[1] -- UPDATE: removed 1 message(s)\n' > "$LAB/pop3d.log"
  run bash "$LAB/check.sh" "$LAB"
  [[ $output == *"dele-without-quit                HINT"* ]]
  [[ $output == *"transcript                       ok"* ]]
}

@test "reset.sh removes the student's work and nothing else" {
  solve
  run bash "$LAB/reset.sh" "$LAB"
  [ "$status" -eq 0 ]
  [ ! -e "$LAB/lab-mail" ] && [ ! -e "$LAB/laptop" ] && [ ! -e "$LAB/phone" ]
  [ ! -e "$LAB/answers.txt" ] && [ ! -e "$LAB/pop3d.log" ]
  [ -f "$LAB/check.sh" ] && [ -f "$LAB/users" ] && [ -f "$LAB/answers.template" ]
}
