#!/usr/bin/env bats
# pop3d: the slide's session, RFC 1939's states and rules, and the errors
# that teach. Each test starts its own server on 127.0.0.1 (port 0) in a
# temporary folder, with the users of tests/lib/pop3.bash.

load lib/helpers
load lib/pop3

setup() {
  STARTED_PIDS=()
  MAIL="$BATS_TEST_TMPDIR/mail"
  USERS="$BATS_TEST_TMPDIR/users"
}

teardown() {
  disconnect
  stop_servers
}

# two_messages - bob gets the slide's two messages.
two_messages() {
  deliver bob 1000.M1P1Q1.hamburger 'From: alice@crepes.fr\nSubject: ketchup\n\nDo you like ketchup?\n'
  deliver bob 1001.M1P1Q1.hamburger 'From: alice@crepes.fr\nSubject: pickles\n\nHow about pickles?\n'
}

@test "the slide's session: user, pass, list, retr, dele, quit, with the slide's replies" {
  two_messages
  start_pop3d
  connect
  pop3_expect +OK '^\+OK POP3 server ready <[^>]+@hamburger\.edu>$'
  pop3 "user bob" +OK
  pop3 "pass hungry" +OK '^\+OK user successfully logged on$'
  pop3 "list" +OK
  read_lines
  [ "${#POP3_LINES[@]}" -eq 2 ]
  [[ ${POP3_LINES[0]} =~ ^1\ [0-9]+$ ]] && [[ ${POP3_LINES[1]} =~ ^2\ [0-9]+$ ]]
  pop3 "retr 1" +OK
  read_lines
  [ "${POP3_LINES[-1]}" = "Do you like ketchup?" ]
  pop3 "dele 1" +OK
  pop3 "retr 2" +OK
  read_lines
  [ "${POP3_LINES[-1]}" = "How about pickles?" ]
  pop3 "dele 2" +OK
  pop3 "quit" +OK '^\+OK POP3 server signing off$'
  expect_closed
  [ "$(count_files bob cur)" -eq 0 ] && [ "$(count_files bob new)" -eq 0 ]
}

@test "the greeting's APOP timestamp is different in every session" {
  start_pop3d
  connect; pop3_expect +OK; first=$POP3_LINE; disconnect
  connect; pop3_expect +OK; second=$POP3_LINE
  [[ $first =~ \<[0-9]+\.[0-9a-f]+\.[0-9]+@hamburger\.edu\>$ ]]
  [ "$first" != "$second" ]
}

@test "APOP with MD5(timestamp password) logs in" {
  two_messages
  start_pop3d
  connect
  pop3_expect +OK
  stamp=$(grep -o '<[^>]*>' <<<"$POP3_LINE")
  digest=$(printf '%s%s' "$stamp" hungry | openssl dgst -md5 -r | cut -d' ' -f1)
  pop3 "APOP bob $digest" +OK 'logged on'
  pop3 "STAT" +OK '^\+OK 2 [0-9]+$'
}

@test "APOP with a wrong digest fails with [AUTH]" {
  start_pop3d
  connect
  pop3_expect +OK
  pop3 "APOP bob 0123456789abcdef0123456789abcdef" -ERR '^-ERR \[AUTH\]'
  pop3 "APOP bob short" -ERR '^-ERR \[AUTH\]'
  pop3 "STAT" -ERR
}

@test "APOP for a user with a hashed password fails: the server needs the password itself" {
  start_pop3d
  connect
  pop3_expect +OK
  stamp=$(grep -o '<[^>]*>' <<<"$POP3_LINE")
  digest=$(printf '%s%s' "$stamp" secreto | openssl dgst -md5 -r | cut -d' ' -f1)
  pop3 "APOP carol $digest" -ERR '^-ERR \[AUTH\]'
}

@test "a user with a SHA512-CRYPT password logs in with USER and PASS" {
  start_pop3d
  login carol secreto
  pop3 "STAT" +OK '^\+OK 0 0$'
}

@test "an unknown user and a wrong password get the same -ERR" {
  start_pop3d
  connect; pop3_expect +OK
  pop3 "USER mallory" +OK
  pop3 "PASS whatever" -ERR
  unknown=$POP3_LINE
  pop3 "USER bob" +OK
  pop3 "PASS wrong" -ERR
  [ "$POP3_LINE" = "$unknown" ]
  [[ $unknown == "-ERR [AUTH] "* ]]
}

