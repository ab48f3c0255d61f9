#!/usr/bin/env bats
# smtpd as a relay: Alice's server (crepes.fr) queues mail for Bob's
# server (hamburger.edu) and its queue runner delivers it.

load lib/helpers

setup() {
  STARTED_PIDS=()
  CREPES_MAIL="$BATS_TEST_TMPDIR/crepes-mail"
  HAMBURGER_MAIL="$BATS_TEST_TMPDIR/hamburger-mail"
  ROUTES="$BATS_TEST_TMPDIR/routes"
}

teardown() {
  disconnect
  stop_servers
}

# free_port - a port nothing listens on now (the kernel's choice for a
# server we start and stop at once).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_hamburger [PORT] [ARGS...] - Bob's server; sets HAMBURGER_PORT.
start_hamburger() {
  local port=${1:-0}; shift || true
  SERVER_DIR=$(mktemp -d "$BATS_TEST_TMPDIR/hamburger.XXXX")
  "$CARTERO_BIN/smtpd" -l 127.0.0.1 -p "$port" --port-file "$SERVER_DIR/port" \
    -d hamburger.edu -m "$HAMBURGER_MAIL" -v "$@" 2>"$SERVER_DIR/stderr" &
  HAMBURGER_PID=$!
  STARTED_PIDS+=("$HAMBURGER_PID")
  wait_for test -s "$SERVER_DIR/port"
  HAMBURGER_PORT=$(cat "$SERVER_DIR/port")
  HAMBURGER_LOG=$SERVER_DIR/stderr
}

# start_crepes HAMBURGER_PORT [ARGS...] - Alice's server, routing
# hamburger.edu to that port; sets CREPES_PORT, CREPES_PID, CREPES_LOG.
start_crepes() {
  printf 'hamburger.edu 127.0.0.1:%s\n' "$1" > "$ROUTES"; shift
  start_server smtpd -d crepes.fr -m "$CREPES_MAIL" --routes "$ROUTES" --queue-retry 1 -v "$@"
  CREPES_PORT=$SERVER_PORT CREPES_PID=$SERVER_PID CREPES_LOG=$SERVER_DIR/stderr
}

# submit FROM TO SUBJECT [SOURCE_ADDRESS] - send one message to crepes.fr
# with Python's smtplib; prints the refused recipients ({} when none).
submit() {
  python3 - "$CREPES_PORT" "$1" "$2" "$3" "${4:-127.0.0.1}" <<'PY'
import smtplib, sys
port, sender, rcpt, subject, source = sys.argv[1:]
msg = f'From: <{sender}>\r\nTo: <{rcpt}>\r\nSubject: {subject}\r\n\r\nDo you like ketchup?\r\n'
try:
    with smtplib.SMTP('127.0.0.1', int(port), timeout=10, source_address=(source, 0)) as s:
        print(s.sendmail(sender, rcpt.split(','), msg.encode()))
except smtplib.SMTPRecipientsRefused as e:
    for r, (code, text) in e.recipients.items():
        print(code, text.decode())
PY
}

count_files() {
  find "$1" -path '*/new/*' -type f 2>/dev/null | grep -v '/\.queue/' | grep -c . || true
}

# mail_count_is N DIR - DIR's mailboxes hold N messages (a wait_for condition).
mail_count_is() {
  [ "$(count_files "$2")" -eq "$1" ]
}

queue_empty() {
  [ -z "$(ls -A "$CREPES_MAIL/.queue/env" 2>/dev/null)" ]
}

@test "relay end to end: crepes.fr queues, the runner delivers to hamburger.edu" {
  start_hamburger
  start_crepes "$HAMBURGER_PORT"
  run submit alice@crepes.fr bob@hamburger.edu "relay test"
  assert_output "{}"
  wait_for dir_has_files "$HAMBURGER_MAIL/bob/new"
  wait_for queue_empty
  file=$(find "$HAMBURGER_MAIL/bob/new" -type f)
  # the Received trail: hamburger.edu's line on top of crepes.fr's
  [ "$(grep -c '^Received:' "$file")" -eq 2 ]
  grep -A1 '^Received:' "$file" | head -n 2 | grep -q 'by hamburger.edu'
  grep -q 'by crepes.fr' "$file"
  [ "$(grep -c '^Return-Path:' "$file")" -eq 1 ]
  grep -q '^Subject: relay test' "$file"
  # the server-to-server transcript, in crepes.fr's log
  grep -q 'C: EHLO crepes.fr' "$CREPES_LOG"
  grep -q 'queue: .* is done: removed from the queue' "$CREPES_LOG"
}

