#!/usr/bin/env bash
# solution.sh - performs lab 05 end to end, as a student does it, and writes
# answers.txt from what the servers answered.
#
# usage: solution.sh [--force] [LAB_DIR]
#
#   LAB_DIR       where crepes-mail/, hamburger-mail/, bob-inbox/, the two
#                 transcripts (crepes.log, hamburger.log), the composed
#                 messages (*.eml) and answers.txt go (default: $LAB_DIR, or
#                 the directory of this script)
#   --force       overwrite an existing answers.txt
#   $CARTERO_BIN  the directory holding smtpd, pop3d, mailget and mime, and
#                 mailsend if built (default: bin/ of this repository)
#
# It starts Bob's server (hamburger.edu) and Alice's (crepes.fr) on
# 127.0.0.1 with ports the kernel picks (-p 0 --port-file), in LAB_DIR as
# the README says, and writes a routes file for the port Bob's server got.
# Alice's user agent is mime build (compose) and mailsend (submit); without
# mailsend, a client over bash's /dev/tcp submits instead. To make a
# message wait, it stops Bob's server by its PID, and later starts it again
# on the same port. Every wait is a bounded loop on a condition. On exit it
# stops, by PID, every server and client it started. Instructors can run it
# as a demo: it prints each step and the sessions in the slides' notation.
set -euo pipefail

# The code every lab shares is in labs/lib/, beside this folder (a copy of
# this folder made elsewhere finds it through $CARTERO_ROOT); it also sets
# script_dir, this folder.
lib=$(dirname "${BASH_SOURCE[0]}")/../lib; [ -d "$lib" ] || lib=${CARTERO_ROOT:-.}/labs/lib
# shellcheck source=SCRIPTDIR/../lib/solution.bash disable=SC1091
. "$lib/solution.bash" || exit 70

# How long to wait for anything to happen: 1500 x 20 ms, 30 s (a retry
# comes after 1, 2, 4... s).
WAIT_TRIES=1500
# The first retry of crepes.fr's queue: short, so that the demo does not drag.
QUEUE_RETRY_SECONDS=1

solution_options "$@"   # sets force, lab and root
need_programs smtpd pop3d mailget mime
need_beside answers.template users bob.password
protect_answers
[ "$lab" = "$script_dir" ] || cp "$script_dir/users" "$script_dir/bob.password" "$lab/"

solution_work_dir lab05

# on_failure - what cleanup shows when we failed: the end of both transcripts.
on_failure() {
  local f
  for f in crepes.log hamburger.log; do
    show_tail "the end of $lab/$f" "$lab/$f" 25
  done
}

# start_smtpd NAME PORT ARGS... - starts smtpd in the lab directory on PORT
# (0: a free one), its -v transcript appended to NAME.log as the README's
# "2>&1 | tee -a NAME.log" does; sets PORT and PID.
start_smtpd() { start_in_lab "$lab/$1.log" "$2" "$bin/smtpd" -v "${@:3}"; }

# --- talking SMTP (connect, send, say... are in lib/solution.bash) ------------

