#!/usr/bin/env bash
# demo.sh - the live demo behind `make demo`: Alice's message to Bob, the
# course's six steps, played on loopback with Cartero's own programs.
#
#   crepes.fr      Alice's mail server: smtpd with an outgoing queue
#   hamburger.edu  Bob's mail server: smtpd (SMTP in) and pop3d (POP3 out)
#
#   (1) Alice's user agent composes a message (mime build)
#   (2) and sends it to her server (mailsend), where it waits in the queue
#   (3) her server's SMTP client opens a TCP connection to Bob's server
#   (4) and sends the message over it (the queue runner)
#   (5) Bob's server puts it into Bob's mailbox (a Maildir)
#   (6) Bob's user agent reads it (mailget, with POP3)
#
# Between steps it pauses on a terminal; DEMO_PAUSE=0 for none. It stops
# every process it started (by PID), also on Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CARTERO_BIN:-$root/bin}
work=$(mktemp -d "${TMPDIR:-/tmp}/cartero-demo.XXXXXX")
pids=()

cleanup() {
  local pid
  for pid in "${pids[@]:-}"; do
    [ -n "$pid" ] || continue
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -t 1 ]; then bold=$'\033[1m' dim=$'\033[2m' reset=$'\033[0m'; else bold= dim= reset=; fi
pause=${DEMO_PAUSE:-}
if [ -z "$pause" ]; then
  if [ -t 0 ] && [ -t 1 ]; then pause=1; else pause=0; fi
fi

step() {
  if [ "$pause" != 0 ]; then
    read -r -p "${dim}(Enter for the next step)${reset}" _ || true
  fi
  printf '\n%s%s%s\n' "$bold" "$*" "$reset"
}

say() { printf '%s%s%s\n' "$dim" "$*" "$reset"; }

# indent - show a block of text set in from the left margin.
indent() { sed 's/^/    /'; }

# wait_until SECONDS CONDITION... - a bounded wait for a condition.
wait_until() {
  local limit=$(( $1 * 50 )) i; shift
  for ((i = 0; i < limit; i++)); do
    "$@" && return 0
    sleep 0.02
  done
  echo "demo: gave up waiting for: $*" >&2
  return 1
}

# start NAME LOGFILE ARGS... - start bin/NAME on a free loopback port; sets PORT.
start() {
  local name=$1 log=$2; shift 2
  local portfile="$work/$log.port"
  "$bin/$name" -l 127.0.0.1 -p 0 --port-file "$portfile" "$@" 2>"$work/$log.log" &
  pids+=($!)
  # For the tests: where the demo's processes can be checked after it ends.
  [ -z "${DEMO_PIDS_FILE:-}" ] || echo "$!" >> "$DEMO_PIDS_FILE"
  if ! wait_until 10 test -s "$portfile"; then
    cat "$work/$log.log" >&2
    exit 1
  fi
  PORT=$(cat "$portfile")
}

queue_empty() { [ -z "$(ls -A "$work/crepes/.queue/env" 2>/dev/null)" ]; }
bob_has_mail() { [ -n "$(ls -A "$work/hamburger/bob/new" 2>/dev/null)" ]; }

# --- the two mail servers ---------------------------------------------------
printf 'bob:{PLAIN}hungry\n' > "$work/users"
printf 'hungry\n' > "$work/bob-password"

step "Two mail servers on this machine (127.0.0.1)"
start smtpd hamburger -d hamburger.edu -m "$work/hamburger" -u "$work/users" -v
hamburger_smtp=$PORT
start pop3d hamburger-pop3 -d hamburger.edu -m "$work/hamburger" -u "$work/users" -v
hamburger_pop3=$PORT
printf 'hamburger.edu 127.0.0.1:%s\n' "$hamburger_smtp" > "$work/routes"
# --queue-only: new mail waits for the next queue run, so that we can look
# at the queue before the message leaves (sendmail's -odq).
start smtpd crepes -d crepes.fr -m "$work/crepes" --routes "$work/routes" \
  --queue-only --queue-interval 3600 -v
crepes_smtp=$PORT
echo "crepes.fr      (Alice's server): SMTP on port $crepes_smtp, with an outgoing queue"
echo "hamburger.edu  (Bob's server):   SMTP on port $hamburger_smtp, POP3 on port $hamburger_pop3"
say "crepes.fr's routes file, the lab's stand-in for DNS MX records: $(cat "$work/routes")"

# --- (1) compose --------------------------------------------------------------
step "(1) Alice's user agent composes a message to bob@hamburger.edu"
"$bin/mime" build --from "Alice <alice@crepes.fr>" --to "Bob <bob@hamburger.edu>" \
  --subject "Do you like ketchup?" \
  --text "Do you like ketchup?
How about pickles?" > "$work/message.eml"
indent < "$work/message.eml"
say "The header lines (From, To, Subject...) are part of the message, not the envelope."

# --- (2) submit, and the queue ---------------------------------------------
step "(2) It sends it to her mail server (SMTP), where it waits in the outgoing queue"
"$bin/mailsend" --server "127.0.0.1:$crepes_smtp" --helo alice-laptop.crepes.fr -v \
  < "$work/message.eml" 2>&1 | indent
echo
echo "\$ smtpd --queue-list -m crepes   (as mailq shows it)"
"$bin/smtpd" --queue-list -m "$work/crepes" | indent

# --- (3) and (4) the relay ----------------------------------------------------
step "(3) crepes.fr's SMTP client opens a TCP connection to hamburger.edu, (4) and sends it"
say "\$ smtpd --flush -m crepes   (a queue run now; the server is a client now)"
"$bin/smtpd" --flush -m "$work/crepes" >/dev/null
wait_until 20 queue_empty
wait_until 10 grep -q 'is done: removed from the queue' "$work/crepes.log"
# The runner's part of crepes.fr's transcript: its lines are not session-tagged.
sed -n '/queue: trying every message now/,$p' "$work/crepes.log" | grep -v '^\[' | tail -n +2 | indent

# --- (5) Bob's mailbox --------------------------------------------------------
step "(5) hamburger.edu puts the message into Bob's mailbox"
wait_until 10 bob_has_mail
file=$(find "$work/hamburger/bob/new" -type f | head -n 1)
echo "${file#$work/}"
indent < "$file"
say "Two Received lines: read them from the bottom up to follow the message's path."

# --- (6) Bob reads it ---------------------------------------------------------
step "(6) Bob's user agent reads it (POP3, download and delete)"
"$bin/mailget" -u bob --password-file "$work/bob-password" "127.0.0.1:$hamburger_pop3" \
  -o "$work/bob-laptop" -v 2>&1 | indent
echo
echo "In Bob's user agent's own Maildir:"
find "$work/bob-laptop" -type f -path '*/new/*' | sed "s|^$work/||" | indent

step "Done: the six steps of the slide."
echo "Alice's server was a server (for her user agent) and a client (for Bob's server)."
echo "Try it yourself: labs/01-smtp-by-hand (SMTP by hand) to labs/05-relay (this scenario)."
