#!/usr/bin/env bats
# pop3d with TLS and AUTH: STLS (RFC 2595 4), implicit TLS (POP3S, as on
# port 995), when a password may cross (--plaintext-auth), AUTH PLAIN
# (RFC 5034, RFC 4616), and real clients: openssl s_client, Python's
# poplib, fetchmail and curl. The certificates come from scripts/certs.sh.

load lib/helpers
load lib/pop3

setup_file() {
  "$CARTERO_ROOT/scripts/certs.sh" "$BATS_FILE_TMPDIR/certs" >/dev/null
}

setup() {
  STARTED_PIDS=()
  MAIL="$BATS_TEST_TMPDIR/mail"
  USERS="$BATS_TEST_TMPDIR/users"
  CERTS="$BATS_FILE_TMPDIR/certs"
}

teardown() {
  disconnect
  stop_servers
}

# start_tls_pop3d ARGS... - pop3d with the lab certificate.
start_tls_pop3d() {
  start_pop3d --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" "$@"
}

one_message() {
  deliver bob 1000.M1P1Q1.hamburger 'From: alice@crepes.fr\nSubject: ketchup\n\nDo you like ketchup?\n'
}

# pop_chat SCRIPT - run a Python dialogue against the server. `t` talks
# POP3: send(line), line() -> the next reply line, say(line, status) ->
# that line (it must start with status), lines() -> a multi-line reply's
# lines up to the ".", starttls(). T(implicit=True) starts with TLS.
pop_chat() {
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
    def line(self):
        l = self.f.readline()
        if not l:
            raise SystemExit('connection closed')
        return l.decode().rstrip('\r\n')
    def expect(self, status):
        l = self.line()
        assert l.startswith(status), (status, l)
        return l
    def say(self, line, status):
        self.send(line)
        return self.expect(status)
    def lines(self):
        out = []
        while (l := self.line()) != '.':
            out.append(l)
        return out
    def capa(self):
        self.say('CAPA', '+OK')
        return self.lines()
    def starttls(self):
        self.s = self.ctx.wrap_socket(self.raw, server_hostname='hamburger.edu')
        self.f = self.s.makefile('rb')
plain = lambda u, p: base64.b64encode(b'\0' + u.encode() + b'\0' + p.encode()).decode()
$1
PY
}

# --- STLS ----------------------------------------------------------------------

@test "CAPA offers STLS when there is a certificate, and not without one" {
  start_tls_pop3d
  connect; pop3_expect +OK
  pop3 "CAPA" +OK
  read_lines
  printf '%s\n' "${POP3_LINES[@]}" | grep -qx STLS
  stop_servers
  start_pop3d
  connect; pop3_expect +OK
  pop3 "CAPA" +OK
  read_lines
  ! printf '%s\n' "${POP3_LINES[@]}" | grep -q STLS
  pop3 "STLS" -ERR 'no certificate'
}

@test "STLS: +OK Begin TLS negotiation, then the session goes on over TLS, and CAPA drops STLS" {
  one_message
  start_tls_pop3d --plaintext-auth never
  run pop_chat '
t = T(); t.expect("+OK")
caps = t.capa()
assert "STLS" in caps and "USER" not in caps and "SASL PLAIN" not in caps, caps
assert t.say("STLS", "+OK") == "+OK Begin TLS negotiation"
t.starttls()
caps = t.capa()
assert "STLS" not in caps and "USER" in caps and "SASL PLAIN" in caps, caps
t.say("STLS", "-ERR")
t.say("USER bob", "+OK"); t.say("PASS hungry", "+OK")
assert t.say("STAT", "+OK").startswith("+OK 1 ")
t.say("QUIT", "+OK")
print("ok")'
  assert_success
  assert_output ok
}

@test "a command pipelined after STLS in clear text is never executed" {
  start_tls_pop3d -v
  run pop_chat '
t = T(); t.expect("+OK")
t.s.sendall(b"STLS\r\nCAPA\r\n")        # one packet: CAPA would answer +OK and a list
assert t.line() == "+OK Begin TLS negotiation"
t.starttls()
t.say("QUIT", "+OK POP3 server signing off")   # the first reply over TLS answers QUIT
print("ok")'
  assert_success
  assert_output ok
  wait_for grep -q 'threw away 6 octets sent in clear text after STLS, never executed' \
    "$SERVER_DIR/stderr"
  [ "$(grep -c 'C: CAPA' "$SERVER_DIR/stderr")" -eq 0 ]
}

@test "STLS makes the server forget the USER said before it" {
  start_tls_pop3d
  run pop_chat '
t = T(); t.expect("+OK")
t.say("USER bob", "+OK")
t.say("STLS", "+OK"); t.starttls()
assert "give USER first" in t.say("PASS hungry", "-ERR")
print("ok")'
  assert_output ok
}

