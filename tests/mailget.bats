#!/usr/bin/env bats
# mailget: the user agent of the slides, in its two modes, against pop3d.

load lib/helpers
load lib/pop3

setup() {
  STARTED_PIDS=()
  MAIL="$BATS_TEST_TMPDIR/mail"
  USERS="$BATS_TEST_TMPDIR/users"
  PW="$BATS_TEST_TMPDIR/pw"
  printf 'hungry\n' > "$PW"
}

teardown() {
  disconnect
  stop_servers
}

two_messages() {
  deliver bob 1000.M1P1Q1.hamburger 'From: alice@crepes.fr\nSubject: ketchup\n\nDo you like ketchup?\n'
  deliver bob 1001.M1P1Q1.hamburger 'From: alice@crepes.fr\nSubject: pickles\n\n.dotted line\nHow about pickles?\n'
}

# mailget ARGS... - run mailget against our pop3d as bob
mailget() {
  run "$CARTERO_BIN/mailget" -u bob --password-file "$PW" "$@" "127.0.0.1:$SERVER_PORT"
}

# the files of Maildir DIR's new/, concatenated in delivery order
maildir_text() {
  find "$1/new" -type f | sort | xargs cat
}

@test "download and delete: every message is stored byte for byte and removed on the server" {
  two_messages
  cat "$MAIL"/bob/new/* > "$BATS_TEST_TMPDIR/sent"
  start_pop3d
  mailget -o "$BATS_TEST_TMPDIR/inbox"
  [ "$status" -eq 0 ]
  [ "$(find "$BATS_TEST_TMPDIR/inbox/new" -type f | wc -l)" -eq 2 ]
  diff <(maildir_text "$BATS_TEST_TMPDIR/inbox") "$BATS_TEST_TMPDIR/sent"
  [ "$(count_files bob cur)" -eq 0 ] && [ "$(count_files bob new)" -eq 0 ]
  [[ $output == *"deleted on the server at QUIT"* ]]
}

@test "a progress line per message" {
  two_messages
  start_pop3d
  mailget -o "$BATS_TEST_TMPDIR/inbox"
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == "mailget: 2 message(s) ("*" octets) for bob at 127.0.0.1:$SERVER_PORT, download and delete" ]]
  [[ ${lines[1]} =~ ^\ \ 1/2\ \ [0-9]+\ octets\ -\>\ .*/inbox/new/ ]]
  [[ ${lines[2]} =~ ^\ \ 2/2\ \ [0-9]+\ octets ]]
  [[ ${lines[3]} == "mailget: 2 fetched, 0 skipped;"* ]]
}

@test "download and keep: the messages stay, and the next run skips them by UIDL" {
  two_messages
  start_pop3d
  mailget --keep -o "$BATS_TEST_TMPDIR/inbox"
  [ "$status" -eq 0 ]
  [ "$(count_files bob cur)" -eq 2 ]
  [ "$(find "$BATS_TEST_TMPDIR/inbox/new" -type f | wc -l)" -eq 2 ]
  mailget --keep -o "$BATS_TEST_TMPDIR/inbox"
  [ "$status" -eq 0 ]
  [[ $output == *"skipped: fetched by an earlier run (UIDL 1000.M1P1Q1.hamburger)"* ]]
  [[ $output == *"0 fetched, 2 skipped"* ]]
  [ "$(find "$BATS_TEST_TMPDIR/inbox/new" -type f | wc -l)" -eq 2 ]
  deliver bob 1002.M1P1Q1.hamburger 'Subject: new\n\nnew mail\n'
  mailget --keep -o "$BATS_TEST_TMPDIR/inbox"
  [[ $output == *"1 fetched, 2 skipped"* ]]
  [ "$(find "$BATS_TEST_TMPDIR/inbox/new" -type f | wc -l)" -eq 3 ]
}

@test "two clients: the keeping one and the deleting one both get the mail once" {
  two_messages
  start_pop3d
  mailget --keep -o "$BATS_TEST_TMPDIR/laptop"
  [ "$status" -eq 0 ]
  mailget -o "$BATS_TEST_TMPDIR/phone"
  [ "$status" -eq 0 ]
  diff <(maildir_text "$BATS_TEST_TMPDIR/laptop") <(maildir_text "$BATS_TEST_TMPDIR/phone")
  # the phone deleted them: a third client finds nothing
  mailget --keep -o "$BATS_TEST_TMPDIR/laptop"
  [[ ${lines[0]} == "mailget: 0 message(s) (0 octets)"* ]]
}

@test "dot-stuffed lines arrive without the stuffed dot" {
  two_messages
  start_pop3d
  mailget -o "$BATS_TEST_TMPDIR/inbox"
  grep -qx '.dotted line' $(find "$BATS_TEST_TMPDIR/inbox/new" -type f)
}

@test "an empty maildrop is not an error" {
  start_pop3d
  mailget -o "$BATS_TEST_TMPDIR/inbox"
  [ "$status" -eq 0 ]
  [[ $output == *"0 message(s)"* ]]
  [ -d "$BATS_TEST_TMPDIR/inbox/new" ]
}

