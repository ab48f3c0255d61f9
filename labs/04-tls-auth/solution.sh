#!/usr/bin/env bash
# solution.sh - performs lab 04 end to end, as a student does it, and writes
# answers.txt from what the servers answered.
#
# usage: solution.sh [--force] [LAB_DIR]
#
#   LAB_DIR       where lab-mail/, smtpd.log, smtps.log and answers.txt go
#                 (default: $LAB_DIR, or the directory of this script)
#   --force       overwrite an existing answers.txt
#   $CARTERO_BIN  the directory holding smtpd, mailcat and b64 (default:
#                 bin/ of this repository)
#
# It makes a lab CA and certificate in a temporary folder (scripts/certs.sh,
# what `make certs` runs), starts the submission server (STARTTLS,
# --auth-required, as on port 587) and the implicit-TLS server (as on 465)
# on 127.0.0.1 with ports the kernel picks (-p 0 --port-file), in LAB_DIR
# with -m lab-mail as the README says, keeps their -v transcripts in
# smtpd.log and smtps.log, talks to them in clear text over bash's /dev/tcp,
# with mailcat (its :starttls as a student types it, --starttls, --tls) and
# with openssl s_client, and stops the servers by their PIDs. Instructors
# can run it as a demo: it prints the sessions in the slides' notation.
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
    -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
for p in smtpd mailcat b64; do
  [ -x "$bin/$p" ] || die "no $bin/$p: run 'make' first, or set CARTERO_BIN"
done
command -v openssl >/dev/null || die "openssl is not installed (apt-get install openssl)"
[ -f "$script_dir/answers.template" ] || die "no answers.template beside solution.sh"
[ -f "$script_dir/users" ] || die "no users file beside solution.sh"
if [ -e "$lab/answers.txt" ] && [ "$force" = 0 ]; then
  die "$lab/answers.txt exists: keep it, or run again with --force (or reset.sh first)"
fi
[ "$lab" = "$script_dir" ] || cp "$script_dir/users" "$lab/"

work=$(mktemp -d "${TMPDIR:-/tmp}/cartero-lab04.XXXXXX")
certs=$work/certs
SERVER_PIDS=()
CONN_FD=

