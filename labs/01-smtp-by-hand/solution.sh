#!/usr/bin/env bash
# solution.sh - performs lab 01 end to end, as a student does it with
# telnet, and writes answers.txt from what the server answered.
#
# usage: solution.sh [--force] [LAB_DIR]
#
#   LAB_DIR       where lab-mail/ and answers.txt go (default: $LAB_DIR, or
#                 the directory of this script)
#   --force       overwrite an existing answers.txt
#   $CARTERO_BIN  the directory holding smtpd (default: bin/ of this repository)
#   $SMTPD_LOG    append the servers' -v transcript to this file (default: a
#                 temporary file, printed when something goes wrong)
#
# It starts smtpd on 127.0.0.1 with a port the kernel picks (-p 0
# --port-file), runs it in LAB_DIR with -m lab-mail as the README says, talks
# SMTP over bash's /dev/tcp, waits for every reply before sending the next
# line, and stops the server by its PID. Instructors can run it as a demo:
# it prints the session in the slide's notation.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$script_dir/../.." && pwd)

# How long to wait for one reply, and for a server to start listening.
REPLY_TIMEOUT_SECONDS=10
START_TRIES=500            # x 20 ms: 10 s

force=0
lab=${LAB_DIR:-$script_dir}
while [ $# -gt 0 ]; do
  case $1 in
    --force) force=1; shift ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
smtpd=${CARTERO_BIN:-$root/bin}/smtpd
[ -x "$smtpd" ] || die "no $smtpd: run 'make bin/smtpd' first, or set CARTERO_BIN"
[ -f "$script_dir/answers.template" ] || die "no answers.template beside solution.sh"
if [ -e "$lab/answers.txt" ] && [ "$force" = 0 ]; then
  die "$lab/answers.txt exists: keep it, or run again with --force (or reset.sh first)"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cartero-lab01.XXXXXX")
log=${SMTPD_LOG:-$work/smtpd.log}
SERVER_PIDS=()

# On any exit: close the connection, stop our servers by PID, and show the
# transcript when we failed.
cleanup() {
  local status=$? pid
  disconnect
  for pid in "${SERVER_PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ] && [ -s "$log" ]; then
    echo "--- the server's transcript ($log):" >&2
    tail -n 40 "$log" >&2
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server NAME [SMTPD OPTIONS...] - starts smtpd in the lab directory,
# as in the README (-d hamburger.edu -m lab-mail -v), on a free port. Sets
# PORT. The wait is a bounded loop on a condition: the port file appears.
start_server() {
  local portfile=$work/$1.port i pid
  shift
  (cd "$lab" && exec "$smtpd" -l 127.0.0.1 -p 0 --port-file "$portfile" \
      -d hamburger.edu -m lab-mail -v "$@") 2>>"$log" 3>&- &
  pid=$!
  SERVER_PIDS+=("$pid")
  for ((i = 0; i < START_TRIES; i++)); do
    [ -s "$portfile" ] && break
    kill -0 "$pid" 2>/dev/null || die "smtpd stopped at once (see its transcript below)"
    sleep 0.02
  done
  [ -s "$portfile" ] || die "smtpd did not start listening within 10 s"
  PORT=$(cat "$portfile")
}

# stop_server PID - SIGTERM, wait for it, and forget it.
stop_server() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for i in "${!SERVER_PIDS[@]}"; do
    [ "${SERVER_PIDS[i]}" = "$pid" ] && unset 'SERVER_PIDS[i]'
  done
}

# --- talking SMTP, as telnet does (lines end in CRLF) ----------------------

# The connection is on a descriptor bash picks ($CONN_FD): 3 may belong to
# whoever runs us (bats writes its report on it).
CONN_FD=

# connect [CLIENT] - opens the connection; CLIENT is only what the student
# would type (default telnet).
connect() {
  echo "\$ ${1:-telnet} 127.0.0.1 $PORT"
  exec {CONN_FD}<>"/dev/tcp/127.0.0.1/$PORT" || die "cannot connect to 127.0.0.1:$PORT"
}

disconnect() {
  if [ -n "$CONN_FD" ]; then
    exec {CONN_FD}>&-
    CONN_FD=
  fi
}

# send LINE - one line, ending in CRLF.
send() {
  printf '%s\r\n' "$1" >&"$CONN_FD"
  echo "C: $1"
}

# read_reply - reads one whole reply (its "250-" lines too, RFC 5321 4.2.1);
# sets CODE. Fails after REPLY_TIMEOUT_SECONDS of silence or on EOF.
read_reply() {
  local line
  while :; do
    IFS= read -r -t "$REPLY_TIMEOUT_SECONDS" line <&"$CONN_FD" ||
      die "no reply within $REPLY_TIMEOUT_SECONDS s (or the server closed the connection)"
    line=${line%$'\r'}
    echo "S: $line"
    [[ $line =~ ^[0-9]{3}- ]] || break
  done
  CODE=${line:0:3}
}

# expect CODE - reads a reply and requires CODE.
expect() {
  read_reply
  [ "$CODE" = "$1" ] || die "expected a $1 reply, got $CODE"
}

# say LINE CODE - sends LINE and requires the reply CODE.
say() {
  send "$1"
  expect "$2"
}

# --- looking at the mailbox, as the student does with ls and cat ------------