# connect_from ADDR PORT - a connection from the local address ADDR, as
# "nc -C -s ADDR 127.0.0.1 PORT" makes: through nc (OpenBSD's, which has
# -s), or else a few lines of Python. The CRLF ends are ours.
connect_from() {
  echo "\$ nc -C -s $1 127.0.0.1 $2"
  if nc -h 2>&1 | grep -q -- '-s source'; then
    coproc CLIENT { exec nc -s "$1" 127.0.0.1 "$2"; }
  elif command -v python3 >/dev/null; then
    coproc CLIENT { exec python3 -c '
import socket, sys, threading
s = socket.socket(); s.bind((sys.argv[1], 0)); s.connect(("127.0.0.1", int(sys.argv[2])))
def up():
    for line in sys.stdin.buffer: s.sendall(line)
threading.Thread(target=up, daemon=True).start()
while True:
    data = s.recv(4096)
    if not data: break
    sys.stdout.buffer.write(data); sys.stdout.buffer.flush()
' "$1" "$2"; }
  else
    die "connecting from $1 needs OpenBSD's nc (nc -s) or python3"
  fi
  CONN_PID=$CLIENT_PID
  PIDS+=("$CONN_PID")
  exec {CONN_IN}<&"${CLIENT[0]}" {CONN_OUT}>&"${CLIENT[1]}"
  OPEN_FDS+=("$CONN_IN" "$CONN_OUT")
}

# --- Alice's user agent --------------------------------------------------------

# compose FILE TO SUBJECT TEXT - step 1 of the six: a message from Alice.
compose() {
  echo "\$ ../../bin/mime build --from alice@crepes.fr --to $2 --subject '$3' --text '$4' > $1"
  "$bin/mime" build --from alice@crepes.fr --to "$2" --subject "$3" --text "$4" >"$lab/$1"
}

# submit FILE - step 2 of the six: hand FILE to Alice's server. mailsend
# takes the envelope from the From: and To: lines; without mailsend, we do
# the same over /dev/tcp (dot-stuffing lines that start with a dot). Sets
# RCPT_CODE to the reply Alice's server gave RCPT TO.
submit() {
  local from to line
  from=$(sed -n 's/^From: *//p' "$lab/$1" | head -n 1)
  to=$(sed -n 's/^To: *//p' "$lab/$1" | head -n 1)
  if [ -x "$bin/mailsend" ]; then
    echo "\$ ../../bin/mailsend --server 127.0.0.1:$CREPES_PORT < $1"
    "$bin/mailsend" --server "127.0.0.1:$CREPES_PORT" <"$lab/$1" || die "mailsend failed"
    RCPT_CODE=250
    return
  fi
  echo "# (no bin/mailsend yet: the user agent's session, by hand)"
  connect "$CREPES_PORT"
  expect 220
  say "EHLO alice-laptop.crepes.fr" 250
  say "MAIL FROM:<$from>" 250
  say "RCPT TO:<$to>" 250
  RCPT_CODE=$CODE
  say "DATA" 354
  echo "# (the lines of $1)"
  while IFS= read -r line; do
    [[ $line == .* ]] && line=.$line
    printf '%s\r\n' "$line" >&"$CONN_OUT"
  done <"$lab/$1"
  say "." 250
  say "QUIT" 221
  disconnect
}

# --- what the student looks at ---------------------------------------------------

# count DIR - how many messages Maildir DIR has in new/ and cur/.
count() { find "$1/new" "$1/cur" -type f 2>/dev/null | grep -c . || true; }

# more_than DIR N - Maildir DIR has more than N messages.
more_than() { [ "$(count "$1")" -gt "$2" ]; }

# log_has FILE TEXT - FILE holds a line containing TEXT.
log_has() { grep -qF -- "$2" "$lab/$1"; }

# newest DIR - the most recent message file of Maildir DIR.
newest() {
  local f best=
  for f in "$1"/new/* "$1"/cur/*; do
    [ -f "$f" ] || continue
    if [ -z "$best" ] || [ "$f" -nt "$best" ]; then best=$f; fi
  done
  printf '%s' "$best"
}

rm -f "$lab/crepes.log" "$lab/hamburger.log"
bob=$lab/hamburger-mail/bob
alice=$lab/crepes-mail/alice

echo "# Step 1: two servers"
start_smtpd hamburger 0 -d hamburger.edu -m hamburger-mail -u users
HAMBURGER_PORT=$PORT HAMBURGER_PID=$PID
printf 'hamburger.edu 127.0.0.1:%s\n' "$HAMBURGER_PORT" >"$work/routes"
start_smtpd crepes 0 -d crepes.fr -m crepes-mail --routes "$work/routes" \
  --queue-retry "$QUEUE_RETRY_SECONDS"
CREPES_PORT=$PORT
echo "# hamburger.edu (Bob's server) on port $HAMBURGER_PORT, crepes.fr (Alice's) on port $CREPES_PORT"
echo "# routes: $(cat "$work/routes")"

echo
echo "# Step 2: Alice writes to Bob"
before=$(count "$bob")
compose ketchup.eml bob@hamburger.edu "Ketchup" "Do you like ketchup? How about pickles?"
submit ketchup.eml
wait_until "delivery into hamburger-mail/bob/" more_than "$bob" "$before"
A[1]="crepes.fr, Alice's mail server (the user agent was the client)"
A[2]="crepes.fr: Alice's server, through its queue runner, was the client; hamburger.edu the server"

echo
echo "# Step 3: the Received: trail"
msg=$(newest "$bob")
echo "\$ cat hamburger-mail/bob/new/$(basename "$msg")"
cat "$msg"
# The "by" host of each Received line, from the bottom line up: the route.
route=$(sed -n 's/^[[:space:]]*by \([^ ]*\).*/\1/p' "$msg" | awk '{ r = $0 (NR > 1 ? " " r : "") } END { print r }')
[ "$route" = "crepes.fr hamburger.edu" ] || die "the Received lines say '$route', not crepes.fr then hamburger.edu"
A[3]="crepes.fr, then hamburger.edu (the Received lines read from the bottom up)"

echo
echo "# Step 4: Bob's server is down"
stop "$HAMBURGER_PID"
echo "# (Bob's server, PID $HAMBURGER_PID, stopped)"
compose crepes.eml bob@hamburger.edu "Crepes tonight?" "Are you coming for crepes tonight?"
submit crepes.eml
wait_until "a deferred delivery in crepes.log" log_has crepes.log "deferred:"
echo "\$ ../../bin/smtpd --queue-list -m crepes-mail"
listing=$(cd "$lab" && "$bin/smtpd" --queue-list -m crepes-mail)
printf '%s\n' "$listing"
qid=$(printf '%s\n' "$listing" | grep -oE '^[0-9]+\.M[0-9]+P[0-9]+Q[0-9]+\.[^ ]+' | head -n 1)
[ -n "$qid" ] || die "no Queue ID in the queue listing"
grep -F -- "deferred:" "$lab/crepes.log" | sed 's/^/    /'
A[4]=$qid
A[5]="Temporary: nobody answered at hamburger.edu, so crepes.fr kept the message and tried again"
before=$(count "$bob")
echo "# Bob's server again, on the same port $HAMBURGER_PORT; the queue runner tries again by itself"
start_smtpd hamburger "$HAMBURGER_PORT" -d hamburger.edu -m hamburger-mail -u users
wait_until "the retry of $qid" log_has crepes.log "-- queue: $qid is done"
wait_until "delivery into hamburger-mail/bob/" more_than "$bob" "$before"
grep -F -- "queue: $qid" "$lab/crepes.log" | sed 's/^/    /'

echo
echo "# Step 5: a bounce"
before=$(count "$alice")
compose typo.eml bbo@hamburger.edu "Pickles" "How about pickles?"
submit typo.eml
user_agent_code=$RCPT_CODE
wait_until "a bounce in crepes-mail/alice/" more_than "$alice" "$before"
bounce=$(newest "$alice")
echo "\$ cat crepes-mail/alice/new/$(basename "$bounce")"
cat "$bounce"
grep -q '^S: 550 ' "$lab/crepes.log" || die "no 550 from hamburger.edu in crepes.log"
sender=$(sed -n 's/^Return-Path: *//p' "$bounce" | head -n 1)
[ "$sender" = "<>" ] || die "the bounce's Return-Path is '$sender', not <>"
A[6]="$user_agent_code from crepes.fr to my user agent; 550 from hamburger.edu to crepes.fr, which then wrote the bounce"
A[7]=$sender
A[8]="The null sender: a bounce is never bounced, so an undeliverable bounce cannot start a loop of bounces"

echo
echo "# Step 6: no open relay"
connect_from 127.0.0.2 "$CREPES_PORT"
expect 220
say "HELO evil.example" 250
say "MAIL FROM:<spammer@evil.example>" 250
say "RCPT TO:<bob@hamburger.edu>" 554
[[ $LINE == "554 5.7.1 "* ]] || die "expected 554 5.7.1, got: $LINE"
say "RCPT TO:<alice@crepes.fr>" 250
A[10]=$CODE
say "QUIT" 221
disconnect
A[9]="Relay access denied: crepes.fr carries mail to other domains only for its own users and networks (127.0.0.1); 127.0.0.2 is not trusted, so no open relay for spammers"

echo
echo "# Step 7: Bob reads his mail"
start_in_lab "$work/pop3d.log" 0 "$bin/pop3d" -d hamburger.edu -m hamburger-mail -u users
pop3_port=$PORT
echo "\$ ../../bin/mailget --keep -u bob --password-file bob.password 127.0.0.1:$pop3_port -o bob-inbox"
(cd "$lab" && "$bin/mailget" --keep -u bob --password-file bob.password "127.0.0.1:$pop3_port" -o bob-inbox)
A[11]="POP3: an access protocol; Bob's user agent pulls the mail, SMTP only pushed it to his server"
A[12]="It receives mail as a server (from user agents and other servers) and sends queued mail on as a client of the next server: crepes.fr was both"

# answers.txt: the template, with each "A<n>:" line filled in.
write_answers
echo
echo "# answers written to $lab/answers.txt"
grep '^A[0-9]*:' "$lab/answers.txt"
