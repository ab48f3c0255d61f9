#!/usr/bin/env bats
# smtpd with TLS and AUTH: STARTTLS (RFC 3207), implicit TLS (RFC 8314),
# AUTH PLAIN and LOGIN (RFC 4954), the policies, and real clients.

load lib/helpers

setup_file() {
  "$CARTERO_ROOT/scripts/certs.sh" "$BATS_FILE_TMPDIR/certs" >/dev/null
}

setup() {
  STARTED_PIDS=()
  MAIL="$BATS_TEST_TMPDIR/mail"
  CERTS="$BATS_FILE_TMPDIR/certs"
  USERS="$BATS_TEST_TMPDIR/users"
  printf 'bob:{PLAIN}hungry\nalice:{PLAIN}crepes\n' > "$USERS"
}

teardown() {
  disconnect
  stop_servers
}

start_tls_smtpd() {
  start_server smtpd -d hamburger.edu -m "$MAIL" -u "$USERS" \
    --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" --auth-failure-delay 0 "$@"
}

# tls_chat SCRIPT - run a Python dialogue against the server: `t` is a helper
# object with send(line), reply() -> (code, lines), starttls().
tls_chat() {
  python3 - "$SERVER_PORT" "$CERTS/ca.pem" <<PY
import socket, ssl, sys, base64
class T:
    def __init__(self, implicit=False):
        self.raw = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)
        self.ctx = ssl.create_default_context(cafile=sys.argv[2])
        self.s = self.raw
        if implicit:
            self.s = self.ctx.wrap_socket(self.raw, server_hostname='hamburger.edu')
        self.f = self.s.makefile('rb')
    def send(self, line):
        self.s.sendall(line.encode() + b'\r\n')
    def reply(self):
        lines = []
        while True:
            l = self.f.readline().decode().rstrip('\r\n')
            if not l:
                raise SystemExit('connection closed')
            lines.append(l)
            if len(l) < 4 or l[3] != '-':
                return int(l[:3]), lines
    def say(self, line, code):
        self.send(line)
        got, lines = self.reply()
        assert got == code, (line, code, lines)
        return lines
    def starttls(self):
        self.s = self.ctx.wrap_socket(self.raw, server_hostname='hamburger.edu')
        self.f = self.s.makefile('rb')
plain = lambda u, p: base64.b64encode(b'\0' + u.encode() + b'\0' + p.encode()).decode()
b64 = lambda x: base64.b64encode(x.encode()).decode()
$1
PY
}

@test "EHLO offers STARTTLS when there is a certificate, and not without one" {
  start_tls_smtpd
  connect; expect_reply 220
  say "EHLO crepes.fr" 250
  printf '%s\n' "${REPLY_LINES[@]}" | grep -qx '250-STARTTLS'
  stop_servers
  start_server smtpd -d hamburger.edu -m "$MAIL"
  connect; expect_reply 220
  say "EHLO crepes.fr" 250
  ! printf '%s\n' "${REPLY_LINES[@]}" | grep -q STARTTLS
  say "STARTTLS" 502
}

@test "AUTH is refused in clear text by default, and not offered" {
  start_tls_smtpd
  connect; expect_reply 220
  say "EHLO crepes.fr" 250
  ! printf '%s\n' "${REPLY_LINES[@]}" | grep -q AUTH
  say "AUTH PLAIN AGJvYgBodW5ncnk=" 538 'Encryption required'
}

@test "after STARTTLS the client must EHLO again, and AUTH is offered" {
  start_tls_smtpd
  run tls_chat '
t = T(); t.reply()
t.say("EHLO crepes.fr", 250)
t.say("STARTTLS", 220)
t.starttls()
t.say("MAIL FROM:<alice@crepes.fr>", 503)
lines = t.say("EHLO crepes.fr", 250)
assert "250-AUTH PLAIN LOGIN" in lines, lines
assert not any("STARTTLS" in l for l in lines), lines
t.say("STARTTLS", 503)
print("ok")'
  assert_success
  assert_output ok
}