@test "-v shows the POP3 transcript on stderr, but not the password or the text" {
  two_messages
  start_pop3d
  "$CARTERO_BIN/mailget" -v -u bob --password-file "$PW" -o "$BATS_TEST_TMPDIR/inbox" \
    "127.0.0.1:$SERVER_PORT" 2> "$BATS_TEST_TMPDIR/err"
  grep -qx 'S: +OK POP3 server ready <.*>' "$BATS_TEST_TMPDIR/err"
  grep -qx 'C: USER bob' "$BATS_TEST_TMPDIR/err"
  grep -qx 'C: PASS \*\*\*\*\*\*\*\*' "$BATS_TEST_TMPDIR/err"
  grep -qx 'C: RETR 1' "$BATS_TEST_TMPDIR/err"
  grep -qx 'C: DELE 2' "$BATS_TEST_TMPDIR/err"
  grep -qx 'S: +OK POP3 server signing off' "$BATS_TEST_TMPDIR/err"
  ! grep -q hungry "$BATS_TEST_TMPDIR/err"
  ! grep -q ketchup "$BATS_TEST_TMPDIR/err"
}

@test "--apop logs in without sending the password" {
  two_messages
  start_pop3d --plaintext-auth never -v
  mailget --apop -o "$BATS_TEST_TMPDIR/inbox"
  [ "$status" -eq 0 ]
  [ "$(find "$BATS_TEST_TMPDIR/inbox/new" -type f | wc -l)" -eq 2 ]
  grep -q 'C: APOP bob [0-9a-f]\{32\}$' "$SERVER_DIR/stderr"
}

@test "a wrong password exits 77 and says the server refused" {
  two_messages
  start_pop3d
  printf 'wrong\n' > "$PW"
  mailget -o "$BATS_TEST_TMPDIR/inbox"
  [ "$status" -eq 77 ]
  [[ $output == *"login refused: -ERR [AUTH]"* ]]
  [ "$(count_files bob new)" -eq 2 ]
}

@test "a maildrop in use exits 75: try again later" {
  two_messages
  start_pop3d
  login bob hungry
  mailget -o "$BATS_TEST_TMPDIR/inbox"
  [ "$status" -eq 75 ]
  [[ $output == *"[IN-USE]"* ]]
}

@test "nothing listening exits 69" {
  start_pop3d
  port=$SERVER_PORT
  stop_servers
  run "$CARTERO_BIN/mailget" -u bob --password-file "$PW" -o "$BATS_TEST_TMPDIR/inbox" "127.0.0.1:$port"
  [ "$status" -eq 69 ]
  [[ $output == *"nothing is listening"* ]]
}

@test "a server that does not speak POP3 exits 76" {
  python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept(); c.sendall(b"220 hamburger.edu ESMTP\r\n"); c.recv(100); c.close()
' > "$BATS_TEST_TMPDIR/fakeport" &
  STARTED_PIDS+=("$!")
  wait_for test -s "$BATS_TEST_TMPDIR/fakeport"
  run "$CARTERO_BIN/mailget" -u bob --password-file "$PW" -o "$BATS_TEST_TMPDIR/inbox" \
    "127.0.0.1:$(cat "$BATS_TEST_TMPDIR/fakeport")"
  [ "$status" -eq 76 ]
  [[ $output == *"not a POP3 reply"* ]]
}

@test "an unreadable password file exits 66" {
  run "$CARTERO_BIN/mailget" -u bob --password-file "$BATS_TEST_TMPDIR/none" -o "$BATS_TEST_TMPDIR/inbox" 127.0.0.1:1
  [ "$status" -eq 66 ]
}

@test "the password can come from standard input" {
  two_messages
  start_pop3d
  run bash -c "echo hungry | '$CARTERO_BIN/mailget' -u bob --password-file - -o '$BATS_TEST_TMPDIR/inbox' 127.0.0.1:$SERVER_PORT"
  [ "$status" -eq 0 ]
}

@test "missing -u, -o or server, or a bad option, exit 64" {
  run "$CARTERO_BIN/mailget" --password-file "$PW" -o x 127.0.0.1
  [ "$status" -eq 64 ]
  [[ $output == *"-u USER is required"* ]]
  run "$CARTERO_BIN/mailget" -u bob --password-file "$PW" 127.0.0.1
  [ "$status" -eq 64 ]
  run "$CARTERO_BIN/mailget" -u bob --password-file "$PW" -o x
  [ "$status" -eq 64 ]
  run "$CARTERO_BIN/mailget" --frobnicate
  [ "$status" -eq 64 ]
  run "$CARTERO_BIN/mailget" -u bob --password-file "$PW" -o x "[::1"
  [ "$status" -eq 64 ]
}

@test "--help shows the usage and exits 0" {
  run "$CARTERO_BIN/mailget" --help
  [ "$status" -eq 0 ]
  [[ $output == *"usage: mailget [--keep]"* ]]
}
