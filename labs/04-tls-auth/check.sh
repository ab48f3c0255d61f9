#!/usr/bin/env bash
# check.sh - checks lab 04 "Secure mail: TLS and AUTH": the sessions the
# student had with the two smtpd servers (their -v transcripts), the mail
# they delivered, and the answers.
#
# usage: check.sh [--format text|tap|junit] [LAB_DIR]
#
#   LAB_DIR      the lab directory holding the work (default: $LAB_DIR, or
#                the directory of this script)
#   $LAB_MAIL    the mail root the servers used (default LAB_DIR/lab-mail)
#   $LAB_LOG     the submission server's -v transcript (default LAB_DIR/smtpd.log)
#   $LAB_LOG_465 the implicit-TLS server's -v transcript (default LAB_DIR/smtps.log)
#   $LAB_ANSWERS the answers file (default LAB_DIR/answers.txt)
#
# Each step prints "ok" or "HINT: ..." pointing at the README step to redo.
# Exit status: 0 when every step passed, 1 when some did not, 64 bad usage.
#
# The check reads files only: it starts no server and needs no program from
# bin/. How it decides (a session is one connection: the transcript lines
# tagged "[N] "):
#   transcript          smtpd.log holds smtpd's -v transcript
#   auth-refused-in-clear  a session where AUTH got 538 before any TLS
#   mail-before-auth    a session where MAIL FROM got 530
#   starttls            a session with STARTTLS and "-- TLS is on"
#   ehlo-again          after "-- TLS is on", an EHLO answered with an AUTH line
#   auth-plain          after "-- TLS is on", "-- authenticated as bob"
#   wrong-password      a session where AUTH got 535
#   openssl-s-client    a session opened by openssl s_client -starttls smtp
#                       (it says "EHLO mail.example.com" by itself) that got TLS
#   delivered           a message in lab-mail/ whose Received line says
#                       "(authenticated as bob)" and "with ESMTPSA"
#   implicit-tls        smtps.log: a session with TLS from the first byte in
#                       which bob authenticated
#   clear-text-on-465   smtps.log: a client that did not speak TLS, logged
#   answer-1..9         the lines "A<n>: ..." of answers.txt
#
# Contract with scripts/grade.sh: "--format tap" prints a plan "1..N" and one
# "ok N - NAME" or "not ok N - NAME" line per step, each failure followed by
# a "# HINT: ..." line.
set -uo pipefail

# The code every lab shares is in labs/lib/, beside this folder (a copy of
# this folder made elsewhere finds it through $CARTERO_ROOT); it also sets
# script_dir, this folder.
lib=$(dirname "${BASH_SOURCE[0]}")/../lib; [ -d "$lib" ] || lib=${CARTERO_ROOT:-.}/labs/lib
# shellcheck source=SCRIPTDIR/../lib/check.bash disable=SC1091
. "$lib/check.bash" || exit 70

check_options "$@"   # sets format, lab and answers
mail=${LAB_MAIL:-$lab/lab-mail}
log=${LAB_LOG:-$lab/smtpd.log}
log465=${LAB_LOG_465:-$lab/smtps.log}

check_work_dir check04

# --- the transcripts, split into one file per session ------------------------

# $work/587/N and $work/465/N hold session N's lines of each server's
# transcript (split_sessions in lib/check.bash).
split_sessions "$log" "$work/587"
split_sessions "$log465" "$work/465"
mapfile -t SESSIONS < <(session_files "$work/587")
mapfile -t SESSIONS_465 < <(session_files "$work/465")

# has SESSION PATTERN - the session has a line matching the extended regex.
has() { grep -qE "$2" "$1"; }

# after SESSION FIRST SECOND - a line matching SECOND comes after one matching FIRST.
after() {
  awk -v a="$2" -v b="$3" '
    $0 ~ a { seen = 1; next }
    seen && $0 ~ b { found = 1; exit }
    END { exit !found }' "$1"
}

# before_tls SESSION PATTERN - a line matching PATTERN comes before any "TLS is on".
before_tls() {
  awk -v p="$2" '
    /^-- TLS is on/ { exit }
    $0 ~ p { found = 1; exit }
    END { exit !found }' "$1"
}

start_server_hint="Start the submission server from the lab folder and keep its transcript: ../../bin/smtpd -d hamburger.edu -m lab-mail -u users -p 2587 --tls-cert ../../certs/server.pem --tls-key ../../certs/server.key --auth-required -v 2>&1 | tee smtpd.log"

# --- steps on the submission server (port 2587) -------------------------------------

