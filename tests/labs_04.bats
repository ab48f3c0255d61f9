#!/usr/bin/env bats
# Lab 04 (secure mail: TLS and AUTH): on a fresh copy the check fails with
# hints; after solution.sh it passes; it keeps grade.sh's contract; and its
# steps are not fooled by look-alikes. Each test works on a copy of the lab
# in its own temporary folder, never on labs/ itself.

load lib/helpers

LAB_SRC="$CARTERO_ROOT/labs/04-tls-auth"
STEPS=20

setup() {
  LAB="$BATS_TEST_TMPDIR/04-tls-auth"
  mkdir -p "$LAB"
  cp -r "$LAB_SRC"/. "$LAB"/
  bash "$LAB/reset.sh" "$LAB" >/dev/null   # fresh, whatever the real folder holds
  STARTED_PIDS=()
}

teardown() {
  stop_servers
}

# solve - run the solution in the copy (it starts and stops its own
# servers); their transcripts must hold no sanitizer report.
solve() {
  run bash "$LAB/solution.sh" "$LAB"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  ! grep -E 'ERROR: AddressSanitizer|runtime error:' "$LAB"/smtpd.log "$LAB"/smtps.log
}

# check - run the check on the copy, text format.
check() {
  run bash "$LAB/check.sh" "$LAB"
}

# step_line NAME - the check's line for step NAME.
step_line() {
  grep -E "^ *[0-9]+ $1 " <<<"$output"
}

@test "a fresh lab: the check fails, with a hint naming a README step for every step" {
  check
  [ "$status" -eq 1 ]
  [[ $output == *"0 of $STEPS steps passed."* ]]
  [ "$(grep -c 'HINT: .*(README step [0-9])' <<<"$output")" -eq "$STEPS" ]
  [[ $output == *"There is no smtpd.log"* ]]
}

@test "after solution.sh the check passes" {
  solve
  check
  [ "$status" -eq 0 ]
  [[ $output == *"All $STEPS steps passed."* ]]
}

@test "the check keeps grade.sh's contract: a TAP plan and a line per step, JUnit too" {
  run bash "$LAB/check.sh" --format tap "$LAB"
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "1..$STEPS" ]
  [ "$(grep -c '^not ok [0-9]* - ' <<<"$output")" -eq "$STEPS" ]
  [ "$(grep -c '^# HINT: ' <<<"$output")" -eq "$STEPS" ]
  solve
  run bash "$LAB/check.sh" --format junit "$LAB"
  [ "$status" -eq 0 ]
  [[ $output == *"<testsuite name=\"04-tls-auth\" tests=\"$STEPS\" failures=\"0\""* ]]
}

@test "grade.sh picks lab 04 up" {
  solve
  CARTERO_LABS=$BATS_TEST_TMPDIR run bash "$CARTERO_ROOT/scripts/grade.sh" tap
  [ "$status" -eq 0 ]
  [[ $output == *"ok 1 - 04-tls-auth: transcript"* ]]
}

@test "wrong answers get hints; right ones in Spanish pass" {
  solve
  sed -i 's/^A4:.*/A4: \\0bob\\0hungry/; s/^A5:.*/A5: sí, está codificada/; s/^A8:.*/A8: 587/' \
    "$LAB/answers.txt"
  sed -i 's/^A3:.*/A3: el servidor olvida todo lo anterior a TLS y ahora ofrece AUTH/' "$LAB/answers.txt"
  sed -i 's/^A6:.*/A6: la S es que iba cifrado con TLS y la A que el cliente se autenticó/' "$LAB/answers.txt"
  check
  [ "$status" -eq 1 ]
  step_line answer-4-base64 | grep -q 'HINT: A4: .*copy exactly what printf'
  step_line answer-5-base64-secret | grep -q 'HINT: A5: .*b64 -d'
  step_line answer-8-port-server-to-server | grep -q 'HINT: A8: '
  step_line answer-3-ehlo-again | grep -q ' ok$'
  step_line answer-6-esmtpsa | grep -q ' ok$'
  [[ $output == *"17 of $STEPS steps passed."* ]]
}

# transcript LINES... - a hand-made smtpd.log, one session.
transcript() {
  printf '%s\n' "$@" | sed 's/^/[1] /' > "$LAB/smtpd.log"
}

@test "AUTH refused only after TLS is not 'AUTH refused in clear text'" {
  transcript 'S: 220 hamburger.edu ESMTP Cartero' 'C: STARTTLS' 'S: 220 Ready to start TLS' \
    '-- TLS is on: TLSv1.3 with TLS_AES_256_GCM_SHA384; the client must say EHLO again' \
    'C: AUTH PLAIN AGJvYgBodW5ncnk=' 'S: 538 5.7.11 Encryption required'
  check
  step_line transcript | grep -q ' ok$'
  step_line starttls | grep -q ' ok$'
  step_line auth-refused-in-clear | grep -q 'HINT'
}

@test "STARTTLS without the handshake, and no EHLO after TLS, get their own hints" {
  transcript 'C: EHLO crepes.fr' 'S: 250-STARTTLS' 'C: STARTTLS' 'S: 220 Ready to start TLS'
  check
  step_line starttls | grep -q 'sent STARTTLS but TLS never started: .* :starttls'
  step_line ehlo-again | grep -q 'HINT'
  step_line openssl-s-client | grep -q 'HINT'
}

