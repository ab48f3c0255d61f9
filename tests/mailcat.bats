#!/usr/bin/env bats
# mailcat.bats - the raw-command client: script mode in the slides'
# notation, the reply rules of SMTP, POP3 and IMAP, the helpers, TLS and
# STARTTLS, and the interactive prompt (driven through tmux, a real
# pseudo-terminal).
#
# Servers: bin/smtpd where it exists; for POP3, IMAP and misbehaviour, the
# scripted stand-in (tests/lib/standin_server.py); for TLS from the first
# byte, `openssl s_server`. All on 127.0.0.1, port 0, stopped by PID.

load lib/helpers

STANDIN="$BATS_TEST_DIRNAME/lib/standin_server.py"
SLIDE_SCRIPT="$BATS_TEST_DIRNAME/../labs/01-smtp-by-hand/slide-session.script"

# One self-signed certificate for 127.0.0.1 and localhost, for every TLS test.
setup_file() {
  export TLS_DIR="$BATS_FILE_TMPDIR/tls"
  mkdir -p "$TLS_DIR"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$TLS_DIR/key.pem" -out "$TLS_DIR/cert.pem" -days 2 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1,DNS:localhost 2>/dev/null
}

teardown() {
  if [ -n "${TMUX_SOCKET:-}" ]; then
    tmux -S "$TMUX_SOCKET" kill-server 2>/dev/null || true
  fi
  if [ -n "${TLS_IN:-}" ]; then
    exec {TLS_IN}>&- || true
  fi
  stop_servers
}

# mailcat ARGS... - run mailcat, no colours, short timeout, and fail on any sanitizer report.
run_mailcat() {
  run "$CARTERO_BIN/mailcat" --no-color --timeout 5 "$@"
  no_sanitizer_report
}

no_sanitizer_report() {
  if [[ $output == *AddressSanitizer* || $output == *LeakSanitizer* || $output == *"runtime error:"* ]]; then
    echo "$output" >&2
    return 1
  fi
}

# start_standin SCRIPT [ARGS...] - start the stand-in server playing SCRIPT
# (the text itself); sets STANDIN_PORT, STANDIN_PID and STANDIN_DIR, where
# "record" holds every octet it received.
start_standin() {
  STANDIN_DIR=$(mktemp -d "$BATS_TEST_TMPDIR/standin.XXXX")
  printf '%s\n' "$1" >"$STANDIN_DIR/script"
  shift
  python3 "$STANDIN" --script "$STANDIN_DIR/script" --port-file "$STANDIN_DIR/port" \
    --record "$STANDIN_DIR/record" --timeout 20 "$@" 2>"$STANDIN_DIR/stderr" &
  STANDIN_PID=$!
  STARTED_PIDS+=("$STANDIN_PID")
  wait_for test -s "$STANDIN_DIR/port"
  STANDIN_PORT=$(cat "$STANDIN_DIR/port")
}

# standin_passed - the stand-in played its whole script (it exits by itself).
standin_passed() {
  local rc=0
  wait "$STANDIN_PID" || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "stand-in exited $rc:" >&2
    cat "$STANDIN_DIR/stderr" >&2
    return 1
  fi
}

# start_tls_server LINES... - `openssl s_server` with the test certificate,
# for one connection; LINES are what it sends once a client is in (with
# CR LF). Sets TLS_PORT; $TLS_SERVER_DIR/out has what it received.
start_tls_server() {
  TLS_SERVER_DIR=$(mktemp -d "$BATS_TEST_TMPDIR/s_server.XXXX")
  mkfifo "$TLS_SERVER_DIR/in"
  exec {TLS_IN}<>"$TLS_SERVER_DIR/in"
  openssl s_server -accept 127.0.0.1:0 -cert "$TLS_DIR/cert.pem" -key "$TLS_DIR/key.pem" \
    -naccept 1 -crlf <"$TLS_SERVER_DIR/in" >"$TLS_SERVER_DIR/out" 2>"$TLS_SERVER_DIR/err" &
  STARTED_PIDS+=("$!")
  wait_for grep -q '^ACCEPT' "$TLS_SERVER_DIR/out"
  TLS_PORT=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$TLS_SERVER_DIR/out")
  printf '%s\n' "$@" >&"$TLS_IN"
}

# A stand-in SMTP server that plays the slide's session.
SLIDE_SERVER='S: 220 hamburger.edu ESMTP Cartero
C: HELO crepes.fr
S: 250 Hello crepes.fr, pleased to meet you
C: MAIL FROM: <alice@crepes.fr>
S: 250 alice@crepes.fr... Sender ok
C: RCPT TO: <bob@hamburger.edu>
S: 250 bob@hamburger.edu ... Recipient ok
C: DATA
S: 354 Enter mail, end with "." on a line by itself
C: Do you like ketchup?
C: How about pickles?
C: .
S: 250 Message accepted for delivery
C: QUIT
S: 221 hamburger.edu closing connection'

