#!/usr/bin/env bats
# mailcat's TLS against OUR servers, with the lab CA (--cafile): --starttls
# and --tls in script mode against smtpd and pop3d, and :starttls typed at
# the interactive prompt (driven through tmux, a real pseudo-terminal), as
# lab 04 has students do it. tests/mailcat.bats covers the same options
# against stand-in servers.

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
  printf '%s\n' "$POP3_USERS" > "$USERS"
}

teardown() {
  if [ -n "${TMUX_SOCKET:-}" ]; then
    tmux -S "$TMUX_SOCKET" kill-server 2>/dev/null || true
  fi
  stop_servers
}

TLS_OPTIONS=()
tls_options() {
  TLS_OPTIONS=(--tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key")
}

# start_submission ARGS... - smtpd as on port 587: TLS, AUTH required.
start_submission() {
  tls_options
  start_server smtpd -d hamburger.edu -m "$MAIL" -u "$USERS" "${TLS_OPTIONS[@]}" \
    --auth-required --auth-failure-delay 0 -v "$@"
}

# start_tls_pop3d ARGS... - pop3d that takes passwords only under TLS.
start_tls_pop3d() {
  tls_options
  start_pop3d "${TLS_OPTIONS[@]}" --plaintext-auth never -v "$@"
}

# run_mailcat ARGS... - no colours, short timeouts, no sanitizer report.
run_mailcat() {
  run "$CARTERO_BIN/mailcat" --no-color --timeout 5 "$@"
  no_sanitizer_report
}

no_sanitizer_report() {
  if [[ $output == *AddressSanitizer* || $output == *"runtime error:"* ]]; then
    echo "$output" >&2
    return 1
  fi
}

# script NAME LINES... - a mailcat script in the slides' notation; prints its path.
script() {
  local file="$BATS_TEST_TMPDIR/$1.script"
  shift
  printf '%s\n' "$@" > "$file"
  printf '%s' "$file"
}

# --- script mode ------------------------------------------------------------------

@test "--starttls --cafile against smtpd: verified, then AUTH PLAIN and a message, ESMTPSA" {
  start_submission
  s=$(script submit 'C: EHLO crepes.fr' 'S: 250' 'C: AUTH PLAIN AGJvYgBodW5ncnk=' 'S: 235' \
    'C: MAIL FROM:<bob@hamburger.edu>' 'S: 250' 'C: RCPT TO:<alice@hamburger.edu>' 'S: 250' \
    'C: DATA' 'S: 354' 'C: Subject: over TLS' 'C:' 'C: Do you like ketchup?' 'C: .' 'S: 250' \
    'C: QUIT' 'S: 221')
  run_mailcat --starttls --cafile "$CERTS/ca.pem" --script "$s" 127.0.0.1 "$SERVER_PORT"
  assert_success
  assert_line 'S: 220 Ready to start TLS'
  assert_line '-- verification: ok (a CA we trust vouches for it, and it names this host)'
  assert_line 'S: 250-AUTH PLAIN LOGIN'
  grep -q 'with ESMTPSA id' "$MAIL"/alice/new/*
  grep -q '(authenticated as bob)' "$MAIL"/alice/new/*
}

@test "--tls --cafile against smtpd --implicit-tls (as on port 465)" {
  start_submission --implicit-tls
  s=$(script implicit 'S: 220' 'C: EHLO crepes.fr' 'S: 250' 'C: QUIT' 'S: 221')
  run_mailcat --tls --cafile "$CERTS/ca.pem" --proto smtp --script "$s" 127.0.0.1 "$SERVER_PORT"
  assert_success
  assert_line 'S: 250-AUTH PLAIN LOGIN'
  refute_line --partial 'STARTTLS'
  grep -q 'TLS from the first byte' "$SERVER_DIR/stderr"
}

@test "--starttls --cafile against pop3d: STLS, then USER and PASS under TLS" {
  deliver bob 1000.M1P1Q1.hamburger 'Subject: ketchup\n\nDo you like ketchup?\n'
  start_tls_pop3d
  s=$(script stls 'C: CAPA' 'S: +OK' 'C: USER bob' 'S: +OK' 'C: PASS hungry' 'S: +OK' \
    'C: STAT' 'S: +OK' 'C: QUIT' 'S: +OK')
  run_mailcat --starttls --cafile "$CERTS/ca.pem" --proto pop3 --script "$s" 127.0.0.1 "$SERVER_PORT"
  assert_success
  assert_line 'S: +OK Begin TLS negotiation'
  assert_line 'S: SASL PLAIN'
  assert_line --regexp '^S: \+OK 1 [0-9]+$'
}

@test "--tls --cafile against pop3d --implicit-tls (POP3S, as on port 995)" {
  start_tls_pop3d --implicit-tls
  s=$(script pop3s 'S: +OK' 'C: AUTH PLAIN AGJvYgBodW5ncnk=' 'S: +OK' 'C: QUIT' 'S: +OK')
  run_mailcat --tls --cafile "$CERTS/ca.pem" --proto pop3 --script "$s" 127.0.0.1 "$SERVER_PORT"
  assert_success
  assert_line 'S: +OK user successfully logged on'
}

@test "without --cafile the lab certificate is not trusted: exit 3, in plain words" {
  start_submission
  run_mailcat --starttls --script /dev/null 127.0.0.1 "$SERVER_PORT"
  assert_failure 3
  assert_output --partial 'which is not among the CAs we trust'
  assert_output --partial '--cafile'
}

@test ":starttls in a script against pop3d: STLS, :starttls, then CAPA lists SASL PLAIN" {
  start_tls_pop3d
  s=$(script byhand 'S: +OK' 'C: CAPA' 'S: +OK' 'C: STLS' 'S: +OK' ':starttls' \
    'C: CAPA' 'S: +OK' 'C: QUIT' 'S: +OK')
  run_mailcat --cafile "$CERTS/ca.pem" --proto pop3 --script "$s" 127.0.0.1 "$SERVER_PORT"
  assert_success
  # CAPA before TLS offers STLS and no USER; after it, the other way round
  [ "$(grep -c '^S: STLS$' <<<"$output")" -eq 1 ]
  [ "$(grep -c '^S: USER$' <<<"$output")" -eq 1 ]
}

# --- the interactive prompt, on a real pseudo-terminal (tmux) ------------------------------

# start_in_tmux COMMAND - run COMMAND in a detached tmux pane (HOME is a
# fresh folder); its exit status lands in $BATS_TEST_TMPDIR/exit.
start_in_tmux() {
  local home="$BATS_TEST_TMPDIR/home"
  mkdir -p "$home"
  TMUX_SOCKET="$BATS_TEST_TMPDIR/tmux.sock"
  tmux -S "$TMUX_SOCKET" new-session -d -s mailcat -x 160 -y 50 \
    "HOME='$home' $1 2>'$BATS_TEST_TMPDIR/mailcat.err'; echo \$? >'$BATS_TEST_TMPDIR/exit'; sleep 600"
}

type_line() {
  tmux -S "$TMUX_SOCKET" send-keys -t mailcat -l "$1"
  tmux -S "$TMUX_SOCKET" send-keys -t mailcat Enter
}

pane_shows() {
  tmux -S "$TMUX_SOCKET" capture-pane -p -S -200 -t mailcat | grep -qF -- "$1"
}

# finished - mailcat has exited with status 0 and said nothing a sanitizer would.
finished() {
  wait_for test -s "$BATS_TEST_TMPDIR/exit"
  [ "$(cat "$BATS_TEST_TMPDIR/exit")" = 0 ]
  run cat "$BATS_TEST_TMPDIR/mailcat.err"
  no_sanitizer_report
}

@test "interactive, as in lab 04: EHLO, STARTTLS, :starttls, EHLO again shows AUTH, :auth plain" {
  command -v tmux >/dev/null || skip "tmux is not installed"
  start_submission
  start_in_tmux "'$CARTERO_BIN/mailcat' --no-color --cafile '$CERTS/ca.pem' 127.0.0.1 $SERVER_PORT"
  wait_for pane_shows "S: 220 hamburger.edu"
  type_line "EHLO crepes.fr"
  wait_for pane_shows "S: 250-STARTTLS"
  type_line "STARTTLS"
  wait_for pane_shows "S: 220 Ready to start TLS"
  type_line ":starttls"
  wait_for pane_shows "verification: ok"
  type_line "EHLO crepes.fr"
  wait_for pane_shows "S: 250-AUTH PLAIN LOGIN"
  type_line ":auth plain bob hungry"
  wait_for pane_shows "S: 235 2.7.0 Authentication successful"
  type_line "QUIT"
  finished
  grep -q 'authenticated as bob' "$SERVER_DIR/stderr"
}

@test "interactive against pop3d: STLS, :starttls, then USER and PASS are accepted" {
  command -v tmux >/dev/null || skip "tmux is not installed"
  start_tls_pop3d
  start_in_tmux "'$CARTERO_BIN/mailcat' --no-color --cafile '$CERTS/ca.pem' --proto pop3 127.0.0.1 $SERVER_PORT"
  wait_for pane_shows "S: +OK POP3 server ready"
  type_line "USER bob"
  wait_for pane_shows "use STLS first"
  type_line "STLS"
  wait_for pane_shows "S: +OK Begin TLS negotiation"
  type_line ":starttls"
  wait_for pane_shows "verification: ok"
  type_line "USER bob"
  wait_for pane_shows "S: +OK send PASS"
  type_line "PASS hungry"
  wait_for pane_shows "S: +OK user successfully logged on"
  type_line "QUIT"
  finished
}