@test "a message delivered without TLS and AUTH is not the one the check wants" {
  mkdir -p "$LAB/lab-mail/alice/new"
  printf 'Return-Path: <alice@crepes.fr>\nReceived: from crepes.fr ([127.0.0.1])\n\tby hamburger.edu (Cartero smtpd) with SMTP id 1.M1P1Q1.x\n\nsays authenticated as bob and with ESMTPSA in the body\n' \
    > "$LAB/lab-mail/alice/new/1.M1P1Q1.x"
  check
  step_line delivered | grep -q 'came in under TLS from bob'
}

@test "reset.sh removes the student's work and nothing else" {
  solve
  touch "$LAB/capture.pcap"
  run bash "$LAB/reset.sh" "$LAB"
  [ "$status" -eq 0 ]
  [ ! -e "$LAB/lab-mail" ] && [ ! -e "$LAB/smtpd.log" ] && [ ! -e "$LAB/smtps.log" ]
  [ ! -e "$LAB/answers.txt" ] && [ ! -e "$LAB/capture.pcap" ]
  [ -f "$LAB/check.sh" ] && [ -f "$LAB/users" ] && [ -f "$LAB/answers.template" ]
  [ -f "$LAB/README.md" ] && [ -f "$LAB/LEEME.md" ]
}

@test "git ignores the student's work and keeps the lab's own files" {
  command -v git >/dev/null && git -C "$CARTERO_ROOT" rev-parse >/dev/null 2>&1 ||
    skip "not a git checkout"
  for f in lab-mail/alice/new/x smtpd.log smtps.log smtp-clear.log answers.txt capture.pcap; do
    git -C "$CARTERO_ROOT" check-ignore -q "labs/04-tls-auth/$f"
  done
  for f in answers.template users check.sh solution.sh reset.sh README.md LEEME.md; do
    ! git -C "$CARTERO_ROOT" check-ignore -q "labs/04-tls-auth/$f"
  done
}

# --- the lab's text matches the server ----------------------------------------------

@test "README and LEEME quote the server's replies exactly as it sends them" {
  "$CARTERO_ROOT/scripts/certs.sh" "$BATS_TEST_TMPDIR/certs" >/dev/null
  start_server smtpd -d hamburger.edu -m "$BATS_TEST_TMPDIR/mail" -u "$LAB/users" \
    --tls-cert "$BATS_TEST_TMPDIR/certs/server.pem" --tls-key "$BATS_TEST_TMPDIR/certs/server.key" \
    --auth-required --auth-failure-delay 0
  # every reply line of the lab's sessions (steps 2 to 5), one per line
  python3 - "$SERVER_PORT" "$BATS_TEST_TMPDIR/certs/ca.pem" > "$BATS_TEST_TMPDIR/replies" <<'PY'
import socket, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
def session(lines, tls):
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    f = s.makefile('rb')
    def reply():
        while True:
            l = f.readline().decode().rstrip('\r\n')
            print(l)
            if len(l) < 4 or l[3] != '-':
                return l
    reply()
    for line in lines:
        s.sendall(line.encode() + b'\r\n')
        if line == 'STARTTLS' and tls:
            reply()
            s = ssl.create_default_context(cafile=ca).wrap_socket(s, server_hostname='hamburger.edu')
            f = s.makefile('rb')
        elif line not in ('', 'Subject: Sent as Gmail takes it', 'Do you like ketchup?'):
            reply()
session(['EHLO crepes.fr', 'MAIL FROM:<bob@hamburger.edu>', 'AUTH PLAIN AGJvYgBodW5ncnk=', 'QUIT'], False)
session(['EHLO crepes.fr', 'STARTTLS', 'EHLO crepes.fr', 'AUTH PLAIN AGJvYgBodW5ncnk=',
         'MAIL FROM:<bob@hamburger.edu>', 'RCPT TO:<alice@hamburger.edu>', 'DATA',
         'Subject: Sent as Gmail takes it', '', 'Do you like ketchup?', '.', 'QUIT'], True)
session(['EHLO crepes.fr', 'STARTTLS', 'EHLO crepes.fr', 'AUTH PLAIN AGJvYgBrZXRjaHVw', 'QUIT'], True)
PY
  local doc line n=0
  for doc in README.md LEEME.md; do
    while IFS= read -r line; do
      [[ $line == *...* ]] && continue
      n=$((n + 1))
      grep -qxF "${line#    S: }" "$BATS_TEST_TMPDIR/replies" ||
        { echo "$doc quotes a reply the server does not send: $line"; return 1; }
    done < <(grep -E '^    S: [0-9]{3}[ -]' "$LAB_SRC/$doc")
  done
  [ "$n" -ge 30 ]
}

@test "the slides hold the Gmail-style session and the codes of the lab" {
  local deck=$CARTERO_ROOT/slides/04-tls-auth.md e
  for e in "S: 220 Ready to start TLS" "S: 250-AUTH PLAIN LOGIN" "AGJvYgBodW5ncnk=" \
           "530 5.7.0 Authentication required" "538 5.7.11 Encryption required" \
           "535 5.7.8 Authentication credentials invalid" "with ESMTPSA" \
           "S: +OK Begin TLS negotiation" "openssl s_client -starttls smtp"; do
    grep -qF -- "$e" "$deck" || { echo "the deck lacks: $e"; return 1; }
  done
  # Notes for the instructor hold the commands to run live.
  grep -qF -- '--auth-required -v' "$deck"
  grep -qF -- "printf '\\0bob\\0hungry' | ../../bin/b64" "$deck"
}