@test "STLS after login gets -ERR: it belongs to the AUTHORIZATION state" {
  start_tls_pop3d
  login bob hungry
  pop3 "STLS" -ERR 'AUTHORIZATION state'
  pop3 "STAT" +OK
}

# --- when a password may cross --------------------------------------------------

@test "--plaintext-auth never: USER before TLS gets -ERR [AUTH] telling to use STLS" {
  start_tls_pop3d --plaintext-auth never
  connect; pop3_expect +OK
  pop3 "USER bob" -ERR '^-ERR \[AUTH\] plaintext authentication disallowed on this connection: use STLS first'
  pop3 "PASS hungry" -ERR
  pop3 "STAT" -ERR
}

@test "--plaintext-auth never without a certificate points to APOP, the only way left" {
  start_pop3d --plaintext-auth never
  connect; pop3_expect +OK
  pop3 "USER bob" -ERR 'use APOP \(this server has no TLS'
}

@test "AUTH PLAIN is refused in clear text under --plaintext-auth never, and not in CAPA" {
  start_tls_pop3d --plaintext-auth never
  connect; pop3_expect +OK
  pop3 "AUTH PLAIN AGJvYgBodW5ncnk=" -ERR '^-ERR \[AUTH\] plaintext authentication disallowed'
  pop3 "CAPA" +OK
  read_lines
  ! printf '%s\n' "${POP3_LINES[@]}" | grep -q SASL
}

@test "--plaintext-auth always: USER and AUTH PLAIN in clear text" {
  start_tls_pop3d --plaintext-auth always
  connect; pop3_expect +OK
  pop3 "CAPA" +OK
  read_lines
  printf '%s\n' "${POP3_LINES[@]}" | grep -qx 'SASL PLAIN'
  pop3 "AUTH PLAIN AGJvYgBodW5ncnk=" +OK 'logged on'
}

# --- AUTH PLAIN -------------------------------------------------------------------

@test "AUTH PLAIN with an initial response logs in" {
  one_message
  start_tls_pop3d --plaintext-auth never
  run pop_chat '
t = T(); t.expect("+OK")
t.say("STLS", "+OK"); t.starttls()
t.say("AUTH PLAIN " + plain("bob", "hungry"), "+OK")
assert t.say("STAT", "+OK").startswith("+OK 1 ")
print("ok")'
  assert_output ok
}

@test "AUTH PLAIN without one gets the empty challenge '+ ' and takes the answer" {
  start_tls_pop3d --plaintext-auth always
  connect; pop3_expect +OK
  send "AUTH PLAIN"
  pop3_read
  [ "$POP3_LINE" = "+ " ]
  pop3 "AGJvYgBodW5ncnk=" +OK 'logged on'
}

@test "AUTH PLAIN cancelled with * gets -ERR, and the session goes on" {
  start_tls_pop3d --plaintext-auth always
  connect; pop3_expect +OK
  pop3 "AUTH PLAIN" '+ '
  pop3 "*" -ERR 'cancelled'
  pop3 "USER bob" +OK
  pop3 "PASS hungry" +OK
}

@test "AUTH PLAIN with bad credentials fails exactly as PASS does" {
  start_tls_pop3d --plaintext-auth always
  connect; pop3_expect +OK
  pop3 "USER bob" +OK
  pop3 "PASS wrong" -ERR
  by_pass=$POP3_LINE
  pop3 "AUTH PLAIN $(printf '\0bob\0wrong' | base64)" -ERR
  [ "$POP3_LINE" = "$by_pass" ]
  pop3 "AUTH PLAIN $(printf '\0mallory\0hungry' | base64)" -ERR
  [ "$POP3_LINE" = "$by_pass" ]
  # the third failure closes the connection, as with PASS
  pop3_expect -ERR 'too many failed logins'
  expect_closed
}

@test "a failed AUTH PLAIN is answered only after the delay" {
  start_tls_pop3d --plaintext-auth always --auth-failure-delay 1
  connect; pop3_expect +OK
  start=$SECONDS
  pop3 "AUTH PLAIN $(printf '\0bob\0wrong' | base64)" -ERR '\[AUTH\]'
  [ $((SECONDS - start)) -ge 1 ]
}

@test "AUTH PLAIN may not act for another user" {
  start_tls_pop3d --plaintext-auth always
  connect; pop3_expect +OK
  pop3 "AUTH PLAIN $(printf 'alice\0bob\0hungry' | base64)" -ERR '^-ERR \[AUTH\]'
  pop3 "AUTH PLAIN $(printf 'bob\0bob\0hungry' | base64)" +OK
}

