#!/usr/bin/env bash
# solution.sh - performs lab 03 end to end, as a student does it, and writes
# answers.txt from what the servers answered.
#
# usage: solution.sh [--force] [LAB_DIR]
#
#   LAB_DIR       where lab-mail/, pop3d.log, laptop/, phone/ and answers.txt
#                 go (default: $LAB_DIR, or the directory of this script)
#   --force       overwrite an existing answers.txt
#   $CARTERO_BIN  the directory holding smtpd, pop3d and mailget (default:
#                 bin/ of this repository)
#
# It starts smtpd and pop3d on 127.0.0.1 with ports the kernel picks (-p 0
# --port-file), in LAB_DIR with -m lab-mail as the README says, keeps
# pop3d's -v transcript in pop3d.log, talks SMTP and POP3 over bash's
# /dev/tcp (waiting for every reply before the next line), runs the two
# mailget clients, and stops the servers by their PIDs. Instructors can run
# it as a demo: it prints the sessions in the slides' notation.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$script_dir/../.." && pwd)

REPLY_TIMEOUT_SECONDS=10
START_TRIES=500            # x 20 ms: 10 s

force=0
lab=${LAB_DIR:-$script_dir}
while [ $# -gt 0 ]; do
  case $1 in
    --force) force=1; shift ;;
    -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "solution.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
    *) lab=$1; shift ;;
  esac
done

die() {
  echo "solution.sh: $*" >&2
  exit 1
}

[ -d "$lab" ] || die "no lab directory $lab"
lab=$(cd "$lab" && pwd)
bin=${CARTERO_BIN:-$root/bin}
for p in smtpd pop3d mailget; do
  [ -x "$bin/$p" ] || die "no $bin/$p: run 'make' first, or set CARTERO_BIN"
done
[ -f "$script_dir/answers.template" ] || die "no answers.template beside solution.sh"
[ -f "$script_dir/users" ] || die "no users file beside solution.sh"
if [ -e "$lab/answers.txt" ] && [ "$force" = 0 ]; then
  die "$lab/answers.txt exists: keep it, or run again with --force (or reset.sh first)"
fi
[ "$lab" = "$script_dir" ] || cp "$script_dir/users" "$script_dir/bob.password" "$lab/"

work=$(mktemp -d "${TMPDIR:-/tmp}/cartero-lab03.XXXXXX")
SERVER_PIDS=()

