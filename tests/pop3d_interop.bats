#!/usr/bin/env bats
# pop3d against real POP3 clients: Python's poplib, curl (pop3://) and
# fetchmail each retrieve messages byte for byte; and a message sent through
# smtpd comes back from pop3d exactly as sent. A test whose client is not
# installed is skipped and says which (scripts/deps.sh interop installs them).
#
# "Byte for byte" means: what pop3d sends is the stored Maildir file with
# its LF line ends made CRLF (RFC 1939 3), so a client that stores with LF
# ends (fetchmail) must produce the stored file itself.

load lib/helpers
load lib/pop3

setup() {
  STARTED_PIDS=()
  MAIL="$BATS_TEST_TMPDIR/mail"
  USERS="$BATS_TEST_TMPDIR/users"
}

teardown() {
  stop_servers
}

# need PROGRAM - skip the test, saying why, when PROGRAM is missing.
need() {
  command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed (scripts/deps.sh interop installs it)"
}

# three awkward messages: dots at line starts, a long line, a last line
# without a line end, 8-bit text
awkward_messages() {
  deliver bob 1000.M1P1Q1.hamburger 'From: alice@crepes.fr\nTo: bob@hamburger.edu\nSubject: ketchup\n\nDo you like ketchup?\n.\n..\n.How about pickles?\n\n'
  deliver bob 1001.M1P1Q1.hamburger "Subject: long\n\n$(head -c 990 /dev/zero | tr '\0' y)\nPrueba de interacci\303\263n\n"
  deliver bob 1002.M1P1Q1.hamburger 'Subject: no final newline\n\nlast line'
}

# wire_form FILE - FILE as RETR sends it (before dot-stuffing): CRLF ends.
wire_form() {
  python3 -c '
import sys
d = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
if d and not d.endswith(b"\r\n"):
    d += b"\r\n"
sys.stdout.buffer.write(d)' "$1"
}

# stored N - the path of bob's message N (1-based, in delivery order)
stored() {
  find "$MAIL/bob/new" "$MAIL/bob/cur" -type f | sort | sed -n "${1}p"
}

@test "Python's poplib retrieves every message byte for byte, with USER/PASS and with APOP" {
  need python3
  awkward_messages
  for n in 1 2 3; do wire_form "$(stored $n)" > "$BATS_TEST_TMPDIR/want$n"; done
  start_pop3d
  for auth in user apop; do
    python3 - "$SERVER_PORT" "$BATS_TEST_TMPDIR" "$auth" <<'EOF'
import poplib, sys
port, tmp, auth = int(sys.argv[1]), sys.argv[2], sys.argv[3]
p = poplib.POP3("127.0.0.1", port, timeout=10)
if auth == "apop":
    p.apop("bob", "hungry")
else:
    p.user("bob"); p.pass_("hungry")
count, size = p.stat()
assert count == 3, count
sizes = {int(n): int(s) for n, s in (l.split() for l in p.list()[1])}
total = 0
for n in (1, 2, 3):
    resp, lines, octets = p.retr(n)
    got = b"".join(l + b"\r\n" for l in lines)   # poplib removes the stuffed dots
    want = open(f"{tmp}/want{n}", "rb").read()
    assert got == want, (n, got, want)
    assert len(want) == sizes[n], (n, len(want), sizes[n])
    total += len(want)
assert total == size, (total, size)
uids = p.uidl()[1]
assert len(uids) == 3
p.quit()
EOF
  done
}

@test "curl (pop3://) retrieves a message byte for byte and lists the sizes" {
  need curl
  awkward_messages
  start_pop3d
  for n in 1 2 3; do
    curl -sS --max-time 10 -u bob:hungry "pop3://127.0.0.1:$SERVER_PORT/$n" > "$BATS_TEST_TMPDIR/got$n"
    wire_form "$(stored $n)" | cmp - "$BATS_TEST_TMPDIR/got$n"
  done
  run curl -sS --max-time 10 -u bob:hungry "pop3://127.0.0.1:$SERVER_PORT/"
  [ "$status" -eq 0 ]
  [ "$(printf '%s\n' "$output" | tr -d '\r' | sed -n 1p)" = "1 $(wire_form "$(stored 1)" | wc -c | tr -d ' ')" ]
  [ "${#lines[@]}" -eq 3 ]
}

@test "curl -X DELE deletes a message: curl ends with QUIT, so UPDATE runs" {
  need curl
  awkward_messages
  start_pop3d
  curl -sS --max-time 10 -u bob:hungry -X DELE -I "pop3://127.0.0.1:$SERVER_PORT/1"
  [ "$(count_files bob cur)" -eq 2 ]
}

