#!/usr/bin/env bats
# smtpd: the slide's session, the protocol rules and the errors that teach.
# Each test starts its own server on 127.0.0.1 (port 0) in a temp folder.

load lib/helpers

setup() {
  STARTED_PIDS=()
  MAIL="$BATS_TEST_TMPDIR/mail"
}

teardown() {
  disconnect
  stop_servers
}

start_smtpd() {
  start_server smtpd -d hamburger.edu -m "$MAIL" "$@"
}

# hello - connect and get through the greeting and HELO.
hello() {
  connect
  expect_reply 220
  say "HELO crepes.fr" 250
}

# delivered_files USER - the files in USER's new/, one per line.
delivered_files() {
  find "$MAIL/$1/new" -type f 2>/dev/null | sort
}

delivered_count() {
  delivered_files "$1" | grep -c . || true
}

@test "the slide's session gets the slide's replies and delivers to bob" {
  start_smtpd
  connect
  expect_reply 220 '^220 hamburger.edu'
  say "HELO crepes.fr" 250 '^250 Hello crepes.fr, pleased to meet you$'
  say "MAIL FROM: <alice@crepes.fr>" 250 '^250 alice@crepes.fr\.\.\. Sender ok$'
  say "RCPT TO: <bob@hamburger.edu>" 250 '^250 bob@hamburger.edu \.\.\. Recipient ok$'
  say "DATA" 354 '^354 Enter mail, end with "\." on a line by itself$'
  send "Do you like ketchup?"
  send "How about pickles?"
  say "." 250 '^250 Message accepted for delivery$'
  say "QUIT" 221 '^221 hamburger.edu closing connection$'
  expect_closed
  [ "$(delivered_count bob)" -eq 1 ]
  file=$(delivered_files bob)
  run cat "$file"
  assert_line --index 0 "Return-Path: <alice@crepes.fr>"
  assert_line --index 1 --regexp '^Received: from crepes\.fr \(\[127\.0\.0\.1\]\)$'
  assert_line "Do you like ketchup?"
  assert_line "How about pickles?"
  # stored with LF line ends, as Maildir readers expect
  ! grep -q $'\r' "$file"
  # no stray file in tmp/
  [ -z "$(ls -A "$MAIL/bob/tmp")" ]
}

@test "the Maildir has tmp, new and cur" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "DATA" 354; say "." 250
  [ -d "$MAIL/bob/tmp" ] && [ -d "$MAIL/bob/new" ] && [ -d "$MAIL/bob/cur" ]
}

@test "EHLO advertises PIPELINING, SIZE, 8BITMIME and HELP in a multi-line reply" {
  start_smtpd --max-size 5000
  connect; expect_reply 220
  say "EHLO crepes.fr" 250
  [ "${REPLY_LINES[0]}" = "250-hamburger.edu Hello crepes.fr, pleased to meet you" ]
  printf '%s\n' "${REPLY_LINES[@]}" | grep -qx '250-PIPELINING'
  printf '%s\n' "${REPLY_LINES[@]}" | grep -qx '250-SIZE 5000'
  printf '%s\n' "${REPLY_LINES[@]}" | grep -qx '250-8BITMIME'
  [ "${REPLY_LINES[-1]}" = "250 HELP" ]
}

@test "two messages on one connection are both delivered" {
  start_smtpd
  hello
  for n in 1 2; do
    say "MAIL FROM:<alice@crepes.fr>" 250
    say "RCPT TO:<bob@hamburger.edu>" 250
    say "DATA" 354
    send "Subject: message $n"
    send ""
    send "body $n"
    say "." 250
  done
  say QUIT 221
  [ "$(delivered_count bob)" -eq 2 ]
  grep -l "body 1" $(delivered_files bob)
  grep -l "body 2" $(delivered_files bob)
}

@test "a body line starting with a dot is unstuffed" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "DATA" 354
  send "Subject: dots"
  send ""
  send "..hidden dot"
  send "...."
  say "." 250
  file=$(delivered_files bob)
  grep -qx ".hidden dot" "$file"
  grep -qx "..." "$file"
}

@test "a message without header lines gets an empty line after the trace headers" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "DATA" 354
  send "Do you like ketchup?"
  say "." 250
  file=$(delivered_files bob)
  # Return-Path, three Received lines, the empty line, the body
  [ "$(sed -n 5p "$file")" = "" ]
  [ "$(sed -n 6p "$file")" = "Do you like ketchup?" ]
}