newdir=$lab/lab-mail/bob/new

# listing - the names in bob's new/, as `ls` shows them (Maildir names are
# plain: no spaces, no newlines).
# shellcheck disable=SC2012
listing() { ls -1 "$newdir" 2>/dev/null | sort || true; }

# delivered_since BEFORE - the one file name in bob's new/ that is not in
# the BEFORE listing. The server moves the file into new/ before it says
# 250, so it is there as soon as we have read the 250.
delivered_since() {
  local names
  names=$(comm -13 <(printf '%s\n' "$1") <(listing) | sed '/^$/d')
  [ "$(printf '%s\n' "$names" | grep -c .)" = 1 ] || die "expected one new file in $newdir, found: $names"
  printf '%s' "$names"
}

# send_message LINES... - DATA, the lines, the lone dot; sets DELIVERED to
# the new file's name.
send_message() {
  local before line
  before=$(listing)
  say "DATA" 354
  for line in "$@"; do send "$line"; done
  say "." 250
  DELIVERED=$(delivered_since "$before")
}

pid_of() { [[ $1 =~ P([0-9]+)Q ]] && printf '%s' "${BASH_REMATCH[1]}"; }

declare -A A=()

start_server lab
echo "# smtpd listens on 127.0.0.1 port $PORT (mail root $lab/lab-mail)"

echo
echo "# Step 2: the slide's session"
connect
expect 220
say "HELO crepes.fr" 250
say "MAIL FROM: <alice@crepes.fr>" 250
say "RCPT TO: <bob@hamburger.edu>" 250
send_message "Do you like ketchup?" "How about pickles?"
msg1=$DELIVERED

echo
echo "# Step 3: a second message on the same connection"
say "MAIL FROM: <alice@crepes.fr>" 250
say "RCPT TO: <bob@hamburger.edu>" 250
send_message "From: alice@crepes.fr" "To: bob@hamburger.edu" "Subject: Second helping" \
  "" "And crepes with ketchup?"
msg2=$DELIVERED
[ "$(pid_of "$msg1")" = "$(pid_of "$msg2")" ] || die "messages 1 and 2 have different P<pid>: $msg1 $msg2"

echo
echo "# Step 4: RSET forgets the transaction, not the session"
say "MAIL FROM: <alice@crepes.fr>" 250
say "RSET" 250
say "RCPT TO: <bob@hamburger.edu>" 503
say "MAIL FROM: <alice@crepes.fr>" 250     # no HELO needed again
A[1]="No: RSET drops the sender and the recipients, the session stays (MAIL FROM got 250 at once)"
say "RSET" 250

echo
echo "# Step 5: the lone dot, and a line that starts with a dot"
say "MAIL FROM: <alice@crepes.fr>" 250
say "RCPT TO: <bob@hamburger.edu>" 250
send_message "Subject: Dots" "" "..bashrc" ".profile"
A[2]=$(tail -n 1 "$newdir/$DELIVERED")
A[3]="CRLF.CRLF"
say "QUIT" 221
disconnect

echo
echo "# Step 6: errors that teach"
connect
expect 220
say "HELO crepes.fr" 250
say "RCPT TO: <bob@hamburger.edu>" 503
A[4]=$CODE
say "MAIL FROM: alice@crepes.fr" 501
A[5]=$CODE
say "MAIL FROM: <alice@crepes.fr>" 250
say "DATA" 503
say "QUIT" 221
disconnect

echo "# (nc without -C: the line ends in a bare LF)"
connect nc
expect 220
printf 'HELO crepes.fr\n' >&"$CONN_FD"
echo "C: HELO crepes.fr   <- ends in LF only"
expect 500
A[6]=$CODE
say "QUIT" 221
disconnect

echo "# (a client that talks before the greeting; a second server, --greet-delay)"
start_server early --greet-delay 10000
early_pid=${SERVER_PIDS[-1]}
connect
send "HELO crepes.fr"
expect 554
expect 503                 # the HELO sent too early
say "NOOP" 503
say "QUIT" 221
disconnect
stop_server "$early_pid"

echo
echo "# Step 7: the delivered file"
echo "\$ ls lab-mail/bob/new/"
listing
echo "\$ cat lab-mail/bob/new/$msg1"
cat "$newdir/$msg1"
rp=$(sed -n 's/^Return-Path: <\(.*\)>$/\1/p' "$newdir/$msg1" | head -n 1)
[ -n "$rp" ] || die "no Return-Path in $msg1"
A[7]=$msg1
A[8]=$rp
A[9]="Return-Path and Received"
A[10]="RCPT TO (the envelope; there is no To: header line)"
A[11]=$(pid_of "$msg1")

# answers.txt: the template, with each "A<n>:" line filled in.
while IFS= read -r line; do
  if [[ $line =~ ^A([0-9]+):[[:space:]]*$ ]]; then
    printf 'A%s: %s\n' "${BASH_REMATCH[1]}" "${A[${BASH_REMATCH[1]}]:-}"
  else
    printf '%s\n' "$line"
  fi
done <"$script_dir/answers.template" >"$lab/answers.txt.tmp"
mv "$lab/answers.txt.tmp" "$lab/answers.txt"
echo
echo "# answers written to $lab/answers.txt"
grep '^A[0-9]*:' "$lab/answers.txt"