@test "a command pipelined after STARTTLS in clear text is never executed" {
  start_tls_smtpd -v
  run tls_chat '
t = T(); t.reply()
t.say("EHLO crepes.fr", 250)
t.send("STARTTLS\r\nHELP")          # HELP would answer 214
code, lines = t.reply()
assert code == 220, lines
t.starttls()
code, lines = t.say("NOOP", 250), None
print("ok")'
  assert_success
  assert_output ok
  wait_for grep -q 'threw away 6 octets sent in clear text after STARTTLS' "$SERVER_DIR/stderr"
  ! grep -q 'C: HELP' "$SERVER_DIR/stderr"
}

@test "AUTH PLAIN with the right password gets 235 and the user is in Received" {
  start_tls_smtpd
  run tls_chat '
t = T(); t.reply()
t.say("EHLO crepes.fr", 250); t.say("STARTTLS", 220); t.starttls()
t.say("EHLO crepes.fr", 250)
t.say("AUTH PLAIN " + plain("bob", "hungry"), 235)
t.say("AUTH PLAIN " + plain("bob", "hungry"), 503)
t.say("MAIL FROM:<bob@hamburger.edu>", 250)
t.say("RCPT TO:<alice@hamburger.edu>", 250)
t.say("DATA", 354)
t.send("Subject: secure\r\n\r\nhi\r\n.")
t.reply()
print("ok")'
  assert_success
  file=$(find "$MAIL/alice/new" -type f)
  grep -q 'authenticated as bob' "$file"
  grep -q 'with ESMTPSA id' "$file"
  grep -q 'TLSv1' "$file"
}

@test "AUTH PLAIN with an empty initial response asks with 334" {
  start_tls_smtpd
  run tls_chat '
t = T(); t.reply()
t.say("EHLO x", 250); t.say("STARTTLS", 220); t.starttls(); t.say("EHLO x", 250)
t.say("AUTH PLAIN", 334)
t.say(plain("alice", "crepes"), 235)
print("ok")'
  assert_output ok
}

@test "AUTH LOGIN asks for the user and the password" {
  start_tls_smtpd
  run tls_chat '
t = T(); t.reply()
t.say("EHLO x", 250); t.say("STARTTLS", 220); t.starttls(); t.say("EHLO x", 250)
assert t.say("AUTH LOGIN", 334) == ["334 VXNlcm5hbWU6"]
assert t.say(b64("bob"), 334) == ["334 UGFzc3dvcmQ6"]
t.say(b64("hungry"), 235)
print("ok")'
  assert_output ok
}

@test "bad credentials get 535, the same for an unknown user, and the session goes on" {
  start_tls_smtpd
  run tls_chat '
t = T(); t.reply()
t.say("EHLO x", 250); t.say("STARTTLS", 220); t.starttls(); t.say("EHLO x", 250)
a = t.say("AUTH PLAIN " + plain("bob", "wrong"), 535)
b = t.say("AUTH PLAIN " + plain("mallory", "hungry"), 535)
assert a == b, (a, b)
t.say("AUTH PLAIN " + plain("bob", "hungry"), 235)
print("ok")'
  assert_output ok
}

@test "a failed AUTH is answered only after the delay" {
  start_server smtpd -d hamburger.edu -m "$MAIL" -u "$USERS" --plaintext-auth always \
    --auth-failure-delay 1
  connect; expect_reply 220
  say "EHLO x" 250
  start=$SECONDS
  say "AUTH PLAIN AGJvYgB3cm9uZw==" 535
  [ $((SECONDS - start)) -ge 1 ]
}

@test "AUTH cancelled with * gets 501; bad Base64 gets 501; unknown mechanism 504" {
  start_tls_smtpd --plaintext-auth always
  connect; expect_reply 220
  say "EHLO x" 250
  say "AUTH PLAIN" 334
  say "*" 501 'cancelled'
  say "AUTH PLAIN !!!notbase64" 501 'Base64'
  say "AUTH CRAM-MD5" 504
  say "AUTH PLAIN AGJvYg==" 501 'NUL'
}