@test "fetchmail retrieves every message; the delivered files are the stored files" {
  need fetchmail
  awkward_messages
  mkdir -p "$BATS_TEST_TMPDIR/got"
  for n in 1 2 3; do cp "$(stored $n)" "$BATS_TEST_TMPDIR/want$n"; done
  start_pop3d
  # sslproto '': clear text here, no STLS probe (pop3d_tls.bats tests fetchmail over TLS); invisible: no Received line added
  cat > "$BATS_TEST_TMPDIR/fetchmailrc" <<EOF
set no syslog
set invisible
poll 127.0.0.1 protocol pop3 port $SERVER_PORT auth password
  user "bob" there with password "hungry" is "$(id -un)" here
  sslproto '' fetchall
  mda "/bin/sh -c 'cat > $BATS_TEST_TMPDIR/got/\$\$'"
EOF
  chmod 600 "$BATS_TEST_TMPDIR/fetchmailrc"
  FETCHMAILHOME=$BATS_TEST_TMPDIR fetchmail -f "$BATS_TEST_TMPDIR/fetchmailrc" \
    -i "$BATS_TEST_TMPDIR/fetchids" --timeout 10 2> "$BATS_TEST_TMPDIR/fetchmail.err" ||
    { cat "$BATS_TEST_TMPDIR/fetchmail.err"; false; }
  [ "$(ls "$BATS_TEST_TMPDIR/got" | wc -l)" -eq 3 ]
  # fetchmail stores with LF ends and adds the missing final one, like mailget
  printf '\n' >> "$BATS_TEST_TMPDIR/want3"
  for n in 1 2 3; do
    match=0
    for f in "$BATS_TEST_TMPDIR"/got/*; do cmp -s "$f" "$BATS_TEST_TMPDIR/want$n" && match=1; done
    [ "$match" -eq 1 ]
  done
  # without "keep", fetchmail deleted them, at QUIT
  [ "$(count_files bob cur)" -eq 0 ]
}

@test "a message sent through smtpd comes back from pop3d exactly as sent" {
  need python3
  [ -x "$CARTERO_BIN/smtpd" ] || skip "smtpd is not built"
  printf '%s\n' "$POP3_USERS" > "$USERS"
  start_server smtpd -d hamburger.edu -m "$MAIL" -u "$USERS"
  smtp_port=$SERVER_PORT
  start_pop3d
  python3 - "$smtp_port" "$SERVER_PORT" <<'EOF'
import poplib, smtplib, sys
smtp_port, pop_port = int(sys.argv[1]), int(sys.argv[2])
sent = (b"From: alice@crepes.fr\r\nTo: bob@hamburger.edu\r\nSubject: round trip\r\n\r\n"
        b"Do you like ketchup?\r\n.\r\n..two dots\r\n.How about pickles?\r\n"
        b"  indented\ttab\r\n\r\nPrueba de interacci\xc3\xb3n\r\n")
with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as s:
    s.sendmail("alice@crepes.fr", ["bob@hamburger.edu"], sent)
p = poplib.POP3("127.0.0.1", pop_port, timeout=10)
p.user("bob"); p.pass_("hungry")
resp, lines, octets = p.retr(1)
got = b"".join(l + b"\r\n" for l in lines)
# smtpd put its trace lines on top (RFC 5321 4.4): Return-Path and a
# three-line Received. Below them is the message exactly as sent.
trace = lines[:4]
assert trace[0] == b"Return-Path: <alice@crepes.fr>", trace
assert trace[1].startswith(b"Received: from "), trace
rest = b"".join(l + b"\r\n" for l in lines[4:])
assert rest == sent, (rest, sent)
assert len(got) == int(p.list(1).split()[2]), "LIST size"
p.quit()
EOF
}

@test "with --implicit-tls pop3d speaks POP3S: curl pop3s:// retrieves a message byte for byte" {
  need curl
  need openssl
  bash "$CARTERO_ROOT/scripts/certs.sh" "$BATS_TEST_TMPDIR/certs" >/dev/null 2>&1
  awkward_messages
  start_pop3d --tls-cert "$BATS_TEST_TMPDIR/certs/server.pem" \
    --tls-key "$BATS_TEST_TMPDIR/certs/server.key" --implicit-tls
  curl -sS --max-time 10 --cacert "$BATS_TEST_TMPDIR/certs/ca.pem" -u bob:hungry \
    "pop3s://localhost:$SERVER_PORT/1" > "$BATS_TEST_TMPDIR/got"
  wire_form "$(stored 1)" | cmp - "$BATS_TEST_TMPDIR/got"
}
