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

# The code every lab shares is in labs/lib/, beside this folder (a copy of
# this folder made elsewhere finds it through $CARTERO_ROOT); it also sets
# script_dir, this folder.
lib=$(dirname "${BASH_SOURCE[0]}")/../lib; [ -d "$lib" ] || lib=${CARTERO_ROOT:-.}/labs/lib
# shellcheck source=SCRIPTDIR/../lib/solution.bash disable=SC1091
. "$lib/solution.bash" || exit 70

solution_options "$@"   # sets force, lab and root
need_programs smtpd pop3d mailget
need_beside answers.template users
protect_answers
[ "$lab" = "$script_dir" ] || cp "$script_dir/users" "$script_dir/bob.password" "$lab/"

solution_work_dir lab03

# on_failure - what cleanup shows when we failed: the end of pop3d's transcript.
on_failure() { show_tail "the end of pop3d's transcript ($lab/pop3d.log)" "$lab/pop3d.log" 30; }

# start NAME ARGS... - starts bin/NAME in the lab directory on a free port,
# with the lab's mail root and users; sets PORT. Its output goes to NAME.log
# in the lab (pop3d.log is the transcript).
start() { start_in_lab "$lab/$1.log" 0 "$bin/$1" -d hamburger.edu -m lab-mail -u users "${@:2}"; }

# --- talking POP3 (connect, send, say... are in lib/solution.bash) -----------

# lines - reads the lines of a POP3 multi-line reply up to the lone "."; sets LINES.
lines() {
  LINES=()
  while read_line; do
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
  disconnect
}

# login - USER bob, PASS hungry on a new connection to pop3d.
login() {
  connect "$POP3_PORT"
  expect +OK
  say "user bob" +OK
  say "pass hungry" +OK
}

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
disconnect
# shellcheck disable=SC2012  # Maildir names are plain
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
disconnect

echo; echo "# Step 4: the slide's session, with QUIT"
login
say "list" +OK
lines
say "retr 1" +OK; lines
say "dele 1" +OK
say "retr 2" +OK; lines
say "dele 2" +OK
say "quit" "+OK POP3 server signing off"
disconnect

echo; echo "# Step 5: two sessions on one maildrop"
login
first=$CONN_IN                 # the first session stays open
connect "$POP3_PORT"
expect +OK
say "user bob" +OK
say "pass hungry" "-ERR [IN-USE]"
A[3]="[IN-USE]: $LINE"
say "quit" +OK
disconnect
CONN_IN=$first CONN_OUT=$first   # back to the first session
say "quit" +OK
disconnect

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
write_answers
echo; echo "# Wrote $lab/answers.txt. Check it: make check-lab LAB=03"