# --- usage ------------------------------------------------------------------

@test "--help prints the synopsis and exits 0" {
  run_mailcat --help
  assert_success
  assert_line --index 0 --partial "usage: mailcat [--proto smtp|pop3|imap]"
  assert_output --partial "HOST [PORT]"
}

@test "no host is a usage error: exit 2" {
  run_mailcat
  assert_failure 2
  assert_output --partial "usage: mailcat"
}

@test "an unknown --proto is a usage error: exit 2" {
  run_mailcat --proto smtps 127.0.0.1 25
  assert_failure 2
  assert_output --partial '--proto is smtp, pop3 or imap, not "smtps"'
}

@test "the man page renders without warnings" {
  run bash -c "MANWIDTH=80 man --warnings -l '$BATS_TEST_DIRNAME/../tools/mailcat/mailcat.1' 2>&1 >/dev/null"
  assert_success
  assert_output ""
  run bash -c "MANWIDTH=80 man -l '$BATS_TEST_DIRNAME/../tools/mailcat/mailcat.1' | col -b"
  assert_output --partial "mailcat [--proto smtp|pop3|imap]"
}

# --- connecting ---------------------------------------------------------------

@test "nothing listening: exit 3 and a plain message" {
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  run_mailcat --proto smtp 127.0.0.1 "$port" </dev/null
  assert_failure 3
  assert_output --partial "nothing is listening on 127.0.0.1:$port: is the server running?"
}

# --- script mode ----------------------------------------------------------------

@test "the slide's session, as a script, passes against a stand-in server" {
  start_standin "$SLIDE_SERVER"
  run_mailcat --proto smtp --script "$SLIDE_SCRIPT" 127.0.0.1 "$STANDIN_PORT"
  assert_success
  assert_line "C: HELO crepes.fr"
  assert_line "S: 250 Message accepted for delivery"
  standin_passed
  # Every line went out with CR LF, the content as typed.
  [ "$(head -c 16 "$STANDIN_DIR/record" | od -An -c | tr -s ' ')" = " H E L O c r e p e s . f r \r \n" ]
  grep -q $'^Do you like ketchup?\r$' "$STANDIN_DIR/record"
}

@test "the slide's session, as a script, passes against smtpd and bob gets the message" {
  start_server smtpd -m "$BATS_TEST_TMPDIR/mail" -d hamburger.edu
  run_mailcat --script "$SLIDE_SCRIPT" 127.0.0.1 "$SERVER_PORT"
  assert_success
  assert_line "S: 221 hamburger.edu closing connection"
  run cat "$BATS_TEST_TMPDIR"/mail/bob/new/*
  assert_line "Do you like ketchup?"
  assert_line "How about pickles?"
}

@test "a wrong expectation exits 1, naming the line, what was expected and what came" {
  start_standin "$SLIDE_SERVER"
  sed 's/^S: 354 .*/S: 250 I expect the wrong thing/' "$SLIDE_SCRIPT" >"$BATS_TEST_TMPDIR/wrong.script"
  line=$(grep -n '^S: 250 I expect' "$BATS_TEST_TMPDIR/wrong.script" | cut -d: -f1)
  run_mailcat --proto smtp --script "$BATS_TEST_TMPDIR/wrong.script" 127.0.0.1 "$STANDIN_PORT"
  assert_failure 1
  assert_output --partial "wrong.script:$line: expected 250, received \"354 Enter mail"
  # It stopped there: the message content was never sent.
  ! grep -q ketchup "$STANDIN_DIR/record"
}

@test "a server that closes before replying: exit 1, naming the line" {
  start_standin 'S: 220 hamburger.edu
C: HELO crepes.fr
CLOSE'
  printf 'S: 220\nC: HELO crepes.fr\nS: 250\nC: QUIT\n' >"$BATS_TEST_TMPDIR/s.script"
  run_mailcat --proto smtp --script "$BATS_TEST_TMPDIR/s.script" 127.0.0.1 "$STANDIN_PORT"
  assert_failure 1
  assert_output --partial 's.script:2: "HELO crepes.fr" was sent, but the server closed the connection'
}

