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

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
  echo "usage: check.sh [--format text|tap|junit] [LAB_DIR]" >&2
  exit 64
}

format=text
lab=${LAB_DIR:-$script_dir}
while [ $# -gt 0 ]; do
  case $1 in
    --format) [ $# -ge 2 ] || usage; format=$2; shift 2 ;;
    --format=*) format=${1#--format=}; shift ;;
    -h|--help) usage ;;
    -*) echo "check.sh: unknown option $1" >&2; usage ;;
    *) lab=$1; shift ;;
  esac
done
case $format in text|tap|junit) ;; *) echo "check.sh: unknown format '$format'" >&2; usage ;; esac
[ -d "$lab" ] || { echo "check.sh: no lab directory $lab" >&2; exit 64; }
lab=$(cd "$lab" && pwd)
mail=${LAB_MAIL:-$lab/lab-mail}
log=${LAB_LOG:-$lab/smtpd.log}
log465=${LAB_LOG_465:-$lab/smtps.log}
answers=${LAB_ANSWERS:-$lab/answers.txt}

work=$(mktemp -d "${TMPDIR:-/tmp}/cartero-check04.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- the results: one entry per step, in order -----------------------------

STEP_NAMES=() STEP_OK=() STEP_TEXT=()

pass() { STEP_NAMES+=("$1"); STEP_OK+=(1); STEP_TEXT+=("$2"); }
hint() { STEP_NAMES+=("$1"); STEP_OK+=(0); STEP_TEXT+=("$2"); }

rel() {
  case $1 in
    "$lab"/*) printf '%s' "${1#"$lab"/}" ;;
    *) printf '%s' "$1" ;;
  esac
}

# --- the transcripts, split into one file per session ------------------------

# split LOG DIR - DIR/N holds session N's lines without the "[N] " tag,
# colours removed.
split() {
  mkdir -p "$2"
  [ -f "$1" ] || return 0
  sed 's/\x1b\[[0-9;]*m//g' "$1" |
    awk -v dir="$2" '
      match($0, /^\[[0-9]+\] /) {
        n = substr($0, 2, RLENGTH - 3)
        print substr($0, RLENGTH + 1) > (dir "/" n)
      }'
}
split "$log" "$work/587"
split "$log465" "$work/465"
SESSIONS=("$work"/587/*)
[ -e "${SESSIONS[0]}" ] || SESSIONS=()
SESSIONS_465=("$work"/465/*)
[ -e "${SESSIONS_465[0]}" ] || SESSIONS_465=()

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

# find_session TEST... - finds the first session of SESSIONS for which the
# command "TEST... SESSION" succeeds, and sets FOUND to its number.
find_session() {
  local s
  FOUND=
  for s in "${SESSIONS[@]}"; do
    if "$@" "$s"; then
      FOUND=$(basename "$s")
      return 0
    fi
  done
  return 1
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
  for f in "$mail"/*/new/* "$mail"/*/cur/*; do
    [ -f "$f" ] || continue
    # the trace lines are the top of the header, before the first empty line
    if sed '/^$/q' "$f" | grep -q '(authenticated as bob)' &&
       sed '/^$/q' "$f" | grep -q 'with ESMTPSA '; then
      found=$f
      break
    fi
  done
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

# --- the answers ----------------------------------------------------------------

# answer N - the text after "A<N>:" in the answers file (the last such line),
# trimmed, without a Windows CR and without surrounding quotes or backticks.
answer() {
  [ -f "$answers" ] || return 0
  awk -v n="$1" '
    { sub(/\r$/, "") }
    /^[ \t]*#/ { next }
    match($0, /^[ \t]*[Aa][0-9]+[ \t]*[:=.)]/) {
      head = substr($0, 1, RLENGTH); num = head; gsub(/[^0-9]/, "", num)
      if (num + 0 == n + 0) { v = substr($0, RLENGTH + 1); found = 1 }
    }
    END {
      if (!found) exit
      gsub(/^[ \t]+|[ \t]+$/, "", v)
      while (v ~ /^["`'"'"'].*["`'"'"']$/ && length(v) >= 2) v = substr(v, 2, length(v) - 2)
      print v
    }' "$answers"
}

shown() {
  local s
  s=$(printf '%s' "$1" | LC_ALL=C tr -c '[:print:]' '?')
  [ ${#s} -gt 60 ] && s="${s:0:57}..."
  printf '%s' "$s"
}

lower() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }

# check_answer N NAME QUESTION STEP JUDGE - JUDGE returns 0 for a right
# answer, or prints why not and returns 1.
check_answer() {
  local n=$1 name=$2 question=$3 step=$4 judge=$5 a why
  if [ ! -f "$answers" ]; then
    hint "$name" "A$n: there is no $(rel "$answers") yet (cp answers.template answers.txt). The question: $question (README step $step)."
    return
  fi
  a=$(answer "$n")
  if [ -z "$a" ]; then
    hint "$name" "A$n is empty. The question: $question (README step $step)."
    return
  fi
  if why=$("$judge" "$a"); then
    pass "$name" "A$n: $(shown "$a")"
  else
    hint "$name" "A$n: $why (README step $step)."
  fi
}

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
  echo "\"$(shown "$1")\" is not it: copy exactly what printf '\\0bob\\0hungry' | ../../bin/b64 prints (the \\0 are NUL bytes, not the characters \\ and 0)"
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

# --- report -------------------------------------------------------------------

total=${#STEP_NAMES[@]}
passed=0
for ok in "${STEP_OK[@]}"; do passed=$((passed + ok)); done

xml() {
  local s
  s=$(printf '%s' "$1" | LC_ALL=C tr -d '\000-\010\013\014\016-\037')
  if command -v iconv >/dev/null; then
    s=$(printf '%s' "$s" | iconv -f UTF-8 -t UTF-8 -c 2>/dev/null)
  fi
  s=${s//&/'&amp;'}; s=${s//</'&lt;'}; s=${s//>/'&gt;'}; s=${s//\"/'&quot;'}; s=${s//\'/'&apos;'}
  printf '%s' "$s"
}

case $format in
  text)
    echo "Lab 04 - Secure mail: TLS and AUTH: checking $lab"
    for ((i = 0; i < total; i++)); do
      if [ "${STEP_OK[i]}" = 1 ]; then
        printf '%2d %-36s ok\n' $((i + 1)) "${STEP_NAMES[i]}"
      else
        printf '%2d %-36s HINT: %s\n' $((i + 1)) "${STEP_NAMES[i]}" "${STEP_TEXT[i]}"
      fi
    done
    if [ "$passed" -eq "$total" ]; then
      echo "All $total steps passed."
    else
      echo "$passed of $total steps passed."
    fi
    ;;
  tap)
    echo "1..$total"
    for ((i = 0; i < total; i++)); do
      if [ "${STEP_OK[i]}" = 1 ]; then
        echo "ok $((i + 1)) - ${STEP_NAMES[i]}"
      else
        echo "not ok $((i + 1)) - ${STEP_NAMES[i]}"
        echo "# HINT: ${STEP_TEXT[i]}"
      fi
    done
    ;;
  junit)
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo "<testsuite name=\"04-tls-auth\" tests=\"$total\" failures=\"$((total - passed))\" errors=\"0\">"
    for ((i = 0; i < total; i++)); do
      if [ "${STEP_OK[i]}" = 1 ]; then
        echo "  <testcase classname=\"labs.04-tls-auth\" name=\"$(xml "${STEP_NAMES[i]}")\"/>"
      else
        echo "  <testcase classname=\"labs.04-tls-auth\" name=\"$(xml "${STEP_NAMES[i]}")\">"
        echo "    <failure message=\"$(xml "${STEP_TEXT[i]}")\">$(xml "${STEP_TEXT[i]}")</failure>"
        echo "  </testcase>"
      fi
    done
    echo "</testsuite>"
    ;;
esac
[ "$passed" -eq "$total" ]