@test "the -v transcript hides the Base64 of passwords" {
  start_tls_smtpd --plaintext-auth always -v
  connect; expect_reply 220
  say "EHLO x" 250
  say "AUTH PLAIN AGJvYgBodW5ncnk=" 235
  disconnect
  connect; expect_reply 220
  say "EHLO x" 250
  say "AUTH LOGIN" 334
  say "Ym9i" 334
  say "aHVuZ3J5" 235
  wait_for grep -q 'AUTH PLAIN \*\*\*\*\*\*\*\* (hidden here)' "$SERVER_DIR/stderr"
  wait_for grep -q 'C: \*\*\*\*\*\*\*\* (a response in Base64' "$SERVER_DIR/stderr"
  ! grep -q 'AGJvYgBodW5ncnk=' "$SERVER_DIR/stderr"
  ! grep -q 'aHVuZ3J5' "$SERVER_DIR/stderr"
}

@test "STARTTLS forgets an AUTH done in clear text (RFC 3207 4.2)" {
  start_tls_smtpd --plaintext-auth always --auth-required
  run tls_chat '
t = T(); t.reply()
t.say("EHLO x", 250)
t.say("AUTH PLAIN " + plain("bob", "hungry"), 235)
t.say("STARTTLS", 220); t.starttls()
lines = t.say("EHLO x", 250)
assert "250-AUTH PLAIN LOGIN" in lines, lines
t.say("MAIL FROM:<bob@hamburger.edu>", 530)
print("ok")'
  assert_output ok
}

@test "AUTH LOGIN refuses a password with a NUL inside" {
  start_tls_smtpd --plaintext-auth always
  connect; expect_reply 220
  say "EHLO x" 250
  say "AUTH LOGIN" 334
  say "Ym9i" 334
  say "aHVuZ3J5AGV4dHJh" 501 'NUL'       # "hungry\0extra"
  say "AUTH LOGIN" 334
  say "Ym9i" 334
  say "aHVuZ3J5" 235
}

@test "--plaintext-auth always offers AUTH without TLS" {
  start_tls_smtpd --plaintext-auth always
  connect; expect_reply 220
  say "EHLO x" 250
  printf '%s\n' "${REPLY_LINES[@]}" | grep -qx '250-AUTH PLAIN LOGIN'
  say "AUTH PLAIN AGJvYgBodW5ncnk=" 235
}

@test "--auth-required: MAIL gets 530 until the client authenticates" {
  start_tls_smtpd --auth-required --plaintext-auth always
  connect; expect_reply 220
  say "EHLO x" 250
  say "MAIL FROM:<bob@hamburger.edu>" 530 'Authentication required'
  say "AUTH PLAIN AGJvYgBodW5ncnk=" 235
  say "MAIL FROM:<bob@hamburger.edu>" 250
}

@test "--tls-required: commands other than EHLO, STARTTLS, NOOP, QUIT get 530 before STARTTLS" {
  start_tls_smtpd --tls-required
  connect; expect_reply 220
  say "EHLO x" 250
  say "MAIL FROM:<alice@crepes.fr>" 530 '^530 Must issue a STARTTLS command first$'
  say "NOOP" 250
  run tls_chat '
t = T(); t.reply()
t.say("EHLO x", 250); t.say("STARTTLS", 220); t.starttls(); t.say("EHLO x", 250)
t.say("MAIL FROM:<alice@crepes.fr>", 250)
print("ok")'
  assert_output ok
}

@test "a client that sends garbage instead of a handshake costs one session and is logged plainly" {
  start_tls_smtpd
  connect; expect_reply 220
  say "EHLO x" 250
  say "STARTTLS" 220
  send "this is not TLS"
  expect_closed
  wait_for grep -q 'TLS handshake failed: the client did not speak TLS' "$SERVER_DIR/stderr"
  disconnect
  connect; expect_reply 220
}

