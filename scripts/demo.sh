#!/usr/bin/env bash
# demo.sh - the live demo behind `make demo`: the course's SMTP session,
# played against our own server on loopback.
#
#   1. start smtpd for hamburger.edu on 127.0.0.1 (a free port)
#   2. play the slide's session, as telnet would (C: and S: lines)
#   3. show the server's own transcript (-v)
#   4. show the file delivered into bob's Maildir
#
# Between steps it pauses on a terminal; DEMO_PAUSE=0 for none. It stops
# the server it started (by PID), also on Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CARTERO_BIN:-$root/bin}
work=$(mktemp -d "${TMPDIR:-/tmp}/cartero-demo.XXXXXX")
pids=()

cleanup() {
  local pid
  for pid in "${pids[@]:-}"; do
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -t 1 ]; then bold=$'\033[1m' dim=$'\033[2m' reset=$'\033[0m'; else bold= dim= reset=; fi
pause=${DEMO_PAUSE:-}
[ -z "$pause" ] && { [ -t 0 ] && [ -t 1 ] && pause=1 || pause=0; }

step() {
  if [ "$pause" != 0 ]; then
    read -r -p "${dim}(Enter for the next step)${reset}" _ || true
  fi
  printf '\n%s== %s ==%s\n' "$bold" "$*" "$reset"
}

# start_server NAME ARGS... - start bin/NAME on a free port; sets PORT.
start_server() {
  local name=$1; shift
  "$bin/$name" -p 0 --port-file "$work/$name.port" "$@" 2>"$work/$name.log" &
  pids+=($!)
  local i
  for ((i = 0; i < 250; i++)); do
    [ -s "$work/$name.port" ] && break
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$work/$name.log" >&2; exit 1; }
    sleep 0.02
  done
  PORT=$(cat "$work/$name.port")
}

# play_session PORT - the slide's session, waiting for each reply as a
# person at telnet would, printing both sides in the slide's notation.
play_session() {
  local port=$1 line
  exec {fd}<>"/dev/tcp/127.0.0.1/$port"
  expect() {                       # read one complete reply (RFC 5321 4.2.1)
    while IFS= read -r -t 10 line <&$fd; do
      line=${line%$'\r'}
      printf 'S: %s\n' "$line"
      [[ $line =~ ^[0-9]{3}- ]] || return 0
    done
    echo "(no reply from the server)" >&2; return 1
  }
  client() { printf 'C: %s\n' "$1"; printf '%s\r\n' "$1" >&$fd; }
  expect
  client "HELO crepes.fr"; expect
  client "MAIL FROM: <alice@crepes.fr>"; expect
  client "RCPT TO: <bob@hamburger.edu>"; expect
  client "DATA"; expect
  client "Do you like ketchup?"
  client "How about pickles?"
  client "."; expect
  client "QUIT"; expect
  exec {fd}>&-
}

step "1. Start hamburger.edu's mail server (smtpd) on 127.0.0.1"
start_server smtpd -d hamburger.edu -m "$work/mail" -v
echo "smtpd listens on 127.0.0.1 port $PORT; mail root $work/mail"
echo "${dim}(a student types: bin/smtpd -d hamburger.edu -m lab-mail -v)${reset}"

step "2. The slide's session, as typed with: telnet 127.0.0.1 $PORT"
if [ -x "$bin/mailcat" ] && [ -f "$root/labs/01-smtp-by-hand/slide-session.script" ]; then
  "$bin/mailcat" --no-color --script "$root/labs/01-smtp-by-hand/slide-session.script" 127.0.0.1 "$PORT"
else
  play_session "$PORT"
fi

step "3. The same session, seen by the server (smtpd -v)"
for ((i = 0; i < 250; i++)); do grep -q 'session 1: closed' "$work/smtpd.log" && break; sleep 0.02; done
sed 's/^/  /' "$work/smtpd.log"

step "4. Bob's mailbox: the message as a Maildir file in bob/new/"
file=$(find "$work/mail/bob/new" -type f | head -n 1)
echo "${bold}${file#$work/}${reset}"
sed 's/^/  | /' "$file"
echo
echo "Return-Path and Received were added by the server: the envelope (MAIL FROM,"
echo "RCPT TO) is not part of the message; only the trace lines record it."
echo
echo "Done. Try it by hand: bin/smtpd -d hamburger.edu -m lab-mail -v, then"
echo "telnet 127.0.0.1 2525 in another terminal (labs/01-smtp-by-hand/README.md)."