@test "a reply that never comes: exit 1 after --timeout, naming the line" {
  start_standin 'S: 220 hamburger.edu
C: NOOP
WAIT'
  printf 'S: 220\nNOOP\nS: 250\n' >"$BATS_TEST_TMPDIR/t.script"
  run "$CARTERO_BIN/mailcat" --no-color --timeout 1 --proto smtp --script "$BATS_TEST_TMPDIR/t.script" \
    127.0.0.1 "$STANDIN_PORT"
  no_sanitizer_report
  assert_failure 1
  assert_output --partial 't.script:2: "NOOP" was sent, but no complete reply came in 1 seconds'
}

@test "a script on stdin: bare lines are sent with CR LF, comments and blank lines are not" {
  start_standin 'S: 220 hamburger.edu
C: HELO crepes.fr
S: 250 ok
C: QUIT
S: 221 bye'
  run_mailcat --proto smtp 127.0.0.1 "$STANDIN_PORT" < <(printf '# a comment\n\nHELO crepes.fr\r\nS: 250\n  # another\nQUIT\nS: 221\n')
  assert_success
  standin_passed
  [ "$(cat "$STANDIN_DIR/record")" = $'HELO crepes.fr\r\nQUIT\r' ]
}

@test "an S: line that is not an SMTP reply is a script error: exit 2" {
  start_standin 'S: 220 hamburger.edu
WAIT'
  printf 'S: hello\n' >"$BATS_TEST_TMPDIR/bad.script"
  run_mailcat --proto smtp --script "$BATS_TEST_TMPDIR/bad.script" 127.0.0.1 "$STANDIN_PORT"
  assert_failure 2
  assert_output --partial 'bad.script:1: "S: hello" is not an SMTP reply'
}

@test "SMTP: a multi-line reply is read to its last line before the next command" {
  start_standin 'S: 220 hamburger.edu
C: EHLO crepes.fr
S: 250-hamburger.edu
S: 250-PIPELINING
S: 250 HELP
C: QUIT
S: 221 bye'
  printf 'S: 220\nC: EHLO crepes.fr\nS: 250-hamburger.edu\nS: 250-PIPELINING\nS: 250 HELP\nC: QUIT\nS: 221\n' \
    >"$BATS_TEST_TMPDIR/ehlo.script"
  run_mailcat --proto smtp --script "$BATS_TEST_TMPDIR/ehlo.script" 127.0.0.1 "$STANDIN_PORT"
  assert_success
  assert_line --index 3 "S: 250-hamburger.edu"
  assert_line --index 5 "S: 250 HELP"
  assert_line --index 6 "C: QUIT"
  standin_passed
}

@test "--pipeline sends commands without waiting and checks the replies in order" {
  # The server answers only after it has read all three commands.
  start_standin 'S: 220 hamburger.edu
C: EHLO crepes.fr
S: 250-hamburger.edu
S: 250 PIPELINING
C: MAIL FROM:<alice@crepes.fr>
C: RCPT TO:<bob@hamburger.edu>
C: RCPT TO:<nobody@hamburger.edu>
S: 250 sender ok
S: 250 recipient ok
S: 550 no such user
C: QUIT
S: 221 bye'
  printf '%s\n' 'S: 220' 'C: EHLO crepes.fr' 'S: 250' 'C: MAIL FROM:<alice@crepes.fr>' \
    'C: RCPT TO:<bob@hamburger.edu>' 'C: RCPT TO:<nobody@hamburger.edu>' \
    'S: 250' 'S: 250' 'S: 550' 'C: QUIT' 'S: 221' >"$BATS_TEST_TMPDIR/pipe.script"
  run_mailcat --pipeline --proto smtp --script "$BATS_TEST_TMPDIR/pipe.script" 127.0.0.1 "$STANDIN_PORT"
  assert_success
  standin_passed
}

@test "without --pipeline each line waits for its reply" {
  # The same server never answers MAIL alone: mailcat waits, then gives up.
  start_standin 'S: 220 hamburger.edu
C: MAIL FROM:<alice@crepes.fr>
C: RCPT TO:<bob@hamburger.edu>
S: 250 sender ok
S: 250 recipient ok'
  printf '%s\n' 'S: 220' 'C: MAIL FROM:<alice@crepes.fr>' 'C: RCPT TO:<bob@hamburger.edu>' \
    'S: 250' 'S: 250' >"$BATS_TEST_TMPDIR/nopipe.script"
  run "$CARTERO_BIN/mailcat" --no-color --timeout 1 --proto smtp \
    --script "$BATS_TEST_TMPDIR/nopipe.script" 127.0.0.1 "$STANDIN_PORT"
  no_sanitizer_report
  assert_failure 1
  assert_output --partial 'nopipe.script:2: "MAIL FROM:<alice@crepes.fr>" was sent, but no complete reply'
}