@test "a message with headers is stored exactly, apart from the trace headers" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "DATA" 354
  send "From: alice@crepes.fr"; send "To: bob@hamburger.edu"; send "Subject: exact"
  send ""; send "line one"; send "  indented"; send ""; send "last"
  say "." 250
  run tail -n +5 "$(delivered_files bob)"
  assert_output "$(printf 'From: alice@crepes.fr\nTo: bob@hamburger.edu\nSubject: exact\n\nline one\n  indented\n\nlast')"
}

@test "an empty message is accepted" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "DATA" 354
  say "." 250
  [ "$(delivered_count bob)" -eq 1 ]
}

@test "one copy per local recipient, and the same recipient twice gets one" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "RCPT TO:<carol@hamburger.edu>" 250
  say "RCPT TO:<Bob@Hamburger.EDU>" 250
  say "DATA" 354; send "Subject: both"; send ""; send "hi"; say "." 250
  [ "$(delivered_count bob)" -eq 1 ]
  [ "$(delivered_count carol)" -eq 1 ]
  # no "for <...>" that would reveal the other recipients
  ! grep -q "for <" "$(delivered_files bob)"
}

@test "100 recipients are accepted and the 101st gets 452" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  for i in $(seq 1 100); do send "RCPT TO:<user$i@hamburger.edu>"; done
  for i in $(seq 1 100); do expect_reply 250; done
  say "RCPT TO:<user101@hamburger.edu>" 452
  say "DATA" 354; say "." 250
  [ "$(find "$MAIL" -path '*/new/*' -type f | wc -l)" -eq 100 ]
}

@test "pipelined commands are answered in order" {
  start_smtpd
  connect; expect_reply 220
  send_raw 'EHLO crepes.fr\r\nMAIL FROM:<alice@crepes.fr>\r\nRCPT TO:<bob@hamburger.edu>\r\nDATA\r\n'
  expect_reply 250; expect_reply 250; expect_reply 250; expect_reply 354
  send_raw 'Subject: p\r\n\r\npipelined\r\n.\r\nQUIT\r\n'
  expect_reply 250 'accepted'
  expect_reply 221
}

@test "RSET forgets the transaction" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "RSET" 250
  say "DATA" 503
  say "MAIL FROM:<alice@crepes.fr>" 250
}

@test "NOOP, VRFY and HELP answer 250, 252 and 214" {
  start_smtpd
  hello
  say "NOOP" 250
  say "NOOP anything" 250
  say "VRFY bob" 252
  say "HELP" 214
  [ "${#REPLY_LINES[@]}" -gt 3 ]
}

@test "commands are case-insensitive" {
  start_smtpd
  connect; expect_reply 220
  say "helo crepes.fr" 250
  say "mail from:<alice@crepes.fr>" 250
  say "rcpt to:<bob@hamburger.edu>" 250
  say "data" 354; say "." 250
  say "quit" 221
}

@test "an unknown command gets 500 and the session goes on" {
  start_smtpd
  hello
  say "HELLO crepes.fr" 500 'unrecognized'
  say "NOOP" 250
}

@test "an unimplemented command gets 502" {
  start_smtpd
  hello
  say "EXPN staff" 502
  say "TURN" 502
  say "NOOP" 250
}

@test "syntax errors get 501" {
  start_smtpd
  connect; expect_reply 220
  say "HELO" 501
  say "HELO a b" 501
  say "HELO crepes.fr" 250
  say "MAIL" 501
  say "MAIL TO:<alice@crepes.fr>" 501
  say "MAIL FROM:<alice>" 501 'user@domain'
  say "MAIL FROM:<alice@crepes.fr" 501
  say "DATA now" 501
  say "QUIT now" 501
}

@test "MAIL FROM without angle brackets gets 501 showing the right form" {
  start_smtpd
  hello
  say "MAIL FROM: alice@crepes.fr" 501 'MAIL FROM:<alice@crepes.fr>'
  say "MAIL FROM: <alice@crepes.fr>" 250
}

@test "RCPT before MAIL gets 503 naming MAIL FROM" {
  start_smtpd
  hello
  say "RCPT TO:<bob@hamburger.edu>" 503 'Need MAIL FROM before RCPT TO'
}