cleanup() {
  local status=$? pid
  [ -z "$CONN_FD" ] || { exec {CONN_FD}>&- || true; } 2>/dev/null
  for pid in "${SERVER_PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ] && [ -s "$lab/smtpd.log" ]; then
    echo "--- the end of smtpd's transcript ($lab/smtpd.log):" >&2
    tail -n 30 "$lab/smtpd.log" >&2
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start LOG ARGS... - starts smtpd in the lab directory on a free port, its
# stderr (the -v transcript) appended to LOG in the lab; sets PORT.
start() {
  local logname=$1 portfile i pid
  shift
  portfile=$(mktemp "$work/port.XXXXXX")
  rm -f "$portfile"
  (cd "$lab" && exec "$bin/smtpd" -l 127.0.0.1 -p 0 --port-file "$portfile" \
      -d hamburger.edu -m lab-mail -u users \
      --tls-cert "$certs/server.pem" --tls-key "$certs/server.key" -v "$@") \
      2>>"$lab/$logname" 3>&- &
  pid=$!
  SERVER_PIDS+=("$pid")
  for ((i = 0; i < START_TRIES; i++)); do
    [ -s "$portfile" ] && break
    kill -0 "$pid" 2>/dev/null || die "smtpd stopped at once (see $lab/$logname)"
    sleep 0.02
  done
  [ -s "$portfile" ] || die "smtpd did not start listening within 10 s"
  PORT=$(cat "$portfile")
}

# --- talking SMTP in clear text over /dev/tcp, as telnet does -----------------

connect() {
  echo "\$ telnet 127.0.0.1 $1"
  exec {CONN_FD}<>"/dev/tcp/127.0.0.1/$1" || die "cannot connect to 127.0.0.1:$1"
}

hang_up() {
  exec {CONN_FD}>&-
  CONN_FD=
}

send() {
  printf '%s\r\n' "$1" >&"$CONN_FD"
  echo "C: $1"
}

# read_reply - reads one whole reply ("250-" lines too); sets CODE and LINE (the last line).
read_reply() {
  while :; do
    IFS= read -r -t "$REPLY_TIMEOUT_SECONDS" LINE <&"$CONN_FD" ||
      die "no reply within $REPLY_TIMEOUT_SECONDS s (or the server closed the connection)"
    LINE=${LINE%$'\r'}
    echo "S: $LINE"
    [[ $LINE =~ ^[0-9]{3}- ]] || break
  done
  CODE=${LINE:0:3}
}

expect() {
  read_reply
  [ "$CODE" = "$1" ] || die "expected a $1 reply, got: $LINE"
}

say() {
  send "$1"
  expect "$2"
}

# mailcat ARGS... - runs mailcat (no colours) with the lab CA; its output is
# shown and kept in $MAILCAT_OUT.
mailcat() {
  echo "\$ mailcat $*"
  MAILCAT_OUT=$("$bin/mailcat" --no-color --timeout "$REPLY_TIMEOUT_SECONDS" \
      --cafile "$certs/ca.pem" "$@") || { echo "$MAILCAT_OUT"; die "mailcat failed"; }
  echo "$MAILCAT_OUT"
}

# script NAME LINES... - writes a mailcat script; prints its path.
script() {
  local file=$work/$1.script
  shift
  printf '%s\n' "$@" >"$file"
  printf '%s' "$file"
}

# wait_for_line FILE PATTERN - waits (bounded) until FILE has a line matching PATTERN.
wait_for_line() {
  local i
  for ((i = 0; i < START_TRIES; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.02
  done
  die "$1 never said: $2"
}

declare -A A=()

echo "# make certs: a lab CA and a certificate for hamburger.edu, localhost, 127.0.0.1"
bash "${CARTERO_ROOT:-$root}/scripts/certs.sh" "$certs" >/dev/null
rm -f "$lab/smtpd.log" "$lab/smtps.log"
start smtpd.log --auth-required
SUBMISSION_PORT=$PORT
start smtps.log --auth-required --implicit-tls
SMTPS_PORT=$PORT
echo "# submission server (as on 587) on port $SUBMISSION_PORT, implicit TLS (as on 465) on $SMTPS_PORT"

echo; echo "# Step 2: in clear text the server offers STARTTLS, and refuses MAIL and AUTH"
connect "$SUBMISSION_PORT"
expect 220
say "EHLO crepes.fr" 250
say "MAIL FROM:<bob@hamburger.edu>" 530
A[1]="Authentication: the client must log in (AUTH) before MAIL FROM. The server said: $LINE"
say "AUTH PLAIN AGJvYgBodW5ncnk=" 538
A[2]="Encryption: STARTTLS (TLS) first, then AUTH; no password in clear text. The server said: $LINE"
say "QUIT" 221
hang_up

echo; echo "# Steps 3 and 4: STARTTLS, :starttls, EHLO again, AUTH PLAIN, a message"
b64=$(printf '\0bob\0hungry' | "$bin/b64")
echo "\$ printf '\\0bob\\0hungry' | b64"
echo "$b64"
A[4]=$b64
s=$(script starttls 'S: 220' 'C: EHLO crepes.fr' 'S: 250' 'C: STARTTLS' 'S: 220' ':starttls' \
  'C: EHLO crepes.fr' 'S: 250' "C: AUTH PLAIN $b64" 'S: 235' \
  'C: MAIL FROM:<bob@hamburger.edu>' 'S: 250' 'C: RCPT TO:<alice@hamburger.edu>' 'S: 250' \
  'C: DATA' 'S: 354' 'C: From: bob@hamburger.edu' 'C: To: alice@hamburger.edu' \
  'C: Subject: Sent as Gmail takes it' 'C:' 'C: Do you like ketchup?' 'C: .' 'S: 250' \
  'C: QUIT' 'S: 221')
mailcat --proto smtp --script "$s" 127.0.0.1 "$SUBMISSION_PORT"
grep -q '^S: 250-AUTH' <<<"$MAILCAT_OUT" || die "the EHLO after TLS offered no AUTH"
A[3]="The server forgets everything said before STARTTLS (RFC 3207 4.2), so EHLO starts over; now the reply offers AUTH PLAIN LOGIN, and no STARTTLS"
echo "\$ echo $b64 | b64 -d | cat -v"
printf '%s\n' "$b64" | "$bin/b64" -d | cat -v; echo
A[5]="No: Base64 is an encoding, not encryption; b64 -d turns it back into ^@bob^@hungry for anyone. Only TLS hides it"
delivered=$(grep -l 'authenticated as bob' "$lab"/lab-mail/alice/new/* | head -n 1)
[ -n "$delivered" ] || die "no message from bob in lab-mail/alice/new/"
echo "\$ cat $(basename "$delivered")"
cat "$delivered"
grep -q 'with ESMTPSA ' "$delivered" || die "the Received line does not say ESMTPSA"
A[6]="S: the message came over TLS (STARTTLS); A: the client authenticated (AUTH), RFC 3848"

echo; echo "# Step 5: a wrong password"
bad=$(printf '\0bob\0ketchup' | "$bin/b64")
s=$(script wrong 'C: EHLO crepes.fr' 'S: 250' "C: AUTH PLAIN $bad" 'S: 535' 'C: QUIT' 'S: 221')
mailcat --starttls --script "$s" 127.0.0.1 "$SUBMISSION_PORT"
A[7]="535: authentication credentials invalid (wrong user or password), answered after a delay: $(grep '^S: 535' <<<"$MAILCAT_OUT")"

echo; echo "# Step 6: the same with openssl s_client -starttls smtp"
echo "\$ openssl s_client -starttls smtp -crlf -quiet -connect 127.0.0.1:$SUBMISSION_PORT -CAfile ca.pem"
out=$(printf 'EHLO crepes.fr\nAUTH PLAIN %s\nQUIT\n' "$b64" |
  timeout 30 openssl s_client -starttls smtp -crlf -quiet -connect "127.0.0.1:$SUBMISSION_PORT" \
    -CAfile "$certs/ca.pem" -verify_return_error 2>&1) || true
printf '%s\n' "$out" | tr -d '\r'
grep -q '^235 ' <<<"$out" || die "openssl s_client did not authenticate"

echo; echo "# Step 7: port 465, TLS from the first byte; and clear text there"
s=$(script implicit 'S: 220' 'C: EHLO crepes.fr' 'S: 250' "C: AUTH PLAIN $b64" 'S: 235' \
  'C: MAIL FROM:<bob@hamburger.edu>' 'S: 250' 'C: RCPT TO:<alice@hamburger.edu>' 'S: 250' \
  'C: DATA' 'S: 354' 'C: Subject: via 465' 'C:' 'C: How about pickles?' 'C: .' 'S: 250' \
  'C: QUIT' 'S: 221')
mailcat --tls --proto smtp --script "$s" 127.0.0.1 "$SMTPS_PORT"
connect "$SMTPS_PORT"
send "EHLO crepes.fr"
if IFS= read -r -t "$REPLY_TIMEOUT_SECONDS" LINE <&"$CONN_FD" 2>/dev/null; then
  die "the implicit-TLS server answered clear text: $LINE"
fi
echo "(no answer: the server expected a TLS handshake and closed the connection)"
hang_up
wait_for_line "$lab/smtps.log" 'the client did not speak TLS'
grep 'did not speak TLS' "$lab/smtps.log" | tail -n 1
A[8]="25: between mail servers (MX, relay), without login; 587 is submission with STARTTLS and AUTH"
A[9]="465: submission with TLS from the first byte (implicit TLS, RFC 8314)"

# answers.txt: the template with each "A<n>:" line filled in.
while IFS= read -r line; do
  if [[ $line =~ ^A([0-9]+):[[:space:]]*$ ]]; then
    printf 'A%s: %s\n' "${BASH_REMATCH[1]}" "${A[${BASH_REMATCH[1]}]:-}"
  else
    printf '%s\n' "$line"
  fi
done < "$script_dir/answers.template" > "$lab/answers.txt.tmp"
mv "$lab/answers.txt.tmp" "$lab/answers.txt"
echo; echo "# Wrote $lab/answers.txt. Check it: make check-lab LAB=04"