@test "an untrusted client (127.0.0.2) gets 554 Relay access denied, but may mail local users" {
  start_hamburger
  start_crepes "$HAMBURGER_PORT"
  run submit mallory@example.com bob@hamburger.edu "spam" 127.0.0.2
  assert_output --partial "554 5.7.1 <bob@hamburger.edu>: Relay access denied"
  run submit mallory@example.com alice@crepes.fr "hello" 127.0.0.2
  assert_output "{}"
  [ "$(count_files "$CREPES_MAIL")" -eq 1 ]
  queue_empty
}

@test "--trusted replaces the default networks" {
  start_hamburger
  start_crepes "$HAMBURGER_PORT" --trusted 127.0.0.2/32
  run submit alice@crepes.fr bob@hamburger.edu "x" 127.0.0.1
  assert_output --partial "Relay access denied"
  run submit alice@crepes.fr bob@hamburger.edu "x" 127.0.0.2
  assert_output "{}"
}

@test "an authenticated client may relay from anywhere" {
  printf 'alice:{PLAIN}crepes\n' > "$BATS_TEST_TMPDIR/users"
  start_hamburger
  start_crepes "$HAMBURGER_PORT" -u "$BATS_TEST_TMPDIR/users" --plaintext-auth always --auth-failure-delay 0
  run python3 - "$CREPES_PORT" <<'PY'
import smtplib, sys
with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10, source_address=('127.0.0.2', 0)) as s:
    s.login('alice', 'crepes')
    print(s.sendmail('alice@crepes.fr', ['bob@hamburger.edu'], b'Subject: auth relay\r\n\r\nhi\r\n'))
PY
  assert_output "{}"
  wait_for dir_has_files "$HAMBURGER_MAIL/bob/new"
}

@test "a domain with no route is refused at RCPT" {
  start_hamburger
  start_crepes "$HAMBURGER_PORT"
  run submit alice@crepes.fr someone@example.org "x"
  assert_output --partial "550 5.4.4 <someone@example.org>: no route to example.org"
}

@test "without a routes file nothing is relayed" {
  start_server smtpd -d crepes.fr -m "$CREPES_MAIL"
  CREPES_PORT=$SERVER_PORT
  run submit alice@crepes.fr bob@hamburger.edu "x"
  assert_output --partial "554 5.7.1"
}

@test "the message waits in the queue while the next hop is down, then the retry delivers it" {
  port=$(free_port)
  start_crepes "$port"
  run submit alice@crepes.fr bob@hamburger.edu "patience"
  assert_output "{}"
  # the first try fails: the queue shows the message, its attempts and why
  wait_for grep -q 'deferred: nothing is listening' "$CREPES_LOG"
  run "$CARTERO_BIN/smtpd" --queue-list -m "$CREPES_MAIL"
  assert_success
  assert_output --partial "<alice@crepes.fr>"
  assert_output --partial "<bob@hamburger.edu>"
  assert_output --regexp "attempts: [1-9]"
  assert_output --partial "nothing is listening on 127.0.0.1:$port"
  assert_output --partial "1 message in the queue"
  [ "$(count_files "$HAMBURGER_MAIL")" -eq 0 ]
  # Bob's server comes up: the next retry delivers
  start_hamburger "$port"
  wait_for mail_count_is 1 "$HAMBURGER_MAIL"
  wait_for queue_empty
  run "$CARTERO_BIN/smtpd" --queue-list -m "$CREPES_MAIL"
  assert_output "Mail queue is empty"
}

@test "--flush makes the runner try now; without a running server it says so" {
  port=$(free_port)
  start_crepes "$port" --queue-retry 3600
  submit alice@crepes.fr bob@hamburger.edu "flush me"
  wait_for grep -q 'deferred' "$CREPES_LOG"
  start_hamburger "$port"
  run "$CARTERO_BIN/smtpd" --flush -m "$CREPES_MAIL"
  assert_success
  wait_for mail_count_is 1 "$HAMBURGER_MAIL"
  run "$CARTERO_BIN/smtpd" --flush -m "$BATS_TEST_TMPDIR/nowhere"
  [ "$status" -eq 69 ]
  assert_output --partial "no queue runner is running"
}