@test "a failed login is answered only after the delay" {
  start_pop3d --auth-failure-delay 1
  connect; pop3_expect +OK
  pop3 "USER bob" +OK
  start=$(date +%s%N)
  pop3 "PASS wrong" -ERR
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  [ "$elapsed_ms" -ge 950 ]
}

@test "three failed logins close the connection" {
  start_pop3d
  connect; pop3_expect +OK
  for i in 1 2; do pop3 "USER bob" +OK; pop3 "PASS wrong$i" -ERR; done
  pop3 "USER bob" +OK
  pop3 "PASS wrong3" -ERR '\[AUTH\]'
  pop3_expect -ERR 'too many failed logins'
  expect_closed
}

@test "PASS before USER gets -ERR asking for USER" {
  start_pop3d
  connect; pop3_expect +OK
  pop3 "PASS hungry" -ERR 'USER first'
}

@test "a password may hold spaces" {
  printf 'dave:{PLAIN}two words\n' > "$USERS"
  start_pop3d
  login dave "two words"
}

@test "--plaintext-auth never refuses USER and PASS, drops USER from CAPA, and APOP still works" {
  start_pop3d --plaintext-auth never
  connect
  pop3_expect +OK
  stamp=$(grep -o '<[^>]*>' <<<"$POP3_LINE")
  pop3 "USER bob" -ERR '^-ERR \[AUTH\] plaintext authentication disallowed'
  pop3 "PASS hungry" -ERR
  pop3 "CAPA" +OK
  read_lines
  ! printf '%s\n' "${POP3_LINES[@]}" | grep -qx USER
  digest=$(printf '%s%s' "$stamp" hungry | openssl dgst -md5 -r | cut -d' ' -f1)
  pop3 "APOP bob $digest" +OK
}

@test "--plaintext-auth loopback allows USER and PASS from 127.0.0.1" {
  start_pop3d --plaintext-auth loopback
  login bob hungry
}

@test "at login the messages in new/ move to cur/ with the :2, suffix" {
  two_messages
  start_pop3d
  login bob hungry
  [ "$(count_files bob new)" -eq 0 ]
  [ -f "$MAIL/bob/cur/1000.M1P1Q1.hamburger:2," ]
  [ -f "$MAIL/bob/cur/1001.M1P1Q1.hamburger:2," ]
}

@test "a user who never got mail logs in to an empty maildrop" {
  start_pop3d
  login alice wonderland
  pop3 "STAT" +OK '^\+OK 0 0$'
  pop3 "LIST" +OK
  read_lines
  [ "${#POP3_LINES[@]}" -eq 0 ]
  pop3 "QUIT" +OK
}

@test "STAT and LIST give exact sizes with CRLF line ends" {
  deliver bob 1.M1P1Q1.h 'Subject: lf\n\nline\n'
  deliver bob 2.M1P1Q1.h 'Subject: crlf\r\n\r\nline\r\n'
  deliver bob 3.M1P1Q1.h 'Subject: no final newline\n\nlast'
  deliver bob 4.M1P1Q1.h ''
  for n in 1 2 3 4; do want[$n]=$(crlf_size "$MAIL/bob/new/$n.M1P1Q1.h"); done
  start_pop3d
  login bob hungry
  pop3 "LIST" +OK
  read_lines
  [ "${POP3_LINES[0]}" = "1 ${want[1]}" ]
  [ "${POP3_LINES[1]}" = "2 ${want[2]}" ]
  [ "${POP3_LINES[2]}" = "3 ${want[3]}" ]
  [ "${POP3_LINES[3]}" = "4 0" ]
  pop3 "LIST 3" +OK "^\+OK 3 ${want[3]}\$"
  pop3 "STAT" +OK "^\+OK 4 $(( want[1] + want[2] + want[3] ))\$"
}