@test "POP3: LIST and RETR bodies end at the lone dot; LIST 1 is one line" {
  start_standin 'S: +OK POP3 server ready
C: user bob
S: +OK
C: pass hungry
S: +OK user successfully logged on
C: list
S: +OK 2 messages
S: 1 498
S: 2 912
S: .
C: LIST 1
S: +OK 1 498
C: retr 1
S: +OK 498 octets
S: Subject: ketchup
S:
S: -ERR this line is part of the message
S: ..a stuffed line
S: .
C: dele 1
S: +OK message 1 deleted
C: quit
S: +OK POP3 server signing off'
  printf '%s\n' 'S: +OK POP3 server ready' 'C: user bob' 'S: +OK' 'C: pass hungry' 'S: +OK' \
    'C: list' 'S: +OK' 'S: 1 498' 'S: 2 912' 'S: .' 'C: LIST 1' 'S: +OK' 'C: retr 1' 'S: +OK' \
    'C: dele 1' 'S: +OK' 'C: quit' 'S: +OK' >"$BATS_TEST_TMPDIR/pop3.script"
  run_mailcat --proto pop3 --script "$BATS_TEST_TMPDIR/pop3.script" 127.0.0.1 "$STANDIN_PORT"
  assert_success
  assert_line "S: -ERR this line is part of the message"
  assert_line "S: +OK message 1 deleted"
  standin_passed
}

@test "POP3: the slide's session, in slide notation, passes against pop3d" {
  mkdir -p "$BATS_TEST_TMPDIR"/mail/bob/{new,cur,tmp}
  printf 'Subject: ketchup\n\nDo you like ketchup?\n.\n' >"$BATS_TEST_TMPDIR/mail/bob/new/1000.M1P1Q1.hamburger"
  printf 'Subject: pickles\n\nHow about pickles?\n' >"$BATS_TEST_TMPDIR/mail/bob/new/1001.M1P1Q1.hamburger"
  printf 'bob:{PLAIN}hungry\n' >"$BATS_TEST_TMPDIR/users"
  start_server pop3d -u "$BATS_TEST_TMPDIR/users" -m "$BATS_TEST_TMPDIR/mail" -d hamburger.edu
  # As on the slide: no S: line for some replies, message lines as the reader sees them.
  printf '%s\n' 'S: +OK POP3 server ready' 'C: user bob' 'S: +OK' 'C: pass hungry' \
    'S: +OK user successfully logged on' 'C: list' 'S: 1 498' 'S: 2 912' 'S: .' \
    'C: retr 1' 'S: <message 1 contents>' 'S: .' 'C: dele 1' 'C: retr 2' \
    'S: <message 2 contents>' 'S: .' 'C: dele 2' 'C: quit' 'S: +OK POP3 server signing off' \
    >"$BATS_TEST_TMPDIR/pop3.script"
  run_mailcat --proto pop3 --script "$BATS_TEST_TMPDIR/pop3.script" 127.0.0.1 "$SERVER_PORT"
  assert_success
  # The body line "." came stuffed as ".." and did not end the reply early.
  assert_line "S: .."
  assert_line "S: How about pickles?"
  wait_for maildir_empty "$BATS_TEST_TMPDIR/mail/bob"
}

# maildir_empty DIR - no message left in DIR/new and DIR/cur.
maildir_empty() {
  [ -z "$(ls -A "$1/new" "$1/cur" | grep -v -e '^$' -e ':$')" ]
}

@test "POP3: -ERR where +OK was expected exits 1" {
  start_standin 'S: +OK POP3 server ready
C: retr 9
S: -ERR no such message'
  printf 'S: +OK\nretr 9\nS: +OK\n' >"$BATS_TEST_TMPDIR/err.script"
  run_mailcat --proto pop3 --script "$BATS_TEST_TMPDIR/err.script" 127.0.0.1 "$STANDIN_PORT"
  assert_failure 1
  assert_output --partial 'err.script:3: expected +OK, received "-ERR no such message"'
}

@test "IMAP: untagged lines and literals up to the tagged completion" {
  start_standin 'S: * OK IMAP4rev1 ready
C: a1 LOGIN bob hungry
S: a1 OK LOGIN completed
C: a2 SELECT INBOX
S: * 1 EXISTS
S: * FLAGS (\Seen \Deleted)
S: a2 OK [READ-WRITE] SELECT completed
C: a3 FETCH 1 BODY[]
S: * 1 FETCH (BODY[] {31}
S: Subject: x
S: a3 OK not the end
S: )
S: a3 OK FETCH completed
C: a4 LOGOUT
S: * BYE see you
S: a4 OK LOGOUT completed'
  printf '%s\n' 'S: * OK IMAP4rev1 ready' 'C: a1 LOGIN bob hungry' 'S: a1 OK' 'C: a2 SELECT INBOX' \
    'S: * 1 EXISTS' 'S: a2 OK' 'C: a3 FETCH 1 BODY[]' 'S: a3 OK' 'C: a4 LOGOUT' 'S: * BYE' 'S: OK' \
    >"$BATS_TEST_TMPDIR/imap.script"
  run_mailcat --proto imap --script "$BATS_TEST_TMPDIR/imap.script" 127.0.0.1 "$STANDIN_PORT"
  assert_success
  assert_line "S: a3 OK FETCH completed"
  assert_line --index 13 "S: a3 OK FETCH completed"
  assert_line --index 14 "C: a4 LOGOUT"
  standin_passed
}