@test "--queue-only: new mail waits for a queue run" {
  start_hamburger
  start_crepes "$HAMBURGER_PORT" --queue-only --queue-interval 3600
  submit alice@crepes.fr bob@hamburger.edu "held"
  run "$CARTERO_BIN/smtpd" --queue-list -m "$CREPES_MAIL"
  assert_output --partial "attempts: 0, next try: now"
  [ "$(count_files "$HAMBURGER_MAIL")" -eq 0 ]
  kill -HUP "$CREPES_PID"          # SIGHUP to smtpd itself does the same as --flush
  wait_for mail_count_is 1 "$HAMBURGER_MAIL"
}

@test "a 5xx from the next hop bounces to the sender (RFC 3464)" {
  printf 'bob:{PLAIN}hungry\n' > "$BATS_TEST_TMPDIR/users"
  start_hamburger 0 -u "$BATS_TEST_TMPDIR/users"
  start_crepes "$HAMBURGER_PORT"
  run submit alice@crepes.fr mallory@hamburger.edu "to nobody"
  assert_output "{}"
  wait_for dir_has_files "$CREPES_MAIL/alice/new"
  wait_for queue_empty
  dsn=$(find "$CREPES_MAIL/alice/new" -type f)
  grep -q '^Return-Path: <>' "$dsn"
  grep -q '^Content-Type: multipart/report; report-type=delivery-status' "$dsn"
  grep -q '^Final-Recipient: rfc822; mallory@hamburger.edu' "$dsn"
  grep -q '^Action: failed' "$dsn"
  grep -q '^Status: 5\.' "$dsn"
  grep -q '^Diagnostic-Code: smtp; 550' "$dsn"
  grep -q '^Subject: to nobody' "$dsn"      # the original header comes back
  python3 -c "
import email, sys
m = email.message_from_binary_file(open('$dsn', 'rb'))
assert m.get_content_type() == 'multipart/report', m.get_content_type()
types = [p.get_content_type() for p in m.walk()]
assert 'message/delivery-status' in types, types
"
}

