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

# The code every lab shares is in labs/lib/, beside this folder (a copy of
# this folder made elsewhere finds it through $CARTERO_ROOT); it also sets
# script_dir, this folder.
lib=$(dirname "${BASH_SOURCE[0]}")/../lib; [ -d "$lib" ] || lib=${CARTERO_ROOT:-.}/labs/lib
# shellcheck source=SCRIPTDIR/../lib/solution.bash disable=SC1091
. "$lib/solution.bash" || exit 70

solution_options "$@"   # sets force, lab and root
smtpd=${CARTERO_BIN:-$root/bin}/smtpd
[ -x "$smtpd" ] || die "no $smtpd: run 'make bin/smtpd' first, or set CARTERO_BIN"
need_beside answers.template
protect_answers

solution_work_dir lab01
log=${SMTPD_LOG:-$work/smtpd.log}

# on_failure - what cleanup shows when we failed: the server's transcript.
on_failure() { show_tail "the server's transcript ($log)" "$log" 40; }

# start_smtpd [SMTPD OPTIONS...] - starts smtpd in the lab directory, as in
# the README (-d hamburger.edu -m lab-mail -v), on a free port. Sets PID and
# PORT.
start_smtpd() { start_in_lab "$log" 0 "$smtpd" -d hamburger.edu -m lab-mail -v "$@"; }

# --- looking at the mailbox, as the student does with ls and cat ------------

newdir=$lab/lab-mail/bob/new

# send_message LINES... - DATA, the lines, the lone dot; sets DELIVERED to
# the new file's name.
send_message() {
  local before line
  before=$(new_names "$newdir")
  say "DATA" 354
  for line in "$@"; do send "$line"; done
  say "." 250
  DELIVERED=$(new_name "$newdir" "$before")
}

pid_of() { [[ $1 =~ P([0-9]+)Q ]] && printf '%s' "${BASH_REMATCH[1]}"; }

start_smtpd
echo "# smtpd listens on 127.0.0.1 port $PORT (mail root $lab/lab-mail)"

echo
echo "# Step 2: the slide's session"
connect "$PORT"
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
connect "$PORT"
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
connect "$PORT" nc
expect 220
printf 'HELO crepes.fr\n' >&"$CONN_OUT"
echo "C: HELO crepes.fr   <- ends in LF only"
expect 500
A[6]=$CODE
say "QUIT" 221
disconnect

echo "# (a client that talks before the greeting; a second server, --greet-delay)"
start_smtpd --greet-delay 10000
early_pid=$PID
connect "$PORT"
send "HELO crepes.fr"
expect 554
expect 503                 # the HELO sent too early
say "NOOP" 503
say "QUIT" 221
disconnect
stop "$early_pid"

echo
echo "# Step 7: the delivered file"
echo "\$ ls lab-mail/bob/new/"
new_names "$newdir"
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
write_answers
echo
echo "# answers written to $lab/answers.txt"
grep '^A[0-9]*:' "$lab/answers.txt"