@test "IMAP: NO where OK was expected exits 1" {
  start_standin 'S: * OK IMAP4rev1 ready
C: a1 LOGIN bob wrong
S: a1 NO [AUTHENTICATIONFAILED] Authentication failed'
  printf 'S: * OK\nC: a1 LOGIN bob wrong\nS: a1 OK\n' >"$BATS_TEST_TMPDIR/no.script"
  run_mailcat --proto imap --script "$BATS_TEST_TMPDIR/no.script" 127.0.0.1 "$STANDIN_PORT"
  assert_failure 1
  assert_output --partial 'no.script:3: expected OK, received "a1 NO [AUTHENTICATIONFAILED]'
}

# --- helpers --------------------------------------------------------------------

@test ":auth plain sends exactly what printf '\\0bob\\0hungry' | base64 gives" {
  b64=$(printf '\0bob\0hungry' | base64)
  start_standin "S: 220 hamburger.edu
C: AUTH PLAIN $b64
S: 235 2.7.0 Authentication successful"
  printf 'S: 220\n:auth plain bob hungry\nS: 235\n' >"$BATS_TEST_TMPDIR/auth.script"
  run_mailcat --proto smtp --script "$BATS_TEST_TMPDIR/auth.script" 127.0.0.1 "$STANDIN_PORT"
  assert_success
  assert_line "C: AUTH PLAIN $b64"
  assert_output --partial "$b64 is Base64 for \"\\0bob\\0hungry\""
  standin_passed
}

@test ":auth login answers each 334 in Base64; S: checks the final reply" {
  start_standin 'S: 220 hamburger.edu
C: AUTH LOGIN
S: 334 VXNlcm5hbWU6
C: Ym9i
S: 334 UGFzc3dvcmQ6
C: aHVuZ3J5
S: 235 2.7.0 Authentication successful'
  printf 'S: 220\n:auth login bob hungry\nS: 235\n' >"$BATS_TEST_TMPDIR/login.script"
  run_mailcat --proto smtp --script "$BATS_TEST_TMPDIR/login.script" 127.0.0.1 "$STANDIN_PORT"
  assert_success
  assert_output --partial 'VXNlcm5hbWU6 is Base64 for "Username:"'
  standin_passed
}

@test ":send dot-stuffs lines that start with a dot and ends with the lone dot" {
  start_standin 'S: 220 hamburger.edu
C: DATA
S: 354 go ahead
D:
S: 250 accepted'
  printf 'Subject: dots\n\n.hidden\n..two\n.\nlast\n' >"$BATS_TEST_TMPDIR/body.txt"
  printf 'S: 220\nDATA\nS: 354\n:send %s\nS: 250\n' "$BATS_TEST_TMPDIR/body.txt" >"$BATS_TEST_TMPDIR/send.script"
  run_mailcat --proto smtp --script "$BATS_TEST_TMPDIR/send.script" 127.0.0.1 "$STANDIN_PORT"
  assert_success
  standin_passed
  [ "$(cat "$STANDIN_DIR/record")" = $'DATA\r\nSubject: dots\r\n\r\n..hidden\r\n...two\r\n..\r\nlast\r\n.\r' ]
}

