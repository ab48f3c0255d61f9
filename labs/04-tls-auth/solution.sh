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

# The code every lab shares is in labs/lib/, beside this folder (a copy of
# this folder made elsewhere finds it through $CARTERO_ROOT); it also sets
# script_dir, this folder.
lib=$(dirname "${BASH_SOURCE[0]}")/../lib; [ -d "$lib" ] || lib=${CARTERO_ROOT:-.}/labs/lib
# shellcheck source=SCRIPTDIR/../lib/solution.bash disable=SC1091
. "$lib/solution.bash" || exit 70

solution_options "$@"   # sets force, lab and root
need_programs smtpd mailcat b64
command -v openssl >/dev/null || die "openssl is not installed (apt-get install openssl)"
need_beside answers.template users
protect_answers
[ "$lab" = "$script_dir" ] || cp "$script_dir/users" "$lab/"

solution_work_dir lab04
certs=$work/certs

# on_failure - what cleanup shows when we failed: the end of smtpd's transcript.
on_failure() { show_tail "the end of smtpd's transcript ($lab/smtpd.log)" "$lab/smtpd.log" 30; }

# start LOG ARGS... - starts smtpd in the lab directory on a free port, with
# the lab's mail root, users and certificate, its -v transcript appended to
# LOG in the lab; sets PORT.
start() {
  start_in_lab "$lab/$1" 0 "$bin/smtpd" -d hamburger.edu -m lab-mail -u users \
    --tls-cert "$certs/server.pem" --tls-key "$certs/server.key" -v "${@:2}"
}

# --- talking to the servers (connect, send, say... are in lib/solution.bash) ---

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
disconnect

echo; echo "# Steps 3 and 4: STARTTLS, :starttls, EHLO again, AUTH PLAIN, a message"
b64=$(printf '\0bob\0hungry' | "$bin/b64")
printf '%s\n' "\$ printf '\\0bob\\0hungry' | b64"
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
if IFS= read -r -t "$REPLY_TIMEOUT_SECONDS" LINE <&"$CONN_IN" 2>/dev/null; then
  die "the implicit-TLS server answered clear text: $LINE"
fi
echo "(no answer: the server expected a TLS handshake and closed the connection)"
disconnect
wait_until "smtps.log saying 'the client did not speak TLS'" \
  grep -qs 'the client did not speak TLS' "$lab/smtps.log"
grep 'did not speak TLS' "$lab/smtps.log" | tail -n 1
A[8]="25: between mail servers (MX, relay), without login; 587 is submission with STARTTLS and AUTH"
A[9]="465: submission with TLS from the first byte (implicit TLS, RFC 8314)"

# answers.txt: the template with each "A<n>:" line filled in.
write_answers
echo; echo "# Wrote $lab/answers.txt. Check it: make check-lab LAB=04"
