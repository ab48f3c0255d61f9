#!/usr/bin/env bats
# mailget with TLS, against pop3d: --starttls (STLS, RFC 2595 4), --tls
# (POP3S, TLS from the first byte), certificate verification (--cafile,
# --insecure) and the failures a student meets, each in plain words.
# The certificates come from scripts/certs.sh (the lab CA).

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
  PW="$BATS_TEST_TMPDIR/pw"
  OUT="$BATS_TEST_TMPDIR/inbox"
  printf 'hungry\n' > "$PW"
  deliver bob 1000.M1P1Q1.hamburger 'From: alice@crepes.fr\nSubject: ketchup\n\nDo you like ketchup?\n'
}

teardown() {
  stop_servers
}

# start_tls_pop3d ARGS... - pop3d with the lab certificate; no clear passwords.
start_tls_pop3d() {
  start_pop3d --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" \
    --plaintext-auth never -v "$@"
}

# mailget ARGS... - mailget as bob into $OUT; the server is the last
# argument. Fails on a sanitizer report in its output.
mailget() {
  run "$CARTERO_BIN/mailget" -u bob --password-file "$PW" -o "$OUT" "$@"
  if [[ $output == *AddressSanitizer* || $output == *"runtime error:"* ]]; then
    echo "$output" >&2
    return 1
  fi
}

fetched() {
  find "$OUT/new" -type f | xargs cat
}

@test "--starttls --cafile: STLS, a verified certificate, then USER/PASS under TLS" {
  start_tls_pop3d
  mailget --starttls --cafile "$CERTS/ca.pem" -v "127.0.0.1:$SERVER_PORT"
  assert_success
  assert_line 'C: STLS'
  assert_line 'S: +OK Begin TLS negotiation'
  assert_line '-- verification: ok (a CA we trust vouches for it, and it names this host)'
  assert_line 'C: PASS ********'
  [[ $(fetched) == *"Do you like ketchup?"* ]]
  [ "$(count_files bob cur)" -eq 0 ]
  grep -q 'PASS \*\*\*\*\*\*\*\* (sent under TLS' "$SERVER_DIR/stderr"
}

@test "--tls: POP3S, TLS before the greeting" {
  start_tls_pop3d --implicit-tls
  mailget --tls --cafile "$CERTS/ca.pem" -v "localhost:$SERVER_PORT"
  assert_success
  refute_line 'C: STLS'
  [[ ${lines[0]} == "-- TLS is on: TLSv1."* ]]
  [[ $(fetched) == *"Do you like ketchup?"* ]]
}

@test "--apop after --starttls answers the greeting's timestamp" {
  start_tls_pop3d
  mailget --starttls --cafile "$CERTS/ca.pem" --apop "127.0.0.1:$SERVER_PORT"
  assert_success
  grep -q 'C: APOP bob [0-9a-f]\{32\}' "$SERVER_DIR/stderr"
}

@test "the certificate is verified by default: an unknown CA exits 69 and says what to do" {
  start_tls_pop3d
  mailget --starttls "127.0.0.1:$SERVER_PORT"
  [ "$status" -eq 69 ]
  assert_output --partial 'TLS failed: the certificate of 127.0.0.1 was issued by "O = Cartero lab, CN = Cartero lab CA", which is not among the CAs we trust; add that CA with --cafile FILE'
  grep -q 'C: STLS' "$SERVER_DIR/stderr"
  ! grep -q 'C: USER' "$SERVER_DIR/stderr"
}

@test "--insecure goes on with an unverified certificate, and -v says so" {
  start_tls_pop3d
  mailget --starttls --insecure -v "127.0.0.1:$SERVER_PORT"
  assert_success
  assert_line --partial 'verification: FAILED'
  assert_line --partial 'going on only because of --insecure'
}

@test "a certificate for other names exits 69: it is not for that host" {
  start_pop3d -l 127.0.0.2 --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" ||
    skip "cannot listen on 127.0.0.2 here"
  run "$CARTERO_BIN/mailget" -u bob --password-file "$PW" -o "$OUT" --starttls \
    --cafile "$CERTS/ca.pem" "127.0.0.2:$SERVER_PORT"
  [ "$status" -eq 69 ]
  assert_output --partial 'the certificate is not for 127.0.0.2'
}

@test "--starttls against a server without a certificate exits 69: it refused STLS" {
  start_pop3d -v
  mailget --starttls "127.0.0.1:$SERVER_PORT"
  [ "$status" -eq 69 ]
  assert_output --partial 'the server refused STLS: -ERR STLS is not available'
  ! grep -q 'C: USER' "$SERVER_DIR/stderr"
}

@test "--tls against a clear-text port exits 69: it does not answer in TLS" {
  start_tls_pop3d
  mailget --tls --cafile "$CERTS/ca.pem" "127.0.0.1:$SERVER_PORT"
  [ "$status" -eq 69 ]
  assert_output --partial 'did not answer in TLS'
}

@test "without TLS, a server that wants it refuses the login; mailget suggests --starttls" {
  start_tls_pop3d
  mailget "127.0.0.1:$SERVER_PORT"
  [ "$status" -eq 77 ]
  assert_output --partial 'plaintext authentication disallowed'
  assert_output --partial 'add --starttls, or --tls for its port 995'
}

@test "--tls without a port means 995" {
  mailget --tls --insecure 127.0.0.1
  [ "$status" -eq 69 ]
  assert_output --partial '127.0.0.1:995'
}

@test "--tls with --starttls, or --cafile or --insecure without either, exit 64" {
  mailget --tls --starttls 127.0.0.1:1
  [ "$status" -eq 64 ]
  assert_output --partial 'one or the other'
  mailget --cafile "$CERTS/ca.pem" 127.0.0.1:1
  [ "$status" -eq 64 ]
  assert_output --partial 'add --tls or --starttls'
  mailget --insecure 127.0.0.1:1
  [ "$status" -eq 64 ]
}

@test "an unreadable --cafile exits 66 and names it" {
  start_tls_pop3d
  mailget --starttls --cafile "$BATS_TEST_TMPDIR/no-such-ca.pem" "127.0.0.1:$SERVER_PORT"
  [ "$status" -eq 66 ]
  assert_output --partial 'no-such-ca.pem'
}

@test "--help lists the TLS options" {
  run "$CARTERO_BIN/mailget" --help
  assert_success
  for opt in --tls --starttls --cafile --insecure; do
    [[ $output == *"$opt"* ]]
  done
}
