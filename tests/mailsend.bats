#!/usr/bin/env bats
# mailsend: Alice's user agent submits her message to our smtpd (plain,
# STARTTLS, implicit TLS, AUTH), or to a scripted stand-in that misbehaves
# on purpose. What smtpd stored below its trace fields is what was sent.

load lib/helpers
bats_require_minimum_version 1.5.0

STANDIN="$BATS_TEST_DIRNAME/lib/standin_server.py"

setup_file() {
  "$CARTERO_ROOT/scripts/certs.sh" "$BATS_FILE_TMPDIR/certs" >/dev/null
}

setup() {
  STARTED_PIDS=()
  MAIL="$BATS_TEST_TMPDIR/mail"
  CERTS="$BATS_FILE_TMPDIR/certs"
  USERS="$BATS_TEST_TMPDIR/users"
  PW="$BATS_TEST_TMPDIR/pw"
  MSG="$BATS_TEST_TMPDIR/message"
  printf 'alice:{PLAIN}crepes\nbob:{PLAIN}hungry\ncarol:{PLAIN}x\ndave:{PLAIN}x\neve:{PLAIN}x\n' > "$USERS"
  printf 'crepes\n' > "$PW"
}

teardown() {
  stop_servers
}

# mailsend ARGS... - run mailsend on $MSG against $SERVER_PORT; stderr is
# kept apart in $stderr, and a sanitizer report fails the test.
mailsend() {
  run --separate-stderr "$CARTERO_BIN/mailsend" --server "127.0.0.1:$SERVER_PORT" "$@" < "$MSG"
  if [[ $stderr == *AddressSanitizer* || $stderr == *"runtime error:"* ]]; then
    echo "$stderr" >&2
    return 1
  fi
}

start_smtpd() {
  start_server smtpd -d hamburger.edu -m "$MAIL" "$@"
}

start_tls_smtpd() {
  start_smtpd -u "$USERS" --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" \
    --auth-failure-delay 0 "$@"
}

