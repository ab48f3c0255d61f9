#!/usr/bin/env bats
# smtpd with real clients: Python's smtplib, swaks and curl each deliver a
# message that arrives byte-exact (apart from the trace headers added on
# top and CRLF stored as LF), and a Maildir reader reads it.

load lib/helpers

setup() {
  STARTED_PIDS=()
  MAIL="$BATS_TEST_TMPDIR/mail"
  start_server smtpd -d hamburger.edu -m "$MAIL"
  # The message each client sends: headers, a dot line, a long-ish line,
  # 8-bit UTF-8 text (8BITMIME), an empty line at the end of the body.
  MSG="$BATS_TEST_TMPDIR/message.eml"
  printf '%s\n' \
    "From: Alice <alice@crepes.fr>" \
    "To: Bob <bob@hamburger.edu>" \
    "Subject: interop test" \
    "Message-ID: <interop-1@crepes.fr>" \
    "" \
    "Do you like ketchup?" \
    ".a line that starts with a dot" \
    "..and one with two" \
    "Prueba de interacción" \
    "$(head -c 900 /dev/zero | tr '\0' z)" \
    "" \
    "end" > "$MSG"
}

teardown() {
  stop_servers
}

need() {
  command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed (scripts/deps.sh interop installs it)"
}

# arrived_exactly - bob has one message, and without its Return-Path and
# Received lines it is the message sent.
arrived_exactly() {
  local files
  files=$(find "$MAIL/bob/new" -type f)
  [ "$(printf '%s\n' "$files" | grep -c .)" -eq 1 ]
  head -n 1 "$files" | grep -qx 'Return-Path: <alice@crepes.fr>'
  # skip Return-Path and the Received field (its first line and continuations)
  awk 'NR==1{next} /^Received:/{inrcv=1; next} inrcv && /^[ \t]/{next} {inrcv=0; body=1} body' "$files" > "$BATS_TEST_TMPDIR/stored"
  diff "$MSG" "$BATS_TEST_TMPDIR/stored"
}

@test "Python's smtplib delivers a message byte-exact" {
  need python3
  python3 - "$SERVER_PORT" "$MSG" <<'PY'
import smtplib, sys
with open(sys.argv[2], 'rb') as f:
    data = f.read().replace(b'\n', b'\r\n')
with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10) as s:
    refused = s.sendmail('alice@crepes.fr', ['bob@hamburger.edu'], data)
    assert refused == {}, refused
PY
  arrived_exactly
}

@test "swaks delivers a message byte-exact" {
  need swaks
  # swaks ends the data with a line end of its own: give it the file without
  # its last newline so that what it sends is exactly $MSG.
  printf '%s' "$(cat "$MSG")" > "$BATS_TEST_TMPDIR/swaks.eml"
  run swaks --server 127.0.0.1 --port "$SERVER_PORT" --from alice@crepes.fr \
    --to bob@hamburger.edu --data "@$BATS_TEST_TMPDIR/swaks.eml" --helo crepes.fr
  assert_success
  arrived_exactly
}

@test "curl (smtp://) delivers a message byte-exact" {
  need curl
  # --crlf: curl sends the file as it is, and SMTP lines must end in CRLF
  run curl -sS --crlf --url "smtp://127.0.0.1:$SERVER_PORT" --mail-from alice@crepes.fr \
    --mail-rcpt bob@hamburger.edu --upload-file "$MSG"
  assert_success
  arrived_exactly
}

@test "a Maildir reader (Python's mailbox) reads what smtpd stored" {
  need python3
  python3 - "$SERVER_PORT" "$MSG" <<'PY'
import smtplib, sys
with open(sys.argv[2], 'rb') as f:
    data = f.read().replace(b'\n', b'\r\n')
with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10) as s:
    s.sendmail('alice@crepes.fr', ['bob@hamburger.edu'], data)
PY
  run python3 - "$MAIL/bob" <<'PY'
import mailbox, sys
box = mailbox.Maildir(sys.argv[1], create=False)
msgs = list(box)
assert len(msgs) == 1, len(msgs)
m = msgs[0]
print(m['Subject'])
print(m['Return-Path'])
print(m.get_payload().splitlines()[0])
PY
  assert_success
  assert_line --index 0 "interop test"
  assert_line --index 1 "<alice@crepes.fr>"
  assert_line --index 2 "Do you like ketchup?"
}

@test "curl without --crlf sends bare LFs and gets a 554 that says why" {
  need curl
  run curl -sS --url "smtp://127.0.0.1:$SERVER_PORT" --mail-from alice@crepes.fr \
    --mail-rcpt bob@hamburger.edu --upload-file "$MSG" -v
  assert_failure
  assert_output --partial "554 Message refused: it contains a bare LF"
  [ -z "$(find "$MAIL" -path '*/new/*' -type f)" ]
}

@test "mutt opens the Maildir and reads the message" {
  need mutt
  need script
  python3 - "$SERVER_PORT" "$MSG" <<'PY'
import smtplib, sys
data = open(sys.argv[2], 'rb').read().replace(b'\n', b'\r\n')
with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10) as s:
    s.sendmail('alice@crepes.fr', ['bob@hamburger.edu'], data)
PY
  # mutt needs a terminal: script(1) gives it one. The pushed keys pipe the
  # first message to a file, then quit.
  mkdir -p "$BATS_TEST_TMPDIR/Mail"   # or mutt asks whether to create ~/Mail
  HOME=$BATS_TEST_TMPDIR timeout 20 script -qc "TERM=vt100 mutt -n -F /dev/null -R -f '$MAIL/bob' \
    -e 'set pipe_decode=no wait_key=no' -e 'push \"|cat > $BATS_TEST_TMPDIR/read.txt\\nq\"'" /dev/null >/dev/null 2>&1 </dev/null
  grep -qx 'Subject: interop test' "$BATS_TEST_TMPDIR/read.txt"
  grep -qx 'Do you like ketchup?' "$BATS_TEST_TMPDIR/read.txt"
}