@test ":send delivers the file byte-exact through smtpd" {
  start_server smtpd -m "$BATS_TEST_TMPDIR/mail" -d hamburger.edu
  printf 'From: alice@crepes.fr\nSubject: dots\n\n.hidden\n..two\n.\nDo you like ketchup?\n' \
    >"$BATS_TEST_TMPDIR/body.txt"
  printf '%s\n' 'HELO crepes.fr' 'MAIL FROM:<alice@crepes.fr>' 'RCPT TO:<bob@hamburger.edu>' \
    'DATA' 'S: 354' ":send $BATS_TEST_TMPDIR/body.txt" 'S: 250' 'QUIT' >"$BATS_TEST_TMPDIR/send.script"
  run_mailcat --script "$BATS_TEST_TMPDIR/send.script" 127.0.0.1 "$SERVER_PORT"
  assert_success
  file=$(ls "$BATS_TEST_TMPDIR"/mail/bob/new/*)
  size=$(wc -c <"$BATS_TEST_TMPDIR/body.txt")
  # The server puts its trace headers on top; the rest is the file, octet for octet.
  tail -c "$size" "$file" | cmp - "$BATS_TEST_TMPDIR/body.txt"
}

@test ":send before DATA's 354 is refused" {
  start_standin 'S: 220 hamburger.edu
WAIT'
  printf 'hello\n' >"$BATS_TEST_TMPDIR/body.txt"
  printf 'S: 220\n:send %s\n' "$BATS_TEST_TMPDIR/body.txt" >"$BATS_TEST_TMPDIR/early.script"
  run_mailcat --proto smtp --script "$BATS_TEST_TMPDIR/early.script" 127.0.0.1 "$STANDIN_PORT"
  assert_failure 2
  assert_output --partial ":send sends a message's content: first DATA, and wait for 354"
}

# --- how lines are shown ----------------------------------------------------------

@test "--show-crlf shows each line's end and points out a bare LF" {
  start_standin 'R: 220 proper\r\n
C: NOOP
R: 250 sloppy\n'
  printf 'NOOP\n' >"$BATS_TEST_TMPDIR/crlf.script"
  run_mailcat --show-crlf --proto smtp --script "$BATS_TEST_TMPDIR/crlf.script" 127.0.0.1 "$STANDIN_PORT"
  assert_success
  assert_line 'S: 220 proper\r\n'
  assert_line 'C: NOOP\r\n'
  assert_line 'S: 250 sloppy\n (bare LF, no CR)'
}

@test "--quiet shows only the server's lines" {
  start_standin "$SLIDE_SERVER"
  run_mailcat --quiet --proto smtp --script "$SLIDE_SCRIPT" 127.0.0.1 "$STANDIN_PORT"
  assert_success
  refute_line --partial "C: "
  refute_line --partial "-- "
  assert_line --index 0 "S: 220 hamburger.edu ESMTP Cartero"
  assert_line "S: 221 hamburger.edu closing connection"
}

# --- TLS --------------------------------------------------------------------------

@test "--tls --insecure: the session works and the certificate is summarised" {
  start_tls_server '220 tls.test ESMTP' '250 ok'
  printf 'S: 220\nC: NOOP\nS: 250\n' >"$BATS_TEST_TMPDIR/tls.script"
  run_mailcat --tls --insecure --proto smtp --script "$BATS_TEST_TMPDIR/tls.script" 127.0.0.1 "$TLS_PORT"
  assert_success
  assert_line --regexp '^-- TLS is on: TLSv1\.[23], cipher '
  assert_line "-- certificate subject: CN = localhost"
  assert_line "-- issued by: CN = localhost"
  assert_line --regexp '^-- valid from .* until .*GMT$'
  assert_line --partial "-- verification: FAILED (self-signed certificate); going on only because of --insecure"
  assert_line "S: 220 tls.test ESMTP"
  wait_for grep -q '^NOOP' "$TLS_SERVER_DIR/out"
}

@test "--tls without --insecure refuses a self-signed certificate: exit 3, in plain words" {
  start_tls_server '220 tls.test ESMTP'
  run_mailcat --tls --proto smtp --script /dev/null 127.0.0.1 "$TLS_PORT"
  assert_failure 3
  assert_output --partial "TLS failed: the certificate of 127.0.0.1 is self-signed"
  assert_output --partial "--cafile"
  refute_output --partial "S: 220"
}

@test "--tls --cafile trusts the test certificate: verification ok" {
  start_tls_server '220 tls.test ESMTP'
  printf 'S: 220\n' >"$BATS_TEST_TMPDIR/ca.script"
  run_mailcat --tls --cafile "$TLS_DIR/cert.pem" --proto smtp --script "$BATS_TEST_TMPDIR/ca.script" \
    127.0.0.1 "$TLS_PORT"
  assert_success
  assert_line --partial "-- verification: ok"
}

@test "--tls to a clear-text server explains that it does not speak TLS" {
  start_standin 'S: 220 hamburger.edu
WAIT'
  run_mailcat --tls --insecure --proto smtp --script /dev/null 127.0.0.1 "$STANDIN_PORT"
  assert_failure 3
  assert_output --partial "did not answer in TLS"
}

# The stand-in's side of an SMTP STARTTLS, then a session in TLS.
STARTTLS_SERVER='S: 220 hamburger.edu ESMTP Cartero
C: EHLO [127.0.0.1]
S: 250-hamburger.edu
S: 250 STARTTLS
C: STARTTLS
S: 220 Ready to start TLS
TLS
C: EHLO crepes.fr
S: 250 hamburger.edu over TLS
C: QUIT
S: 221 bye'

@test "--starttls --insecure negotiates EHLO and STARTTLS, then the script runs in TLS" {
  start_standin "$STARTTLS_SERVER" --cert "$TLS_DIR/cert.pem" --key "$TLS_DIR/key.pem"
  printf 'C: EHLO crepes.fr\nS: 250\nC: QUIT\nS: 221\n' >"$BATS_TEST_TMPDIR/after.script"
  run_mailcat --starttls --insecure --proto smtp --script "$BATS_TEST_TMPDIR/after.script" \
    127.0.0.1 "$STANDIN_PORT"
  assert_success
  assert_line "C: STARTTLS"
  assert_line "S: 220 Ready to start TLS"
  assert_line "-- certificate subject: CN = localhost"
  assert_line "S: 250 hamburger.edu over TLS"
  standin_passed
}

@test "--starttls without --insecure refuses the self-signed certificate: exit 3" {
  start_standin "$STARTTLS_SERVER" --cert "$TLS_DIR/cert.pem" --key "$TLS_DIR/key.pem"
  run_mailcat --starttls --proto smtp --script /dev/null 127.0.0.1 "$STANDIN_PORT"
  assert_failure 3
  assert_output --partial "TLS failed: the certificate of 127.0.0.1 is self-signed"
  refute_line "C: EHLO crepes.fr"
}

@test "--starttls speaks STLS to a POP3 server" {
  start_standin 'S: +OK POP3 server ready
C: STLS
S: +OK Begin TLS negotiation
TLS
C: CAPA
S: +OK
S: USER
S: .' --cert "$TLS_DIR/cert.pem" --key "$TLS_DIR/key.pem"
  printf 'C: CAPA\nS: +OK\n' >"$BATS_TEST_TMPDIR/stls.script"
  run_mailcat --starttls --insecure --proto pop3 --script "$BATS_TEST_TMPDIR/stls.script" \
    127.0.0.1 "$STANDIN_PORT"
  assert_success
  standin_passed
}

@test ":starttls in a script: EHLO, STARTTLS, :starttls, EHLO again, step by step" {
  start_standin "$STARTTLS_SERVER" --cert "$TLS_DIR/cert.pem" --key "$TLS_DIR/key.pem"
  printf '%s\n' 'S: 220' 'C: EHLO [127.0.0.1]' 'S: 250' 'C: STARTTLS' 'S: 220' ':starttls' \
    'C: EHLO crepes.fr' 'S: 250' 'C: QUIT' 'S: 221' >"$BATS_TEST_TMPDIR/byhand.script"
  run_mailcat --insecure --proto smtp --script "$BATS_TEST_TMPDIR/byhand.script" 127.0.0.1 "$STANDIN_PORT"
  assert_success
  assert_line "-- certificate subject: CN = localhost"
  assert_line "S: 250 hamburger.edu over TLS"
  standin_passed
}

@test ":starttls without --insecure refuses the self-signed certificate: exit 3" {
  start_standin "$STARTTLS_SERVER" --cert "$TLS_DIR/cert.pem" --key "$TLS_DIR/key.pem"
  printf '%s\n' 'S: 220' 'C: EHLO [127.0.0.1]' 'S: 250' 'C: STARTTLS' 'S: 220' ':starttls' \
    'C: EHLO crepes.fr' >"$BATS_TEST_TMPDIR/refuse.script"
  run_mailcat --proto smtp --script "$BATS_TEST_TMPDIR/refuse.script" 127.0.0.1 "$STANDIN_PORT"
  assert_failure 3
  assert_output --partial "TLS failed: the certificate of 127.0.0.1 is self-signed"
  assert_output --partial 'refuse.script:6: stopped at ":starttls"'
  refute_line "C: EHLO crepes.fr"
}

# --- pace: replaying a session in front of a class -------------------------------------

@test "--delay waits between client lines" {
  start_standin "$SLIDE_SERVER"
  start=$(date +%s%N)
  run_mailcat --delay 0.2 --proto smtp --script "$SLIDE_SCRIPT" 127.0.0.1 "$STANDIN_PORT"
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  assert_success
  # Eight client lines: seven pauses of 200 ms at least.
  [ "$elapsed_ms" -ge 1400 ] || { echo "took only $elapsed_ms ms"; return 1; }
}

# --- on a real pseudo-terminal (tmux) -----------------------------------------------------

# start_in_tmux COMMAND - run COMMAND in a detached tmux pane (HOME is a
# fresh folder); its exit status lands in $BATS_TEST_TMPDIR/exit.
start_in_tmux() {
  home="$BATS_TEST_TMPDIR/home"
  mkdir -p "$home"
  TMUX_SOCKET="$BATS_TEST_TMPDIR/tmux.sock"
  tmux -S "$TMUX_SOCKET" new-session -d -s mailcat -x 120 -y 40 \
    "HOME='$home' $1 2>'$BATS_TEST_TMPDIR/mailcat.err'; echo \$? >'$BATS_TEST_TMPDIR/exit'; sleep 600"
}

# type_line TEXT - type TEXT in the pane, then Enter.
type_line() {
  tmux -S "$TMUX_SOCKET" send-keys -t mailcat -l "$1"
  tmux -S "$TMUX_SOCKET" send-keys -t mailcat Enter
}

# pane_shows TEXT - the tmux pane shows TEXT somewhere.
pane_shows() {
  tmux -S "$TMUX_SOCKET" capture-pane -p -t mailcat | grep -qF -- "$1"
}

@test "--step waits for Enter before each client line" {
  start_standin 'S: 220 hamburger.edu
C: NOOP
S: 250 ok'
  printf 'S: 220\nNOOP\nS: 250\n' >"$BATS_TEST_TMPDIR/step.script"
  start_in_tmux "'$CARTERO_BIN/mailcat' --step --proto smtp --script '$BATS_TEST_TMPDIR/step.script' 127.0.0.1 $STANDIN_PORT"
  wait_for pane_shows "[Enter]"
  # Waiting: nothing has been sent yet.
  [ ! -s "$STANDIN_DIR/record" ]
  tmux -S "$TMUX_SOCKET" send-keys -t mailcat Enter
  wait_for pane_shows "S: 250 ok"
  wait_for test -s "$BATS_TEST_TMPDIR/exit"
  [ "$(cat "$BATS_TEST_TMPDIR/exit")" = 0 ]
  standin_passed
}

@test "interactive: after --starttls the prompt talks over TLS" {
  start_standin "$STARTTLS_SERVER" --cert "$TLS_DIR/cert.pem" --key "$TLS_DIR/key.pem"
  start_in_tmux "'$CARTERO_BIN/mailcat' --starttls --insecure --proto smtp 127.0.0.1 $STANDIN_PORT"
  wait_for pane_shows "-- certificate subject: CN = localhost"
  type_line "EHLO crepes.fr"
  wait_for pane_shows "S: 250 hamburger.edu over TLS"
  type_line "QUIT"
  wait_for test -s "$BATS_TEST_TMPDIR/exit"
  [ "$(cat "$BATS_TEST_TMPDIR/exit")" = 0 ]
  standin_passed
  run cat "$BATS_TEST_TMPDIR/mailcat.err"
  no_sanitizer_report
}

@test "interactive: a typed line is sent with CR LF, the up arrow recalls it, :b64 helps" {
  start_standin 'S: 220 hamburger.edu ESMTP Cartero
C: HELO crepes.fr
S: 250 Hello crepes.fr, pleased to meet you
C: HELO crepes.fr
S: 250 Hello again
C: QUIT
S: 221 bye'
  start_in_tmux "'$CARTERO_BIN/mailcat' --proto smtp 127.0.0.1 $STANDIN_PORT"
  wait_for pane_shows "S: 220 hamburger.edu"
  type_line "HELO crepes.fr"
  wait_for pane_shows "S: 250 Hello crepes.fr, pleased to meet you"
  tmux -S "$TMUX_SOCKET" send-keys -t mailcat Up Enter
  wait_for pane_shows "S: 250 Hello again"
  type_line ':b64 \0bob\0hungry'
  wait_for pane_shows '"\0bob\0hungry" in Base64: AGJvYgBodW5ncnk='
  type_line "QUIT"
  wait_for test -s "$BATS_TEST_TMPDIR/exit"
  [ "$(cat "$BATS_TEST_TMPDIR/exit")" = 0 ]
  standin_passed
  # What went out: the two HELOs and QUIT, with CR LF; the helper was not sent.
  [ "$(cat "$STANDIN_DIR/record")" = $'HELO crepes.fr\r\nHELO crepes.fr\r\nQUIT\r' ]
  # History remembers every line typed, the helper too.
  [ "$(cat "$home/.mailcat_history")" = $'HELO crepes.fr\n:b64 \\0bob\\0hungry\nQUIT' ]
  [ "$(stat -c %a "$home/.mailcat_history")" = 600 ]
  run cat "$BATS_TEST_TMPDIR/mailcat.err"
  no_sanitizer_report
}