@test "one recipient delivered, one bounced: each gets its own outcome" {
  printf 'bob:{PLAIN}hungry\n' > "$BATS_TEST_TMPDIR/users"
  start_hamburger 0 -u "$BATS_TEST_TMPDIR/users"
  start_crepes "$HAMBURGER_PORT"
  run submit alice@crepes.fr bob@hamburger.edu,mallory@hamburger.edu,carol@crepes.fr "mixed"
  assert_output "{}"
  wait_for dir_has_files "$CREPES_MAIL/alice/new"
  wait_for queue_empty
  [ "$(count_files "$HAMBURGER_MAIL")" -eq 1 ]          # bob
  [ -n "$(ls -A "$CREPES_MAIL/carol/new")" ]            # local, at once
  grep -q 'mallory@hamburger.edu' "$CREPES_MAIL"/alice/new/*
  ! grep -q 'Final-Recipient: rfc822; bob@' "$CREPES_MAIL"/alice/new/*
}

@test "mail still undelivered after --queue-lifetime bounces as expired" {
  port=$(free_port)
  start_crepes "$port" --queue-lifetime 1
  submit alice@crepes.fr bob@hamburger.edu "too late"
  wait_for dir_has_files "$CREPES_MAIL/alice/new"
  grep -q '^Status: 4.4.7' "$CREPES_MAIL"/alice/new/*
  grep -q 'gave up after too long in the queue' "$CREPES_MAIL"/alice/new/*
  wait_for queue_empty
}

@test "a bounce for a remote sender is queued with the null sender, and never bounces again" {
  printf 'bob:{PLAIN}hungry\n' > "$BATS_TEST_TMPDIR/users"
  start_hamburger 0 -u "$BATS_TEST_TMPDIR/users"
  printf 'hamburger.edu 127.0.0.1:%s\nexample.net 127.0.0.1:%s\n' "$HAMBURGER_PORT" "$HAMBURGER_PORT" > "$ROUTES"
  start_server smtpd -d crepes.fr -m "$CREPES_MAIL" --routes "$ROUTES" --queue-retry 1 -v
  CREPES_PORT=$SERVER_PORT CREPES_LOG=$SERVER_DIR/stderr
  submit someone@example.net mallory@hamburger.edu "double"
  # the bounce goes to someone@example.net via hamburger.edu, which refuses it (relay): no loop
  wait_for grep -q 'was itself a bounce; no bounce for it' "$CREPES_LOG"
  wait_for queue_empty
}

@test "opportunistic STARTTLS: the runner uses TLS when the next hop offers it" {
  "$CARTERO_ROOT/scripts/certs.sh" "$BATS_TEST_TMPDIR/certs" >/dev/null
  start_hamburger 0 --tls-cert "$BATS_TEST_TMPDIR/certs/server.pem" --tls-key "$BATS_TEST_TMPDIR/certs/server.key"
  start_crepes "$HAMBURGER_PORT"
  submit alice@crepes.fr bob@hamburger.edu "secret"
  wait_for mail_count_is 1 "$HAMBURGER_MAIL"
  grep -q 'with ESMTPS id' "$HAMBURGER_MAIL"/bob/new/*
  grep -q 'C: STARTTLS' "$CREPES_LOG"
}

@test "kill -9 of smtpd with mail in the queue loses nothing after a restart" {
  port=$(free_port)
  start_crepes "$port" --queue-retry 3600
  for i in 1 2 3; do submit alice@crepes.fr bob@hamburger.edu "survivor $i" >/dev/null; done
  runner=$(cat "$CREPES_MAIL/.queue/runner.pid")
  kill -9 "$CREPES_PID" "$runner"
  wait "$CREPES_PID" 2>/dev/null || true
  STARTED_PIDS=()
  start_hamburger "$port"
  start_crepes "$port"
  wait_for mail_count_is 3 "$HAMBURGER_MAIL"
  for i in 1 2 3; do [ "$(grep -l "^Subject: survivor $i\$" "$HAMBURGER_MAIL"/bob/new/* | wc -l)" -eq 1 ]; done
}

@test "kill -9 of the runner in the middle of a relay loses nothing" {
  # A next hop that accepts everything but never answers the final dot.
  port=$(free_port)
  python3 - "$port" "$BATS_TEST_TMPDIR/stuck" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(1); s.settimeout(30)
c, _ = s.accept(); f = c.makefile('rb')
c.sendall(b'220 stuck.example\r\n')
while True:
    line = f.readline()
    if not line: break
    if line.startswith(b'.\r\n'):
        open(sys.argv[2], 'w').write('at the dot\n'); c.settimeout(30)
        f.readline(); break
    if line.upper().startswith((b'EHLO', b'HELO', b'MAIL', b'RCPT')): c.sendall(b'250 ok\r\n')
    elif line.upper().startswith(b'DATA'): c.sendall(b'354 go on\r\n')
PY
  stuck=$!
  start_crepes "$port" --queue-retry 3600
  submit alice@crepes.fr bob@hamburger.edu "in flight" >/dev/null
  wait_for test -e "$BATS_TEST_TMPDIR/stuck"
  kill -9 "$(cat "$CREPES_MAIL/.queue/runner.pid")" "$CREPES_PID"
  kill "$stuck" 2>/dev/null || true
  wait "$CREPES_PID" 2>/dev/null || true
  STARTED_PIDS=()
  start_hamburger "$port"
  start_crepes "$port"
  wait_for mail_count_is 1 "$HAMBURGER_MAIL"
  grep -q '^Subject: in flight' "$HAMBURGER_MAIL"/bob/new/*
}

@test "1000 queued messages to a next hop all arrive, each once" {
  start_hamburger
  start_crepes "$HAMBURGER_PORT"
  python3 - "$CREPES_PORT" <<'PY'
import smtplib, sys
with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=30) as s:
    for i in range(1000):
        s.sendmail('alice@crepes.fr', ['bob@hamburger.edu'],
                   f'Subject: number {i}\r\n\r\nmessage {i}\r\n'.encode())
PY
  for ((i = 0; i < 3000; i++)); do
    [ "$(count_files "$HAMBURGER_MAIL")" -ge 1000 ] && queue_empty && break
    sleep 0.1
  done
  [ "$(count_files "$HAMBURGER_MAIL")" -eq 1000 ]
  dupes=$(grep -h '^Subject: number ' "$HAMBURGER_MAIL"/bob/new/* | sort | uniq -d | wc -l)
  [ "$dupes" -eq 0 ]
  [ "$(grep -h '^Subject: number ' "$HAMBURGER_MAIL"/bob/new/* | sort -u | wc -l)" -eq 1000 ]
}

# fake_hop PORT - a next hop that answers RCPT by the local part: perm* gets
# 550, temp* gets 450, anything else 250; it logs every command it gets in
# $BATS_TEST_TMPDIR/fake.log. Runs until killed; sets FAKE_PID.
fake_hop() {
  python3 - "$1" "$BATS_TEST_TMPDIR/fake.log" <<'PY' &
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(5); s.settimeout(60)
log = open(sys.argv[2], 'a', buffering=1)
def serve(c):
    f = c.makefile('rb'); c.sendall(b'220 fake.example\r\n')
    while True:
        line = f.readline()
        if not line: return
        log.write(line.decode(errors='replace'))
        u = line.upper()
        if u.startswith(b'RCPT'):
            c.sendall(b'550 5.1.1 no such user\r\n' if b'<PERM' in u else
                      b'450 4.2.0 try later\r\n' if b'<TEMP' in u else b'250 ok\r\n')
        elif u.startswith(b'DATA'):
            c.sendall(b'354 go on\r\n')
            while f.readline() not in (b'.\r\n', b''): pass
            c.sendall(b'250 taken\r\n')
        elif u.startswith(b'QUIT'):
            c.sendall(b'221 bye\r\n'); return
        else:
            c.sendall(b'250 ok\r\n')
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
  FAKE_PID=$!
}

@test "a bounce names the recipients that failed for good, not the ones still waiting" {
  port=$(free_port)
  fake_hop "$port"
  start_crepes "$port" --queue-retry 3600
  run submit alice@crepes.fr perm@hamburger.edu,temp@hamburger.edu,ok@hamburger.edu "mixed fates"
  wait_for dir_has_files "$CREPES_MAIL/alice/new"
  dsn=$(find "$CREPES_MAIL/alice/new" -type f)
  grep -q '^Final-Recipient: rfc822; perm@hamburger.edu' "$dsn"
  ! grep -q 'temp@hamburger.edu' "$dsn"
  ! grep -q 'ok@hamburger.edu' "$dsn"
  run "$CARTERO_BIN/smtpd" --queue-list -m "$CREPES_MAIL"
  assert_output --partial "<temp@hamburger.edu>"
  refute_output --partial "<ok@hamburger.edu>"
  refute_output --partial "<perm@hamburger.edu>"
  kill "$FAKE_PID"
}

@test "the same remote recipient twice is sent once" {
  port=$(free_port)
  fake_hop "$port"
  start_crepes "$port"
  submit alice@crepes.fr ok@hamburger.edu,OK@hamburger.edu,ok@hamburger.edu "once" >/dev/null
  wait_for queue_empty
  [ "$(grep -ci '^RCPT TO:<ok@hamburger.edu>' "$BATS_TEST_TMPDIR/fake.log")" -eq 1 ]
  kill "$FAKE_PID"
}

@test "if local delivery fails, the queued copy for remote recipients is taken back (451)" {
  start_hamburger
  start_crepes "$HAMBURGER_PORT" --queue-only --queue-interval 3600
  mkdir -p "$CREPES_MAIL"
  echo "not a Maildir" > "$CREPES_MAIL/carol"      # carol's mailbox cannot take mail
  connect "$CREPES_PORT"; expect_reply 220
  say "HELO crepes.fr" 250
  say "MAIL FROM:<alice@crepes.fr>" 250
  say "RCPT TO:<bob@hamburger.edu>" 250
  say "RCPT TO:<alice@crepes.fr>" 250
  say "RCPT TO:<carol@crepes.fr>" 250
  say "DATA" 354; send "Subject: all or nothing"; send ""; send "hi"
  say "." 451
  queue_empty
}

@test "--flush does not signal a process that is not a queue runner" {
  mkdir -p "$CREPES_MAIL/.queue"
  sleep 60 & victim=$!
  echo "$victim" > "$CREPES_MAIL/.queue/runner.pid"
  run "$CARTERO_BIN/smtpd" --flush -m "$CREPES_MAIL"
  [ "$status" -eq 69 ]
  kill -0 "$victim"
  kill "$victim"
}

@test "SIGTERM stops smtpd even while its runner waits for a silent next hop" {
  port=$(free_port)
  # a next hop that accepts the connection and never says a word
  python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $port)); s.listen(5)
conns = []
end = time.time() + 60
while time.time() < end:
    s.settimeout(end - time.time())
    try: conns.append(s.accept()[0])
    except OSError: break
" &
  silent=$!
  start_crepes "$port"
  submit alice@crepes.fr bob@hamburger.edu "into the void" >/dev/null
  # the session woke the runner, which now waits for the hop's greeting
  kill -TERM "$CREPES_PID"
  gone() { ! kill -0 "$CREPES_PID" 2>/dev/null; }
  wait_for gone
  STARTED_PIDS=()
  kill "$silent"
}