@test "DATA before RCPT gets 503 naming RCPT TO" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "DATA" 503 'Need RCPT TO before DATA'
}

@test "MAIL before HELO gets 503 asking for HELO" {
  start_smtpd
  connect; expect_reply 220
  say "MAIL FROM:<alice@crepes.fr>" 503 'HELO'
}

@test "a second MAIL in one transaction gets 503" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "MAIL FROM:<alice@crepes.fr>" 503
}

@test "a new HELO resets the transaction" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "HELO crepes.fr" 250
  say "RCPT TO:<bob@hamburger.edu>" 503
}

@test "a command ending in a bare LF gets 500 telling to use CRLF" {
  start_smtpd
  connect; expect_reply 220
  send_raw 'HELO crepes.fr\n'
  expect_reply 500 'CRLF: use telnet, or nc -C'
  say "HELO crepes.fr" 250
}

@test "a command with a NUL byte gets 500" {
  start_smtpd
  connect; expect_reply 220
  send_raw 'HELO crepes\0.fr\r\n'
  expect_reply 500 'NUL'
  say "HELO crepes.fr" 250
}

@test "a client that talks before the greeting is told so, and only QUIT works" {
  start_smtpd --greet-delay 2000
  connect
  send "HELO crepes.fr"
  expect_reply 554 'before my greeting'
  expect_reply 503
  say "MAIL FROM:<alice@crepes.fr>" 503
  say "QUIT" 221
}

@test "a command line over 1000 octets gets 500 and the session goes on" {
  start_smtpd
  hello
  send "NOOP $(head -c 1200 /dev/zero | tr '\0' x)"
  expect_reply 500 'too long'
  say "NOOP" 250
}

@test "a command line of exactly 1000 octets is accepted" {
  start_smtpd
  hello
  send "NOOP $(head -c 993 /dev/zero | tr '\0' x)"   # 5 + 993 + CRLF = 1000
  expect_reply 250
}

@test "a 50 MB line without a newline does not exhaust the server" {
  start_smtpd
  hello
  head -c 50000000 /dev/zero | tr '\0' x >&"$CONN_FD"
  send ""
  expect_reply 500 'too long'
  say "NOOP" 250
}

@test "a message line over 1000 octets is refused after the final dot, not truncated" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "DATA" 354
  send "Subject: long"; send ""
  send "$(head -c 1500 /dev/zero | tr '\0' y)"
  send "after"
  say "." 554 '1000 octets'
  [ "$(delivered_count bob)" -eq 0 ]
  [ -z "$(ls -A "$MAIL/bob/tmp")" ]
  say "NOOP" 250
}

@test "LF.LF does not end the message (SMTP smuggling)" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "DATA" 354
  send_raw 'Subject: smuggle\r\n\r\nbody\n.\nMAIL FROM:<evil@example.com>\r\n'
  send "."
  expect_reply 554 'bare LF'
  [ "$(delivered_count bob)" -eq 0 ]
  say "NOOP" 250
}

@test "LF.CRLF does not end the message (SMTP smuggling)" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "DATA" 354
  send_raw 'Subject: smuggle\r\n\r\nbody\n.\r\nRSET\r\n'
  send "."
  expect_reply 554 'bare LF'
  [ "$(delivered_count bob)" -eq 0 ]
}

@test "CR.CR does not end the message (SMTP smuggling)" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "DATA" 354
  send_raw 'Subject: smuggle\r\n\r\nbody\r.\rRSET\r\n'
  send "."
  expect_reply 554 'bare CR'
  [ "$(delivered_count bob)" -eq 0 ]
}

@test "a NUL byte in a message gets it refused" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "DATA" 354
  send_raw 'Subject: nul\r\n\r\na\0b\r\n'
  say "." 554 'NUL'
  [ "$(delivered_count bob)" -eq 0 ]
}

@test "SIZE over the limit is refused at MAIL with 552" {
  start_smtpd --max-size 1000
  hello
  say "MAIL FROM:<alice@crepes.fr> SIZE=1001" 552
  say "MAIL FROM:<alice@crepes.fr> SIZE=1000" 250
}