cleanup() {
  local status=$? pid
  close_all
  for pid in "${SERVER_PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ] && [ -s "$lab/pop3d.log" ]; then
    echo "--- the end of pop3d's transcript ($lab/pop3d.log):" >&2
    tail -n 30 "$lab/pop3d.log" >&2
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME ARGS... - starts bin/NAME in the lab directory on a free port;
# sets PORT. stderr goes to NAME.log in the lab (pop3d.log is the transcript).
start() {
  local name=$1 portfile=$work/$1.port i pid
  shift
  (cd "$lab" && exec "$bin/$name" -l 127.0.0.1 -p 0 --port-file "$portfile" \
      -d hamburger.edu -m lab-mail -u users "$@") 2>>"$lab/$name.log" 3>&- &
  pid=$!
  SERVER_PIDS+=("$pid")
  for ((i = 0; i < START_TRIES; i++)); do
    [ -s "$portfile" ] && break
    kill -0 "$pid" 2>/dev/null || die "$name stopped at once (see $lab/$name.log)"
    sleep 0.02
  done
  [ -s "$portfile" ] || die "$name did not start listening within 10 s"
  PORT=$(cat "$portfile")
}

# --- talking over /dev/tcp, as telnet does (lines end in CRLF) ---------------

CONN_FD=
OPEN_FDS=()

connect() {
  echo "\$ telnet 127.0.0.1 $1"
  exec {CONN_FD}<>"/dev/tcp/127.0.0.1/$1" || die "cannot connect to 127.0.0.1:$1"
  OPEN_FDS+=("$CONN_FD")
}

# hang_up - closes the connection without a goodbye, as closing the window does.
hang_up() {
  exec {CONN_FD}>&-
  CONN_FD=
}

close_all() {
  local fd
  for fd in "${OPEN_FDS[@]:-}"; do
    [ -n "$fd" ] && { exec {fd}>&- || true; } 2>/dev/null
  done
  OPEN_FDS=()
}

send() {
  printf '%s\r\n' "$1" >&"$CONN_FD"
  echo "C: $1"
}

# reply - reads one line into LINE.
reply() {
  IFS= read -r -t "$REPLY_TIMEOUT_SECONDS" LINE <&"$CONN_FD" ||
    die "no reply within $REPLY_TIMEOUT_SECONDS s (or the server closed the connection)"
  LINE=${LINE%$'\r'}
  echo "S: $LINE"
}

# expect PREFIX - reads a reply line that must start with PREFIX (220, +OK, -ERR...).
expect() {
  reply
  [[ $LINE == "$1"* ]] || die "expected $1, got: $LINE"
}

say() {
  send "$1"
  expect "$2"
}

# lines - reads the lines of a POP3 multi-line reply up to the lone "."; sets LINES.
lines() {
  LINES=()
  while reply; do
    [ "$LINE" = "." ] && return 0
    LINES+=("$LINE")
  done
}

# send_mail PORT - Alice sends Bob the two messages of send-mail.script.
send_mail() {
  connect "$1"
  expect 220
  say "HELO crepes.fr" 250
  for topic in "ketchup:Do you like ketchup?" "pickles:How about pickles?"; do
    say "MAIL FROM:<alice@crepes.fr>" 250
    say "RCPT TO:<bob@hamburger.edu>" 250
    say "DATA" 354
    send "From: alice@crepes.fr"; send "To: bob@hamburger.edu"; send "Subject: ${topic%%:*}"
    send ""; send "${topic#*:}"
    say "." 250
  done
  say "QUIT" 221
  hang_up
}

# login - USER bob, PASS hungry on a new connection to pop3d.
login() {
  connect "$POP3_PORT"
  expect +OK
  say "user bob" +OK
  say "pass hungry" +OK
}

declare -A A=()

rm -f "$lab/pop3d.log"
start smtpd
SMTP_PORT=$PORT
start pop3d -v
POP3_PORT=$PORT
echo "# smtpd on port $SMTP_PORT, pop3d on port $POP3_PORT (mail root $lab/lab-mail)"

echo; echo "# Step 1: Alice sends Bob two messages"
send_mail "$SMTP_PORT"

echo; echo "# Step 2: LIST, RETR, DELE, and no QUIT"
login
say "list" +OK
lines
size1=${LINES[0]#* }
say "retr 1" +OK
lines
say "dele 1" +OK
hang_up
file1=$(ls "$lab/lab-mail/bob/cur/" | sort | head -n 1)
echo "# LIST said $size1 octets; the file has $(wc -c < "$lab/lab-mail/bob/cur/$file1")"
login
say "stat" +OK
[[ $LINE == "+OK 2 "* ]] || die "message 1 should still be there"
A[1]="Yes: without QUIT the server never entered UPDATE, so STAT still showed 2 messages"
A[2]="On the wire every line ends with CRLF (CR LF), in the file with LF only: LIST counts one CR more per line"

echo; echo "# Step 3: RSET"
say "dele 1" +OK
say "rset" +OK
say "list" +OK
lines
say "quit" +OK
hang_up

echo; echo "# Step 4: the slide's session, with QUIT"
login
say "list" +OK
lines
say "retr 1" +OK; lines
say "dele 1" +OK
say "retr 2" +OK; lines
say "dele 2" +OK
say "quit" "+OK POP3 server signing off"
hang_up

echo; echo "# Step 5: two sessions on one maildrop"
login
first=$CONN_FD
connect "$POP3_PORT"
expect +OK
say "user bob" +OK
say "pass hungry" "-ERR [IN-USE]"
A[3]="[IN-USE]: $LINE"
say "quit" +OK
hang_up
CONN_FD=$first
say "quit" +OK
hang_up

echo; echo "# Step 6: two clients, download-and-keep and download-and-delete"
send_mail "$SMTP_PORT"
mailget=("$bin/mailget" -u bob --password-file "$lab/bob.password" "127.0.0.1:$POP3_PORT")
(cd "$lab" && "${mailget[@]}" --keep -o laptop)
(cd "$lab" && "${mailget[@]}" --keep -o laptop)
A[4]="UIDL: the unique-ids stay the same in every session; laptop/.mailget-uidl lists those already fetched"
(cd "$lab" && "${mailget[@]}" -o phone)
(cd "$lab" && "${mailget[@]}" --keep -o laptop)
A[5]="UPDATE: the phone's QUIT moved the session from TRANSACTION to UPDATE, where the marked messages were removed"
A[6]="The client: POP3 keeps no state between sessions, so mailget --keep remembers the UIDLs in laptop/.mailget-uidl"

# answers.txt: the template with each "A<n>:" line filled in.
while IFS= read -r line; do
  if [[ $line =~ ^A([0-9]+):[[:space:]]*$ ]]; then
    printf 'A%s: %s\n' "${BASH_REMATCH[1]}" "${A[${BASH_REMATCH[1]}]:-}"
  else
    printf '%s\n' "$line"
  fi
done < "$script_dir/answers.template" > "$lab/answers.txt.tmp"
mv "$lab/answers.txt.tmp" "$lab/answers.txt"
echo; echo "# Wrote $lab/answers.txt. Check it: make check-lab LAB=03"
