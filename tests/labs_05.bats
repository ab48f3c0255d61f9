#!/usr/bin/env bats
# Lab 05 (from Alice to Bob, two mail servers): on a fresh copy the check
# fails with hints; after solution.sh it passes; it keeps grade.sh's
# contract; its hints point at the right step; the README, LEEME and slides
# quote the servers as they answer. Each test works on a copy of the lab in
# its own temporary folder, never on labs/ itself.

load lib/helpers

LAB_SRC=$CARTERO_ROOT/labs/05-relay
STEPS=19

setup() {
  LAB=$BATS_TEST_TMPDIR/05-relay
  mkdir -p "$LAB"
  cp -R "$LAB_SRC"/. "$LAB"/
  "$LAB_SRC/reset.sh" "$LAB" >/dev/null   # fresh, whatever the real folder holds
}

# solve - runs solution.sh on the copy (it starts and stops its own servers);
# its output is in $output.
solve() {
  run "$LAB_SRC/solution.sh" "$LAB"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
}

# set_answer N TEXT - replaces line A<N>: of answers.txt.
set_answer() {
  awk -v n="$1" -v t="$2" '$0 ~ "^A" n ":" { print "A" n ": " t; next } { print }' \
    "$LAB/answers.txt" >"$LAB/answers.new"
  mv "$LAB/answers.new" "$LAB/answers.txt"
}

# message USER TRACE... - a delivered message in hamburger-mail/USER/new/
# from alice@crepes.fr, with one Received line per "BY ID DATE" argument
# (top first).
message() {
  local user=$1 dir t by id date
  shift
  dir=$LAB/hamburger-mail/$user/new
  mkdir -p "$dir" "$LAB/hamburger-mail/$user/cur" "$LAB/hamburger-mail/$user/tmp"
  {
    echo "Return-Path: <alice@crepes.fr>"
    for t in "$@"; do
      read -r by id date <<<"$t"
      printf 'Received: from somewhere ([127.0.0.1])\n\tby %s (Cartero smtpd) with ESMTP id %s\n\tfor <%s@hamburger.edu>; %s\n' \
        "$by" "$id" "$user" "$date"
    done
    printf 'From: alice@crepes.fr\nSubject: test\n\nDo you like ketchup?\n'
  } >"$dir/1795740000.M000001P100Q$#.vm"
}