@test "AUTH with a bad response, an unknown mechanism, or none" {
  start_tls_pop3d --plaintext-auth always
  connect; pop3_expect +OK
  pop3 "AUTH PLAIN !!!notbase64" -ERR 'not Base64'
  pop3 "AUTH PLAIN AGJvYg==" -ERR 'NUL user NUL password'
  pop3 "AUTH PLAIN =" -ERR 'NUL user NUL password'
  pop3 "AUTH CRAM-MD5" -ERR 'knows PLAIN'
  pop3 "AUTH" +OK
  read_lines
  [ "${POP3_LINES[*]}" = "PLAIN" ]
}

@test "AUTH after login gets -ERR" {
  start_tls_pop3d
  login bob hungry
  pop3 "AUTH PLAIN AGJvYgBodW5ncnk=" -ERR 'already logged in'
}

@test "an AUTH answer longer than the limit gets -ERR and the session goes on" {
  start_tls_pop3d --plaintext-auth always
  connect; pop3_expect +OK
  pop3 "AUTH PLAIN" '+ '
  pop3 "$(head -c 1100 /dev/zero | tr '\0' A)" -ERR 'too long'
  pop3 "USER bob" +OK
}

@test "the -v transcript never shows AUTH PLAIN's Base64" {
  start_tls_pop3d --plaintext-auth always -v
  connect; pop3_expect +OK
  pop3 "AUTH PLAIN AGJvYgB3cm9uZw==" -ERR
  pop3 "AUTH PLAIN" '+ '
  pop3 "AGJvYgBodW5ncnk=" +OK
  pop3 "QUIT" +OK
  expect_closed
  wait_for grep -q 'session 1: closed' "$SERVER_DIR/stderr"
  ! grep -q 'AGJvYg' "$SERVER_DIR/stderr"
  grep -q 'C: AUTH PLAIN \*\*\*\*\*\*\*\* (a password in Base64; hidden here)' "$SERVER_DIR/stderr"
  grep -q 'C: \*\*\*\*\*\*\*\* (the PLAIN response' "$SERVER_DIR/stderr"
}

# --- broken handshakes ----------------------------------------------------------------

@test "garbage instead of a handshake after STLS costs one session and is logged plainly" {
  start_tls_pop3d
  connect; pop3_expect +OK
  pop3 "STLS" +OK
  send "this is not TLS"
  expect_closed
  wait_for grep -q 'pop3d: client 127.0.0.1: TLS handshake failed: the client did not speak TLS' \
    "$SERVER_DIR/stderr"
  disconnect
  connect; pop3_expect +OK 'POP3 server ready'
  kill -0 "$SERVER_PID"
}

@test "a client that drops in the middle of an implicit TLS handshake costs one session" {
  start_tls_pop3d --implicit-tls
  connect
  send_raw '\x16\x03\x01\x00\xc8\x01\x00'   # the start of a ClientHello, then nothing
  disconnect
  wait_for grep -q 'TLS handshake failed: the client closed the connection' "$SERVER_DIR/stderr"
  run pop_chat '
t = T(implicit=True)
t.expect("+OK POP3 server ready")
print("ok")'
  assert_output ok
}

# --- implicit TLS (POP3S) -----------------------------------------------------------------

@test "implicit TLS: TLS from the first byte, then the greeting; passwords allowed, no STLS" {
  one_message
  start_tls_pop3d --implicit-tls --plaintext-auth never
  run pop_chat '
t = T(implicit=True)
t.expect("+OK POP3 server ready")
caps = t.capa()
assert "STLS" not in caps and "USER" in caps, caps
t.say("USER bob", "+OK"); t.say("PASS hungry", "+OK")
assert t.say("STAT", "+OK").startswith("+OK 1 ")
print("ok")'
  assert_output ok
}

@test "implicit TLS: a client that talks POP3 in clear text gets nothing and a log line" {
  start_tls_pop3d --implicit-tls
  connect
  send "CAPA"
  expect_closed
  wait_for grep -q 'pop3d: session 1 from 127.0.0.1: TLS handshake failed: the client did not speak TLS' \
    "$SERVER_DIR/stderr"
}

@test "a certificate that does not load stops pop3d with exit 78 and says why" {
  printf '%s\n' "$POP3_USERS" > "$USERS"
  run "$CARTERO_BIN/pop3d" -u "$USERS" -m "$MAIL" --tls-cert /no/such.pem
  [ "$status" -eq 78 ]
  [[ $output == *"/no/such.pem"* ]]
  run "$CARTERO_BIN/pop3d" -u "$USERS" -m "$MAIL" --implicit-tls
  [ "$status" -eq 78 ]
  [[ $output == *"need --tls-cert"* ]]
}

# --- real clients -----------------------------------------------------------------------------

need() {
  command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed (scripts/deps.sh interop installs it)"
}