@test "a client that drops in the middle of a handshake costs one session" {
  start_tls_smtpd --implicit-tls
  connect
  # the first bytes of a TLS ClientHello record, then nothing
  send_raw '\x16\x03\x01\x00\xc8\x01\x00'
  disconnect
  wait_for grep -q 'TLS handshake failed' "$SERVER_DIR/stderr"
  run tls_chat '
t = T(implicit=True)
assert t.reply()[0] == 220
print("ok")'
  assert_output ok
}

@test "implicit TLS: TLS from the first byte, then the greeting" {
  start_tls_smtpd --implicit-tls
  run tls_chat '
t = T(implicit=True)
code, lines = t.reply()
assert code == 220, lines
lines = t.say("EHLO x", 250)
assert "250-AUTH PLAIN LOGIN" in lines and not any("STARTTLS" in l for l in lines), lines
print("ok")'
  assert_output ok
}

@test "a certificate that does not load stops the server with exit 78 and says why" {
  run "$CARTERO_BIN/smtpd" -m "$MAIL" --tls-cert /no/such.pem
  [ "$status" -eq 78 ]
  [[ $output == *"/no/such.pem"* ]]
  run "$CARTERO_BIN/smtpd" -m "$MAIL" --tls-required
  [ "$status" -eq 64 ]
}

# --- real clients ---------------------------------------------------------

need() {
  command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed (scripts/deps.sh interop installs it)"
}

@test "openssl s_client -starttls smtp verifies the lab certificate" {
  need openssl
  start_tls_smtpd
  run bash -c "printf 'EHLO x\nQUIT\n' | timeout 20 openssl s_client -starttls smtp -connect 127.0.0.1:$SERVER_PORT \
    -CAfile '$CERTS/ca.pem' -verify_hostname hamburger.edu -verify_return_error -crlf -quiet 2>&1"
  assert_success
  assert_output --partial "250-AUTH PLAIN LOGIN"
  assert_output --partial "221 hamburger.edu closing connection"
}

@test "Python's smtplib: starttls() and login() then sendmail" {
  need python3
  start_tls_smtpd --auth-required
  run python3 - "$SERVER_PORT" "$CERTS/ca.pem" <<'PY'
import smtplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10) as s:
    s.starttls(context=ctx)
    s.login('bob', 'hungry')
    s.sendmail('bob@hamburger.edu', ['alice@hamburger.edu'], b'Subject: smtplib\r\n\r\nvia TLS\r\n')
print('sent')
PY
  assert_output sent
  grep -q 'authenticated as bob' "$MAIL"/alice/new/*
}

@test "swaks --tls --auth PLAIN delivers" {
  need swaks
  start_tls_smtpd --auth-required
  run swaks --server 127.0.0.1 --port "$SERVER_PORT" --tls --tls-ca-path "$CERTS/ca.pem" \
    --auth PLAIN --auth-user bob --auth-password hungry \
    --from bob@hamburger.edu --to alice@hamburger.edu --helo crepes.fr
  assert_success
  [ -n "$(find "$MAIL/alice/new" -type f)" ]
}

@test "curl --ssl-reqd with a user delivers" {
  need curl
  start_tls_smtpd --auth-required
  printf 'Subject: curl\r\n\r\nvia curl\r\n' > "$BATS_TEST_TMPDIR/m"
  run curl -sS --ssl-reqd --cacert "$CERTS/ca.pem" --url "smtp://127.0.0.1:$SERVER_PORT" \
    --user bob:hungry --mail-from bob@hamburger.edu --mail-rcpt alice@hamburger.edu \
    --upload-file "$BATS_TEST_TMPDIR/m"
  assert_success
  grep -q 'via curl' "$MAIL"/alice/new/*
}