# closed PORT - nothing listens on 127.0.0.1:PORT.
closed() { ! (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

@test "a fresh lab: the check fails, with a hint naming a README step for every step" {
  run "$LAB_SRC/check.sh" "$LAB"
  [ "$status" -eq 1 ]
  [[ $output == *"0 of $STEPS steps passed."* ]]
  [ "$(grep -c 'HINT: .*(README step [1-9])\.$' <<<"$output")" -eq "$STEPS" ]
  [[ $output == *"There is no crepes.log"* ]]
}

@test "a copied answers template: the check says which answer is empty, and asks the question" {
  cp "$LAB/answers.template" "$LAB/answers.txt"
  run "$LAB_SRC/check.sh" "$LAB"
  [ "$status" -eq 1 ]
  [[ $output == *"A1 is empty. The question: first hop, from Alice's user agent to crepes.fr"* ]]
  [[ $output == *"A12 is empty."* ]]
}

@test "after solution.sh every step passes, and nothing it started is left running" {
  solve
  local ports
  ports=$(sed -n 's/^# hamburger.edu (Bob.s server) on port \([0-9]*\), crepes.fr (Alice.s) on port \([0-9]*\)$/\1 \2/p' <<<"$output")
  [ -n "$ports" ]
  run "$LAB_SRC/check.sh" "$LAB"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [[ $output == *"All $STEPS steps passed."* ]]
  local p
  for p in $ports; do closed "$p" || { echo "port $p still open"; false; }; done
}

@test "solution.sh makes a message wait, then retries it: deferred, then done, for the same queue ID" {
  solve
  local id
  id=$(sed -n 's/^A4: //p' "$LAB/answers.txt")
  [ -n "$id" ]
  grep -q -- "-- queue: $id deferred: " "$LAB/crepes.log"
  grep -q -- "-- queue: $id is done" "$LAB/crepes.log"
  # The relayed messages: hamburger.edu's Received line on top of crepes.fr's.
  run grep -rl "by crepes.fr (Cartero smtpd) with ESMTP id $id" "$LAB/hamburger-mail/bob"
  [ "$status" -eq 0 ]
  [ "$(grep -c '^Received:' "${lines[0]}")" -eq 2 ]
  [ "$(grep -m 1 -A1 '^Received:' "${lines[0]}" | grep -c 'by hamburger.edu')" -eq 1 ]
}

@test "solution.sh refuses to overwrite answers.txt without --force" {
  cp "$LAB/answers.template" "$LAB/answers.txt"
  run "$LAB_SRC/solution.sh" "$LAB"
  [ "$status" -eq 1 ]
  [[ $output == *"answers.txt exists"* ]]
}

@test "the check keeps grade.sh's contract: a TAP plan and a line per step, JUnit too" {
  run "$LAB_SRC/check.sh" --format tap "$LAB"
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "1..$STEPS" ]
  [ "$(grep -c '^not ok [0-9]* - ' <<<"$output")" -eq "$STEPS" ]
  [ "$(grep -c '^# HINT: ' <<<"$output")" -eq "$STEPS" ]
  solve
  run "$LAB_SRC/check.sh" --format junit "$LAB"
  [ "$status" -eq 0 ]
  [[ $output == *"<testsuite name=\"05-relay\" tests=\"$STEPS\" failures=\"0\""* ]]
}

@test "grade.sh and check-lab.sh pick lab 05 up" {
  solve
  CARTERO_LABS=$BATS_TEST_TMPDIR run "$CARTERO_ROOT/scripts/grade.sh" tap
  [ "$status" -eq 0 ]
  [[ $output == *"ok 1 - 05-relay: transcripts"* ]]
  CARTERO_LABS=$BATS_TEST_TMPDIR run "$CARTERO_ROOT/scripts/check-lab.sh" 05 "$LAB"
  [ "$status" -eq 0 ]
}

@test "a message sent straight to Bob's server is not relayed, and the hint says so" {
  message bob "hamburger.edu 1795740000.M000001P100Q1.vm Fri, 27 Nov 2026 00:40:45 +0000"
  run "$LAB_SRC/check.sh" "$LAB"
  [[ $output == *"relayed "*"HINT: "*"has a single Received line: it went straight to hamburger.edu"* ]]
}

@test "without the transcript, two Received dates far apart show that a message waited" {
  message bob "hamburger.edu 1795740060.M000002P200Q1.vm Fri, 27 Nov 2026 00:41:00 +0000" \
              "crepes.fr 1795740045.M000001P100Q1.vm Fri, 27 Nov 2026 00:40:45 +0000"
  run "$LAB_SRC/check.sh" "$LAB"
  [[ $output == *"relayed                          ok"* ]]
  [[ $output == *"waited                           ok"* ]]
  # One second apart is an ordinary relay, not a wait.
  rm -rf "$LAB/hamburger-mail"
  message bob "hamburger.edu 1795740046.M000002P200Q1.vm Fri, 27 Nov 2026 00:40:46 +0000" \
              "crepes.fr 1795740045.M000001P100Q1.vm Fri, 27 Nov 2026 00:40:45 +0000"
  run "$LAB_SRC/check.sh" "$LAB"
  [[ $output == *"waited                           HINT: "* ]]
}

@test "a message still waiting in the queue gets the hint to start Bob's server again" {
  printf '%s\n' '[1] -- session 1: connection from 127.0.0.1 (process 100)' \
    '[1] -- queued 1795740052.M5P14373Q1.vm for 1 remote recipient(s)' \
    '-- queue: 1795740052.M5P14373Q1.vm deferred: nothing is listening on 127.0.0.1:2526: is the server running? (attempt 1)' \
    >"$LAB/crepes.log"
  run "$LAB_SRC/check.sh" "$LAB"
  [[ $output == *"waited                           HINT: 1795740052.M5P14373Q1.vm is still waiting in crepes.fr's queue"*"--flush"* ]]
  [[ $output == *"both-roles                       HINT: crepes.fr queued a message but its queue runner never finished"* ]]
}

@test "Bob's server without -u users makes a mailbox instead of a bounce, and the hint says so" {
  message bbo "hamburger.edu 1795740000.M000001P100Q1.vm Fri, 27 Nov 2026 00:40:45 +0000" \
              "crepes.fr 1795740000.M000001P99Q1.vm Fri, 27 Nov 2026 00:40:45 +0000"
  run "$LAB_SRC/check.sh" "$LAB"
  [[ $output == *"bounce "*"HINT: Bob's server made a mailbox for bbo: it ran without -u users"* ]]
}

@test "wrong answers get hints; right ones in Spanish pass" {
  solve
  set_answer 1 "el agente de usuario de Alicia"
  set_answer 3 "hamburger.edu, crepes.fr"
  set_answer 7 "MAILER-DAEMON@crepes.fr"
  set_answer 5 "permanente"
  run "$LAB_SRC/check.sh" "$LAB"
  [ "$status" -eq 1 ]
  [[ $output == *"answer-1-first-hop-server        HINT: A1: a user agent only ever opens connections"* ]]
  [[ $output == *"answer-3-route                   HINT: A3: that is the order of the Received lines"* ]]
  [[ $output == *"answer-7-bounce-sender           HINT: A7: MAILER-DAEMON is in the From: header line"* ]]
  [[ $output == *"answer-5-temporary               HINT: "* ]]
  set_answer 1 "el servidor de correo de Alicia"
  set_answer 3 "primero crepes.fr y luego hamburger.edu"
  set_answer 5 "temporal"
  set_answer 7 "<> (remitente nulo)"
  set_answer 8 "para que un rebote nunca genere otro rebote: se evitan bucles"
  set_answer 9 "acceso de reenvío denegado: crepes.fr no es un relay abierto"
  set_answer 11 "POP3"
  set_answer 12 "es servidor cuando recibe correo y cliente cuando lo reenvía al siguiente servidor"
  run "$LAB_SRC/check.sh" "$LAB"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "the queue ID answer must be a message that waited" {
  solve
  set_answer 4 "1795740000.M1P1Q1.vm"
  run "$LAB_SRC/check.sh" "$LAB"
  [[ $output == *"answer-4-queue-id                HINT: A4: 1795740000.M1P1Q1 never waited in crepes.fr's queue"* ]]
}

@test "reset.sh removes the student's work and nothing else" {
  solve
  run "$LAB_SRC/reset.sh" "$LAB"
  [ "$status" -eq 0 ]
  local f
  for f in crepes-mail hamburger-mail bob-inbox crepes.log hamburger.log answers.txt ketchup.eml typo.eml; do
    [ ! -e "$LAB/$f" ] || { echo "$f is still there"; false; }
  done
  for f in check.sh solution.sh reset.sh answers.template users routes bob.password README.md LEEME.md; do
    [ -f "$LAB/$f" ] || { echo "$f was removed"; false; }
  done
}

@test "the lab's own routes and users files are what smtpd reads" {
  local crepes_port
  start_server smtpd -d crepes.fr -m "$BATS_TEST_TMPDIR/crepes" --routes "$LAB_SRC/routes"
  crepes_port=$SERVER_PORT
  start_server smtpd -d hamburger.edu -m "$BATS_TEST_TMPDIR/hamburger" -u "$LAB_SRC/users"
  # crepes.fr relays for hamburger.edu (from 127.0.0.1); it cannot know its users.
  connect "$crepes_port"
  expect_reply 220
  say "HELO crepes.fr" 250
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "RCPT TO:<bbo@hamburger.edu>" 250
  say "RCPT TO:<someone@nowhere.example>" 550
  say "QUIT" 221
  disconnect
  # hamburger.edu knows bob only.
  connect
  expect_reply 220
  say "HELO crepes.fr" 250
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "RCPT TO:<bbo@hamburger.edu>" 550
  say "QUIT" 221
  disconnect
  stop_servers
}

@test "README and LEEME quote the servers' replies as they send them" {
  solve
  # Every S: line the solution saw, and every line of both transcripts,
  # without the session tag.
  local seen=$BATS_TEST_TMPDIR/seen doc line
  { printf '%s\n' "$output"; cat "$LAB/crepes.log" "$LAB/hamburger.log"; } |
    sed 's/^\[[0-9]*\] //' >"$seen"
  for doc in README.md LEEME.md; do
    while IFS= read -r line; do
      line=${line#    }
      line=${line#\[1\] }
      grep -qxF -- "$line" "$seen" || { echo "$doc: no server sent: $line"; false; }
    done < <(grep -E '^    (\[1\] )?S: ' "$LAB_SRC/$doc")
  done
}

@test "the slides follow the six steps and hold the live commands in their notes" {
  local deck=$CARTERO_ROOT/slides/05-alicia-bob.md e
  for e in "bob@hamburger.edu" "cola de salida" "buzón" "agente de usuario" \
           "554 5.7.1 <bob@hamburger.edu>: Relay access denied" \
           "550 <bbo@hamburger.edu>: Recipient address rejected: User unknown" \
           "multipart/report" "Return-Path: <alice@crepes.fr>" "rebote"; do
    grep -qF -- "$e" "$deck" || { echo "the deck lacks: $e"; false; }
  done
  for e in "../../bin/smtpd -d hamburger.edu -m hamburger-mail -p 2526 -u users -v 2>&1 | tee -a hamburger.log" \
           "../../bin/smtpd -d crepes.fr -m crepes-mail -p 2525 --routes routes --queue-retry 20 -v 2>&1 | tee -a crepes.log" \
           "../../bin/mailsend --server 127.0.0.1:2525 < ketchup.eml" \
           "../../bin/smtpd --queue-list -m crepes-mail" "../../bin/smtpd --flush -m crepes-mail" \
           "nc -C -s 127.0.0.2 127.0.0.1 2525" \
           "../../bin/mailget --keep -u bob --password-file bob.password 127.0.0.1:1110 -o bob-inbox"; do
    grep -qF -- "$e" "$deck" || { echo "the deck's notes lack: $e"; false; }
    grep -qF -- "$e" "$LAB_SRC/README.md" || { echo "the README lacks: $e"; false; }
    grep -qF -- "$e" "$LAB_SRC/LEEME.md" || { echo "the LEEME lacks: $e"; false; }
  done
}