@test "RETR sends exactly LIST's size in octets, with CRLF line ends" {
  deliver bob 1.M1P1Q1.h 'Subject: exact\n\nDo you like ketchup?\n\n  indented\ttab\nlast line\n'
  start_pop3d
  login bob hungry
  pop3 "LIST 1" +OK
  size=${POP3_LINE##* }
  pop3 "RETR 1" +OK "^\+OK $size octets\$"
  head -c "$((size + 3))" <&"$CONN_FD" > "$BATS_TEST_TMPDIR/got"
  sed 's/$/\r/' "$MAIL/bob/cur/1.M1P1Q1.h:2," > "$BATS_TEST_TMPDIR/want"
  printf '.\r\n' >> "$BATS_TEST_TMPDIR/want"
  cmp "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/want"
}

@test "RETR dot-stuffs lines that start with a dot" {
  deliver bob 1.M1P1Q1.h 'Subject: dots\n\n.hidden\n..\n.\nend\n'
  start_pop3d
  login bob hungry
  pop3 "RETR 1" +OK
  read_lines
  [ "${POP3_LINES[2]}" = "..hidden" ]
  [ "${POP3_LINES[3]}" = "..." ]
  [ "${POP3_LINES[4]}" = ".." ]
  [ "${POP3_LINES[5]}" = "end" ]
  # LIST counts the message, not the stuffed dots
  pop3 "LIST 1" +OK "^\+OK 1 $(crlf_size "$MAIL/bob/cur/1.M1P1Q1.h:2,")\$"
}

@test "a message without a final line end still ends with CRLF.CRLF" {
  deliver bob 1.M1P1Q1.h 'Subject: x\n\nno newline at the end'
  start_pop3d
  login bob hungry
  pop3 "RETR 1" +OK
  read_lines
  [ "${POP3_LINES[-1]}" = "no newline at the end" ]
  pop3 "NOOP" +OK
}

@test "TOP sends the header, the empty line and N lines of the body" {
  deliver bob 1.M1P1Q1.h 'Subject: top\nFrom: alice@crepes.fr\n\none\n.two\nthree\n'
  start_pop3d
  login bob hungry
  pop3 "TOP 1 2" +OK
  read_lines
  [ "${#POP3_LINES[@]}" -eq 5 ]
  [ "${POP3_LINES[2]}" = "" ]
  [ "${POP3_LINES[3]}" = "one" ]
  [ "${POP3_LINES[4]}" = "..two" ]
  pop3 "TOP 1 0" +OK
  read_lines
  [ "${#POP3_LINES[@]}" -eq 3 ]
  pop3 "TOP 1 99" +OK
  read_lines
  [ "${#POP3_LINES[@]}" -eq 6 ]
  pop3 "TOP 1 x" -ERR 'number of lines'
  pop3 "TOP 1" -ERR 'syntax'
}

@test "DELE then QUIT removes the message in the UPDATE state" {
  two_messages
  start_pop3d
  login bob hungry
  pop3 "DELE 1" +OK
  [ "$(count_files bob cur)" -eq 2 ]     # only marked so far
  pop3 "QUIT" +OK 'signing off'
  expect_closed
  [ "$(count_files bob cur)" -eq 1 ]
  [ -f "$MAIL/bob/cur/1001.M1P1Q1.hamburger:2," ]
}

@test "DELE then a dropped connection removes nothing" {
  two_messages
  start_pop3d -v
  login bob hungry
  pop3 "DELE 1" +OK
  pop3 "DELE 2" +OK
  disconnect
  wait_for grep -q 'without QUIT: nothing deleted' "$SERVER_DIR/stderr"
  [ "$(count_files bob cur)" -eq 2 ]
  login bob hungry
  pop3 "STAT" +OK '^\+OK 2 '
}

@test "an idle session is logged out after the timeout and nothing is deleted" {
  two_messages
  start_pop3d --timeout 1
  login bob hungry
  pop3 "DELE 1" +OK
  pop3_expect -ERR 'autologout.*nothing deleted'
  expect_closed
  [ "$(count_files bob cur)" -eq 2 ]
}

@test "SIGTERM ends a session without deleting" {
  two_messages
  start_pop3d
  login bob hungry
  pop3 "DELE 1" +OK
  kill -TERM "$SERVER_PID"
  pop3_expect -ERR 'shutting down'
  wait "$SERVER_PID" || true
  STARTED_PIDS=()
  [ "$(count_files bob cur)" -eq 2 ]
}

@test "RSET unmarks the deleted messages" {
  two_messages
  start_pop3d
  login bob hungry
  pop3 "DELE 1" +OK
  pop3 "STAT" +OK '^\+OK 1 '
  pop3 "RSET" +OK 'maildrop has 2 messages'
  pop3 "RETR 1" +OK
  read_lines
  pop3 "QUIT" +OK
  [ "$(count_files bob cur)" -eq 2 ]
}

@test "a deleted message cannot be read, listed or deleted again" {
  two_messages
  start_pop3d
  login bob hungry
  pop3 "DELE 1" +OK
  pop3 "RETR 1" -ERR 'already deleted'
  pop3 "LIST 1" -ERR 'already deleted'
  pop3 "DELE 1" -ERR 'already deleted'
  pop3 "UIDL 1" -ERR 'already deleted'
  pop3 "LIST" +OK
  read_lines
  [ "${POP3_LINES[*]}" = "2 $(crlf_size "$MAIL/bob/cur/1001.M1P1Q1.hamburger:2,")" ]
}

@test "bad message numbers get -ERR and the session goes on" {
  two_messages
  start_pop3d
  login bob hungry
  pop3 "RETR 0" -ERR 'numbered 1 to 2'
  pop3 "RETR 3" -ERR 'numbered 1 to 2'
  pop3 "RETR abc" -ERR 'not a message number'
  pop3 "DELE -1" -ERR 'not a message number'
  pop3 "LIST 1x" -ERR 'not a message number'
  pop3 "RETR 99999999999999999999999" -ERR
  pop3 "RETR 1 2" -ERR 'syntax'
  pop3 "RETR" -ERR 'syntax'
  pop3 "NOOP" +OK
}

@test "transaction commands before login get -ERR" {
  two_messages
  start_pop3d
  connect; pop3_expect +OK
  for cmd in STAT LIST "LIST 1" "RETR 1" "DELE 1" NOOP RSET "TOP 1 1" UIDL; do
    pop3 "$cmd" -ERR 'log in first'
  done
  pop3 "QUIT" +OK
  [ "$(count_files bob new)" -eq 2 ]
}

@test "authorization commands after login get -ERR" {
  start_pop3d
  login bob hungry
  pop3 "USER bob" -ERR 'already logged in'
  pop3 "PASS hungry" -ERR 'already logged in'
  pop3 "APOP bob 0123456789abcdef0123456789abcdef" -ERR 'already logged in'
  pop3 "STAT" +OK
}

@test "QUIT before login says goodbye and touches nothing" {
  two_messages
  start_pop3d
  connect; pop3_expect +OK
  pop3 "QUIT" +OK '^\+OK POP3 server signing off$'
  expect_closed
  [ "$(count_files bob new)" -eq 2 ]
}

@test "UIDL gives the same unique-ids in every session" {
  two_messages
  start_pop3d
  login bob hungry
  pop3 "UIDL" +OK
  read_lines
  first=("${POP3_LINES[@]}")
  [ "${first[0]}" = "1 1000.M1P1Q1.hamburger" ]
  [ "${first[1]}" = "2 1001.M1P1Q1.hamburger" ]
  pop3 "UIDL 2" +OK '^\+OK 2 1001\.M1P1Q1\.hamburger$'
  pop3 "QUIT" +OK
  disconnect
  login bob hungry
  pop3 "UIDL" +OK
  read_lines
  [ "${POP3_LINES[*]}" = "${first[*]}" ]
}

@test "a name that is not a valid unique-id gets a stable MD5 UIDL" {
  long=$(printf 'x%.0s' $(seq 1 80))
  deliver bob "$long" 'Subject: long name\n\nx\n'
  start_pop3d
  login bob hungry
  pop3 "UIDL 1" +OK '^\+OK 1 [0-9a-f]{32}$'
  uid=$POP3_LINE
  pop3 "QUIT" +OK
  disconnect
  login bob hungry
  pop3 "UIDL 1" +OK
  [ "$POP3_LINE" = "$uid" ]
}

@test "mail delivered during a session shows at the next login" {
  two_messages
  start_pop3d
  login bob hungry
  pop3 "STAT" +OK '^\+OK 2 '
  deliver bob 1002.M1P1Q1.hamburger 'Subject: later\n\nlate mail\n'
  pop3 "STAT" +OK '^\+OK 2 '
  pop3 "RETR 3" -ERR
  pop3 "QUIT" +OK
  disconnect
  login bob hungry
  pop3 "STAT" +OK '^\+OK 3 '
}

@test "a second session on the same maildrop gets -ERR [IN-USE]" {
  two_messages
  start_pop3d
  login bob hungry
  first=$CONN_FD
  connect
  pop3_expect +OK
  pop3 "USER bob" +OK
  pop3 "PASS hungry" -ERR '^-ERR \[IN-USE\]'
  # the second client may try again once the first has quit
  second=$CONN_FD
  CONN_FD=$first
  pop3 "QUIT" +OK
  CONN_FD=$second
  pop3 "USER bob" +OK
  pop3 "PASS hungry" +OK
}

@test "the lock goes away when the session holding it is killed with kill -9" {
  two_messages
  start_pop3d
  login bob hungry
  pop3 "DELE 1" +OK
  holder=$(pgrep -P "$SERVER_PID" | head -n 1)
  kill -9 "$holder"
  expect_closed
  disconnect
  login bob hungry
  pop3 "STAT" +OK '^\+OK 2 '
}

@test "another user's session does not lock bob out" {
  two_messages
  start_pop3d
  login alice wonderland
  first=$CONN_FD
  login bob hungry
  exec {first}>&-
}

@test "CAPA lists the capabilities before and after login" {
  start_pop3d
  connect; pop3_expect +OK
  pop3 "CAPA" +OK
  read_lines
  for cap in TOP UIDL USER RESP-CODES PIPELINING "EXPIRE NEVER"; do
    printf '%s\n' "${POP3_LINES[@]}" | grep -qx "$cap"
  done
  printf '%s\n' "${POP3_LINES[@]}" | grep -q '^IMPLEMENTATION '
  pop3 "USER bob" +OK
  pop3 "PASS hungry" +OK
  pop3 "CAPA" +OK
  read_lines
  printf '%s\n' "${POP3_LINES[@]}" | grep -qx TOP
}

@test "commands are case-insensitive" {
  two_messages
  start_pop3d
  connect; pop3_expect +OK
  pop3 "uSeR bob" +OK
  pop3 "PaSs hungry" +OK
  pop3 "stat" +OK
  pop3 "Uidl 1" +OK
}

@test "an unknown command gets -ERR and the session goes on" {
  start_pop3d
  connect; pop3_expect +OK
  pop3 "HELO crepes.fr" -ERR 'unknown command'
  pop3 "" -ERR 'empty line'
  pop3 "CAPA" +OK
}

@test "a command line over 255 octets gets -ERR and the session goes on" {
  start_pop3d
  connect; pop3_expect +OK
  send "USER $(head -c 300 /dev/zero | tr '\0' x)"
  pop3_expect -ERR 'too long.*255'
  pop3 "USER bob" +OK
  pop3 "PASS hungry" +OK
}

@test "a command line of exactly 255 octets is accepted" {
  start_pop3d
  connect; pop3_expect +OK
  send "USER$(head -c 246 /dev/zero | tr '\0' ' ')bob"    # 4 + 246 + 3 + CRLF = 255
  pop3_expect +OK
  pop3 "PASS hungry" +OK
}

@test "a command ending in a bare LF gets -ERR telling to use CRLF" {
  start_pop3d
  connect; pop3_expect +OK
  send_raw 'USER bob\n'
  pop3_expect -ERR 'CRLF'
  pop3 "USER bob" +OK
}

@test "pipelined commands are answered in order" {
  two_messages
  start_pop3d
  connect; pop3_expect +OK
  send_raw 'USER bob\r\nPASS hungry\r\nSTAT\r\nRETR 1\r\nDELE 1\r\nLIST 1\r\nQUIT\r\n'
  pop3_expect +OK; pop3_expect +OK 'logged on'; pop3_expect +OK '^\+OK 2 '
  pop3_expect +OK 'octets'; read_lines
  pop3_expect +OK 'deleted'; pop3_expect -ERR 'already deleted'
  pop3_expect +OK 'signing off'
  [ "$(count_files bob cur)" -eq 1 ]
}

@test "200 concurrent sessions on different maildrops each see their own mail" {
  : > "$USERS"
  for i in $(seq 1 200); do
    printf 'user%d:{PLAIN}pw%d\n' "$i" "$i" >> "$USERS"
    deliver "user$i" "1.M1P1Q1.h" "Subject: for user$i\n\nhello user$i\n"
  done
  start_pop3d --max-sessions 200
  declare -a fds
  for i in $(seq 1 200); do
    exec {fd}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    fds[$i]=$fd
    printf 'USER user%d\r\nPASS pw%d\r\n' "$i" "$i" >&"$fd"
  done
  # all 200 are logged in at once, each holding its own lock
  for i in $(seq 1 200); do
    CONN_FD=${fds[$i]}
    pop3_expect +OK 'ready'; pop3_expect +OK; pop3_expect +OK 'logged on'
  done
  for i in $(seq 1 200); do
    CONN_FD=${fds[$i]}
    pop3 "TOP 1 1" +OK
    read_lines
    [ "${POP3_LINES[0]}" = "Subject: for user$i" ]
    [ "${POP3_LINES[2]}" = "hello user$i" ]
    pop3 "DELE 1" +OK
    pop3 "QUIT" +OK
    exec {CONN_FD}>&-
  done
  CONN_FD=
  [ "$(find "$MAIL" -path '*/cur/*' -type f | wc -l)" -eq 0 ]
}

@test "session N+1 over --max-sessions gets -ERR [SYS/TEMP]" {
  start_pop3d --max-sessions 1
  exec {one}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"; IFS= read -r -t 10 l1 <&$one
  [[ $l1 == +OK* ]]
  connect
  pop3_expect -ERR '^-ERR \[SYS/TEMP\] too many sessions'
  exec {one}>&-
}

@test "the -v transcript shows C: and S: lines and the state changes, never the password" {
  start_pop3d -v
  login bob hungry
  pop3 "QUIT" +OK
  wait_for grep -q 'state: TRANSACTION -> UPDATE' "$SERVER_DIR/stderr"
  grep -q '^\[1\] S: +OK POP3 server ready' "$SERVER_DIR/stderr"
  grep -q '^\[1\] C: USER bob' "$SERVER_DIR/stderr"
  grep -q 'state: AUTHORIZATION -> TRANSACTION' "$SERVER_DIR/stderr"
  grep -q '^\[1\] C: PASS \*\*\*\*\*\*\*\*' "$SERVER_DIR/stderr"
  ! grep -q hungry "$SERVER_DIR/stderr"
}

@test "-u is required" {
  run "$CARTERO_BIN/pop3d" -m "$MAIL"
  [ "$status" -eq 64 ]
  [[ $output == *"-u FILE is required"* ]]
}

@test "bad options exit 64 with a message" {
  printf '%s\n' "$POP3_USERS" > "$USERS"
  run "$CARTERO_BIN/pop3d" -u "$USERS" --plaintext-auth sometimes
  [ "$status" -eq 64 ]
  [[ $output == *"never, loopback or always"* ]]
  run "$CARTERO_BIN/pop3d" -u "$USERS" --auth-failure-delay 61
  [ "$status" -eq 64 ]
  run "$CARTERO_BIN/pop3d" -u "$USERS" -p 99999
  [ "$status" -eq 64 ]
  run "$CARTERO_BIN/pop3d" -u "$USERS" extra
  [ "$status" -eq 64 ]
}

@test "an unreadable users file exits 66" {
  run "$CARTERO_BIN/pop3d" -u "$BATS_TEST_TMPDIR/no-such-file" -m "$MAIL"
  [ "$status" -eq 66 ]
  [[ $output == *"no-such-file"* ]]
}

@test "--help shows the usage and exits 0" {
  run "$CARTERO_BIN/pop3d" --help
  [ "$status" -eq 0 ]
  [[ $output == *"usage: pop3d"* ]]
  [[ $output == *"--plaintext-auth"* ]]
  [[ $output == *"default 1110"* ]]
}