@test "a message over --max-size is refused after the final dot with 552" {
  start_smtpd --max-size 1000
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "DATA" 354
  for i in $(seq 1 30); do send "line $i: some text to fill the message up"; done
  say "." 552
  [ "$(delivered_count bob)" -eq 0 ]
}

@test "an unknown MAIL parameter gets 555" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr> FOO=BAR" 555
  say "MAIL FROM:<alice@crepes.fr> BODY=8BITMIME" 250
}

@test "the null sender <> is accepted (bounces use it)" {
  start_smtpd
  hello
  say "MAIL FROM:<>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "DATA" 354; say "." 250
  head -n 1 "$(delivered_files bob)" | grep -qx 'Return-Path: <>'
}

@test "RCPT TO:<Postmaster> without a domain is accepted" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<Postmaster>" 250
  say "DATA" 354; say "." 250
  [ "$(delivered_count postmaster)" -eq 1 ]
}

@test "mail for another domain is refused: not an open relay" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<someone@example.com>" 554 'Relay access denied'
}

@test "with -u, an unknown user gets 550 and a known one is accepted" {
  printf 'bob:{PLAIN}hungry\n' > "$BATS_TEST_TMPDIR/users"
  start_smtpd -u "$BATS_TEST_TMPDIR/users"
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<mallory@hamburger.edu>" 550 'User unknown'
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "RCPT TO:<Postmaster>" 250
}

@test "local parts that could escape the mail root are refused" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say 'RCPT TO:<../etc@hamburger.edu>' 501
  say 'RCPT TO:<a/../../x@hamburger.edu>' 501
  say 'RCPT TO:<a/b@hamburger.edu>' 553
  say 'RCPT TO:<.hidden@hamburger.edu>' 501
  say 'RCPT TO:<"../x"@hamburger.edu>' 553
  say 'RCPT TO:<a..b@hamburger.edu>' 501
  [ "$(ls "$MAIL")" = "" ]
  [ ! -e "$BATS_TEST_TMPDIR/etc" ] && [ ! -e "$BATS_TEST_TMPDIR/x" ]
}

@test "an idle client gets 421 after the timeout" {
  start_smtpd --timeout 1
  connect; expect_reply 220
  expect_reply 421 'Timeout'
  expect_closed
}

@test "a client that disconnects mid-DATA leaves nothing in new/ or tmp/" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "DATA" 354
  send "Subject: cut"; send ""; send "half a message"
  disconnect
  # the session process removes its tmp/ file when it sees EOF
  wait_for dir_is_empty "$MAIL/bob/tmp"
  [ "$(delivered_count bob)" -eq 0 ]
  connect; expect_reply 220
}

@test "a session killed mid-DATA leaves no stale file in tmp/ after a restart" {
  start_smtpd -v
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "DATA" 354
  send "Subject: cut"
  wait_for dir_has_files "$MAIL/bob/tmp"
  child=$(ls "$MAIL/bob/tmp" | sed -E 's/.*P([0-9]+)Q.*/\1/')
  kill -9 "$child"
  disconnect
  [ -n "$(ls -A "$MAIL/bob/tmp")" ]
  stop_servers
  start_smtpd
  [ -z "$(ls -A "$MAIL/bob/tmp")" ]
  [ "$(delivered_count bob)" -eq 0 ]
}

@test "session N+1 over --max-sessions gets 421 and the server keeps working" {
  start_smtpd --max-sessions 2
  exec {one}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"; IFS= read -r -t 10 l4 <&$one
  exec {two}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"; IFS= read -r -t 10 l5 <&$two
  [[ $l4 == 220* ]] && [[ $l5 == 220* ]]
  connect
  expect_reply 421 'Too many sessions'
  disconnect
  exec {one}>&- {two}>&-
  # once a session ends, a new one is served
  wait_for bash -c "exec 6<>/dev/tcp/127.0.0.1/$SERVER_PORT; IFS= read -r -t 5 l <&6; [[ \$l == 220* ]]"
}

@test "SIGTERM stops the server cleanly and sessions get 421" {
  start_smtpd
  hello
  kill -TERM "$SERVER_PID"
  expect_reply 421 'shutting down'
  status=0
  wait "$SERVER_PID" || status=$?
  [ "$status" -eq 0 ]
  [ ! -e "$SERVER_DIR/port" ]
  STARTED_PIDS=()
}