# stored USER - the one message in USER's Maildir, less the trace fields
# smtpd put on top (Return-Path, Received and its continuation lines).
stored() {
  local files=("$MAIL/$1"/new/*)
  [ "${#files[@]}" -eq 1 ] && [ -f "${files[0]}" ] || { echo "$1 has ${#files[@]} messages" >&2; return 1; }
  python3 - "${files[0]}" <<'PY'
import sys
lines = open(sys.argv[1], 'rb').read().split(b'\n')
i = 0
while i < len(lines) and (lines[i].startswith((b'Return-Path:', b'Received:'))
                          or (i > 0 and lines[i][:1] in (b' ', b'\t'))):
    i += 1
sys.stdout.buffer.write(b'\n'.join(lines[i:]))
PY
}

# return_path USER - the envelope sender smtpd recorded for USER's message.
return_path() {
  sed -n '1s/^Return-Path: //p' "$MAIL/$1"/new/*
}

# start_standin SCRIPT - the scripted stand-in (tests/lib/standin_server.py)
# plays SCRIPT for one connection; sets SERVER_PORT and STANDIN_DIR.
start_standin() {
  STANDIN_DIR=$(mktemp -d "$BATS_TEST_TMPDIR/standin.XXXX")
  printf '%s\n' "$1" > "$STANDIN_DIR/script"
  python3 "$STANDIN" --script "$STANDIN_DIR/script" --port-file "$STANDIN_DIR/port" \
    --record "$STANDIN_DIR/record" --timeout 20 2>"$STANDIN_DIR/stderr" &
  STARTED_PIDS+=("$!")
  wait_for test -s "$STANDIN_DIR/port"
  SERVER_PORT=$(cat "$STANDIN_DIR/port")
}

# free_port - a port nothing listens on now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# --- the envelope from the header --------------------------------------

@test "the envelope comes from the header: To, Cc and Bcc all receive, and no copy shows Bcc" {
  printf '%s\n' 'From: Alice <alice@crepes.fr>' 'To: bob@hamburger.edu' \
    'Cc: carol@hamburger.edu' 'Bcc: dave@hamburger.edu,' '  eve@hamburger.edu' \
    'Subject: lunch' 'Date: Mon, 1 Jan 2024 12:00:00 +0000' 'Message-ID: <1@crepes.fr>' \
    '' 'Crepes at noon?' > "$MSG"
  start_smtpd
  mailsend
  [ "$status" -eq 0 ]
  assert_line 'bob@hamburger.edu: accepted'
  assert_line 'eve@hamburger.edu: accepted'
  [ "${#lines[@]}" -eq 4 ]
  for u in bob carol dave eve; do
    stored "$u" > "$BATS_TEST_TMPDIR/$u"
    ! grep -qi '^bcc' "$BATS_TEST_TMPDIR/$u"
    ! grep -q 'eve@' "$BATS_TEST_TMPDIR/$u"
    grep -qx 'To: bob@hamburger.edu' "$BATS_TEST_TMPDIR/$u"
    grep -qx 'Cc: carol@hamburger.edu' "$BATS_TEST_TMPDIR/$u"
    [ "$(return_path "$u")" = '<alice@crepes.fr>' ]
  done
  # Everything else arrives as it was: the message less its two Bcc lines.
  sed '/^Bcc:/,/^Subject:/{/^Subject:/!d}' "$MSG" | cmp - "$BATS_TEST_TMPDIR/bob"
}

@test "--from and --to replace the header's envelope; the header is sent as it is" {
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' 'Subject: s' '' 'hi' > "$MSG"
  start_smtpd
  mailsend --from bounces@crepes.fr --to carol@hamburger.edu --to 'Dave <dave@hamburger.edu>'
  [ "$status" -eq 0 ]
  assert_output $'carol@hamburger.edu: accepted\ndave@hamburger.edu: accepted'
  [ ! -d "$MAIL/bob" ]
  [ "$(return_path carol)" = '<bounces@crepes.fr>' ]
  stored dave | grep -qx 'To: bob@hamburger.edu'
}

@test "a group with no members (undisclosed-recipients:;) adds no recipient; Bcc ones get it" {
  printf '%s\n' 'From: alice@crepes.fr' 'To: undisclosed-recipients:;' \
    'Bcc: bob@hamburger.edu' 'Subject: s' '' 'hi' > "$MSG"
  start_smtpd
  mailsend
  [ "$status" -eq 0 ]
  assert_output 'bob@hamburger.edu: accepted'
  stored bob | grep -qx 'To: undisclosed-recipients:;'
}

@test "folded fields, display names with commas in quotes, comments and groups give every address once" {
  printf '%s\n' 'From: "Pérez, Alice" <alice@crepes.fr>' \
    'To: "Burger, Bob" <bob@hamburger.edu>,' $'\t"Carol (C.), Jr." <carol@hamburger.edu>' \
    'Cc: Friends: dave@hamburger.edu (Dave), Bob <bob@HAMBURGER.EDU>;,' ' eve@hamburger.edu' \
    'Subject: s' '' 'hi' > "$MSG"
  start_smtpd
  mailsend
  [ "$status" -eq 0 ]
  # bob is named twice (To, and Cc with the domain in capitals): one RCPT, one copy.
  assert_output $'bob@hamburger.edu: accepted\ncarol@hamburger.edu: accepted\ndave@hamburger.edu: accepted\neve@hamburger.edu: accepted'
  stored carol | grep -qx $'\t"Carol (C.), Jr." <carol@hamburger.edu>'
}

@test "with several From authors the sender is Sender; without Sender it is an error (65)" {
  printf '%s\n' 'From: alice@crepes.fr, bob@hamburger.edu' 'Sender: secretary@crepes.fr' \
    'To: carol@hamburger.edu' '' 'hi' > "$MSG"
  start_smtpd
  mailsend
  [ "$status" -eq 0 ]
  [ "$(return_path carol)" = '<secretary@crepes.fr>' ]
  sed -i '/^Sender:/d' "$MSG"
  mailsend
  [ "$status" -eq 65 ]
  [[ $stderr == *"no Sender field"* ]]
}

@test "no recipient, no sender, a wrong address or a broken header: 65, and nothing is sent" {
  start_smtpd -v
  printf '%s\n' 'From: alice@crepes.fr' 'To: undisclosed-recipients:;' '' 'hi' > "$MSG"
  mailsend
  [ "$status" -eq 65 ]
  [[ $stderr == *"no recipients"* ]]
  printf '%s\n' 'To: bob@hamburger.edu' '' 'hi' > "$MSG"
  mailsend
  [ "$status" -eq 65 ]
  [[ $stderr == *"no From field"* ]]
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob at hamburger' '' 'hi' > "$MSG"
  mailsend
  [ "$status" -eq 65 ]
  [[ $stderr == *"the To field: 'bob at hamburger' is not an address"* ]]
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' 'this is no field' '' 'hi' > "$MSG"
  mailsend
  [ "$status" -eq 65 ]
  [[ $stderr == *"neither a field nor a folded continuation"* ]]
  printf 'just text\n' > "$MSG"
  mailsend --from alice@crepes.fr --to bob@hamburger.edu
  [ "$status" -eq 65 ]
  [[ $stderr == *"no header fields"* ]]
  ! grep -q 'C: MAIL' "$SERVER_DIR/stderr"
}

@test "a line longer than 998 characters is refused before connecting (65)" {
  { printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' ''; head -c 999 /dev/zero | tr '\0' x; echo; } > "$MSG"
  SERVER_PORT=$(free_port)
  mailsend
  [ "$status" -eq 65 ]
  [[ $stderr == *"line 4 of the message has 999 characters"* ]]
}

# --- the copy that is sent ---------------------------------------------

@test "Date and Message-ID are added when missing, and only then" {
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' 'Subject: s' '' 'hi' > "$MSG"
  start_smtpd
  mailsend -v
  [ "$status" -eq 0 ]
  [[ $stderr == *"added Date and Message-ID"* ]]
  stored bob > "$BATS_TEST_TMPDIR/got"
  grep -qE '^Date: [A-Z][a-z]{2}, [0-9]{1,2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} [-+][0-9]{4}$' "$BATS_TEST_TMPDIR/got"
  grep -qE '^Message-ID: <[^<>@ ]+@[^<>@ ]+>$' "$BATS_TEST_TMPDIR/got"
  # Added after the last field, before the empty line; the rest unchanged.
  head -n 3 "$BATS_TEST_TMPDIR/got" | cmp - <(head -n 3 "$MSG")
  tail -n 2 "$BATS_TEST_TMPDIR/got" | cmp - <(tail -n 2 "$MSG")
  rm -r "$MAIL/bob"
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' 'Date: Mon, 1 Jan 2024 12:00:00 +0000' \
    'Message-ID: <x@crepes.fr>' '' 'hi' > "$MSG"
  mailsend -v
  [ "$status" -eq 0 ]
  [[ $stderr != *added* ]]
  stored bob | cmp - "$MSG"
}

@test "a body line starting with a dot, and a lone dot, arrive intact (dot-stuffing)" {
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' 'Date: Mon, 1 Jan 2024 12:00:00 +0000' \
    'Message-ID: <d@crepes.fr>' '' '.hidden' '.' '..two' 'end' > "$MSG"
  start_smtpd
  mailsend
  [ "$status" -eq 0 ]
  stored bob | cmp - "$MSG"
}

@test "CRLF and LF input both arrive as the same message" {
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' 'Bcc: carol@hamburger.edu' \
    'Date: Mon, 1 Jan 2024 12:00:00 +0000' 'Message-ID: <c@crepes.fr>' '' 'line one' 'line two' > "$BATS_TEST_TMPDIR/lf"
  sed 's/$/\r/' "$BATS_TEST_TMPDIR/lf" > "$MSG"
  start_smtpd
  mailsend
  [ "$status" -eq 0 ]
  grep -v '^Bcc:' "$BATS_TEST_TMPDIR/lf" > "$BATS_TEST_TMPDIR/expected"
  stored bob | cmp - "$BATS_TEST_TMPDIR/expected"
  stored carol | cmp - "$BATS_TEST_TMPDIR/expected"
  rm -r "$MAIL/bob" "$MAIL/carol"
  cp "$BATS_TEST_TMPDIR/lf" "$MSG"
  mailsend
  [ "$status" -eq 0 ]
  stored bob | cmp - "$BATS_TEST_TMPDIR/expected"
}

@test "a message built by mime build --attach arrives byte for byte" {
  head -c 3000 /dev/urandom > "$BATS_TEST_TMPDIR/photo.jpg"
  printf 'line\n.starts with a dot\n' > "$BATS_TEST_TMPDIR/notes.txt"
  "$CARTERO_BIN/mime" build --from '"Pérez, Ana" <alice@crepes.fr>' --to bob@hamburger.edu \
    --subject 'Crêpes' --text 'See the attachments.' --attach "$BATS_TEST_TMPDIR/photo.jpg" \
    --attach "$BATS_TEST_TMPDIR/notes.txt" > "$MSG"
  start_smtpd
  mailsend
  [ "$status" -eq 0 ]
  stored bob | cmp - "$MSG"
}

# --- failures, and their exit status -----------------------------------

@test "a recipient refused with 550 gives 67 and is named; the others get the message" {
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu, nobody@hamburger.edu' \
    'Cc: carol@hamburger.edu' '' 'hi' > "$MSG"
  start_smtpd -u "$USERS"
  mailsend
  [ "$status" -eq 67 ]
  assert_line 'bob@hamburger.edu: accepted'
  assert_line --regexp '^nobody@hamburger.edu: refused: 127\.0\.0\.1:[0-9]+ said: 550 .*nobody@hamburger.edu'
  assert_line 'carol@hamburger.edu: accepted'
  [[ $stderr == *"1 of 3 recipients refused"* ]]
  stored bob | grep -qx 'To: bob@hamburger.edu, nobody@hamburger.edu'
  stored carol >/dev/null
}

@test "a recipient refused for now (450) gives 75" {
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' '' 'hi' > "$MSG"
  start_standin 'S: 220 stand-in ESMTP
C~ EHLO .*
S: 250 stand-in
C: MAIL FROM:<alice@crepes.fr>
S: 250 ok
C: RCPT TO:<bob@hamburger.edu>
S: 450 4.2.1 mailbox busy, try later
C: RSET
S: 250 ok
C: QUIT
S: 221 bye'
  mailsend
  [ "$status" -eq 75 ]
  assert_output --regexp '^bob@hamburger.edu: deferred: .*450 4.2.1 mailbox busy'
}

@test "nothing listening gives 75 and a plain message" {
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' '' 'hi' > "$MSG"
  SERVER_PORT=$(free_port)
  mailsend
  [ "$status" -eq 75 ]
  [ "$output" = "" ]
  [[ $stderr == "mailsend: nothing is listening on 127.0.0.1:$SERVER_PORT"* ]]
}

@test "a server that refuses the session (554 greeting) gives 69" {
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' '' 'hi' > "$MSG"
  start_standin 'S: 554 no SMTP service here
WAIT'
  mailsend
  [ "$status" -eq 69 ]
  [[ $stderr == *"554 no SMTP service here"* ]]
}

@test "a connection that breaks in the middle of the message gives 75" {
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' '' 'hi' > "$MSG"
  start_standin 'S: 220 stand-in ESMTP
C~ EHLO .*
S: 250 stand-in
C: MAIL FROM:<alice@crepes.fr>
S: 250 ok
C: RCPT TO:<bob@hamburger.edu>
S: 250 ok
C: DATA
S: 354 go on
D:
CLOSE'
  mailsend
  [ "$status" -eq 75 ]
  assert_output --regexp '^bob@hamburger.edu: deferred: .*closed the connection'
  [[ $stderr == *"the message was not sent"* ]]
}

@test "a server that does not speak SMTP gives 76" {
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' '' 'hi' > "$MSG"
  start_standin 'S: +OK POP3 server ready
WAIT'
  mailsend
  [ "$status" -eq 76 ]
  [[ $stderr == *"not an SMTP reply"* ]]
}

@test "a message refused after DATA gives 65 with the server's reply" {
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' '' 'hi' > "$MSG"
  start_standin 'S: 220 stand-in ESMTP
C~ EHLO .*
S: 250 stand-in
C: MAIL FROM:<alice@crepes.fr>
S: 250 ok
C: RCPT TO:<bob@hamburger.edu>
S: 250 ok
C: DATA
S: 354 go on
D:
S: 554 5.7.1 message looks like spam
C: QUIT
S: 221 bye'
  mailsend
  [ "$status" -eq 65 ]
  assert_output --regexp '^bob@hamburger.edu: refused: .*554 5.7.1 message looks like spam$'
  [[ $stderr == *"the message was not sent: "*"554 5.7.1 message looks like spam"* ]]
}

@test "a message larger than the server's SIZE is not sent (65)" {
  { printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' ''; seq 1 100; } > "$MSG"
  start_smtpd --max-size 200 -v
  mailsend
  [ "$status" -eq 65 ]
  [[ $stderr == *"takes at most 200 (SIZE, RFC 1870)"* ]]
  ! grep -q 'C: MAIL' "$SERVER_DIR/stderr"
}

# --- TLS and AUTH ------------------------------------------------------

@test "--starttls --cafile --auth against a submission server that requires AUTH" {
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' '' 'hi' > "$MSG"
  start_tls_smtpd --auth-required
  mailsend --starttls --cafile "$CERTS/ca.pem" --auth alice --password-file "$PW" -v
  [ "$status" -eq 0 ]
  assert_output 'bob@hamburger.edu: accepted'
  grep -q 'authenticated as alice' "$MAIL"/bob/new/*
  grep -q 'with ESMTPSA' "$MAIL"/bob/new/*
  # The transcript shows AUTH, never the password, even in Base64.
  [[ $stderr == *"C: STARTTLS"* && $stderr == *"C: AUTH PLAIN ********"* ]]
  [[ $stderr != *"$(printf '\0alice\0crepes' | base64)"* ]]
}

@test "without --auth, a server that requires it refuses the sender: 77" {
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' '' 'hi' > "$MSG"
  start_tls_smtpd --auth-required
  mailsend --starttls --cafile "$CERTS/ca.pem"
  [ "$status" -eq 77 ]
  [[ $stderr == *"the sender <alice@crepes.fr> was refused"*530* ]]
}

@test "a wrong password gives 77" {
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' '' 'hi' > "$MSG"
  printf 'waffles\n' > "$PW"
  start_tls_smtpd --auth-required
  mailsend --starttls --cafile "$CERTS/ca.pem" --auth alice --password-file "$PW"
  [ "$status" -eq 77 ]
  [[ $stderr == *"authentication as alice failed"*535* ]]
  [ ! -d "$MAIL/bob/new" ] || dir_is_empty "$MAIL/bob/new"
}

@test "an unreadable password file gives 66, before connecting" {
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' '' 'hi' > "$MSG"
  SERVER_PORT=$(free_port)
  mailsend --starttls --auth alice --password-file "$BATS_TEST_TMPDIR/no-such-file"
  [ "$status" -eq 66 ]
  [[ $stderr == *"cannot read the password file"* ]]
}

@test "--tls talks TLS from the first byte (smtpd --implicit-tls)" {
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' '' 'hi' > "$MSG"
  start_tls_smtpd --implicit-tls
  mailsend --tls --cafile "$CERTS/ca.pem" --auth alice --password-file "$PW" -v
  [ "$status" -eq 0 ]
  assert_output 'bob@hamburger.edu: accepted'
  [[ $stderr == *"TLS is on"* ]]
  grep -q 'authenticated as alice' "$MAIL"/bob/new/*
}

@test "a certificate that cannot be verified (no --cafile) stops it with a plain message: 69" {
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' '' 'hi' > "$MSG"
  start_tls_smtpd
  mailsend --starttls
  [ "$status" -eq 69 ]
  [[ $stderr == *"certificate of 127.0.0.1"* ]]
  [[ $stderr != *"error:"* ]]    # no OpenSSL error codes
  [ ! -d "$MAIL/bob" ]
  start_tls_smtpd --implicit-tls
  mailsend --tls
  [ "$status" -eq 69 ]
  [[ $stderr == *"certificate of 127.0.0.1"* ]]
}

@test "--starttls against a server without TLS does not send in clear text: 69" {
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' '' 'hi' > "$MSG"
  start_smtpd
  mailsend --starttls
  [ "$status" -eq 69 ]
  [[ $stderr == *"does not offer STARTTLS"* ]]
  [ ! -d "$MAIL/bob" ]
}

@test "an IPv6 server is written [::1]:PORT" {
  python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
    skip "no IPv6 on loopback"
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' '' 'hi' > "$MSG"
  start_smtpd -l ::1
  run --separate-stderr "$CARTERO_BIN/mailsend" --server "[::1]:$SERVER_PORT" < "$MSG"
  [ "$status" -eq 0 ]
  assert_output 'bob@hamburger.edu: accepted'
}

# --- the command line --------------------------------------------------

@test "usage errors give 64 and say what is wrong" {
  printf '%s\n' 'From: alice@crepes.fr' 'To: bob@hamburger.edu' '' 'hi' > "$MSG"
  run --separate-stderr "$CARTERO_BIN/mailsend" < "$MSG"
  [ "$status" -eq 64 ]
  [[ $stderr == *"give --server"* ]]
  SERVER_PORT=$(free_port)
  mailsend --auth alice --password-file "$PW"
  [ "$status" -eq 64 ]
  [[ $stderr == *"clear text"* ]]
  mailsend --auth alice --starttls
  [ "$status" -eq 64 ]
  mailsend --tls --starttls
  [ "$status" -eq 64 ]
  mailsend --cafile "$CERTS/ca.pem"
  [ "$status" -eq 64 ]
  mailsend --to nobody
  [ "$status" -eq 64 ]
  [[ $stderr == *"--to: 'nobody' is not an address"* ]]
  mailsend --from 'a@crepes.fr, b@crepes.fr'
  [ "$status" -eq 64 ]
  mailsend --helo 'two words'
  [ "$status" -eq 64 ]
  mailsend --timeout 0
  [ "$status" -eq 64 ]
  mailsend extra-argument
  [ "$status" -eq 64 ]
}

@test "--help shows the synopsis of the man page" {
  run "$CARTERO_BIN/mailsend" --help
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == "usage: mailsend --server HOST[:PORT] [--from ADDR] [--to ADDR]..." ]]
  page=$(MANWIDTH=200 man -l "$CARTERO_ROOT/tools/mailsend/mailsend.1" 2>/dev/null)
  for option in --server --from --to --starttls --tls --cafile --insecure --auth \
      --password-file --helo --timeout -v; do
    [[ $output == *"$option"* ]] || { echo "--help lacks $option"; return 1; }
    [[ $page == *"$option"* ]] || { echo "the man page lacks $option"; return 1; }
  done
  for code in 64 65 66 67 69 75 76 77; do
    [[ $page == *"$code"* ]] || { echo "the man page lacks exit status $code"; return 1; }
  done
}