check_transcript() {
  if [ ${#SESSIONS[@]} -gt 0 ]; then
    pass transcript "$(rel "$log") holds ${#SESSIONS[@]} session(s)"
  elif [ -f "$log" ]; then
    hint transcript "$(rel "$log") has no session lines: was smtpd started with -v, and did you connect to it? (README step 1)."
  else
    hint transcript "There is no $(rel "$log"). $start_server_hint (README step 1)."
  fi
}

refused_538() { before_tls "$1" '^S: 538 '; }
check_auth_refused() {
  if find_session refused_538; then
    pass auth-refused-in-clear "session $FOUND: AUTH before STARTTLS got 538"
  else
    hint auth-refused-in-clear "No session tried AUTH in clear text. Connect without TLS (../../bin/mailcat 127.0.0.1 2587), say EHLO crepes.fr, then AUTH PLAIN AGJvYgBodW5ncnk= : the server must refuse it (README step 2)."
  fi
}

mail_530() { after "$1" '^C: MAIL FROM' '^S: 530 '; }
check_mail_before_auth() {
  if find_session mail_530; then
    pass mail-before-auth "session $FOUND: MAIL FROM before AUTH got 530"
  else
    hint mail-before-auth "No MAIL FROM was refused with 530. On the submission port, try MAIL FROM:<bob@hamburger.edu> before logging in; the server runs with --auth-required, as port 587 does (README step 2)."
  fi
}

sent_starttls() { has "$1" '^C: STARTTLS'; }
tls_on() { sent_starttls "$1" && has "$1" '^-- TLS is on'; }
check_starttls() {
  if find_session tls_on; then
    pass starttls "session $FOUND: STARTTLS, then the TLS handshake"
  elif find_session sent_starttls; then
    hint starttls "Session $FOUND sent STARTTLS but TLS never started: after 220 Ready to start TLS, type :starttls in mailcat (it runs the handshake), with --cafile ../../certs/ca.pem (README step 3)."
  else
    hint starttls "No session used STARTTLS. In mailcat: EHLO crepes.fr, STARTTLS, then :starttls (README step 3)."
  fi
}

ehlo_again() { after "$1" '^-- TLS is on' '^S: 250-AUTH'; }
check_ehlo_again() {
  if find_session ehlo_again; then
    pass ehlo-again "session $FOUND: EHLO again after TLS, and now the server offers AUTH"
  else
    hint ehlo-again "No EHLO after TLS. Once TLS is on, the server has forgotten the first EHLO: say EHLO crepes.fr again and look for the new 250-AUTH line (README step 3)."
  fi
}

authenticated() { after "$1" '^-- TLS is on' '^-- authenticated as bob'; }
check_auth_plain() {
  if find_session authenticated; then
    pass auth-plain "session $FOUND: bob authenticated under TLS"
  else
    hint auth-plain "Bob never authenticated under TLS. After STARTTLS and EHLO, send AUTH PLAIN followed by the output of printf '\\0bob\\0hungry' | ../../bin/b64 and expect 235 (README step 4)."
  fi
}

wrong_535() { has "$1" '^S: 535 '; }
check_wrong_password() {
  if find_session wrong_535; then
    pass wrong-password "session $FOUND: a wrong password got 535"
  else
    hint wrong-password "No AUTH failed. Try a wrong password once, e.g. the Base64 of \\0bob\\0ketchup, and watch how long the answer takes (README step 5)."
  fi
}

s_client() {
  has "$1" '^C: EHLO (mail\.example\.com|openssl\.client\.net)$' && has "$1" '^-- TLS is on'
}
check_s_client() {
  if find_session s_client; then
    pass openssl-s-client "session $FOUND was openssl s_client's, with TLS"
  else
    hint openssl-s-client "No session from openssl s_client. Run openssl s_client -starttls smtp -crlf -quiet -connect 127.0.0.1:2587 -CAfile ../../certs/ca.pem and go on with EHLO, AUTH... (README step 6)."
  fi
}

# --- the delivered mail ---------------------------------------------------------

check_delivered() {
  local f found=
  while IFS= read -r f; do
    # the trace lines are the top of the header, before the first empty line
    if sed '/^$/q' "$f" | grep -q '(authenticated as bob)' &&
       sed '/^$/q' "$f" | grep -q 'with ESMTPSA '; then
      found=$f
      break
    fi
  done < <(mail_root_files "$mail")
  if [ -n "$found" ]; then
    pass delivered "$(rel "$found"): Received says ESMTPSA, authenticated as bob"
  elif [ -d "$mail" ]; then
    hint delivered "No message in $(rel "$mail") came in under TLS from bob: after AUTH PLAIN (235), send MAIL FROM:<bob@hamburger.edu>, RCPT TO:<alice@hamburger.edu>, DATA, a few lines and a lone dot (README step 4)."
  else
    hint delivered "There is no $(rel "$mail"): run the server from the lab folder with -m lab-mail, then send a message after AUTH (README step 4)."
  fi
}

# --- steps on the implicit-TLS server (port 2465) ------------------------------------

check_implicit_tls() {
  local s
  for s in "${SESSIONS_465[@]}"; do
    if has "$s" '^-- TLS from the first byte' && has "$s" '^-- authenticated as bob'; then
      pass implicit-tls "$(rel "$log465"), session $(basename "$s"): TLS from the first byte, then AUTH"
      return
    fi
  done
  if [ ${#SESSIONS_465[@]} -gt 0 ]; then
    hint implicit-tls "$(rel "$log465") has sessions, but bob never authenticated in one: connect with ../../bin/mailcat --tls --cafile ../../certs/ca.pem --proto smtp 127.0.0.1 2465, EHLO, AUTH PLAIN ... (README step 7)."
  else
    hint implicit-tls "No $(rel "$log465") with sessions. Start the second server with --implicit-tls -p 2465 and -v 2>&1 | tee smtps.log, and connect with mailcat --tls (README step 7)."
  fi
}

check_clear_on_465() {
  if [ -f "$log465" ] && grep -q 'TLS handshake failed: the client did not speak TLS' "$log465"; then
    pass clear-text-on-465 "$(rel "$log465") logged a client that spoke in clear text"
  else
    hint clear-text-on-465 "Nobody spoke in clear text to port 2465. Try telnet 127.0.0.1 2465 (or mailcat without --tls), type EHLO crepes.fr, and read the server's log line (README step 7)."
  fi
}

# --- the answers: a judge per question (check_answer is in lib/check.bash) ------

judge_530() {
  [[ $(lower "$1") =~ auth|autentic|login|log\ in|identif|credencial|credential|contraseña|password ]] && return 0
  echo "you wrote \"$(shown "$1")\"; read the whole 530 line: what must the client do before MAIL FROM on a submission port?"
  return 1
}

judge_538() {
  [[ $(lower "$1") =~ tls|starttls|ssl|encrypt|cifr|secure|segur ]] && return 0
  echo "you wrote \"$(shown "$1")\"; read the whole 538 line: what must the connection be before a password may cross it?"
  return 1
}

judge_ehlo_again() {
  [[ $(lower "$1") =~ auth|forget|forgot|forgotten|olvid|reset|discard|descart|start\ over|starts\ over|scratch|desde\ cero|de\ cero|everything|todo ]] && return 0
  echo "compare the two EHLO replies of your session: which line is new after TLS, and what does the server do with what it learnt before STARTTLS (RFC 3207 4.2)?"
  return 1
}

judge_base64() {
  local a
  a=$(printf '%s' "$1" | tr -d ' \t')
  [ "$a" = "AGJvYgBodW5ncnk=" ] && return 0
  printf '%s\n' "\"$(shown "$1")\" is not it: copy exactly what printf '\\0bob\\0hungry' | ../../bin/b64 prints (the \\0 are NUL bytes, not the characters \\ and 0)"
  return 1
}

judge_not_secret() {
  case $(lower "$1") in
    no|no[!a-z]*|n|not*|nope*) return 0 ;;
  esac
  echo "you wrote \"$(shown "$1")\"; decode your AUTH line with: echo AGJvYgBodW5ncnk= | ../../bin/b64 -d | cat -v. Does anyone need a key to do that?"
  return 1
}

judge_esmtpsa() {
  local a
  a=$(lower "$1")
  [[ $a =~ tls|ssl|secure|segur|cifr|encrypt|starttls ]] && [[ $a =~ auth|autentic ]] && return 0
  echo "one letter stands for the encrypted connection and the other for the login (RFC 3848): name both"
  return 1
}

judge_535() {
  [[ $1 =~ (^|[^0-9])535([^0-9]|$) ]] && return 0
  echo "copy the three-digit code the server gave the wrong password (terminal 1 shows it as S: ...)"
  return 1
}

judge_port_25() {
  [[ $1 =~ (^|[^0-9])25([^0-9]|$) ]] && return 0
  echo "which port does SMTP use between mail servers (lab 01 played it on 2525)?"
  return 1
}

judge_port_465() {
  [[ $1 =~ (^|[^0-9])465([^0-9]|$) ]] && return 0
  echo "which port does the second server of step 7 stand for (2465 in the lab)?"
  return 1
}

# --- run the steps ------------------------------------------------------------

check_transcript
check_auth_refused
check_mail_before_auth
check_starttls
check_ehlo_again
check_auth_plain
check_delivered
check_wrong_password
check_s_client
check_implicit_tls
check_clear_on_465
check_answer 1 answer-1-530 "what does the server want before MAIL FROM when it answers 530?" 2 judge_530
check_answer 2 answer-2-538 "what does the server want before AUTH when it answers 538?" 2 judge_538
check_answer 3 answer-3-ehlo-again "why EHLO again after STARTTLS, and what is new in the reply?" 3 judge_ehlo_again
check_answer 4 answer-4-base64 "the Base64 of \\0bob\\0hungry" 4 judge_base64
check_answer 5 answer-5-base64-secret "does Base64 keep the password secret?" 4 judge_not_secret
check_answer 6 answer-6-esmtpsa "what the S and the A of ESMTPSA stand for" 4 judge_esmtpsa
check_answer 7 answer-7-wrong-password "the code a wrong password gets, and its meaning" 5 judge_535
check_answer 8 answer-8-port-server-to-server "the port between mail servers" 7 judge_port_25
check_answer 9 answer-9-port-implicit-tls "the port for submission with TLS from the first byte" 7 judge_port_465

# --- report: its status is the script's -------------------------------------------

check_report 04-tls-auth "Lab 04 - Secure mail: TLS and AUTH" 36