@test "a session crash does not take the listener down" {
  start_smtpd -v
  hello
  # the session's process, as the transcript names it
  child=$(sed -n 's/.*session 1: connection from .* (process \([0-9]*\)).*/\1/p' "$SERVER_DIR/stderr")
  # SIGABRT, as an assert() would; the sanitizers leave it alone
  kill -ABRT "$child"
  expect_closed
  connect
  expect_reply 220
  wait_for grep -q "session process $child died of signal 6" "$SERVER_DIR/stderr"
}

@test "the -v transcript shows C: and S: lines tagged with the session number" {
  start_smtpd -v
  hello
  say "QUIT" 221
  wait_for grep -q 'S: 221' "$SERVER_DIR/stderr"
  grep -q '^\[1\] S: 220 hamburger.edu' "$SERVER_DIR/stderr"
  grep -q '^\[1\] C: HELO crepes.fr' "$SERVER_DIR/stderr"
  grep -q 'state: CONNECTED -> HELLO' "$SERVER_DIR/stderr"
}

@test "--strict-7bit refuses 8-bit text and no longer offers 8BITMIME" {
  start_smtpd --strict-7bit
  connect; expect_reply 220
  say "EHLO crepes.fr" 250
  ! printf '%s\n' "${REPLY_LINES[@]}" | grep -q 8BITMIME
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "DATA" 354
  send "Subject: ñ"; send ""; send "Prueba de interacción"
  say "." 554 'must be 7-bit ASCII \(use MIME\)'
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "DATA" 354; send "plain ascii"; say "." 250
}

@test "a second server on a port in use fails with exit 69 and says why" {
  start_smtpd
  run "$CARTERO_BIN/smtpd" -p "$SERVER_PORT" -m "$MAIL"
  [ "$status" -eq 69 ]
  [[ $output == *"already in use"* ]]
}

@test "bad options exit 64 with a message" {
  run "$CARTERO_BIN/smtpd" --no-such-option
  [ "$status" -eq 64 ]
  run "$CARTERO_BIN/smtpd" -p 99999
  [ "$status" -eq 64 ]
  [[ $output == *"port"* ]]
  run "$CARTERO_BIN/smtpd" --timeout 0
  [ "$status" -eq 64 ]
}

@test "a bad users file is reported with its line number" {
  printf 'bob:{PLAIN}hungry\nbroken line\n' > "$BATS_TEST_TMPDIR/users"
  run "$CARTERO_BIN/smtpd" -u "$BATS_TEST_TMPDIR/users" -m "$MAIL"
  [ "$status" -eq 66 ]
  [[ $output == *"users:2:"* ]]
}

@test "--help shows the usage and exits 0" {
  run "$CARTERO_BIN/smtpd" --help
  [ "$status" -eq 0 ]
  [[ $output == *"usage: smtpd"* ]]
  [[ $output == *"--port-file"* ]]
}

@test "after an over-long line the final dot still ends the message (refused with 554)" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "DATA" 354
  send "$(head -c 1500 /dev/zero | tr '\0' y)"
  say "." 554 '1000 octets'
  say "NOOP" 250
}

@test "a message with more than 100 Received lines is refused as a mail loop" {
  start_smtpd
  hello
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "DATA" 354
  for i in $(seq 1 101); do send "Received: from hop$i by hop$((i + 1)); Thu, 26 Nov 2026 10:00:00 +0000"; done
  send ""; send "round and round"
  say "." 554 '5.4.6'
  [ "$(delivered_count bob)" -eq 0 ]
}

@test "a source route without a mailbox is not the null sender" {
  start_smtpd
  hello
  say "MAIL FROM:<@relay.example:>" 501
  say "MAIL FROM:<@relay.example:alice@crepes.fr>" 250 'alice@crepes.fr'
}

@test "a client on ::1 appears as an [IPv6:...] literal in Received" {
  python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null ||
    skip "this machine has no ::1"
  start_smtpd -l ::1
  run python3 - "$SERVER_PORT" <<'PY'
import smtplib, sys
s = smtplib.SMTP()
s.connect('::1', int(sys.argv[1]))
s.sendmail('alice@crepes.fr', ['bob@hamburger.edu'], b'Subject: v6\r\n\r\nhi\r\n')
s.quit()
PY
  assert_success
  grep -q '^Received: from .*(\[IPv6:::1\])' "$(delivered_files bob)"
}