@test "openssl s_client -starttls pop3 verifies the lab certificate and logs in with AUTH PLAIN" {
  need openssl
  one_message
  start_tls_pop3d --plaintext-auth never
  run bash -c "printf 'CAPA\nAUTH PLAIN AGJvYgBodW5ncnk=\nSTAT\nQUIT\n' |
    timeout 20 openssl s_client -starttls pop3 -connect 127.0.0.1:$SERVER_PORT \
    -CAfile '$CERTS/ca.pem' -verify_hostname hamburger.edu -verify_return_error -crlf -quiet 2>&1 |
    tr -d '\\r'"
  assert_success
  assert_line 'SASL PLAIN'
  assert_line '+OK user successfully logged on'
  assert_line --regexp '^\+OK 1 [0-9]+$'
  assert_line '+OK POP3 server signing off'
}

@test "Python's poplib: stls() then user() and pass_(), and POP3_SSL" {
  need python3
  one_message
  start_tls_pop3d --plaintext-auth never
  run python3 - "$SERVER_PORT" "$CERTS/ca.pem" <<'PY'
import poplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
p = poplib.POP3('127.0.0.1', int(sys.argv[1]), timeout=10)
assert 'STLS' in p.capa()
p.stls(context=ctx)
assert 'STLS' not in p.capa()
p.user('bob'); p.pass_('hungry')
resp, lines, octets = p.retr(1)
assert lines[-1] == b'Do you like ketchup?', lines
p.quit()
print('stls ok')
PY
  assert_output 'stls ok'
  stop_servers
  start_tls_pop3d --implicit-tls --plaintext-auth never
  run python3 - "$SERVER_PORT" "$CERTS/ca.pem" <<'PY'
import poplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
p = poplib.POP3_SSL('localhost', int(sys.argv[1]), context=ctx, timeout=10)
p.user('bob'); p.pass_('hungry')
print(p.stat()[0], 'message(s) over POP3S')
p.quit()
PY
  assert_output '1 message(s) over POP3S'
}

# fetchmail_rc OPTIONS - a fetchmailrc for bob at localhost (the name the
# certificate gives) with OPTIONS on the user line; the messages go to got/.
fetchmail_rc() {
  mkdir -p "$BATS_TEST_TMPDIR/got"
  cat > "$BATS_TEST_TMPDIR/fetchmailrc" <<EOF
set no syslog
set invisible
poll localhost protocol pop3 port $SERVER_PORT auth password
  user "bob" there with password "hungry" is "$(id -un)" here
  $1 sslcertck sslcertfile "$CERTS/ca.pem" fetchall
  mda "/bin/sh -c 'cat > $BATS_TEST_TMPDIR/got/\$\$'"
EOF
  chmod 600 "$BATS_TEST_TMPDIR/fetchmailrc"
}

run_fetchmail() {
  FETCHMAILHOME=$BATS_TEST_TMPDIR run fetchmail -f "$BATS_TEST_TMPDIR/fetchmailrc" \
    -i "$BATS_TEST_TMPDIR/fetchids" --timeout 10 -v
}

@test "fetchmail with STLS (sslproto TLS1.2+, sslcertck) fetches and deletes" {
  need fetchmail
  one_message
  start_tls_pop3d --plaintext-auth never
  fetchmail_rc "sslproto 'TLS1.2+'"
  run_fetchmail
  assert_success
  assert_output --partial 'POP3> STLS'
  grep -q 'Do you like ketchup?' "$BATS_TEST_TMPDIR"/got/*
  [ "$(count_files bob cur)" -eq 0 ]
}

@test "fetchmail with ssl (implicit TLS, as on 995) fetches" {
  need fetchmail
  one_message
  start_tls_pop3d --implicit-tls --plaintext-auth never
  fetchmail_rc "ssl sslproto 'TLS1.2+'"
  run_fetchmail
  assert_success
  refute_output --partial 'STLS'
  grep -q 'Do you like ketchup?' "$BATS_TEST_TMPDIR"/got/*
}

@test "curl pop3:// --ssl-reqd uses STLS and retrieves a message" {
  need curl
  one_message
  start_tls_pop3d --plaintext-auth never -v
  run curl -sS --max-time 10 --ssl-reqd --cacert "$CERTS/ca.pem" -u bob:hungry \
    "pop3://localhost:$SERVER_PORT/1"
  assert_success
  assert_output --partial 'Do you like ketchup?'
  grep -q 'C: STLS' "$SERVER_DIR/stderr"
}

@test "curl pop3:// --ssl-reqd refuses a server without STLS" {
  need curl
  one_message
  start_pop3d
  run curl -sS --max-time 10 --ssl-reqd -u bob:hungry "pop3://127.0.0.1:$SERVER_PORT/1"
  assert_failure
  refute_output --partial 'Do you like ketchup?'
}
