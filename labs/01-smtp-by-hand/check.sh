#!/usr/bin/env bash
# check.sh - checks lab 01 "SMTP by hand": the mail the student delivered
# and the answers the student wrote.
#
# usage: check.sh [--format text|tap|junit] [LAB_DIR]
#
#   LAB_DIR      the lab directory holding the work (default: $LAB_DIR, or
#                the directory of this script)
#   $LAB_MAIL    the mail root the server wrote into (default LAB_DIR/lab-mail)
#   $LAB_ANSWERS the answers file (default LAB_DIR/answers.txt)
#
# Each step prints "ok" or "HINT: ..." pointing at the README step to redo.
# Exit status: 0 when every step passed, 1 when some did not, 64 bad usage.
#
# The check reads files only: it starts no server and needs no program from
# bin/. How it decides:
#   message-1         a file in lab-mail/bob/{new,cur}/ whose text (the lines
#                     below the server's trace lines) has a line with
#                     "ketchup" and, later, one with "pickles"
#   same-connection   two files whose names (TIME.M<usec>P<pid>Q<n>.HOST) have
#                     the same P<pid> and different Q<n>: the same session
#                     process (one per connection) wrote both
#   dot-line          a line that starts with "." in some delivered file:
#                     the server removes one leading dot (RFC 5321 4.5.2), so
#                     the student typed two
#   answer-1..11      the lines "A<n>: ..." of answers.txt, compared with the
#                     replies the server gives and with the delivered files
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

# --- reading the delivered mail ---------------------------------------------

# Every delivered message, in every mailbox of the mail root.
mapfile -t MESSAGES < <(mail_root_files "$mail")

# typed_lines FILE - the lines the client sent: all but the trace lines the
# server put on top (Return-Path, and Received with its indented lines).
typed_lines() {
  awk 'BEGIN { trace = 1 }
       trace && (/^Return-Path:/ || /^Received:/ || /^[ \t]/) { next }
       { trace = 0; print }' "$1"
}

# header_of FILE NAME - the value of the first header line NAME (any case).
header_of() {
  awk -v name="$2" '
    /^$/ { exit }
    tolower(substr($0, 1, length(name) + 1)) == tolower(name) ":" {
      v = substr($0, length(name) + 2); sub(/^[ \t]+/, "", v); print v; exit
    }' "$1"
}

# session_of NAME - prints "PID Q" for a name Cartero's smtpd made
# (TIME.M<usec>P<pid>Q<n>.HOST); fails for any other name.
session_of() {
  [[ $1 =~ ^[0-9]+\.M[0-9]+P([0-9]+)Q([0-9]+)\. ]] || return 1
  printf '%s %s' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
}

# is_slide_message FILE - the client sent the slide's two lines, in order.
is_slide_message() {
  typed_lines "$1" | awk 'tolower($0) ~ /ketchup/ { k = 1 } k && tolower($0) ~ /pickles/ { found = 1 }
                      END { exit !found }'
}

# --- step: message 1 --------------------------------------------------------

MSG1_FILES=()
check_message_1() {
  local f others=() bob_count=0
  for f in "${MESSAGES[@]}"; do
    is_slide_message "$f" || continue
    if [ "$(mailbox_of "$f")" = bob ]; then MSG1_FILES+=("$f"); else others+=("$(mailbox_of "$f")"); fi
  done
  for f in "${MESSAGES[@]}"; do
    [ "$(mailbox_of "$f")" = bob ] && bob_count=$((bob_count + 1))
  done
  if [ ${#MSG1_FILES[@]} -gt 0 ]; then
    pass message-1 "the slide's message is in $(rel "${MSG1_FILES[0]}")"
  elif [ ! -d "$mail" ] && [ -d "$lab/../../lab-mail" ]; then
    hint message-1 "There is no mail root $(rel "$mail")/, but there is a lab-mail/ at the top of the repository: the server ran from there. Move it here (mv ../../lab-mail .) and start the server from the lab directory next time (README step 1)."
  elif [ ! -d "$mail" ]; then
    hint message-1 "There is no mail root $(rel "$mail")/ yet. Start the server from the lab directory with -m lab-mail (README step 1), then deliver the slide's message (step 2)."
  elif [ ${#others[@]} -gt 0 ]; then
    hint message-1 "The slide's message went to the mailbox of ${others[0]}, not bob: the envelope decides, so use RCPT TO: <bob@hamburger.edu> (README step 2)."
  elif [ "$bob_count" -gt 0 ]; then
    hint message-1 "bob has $bob_count message(s), but none with the slide's text: after DATA type \"Do you like ketchup?\", then \"How about pickles?\", then a line with only a dot (README step 2)."
  else
    hint message-1 "Nothing was delivered to bob: $(rel "$mail")/bob/new/ is empty or missing. Replay the slide's session, end the text with a line holding only a dot, and wait for \"250 Message accepted for delivery\" (README step 2)."
  fi
}

# --- step: a second message on the same connection ---------------------------

SHARED_PIDS=()   # session processes that wrote two or more messages
check_same_connection() {
  local f name pid q known=0
  declare -A first_q=() seen=()
  for f in "${MESSAGES[@]}"; do
    name=$(plain_name "$f")
    read -r pid q <<<"$(session_of "$name")" || continue
    [ -n "${pid:-}" ] || continue
    # A message for two recipients is one file name in two mailboxes.
    [ -z "${seen[$name]:-}" ] || continue
    seen[$name]=1
    known=$((known + 1))
    if [ -z "${first_q[$pid]:-}" ]; then
      first_q[$pid]=$q
    elif [ "${first_q[$pid]}" != "$q" ] && [[ " ${SHARED_PIDS[*]:-} " != *" $pid "* ]]; then
      # Same process, another message number: a second message. (A reused
      # PID would start again at Q1: two lone messages never match.)
      SHARED_PIDS+=("$pid")
    fi
  done
  if [ ${#SHARED_PIDS[@]} -gt 0 ]; then
    pass same-connection "two messages came over one connection (session process P${SHARED_PIDS[0]})"
  elif [ "$known" -eq 0 ]; then
    hint same-connection "No delivered messages yet: do README step 2 and step 3 first."
  elif [ "$known" -eq 1 ]; then
    hint same-connection "Only one message was delivered. On the same connection, after \"250 Message accepted\", send MAIL FROM, RCPT TO and DATA again, before QUIT (README step 3)."
  else
    hint same-connection "Your $known messages came over different connections: every file name has a different P<number>, the process that served that connection. Send two messages before QUIT (README step 3)."
  fi
}

# --- step: a stored line that starts with a dot ---------------------------------

# The server removes one leading dot from every line of text, so a stored
# line that starts with a dot was sent with two: the student stuffed it.
check_dot_line() {
  local f
  for f in "${MESSAGES[@]}"; do
    if typed_lines "$f" | grep -q '^\.'; then
      pass dot-line "$(rel "$f") has a line that starts with a dot"
      return
    fi
  done
  hint dot-line "No delivered message has a line that starts with a dot. The server removes the first dot of such a line (dot-stuffing, RFC 5321 4.5.2): type ..bashrc to store .bashrc (README step 5)."
}

# --- the answers: a judge per question (check_answer is in lib/check.bash) ------

judge_no() {
  case $(lower "$1") in
    no|no[!a-z]*|n|nope*|none*|never*|nunca*|ning*) return 0 ;;
  esac
  echo "you wrote \"$(shown "$1")\"; does RSET end the session, or only the mail transaction? Try MAIL FROM right after RSET"
  return 1
}

judge_profile() {
  local words w saw_dot=0
  read -ra words <<<"$(lower "$1")"
  for w in "${words[@]}"; do
    w=${w//[\`\"\']/}; w=${w%%[,;:!?)]}; w=${w%.}
    [ "$w" = profile ] && return 0
    [ "$w" = .profile ] && saw_dot=1
  done
  if [ "$saw_dot" = 1 ]; then
    echo "look again at the file: the server removes one leading dot from every line that has one"
  else
    echo "you wrote \"$(shown "$1")\"; write the line exactly as it is in the delivered file"
  fi
  return 1
}

judge_end_of_data() {
  local a
  a=$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]')
  a=${a//\\R/CR}; a=${a//\\N/LF}
  a=$(printf '%s' "$a" | tr -d ' \t<>"`,+')
  [[ $a == *CRLF.CRLF* ]] && return 0
  echo "write it as characters: CR, LF, the dot, CR, LF (CRLF.CRLF), the end of the line before plus the line with the lone dot (RFC 5321 4.1.1.4)"
  return 1
}

# judge_code EXPECTED WHAT ANSWER
judge_code() {
  local code
  code=$(first_code "$3")
  [ "$code" = "$1" ] && return 0
  if [ -z "$code" ]; then
    echo "write the three-digit reply code the server sent for $2"
  else
    echo "$code is not the code the server sent for $2; try it again and read the reply's first three digits"
  fi
  return 1
}
judge_503() { judge_code 503 "RCPT TO before MAIL FROM" "$1"; }
judge_501() { judge_code 501 "MAIL FROM without angle brackets" "$1"; }
judge_500() { judge_code 500 "a command that ends in a bare LF (nc without -C)" "$1"; }

judge_file_name() {
  local f token tokens
  [ ${#MSG1_FILES[@]} -gt 0 ] || { echo "deliver the slide's message to bob first (README step 2)"; return 1; }
  read -ra tokens <<<"$1"
  for token in "${tokens[@]}"; do
    token=$(plain_name "$token")
    for f in "${MSG1_FILES[@]}"; do
      [ "$token" = "$(plain_name "$f")" ] && return 0
    done
  done
  echo "\"$(shown "$1")\" is not the name of the file holding the slide's message; list $(rel "$mail")/bob/new/ and find the one with \"Do you like ketchup?\""
  return 1
}

judge_sender() {
  local f got rp address='([^][:space:]<>"()]+@[^][:space:]<>"()]+)'
  [[ $1 =~ $address ]] || {
    echo "write the sender's address, as in user@domain"
    return 1
  }
  got=$(lower "${BASH_REMATCH[1]}")
  got=${got%.}
  for f in "${MSG1_FILES[@]}"; do
    rp=$(header_of "$f" Return-Path); rp=${rp#<}; rp=${rp%>}
    [ -n "$rp" ] && [ "$got" = "$(lower "$rp")" ] && return 0
  done
  [ ${#MSG1_FILES[@]} -eq 0 ] && [ "$got" = alice@crepes.fr ] && return 0
  echo "\"$(shown "$got")\" is not the envelope sender of message 1; the server copied MAIL FROM into the first line of the file"
  return 1
}

judge_added_lines() {
  local a missing=()
  a=$(lower "$1"); a=${a//[ _-]/}
  [[ $a == *returnpath* ]] || missing+=("the one with the envelope sender")
  [[ $a == *received* ]] || missing+=("the trace line that says who handed the message over, and when")
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "name both header lines the server wrote on top (missing: ${missing[*]}); compare the file with what you typed"
  return 1
}

judge_rcpt() {
  [[ $(lower "$1") == *rcpt* ]] && return 0
  echo "message 1 has no To: line: which command of the envelope named bob? Look at your session"
  return 1
}

judge_pid() {
  local n p
  [ ${#SHARED_PIDS[@]} -gt 0 ] || { echo "first deliver two messages on one connection (README step 3)"; return 1; }
  [[ $1 =~ ([0-9]+) ]] || { echo "write the number after the P in the file names"; return 1; }
  n=$((10#${BASH_REMATCH[1]}))
  for p in "${SHARED_PIDS[@]}"; do
    [ "$n" = "$p" ] && return 0
  done
  echo "$n is not the P<number> that two of your files share; compare the names in $(rel "$mail")/bob/new/"
  return 1
}

# --- run the steps ------------------------------------------------------------

check_message_1
check_same_connection
check_dot_line
check_answer 1 answer-1-rset "after RSET, did you have to send HELO again?" 4 judge_no
check_answer 2 answer-2-one-dot "which line the server stored for .profile" 5 judge_profile
check_answer 3 answer-3-end-of-data "the exact characters that end the message text" 5 judge_end_of_data
check_answer 4 answer-4-rcpt-before-mail "the reply code to RCPT TO before MAIL FROM" 6 judge_503
check_answer 5 answer-5-no-brackets "the reply code to MAIL FROM without angle brackets" 6 judge_501
check_answer 6 answer-6-bare-lf "the reply code to a command ending in a bare LF" 6 judge_500
check_answer 7 answer-7-file-name "the name of the file that holds message 1" 7 judge_file_name
check_answer 8 answer-8-envelope-sender "the envelope sender of message 1" 7 judge_sender
check_answer 9 answer-9-added-lines "the two header lines the server added" 7 judge_added_lines
check_answer 10 answer-10-envelope-recipient "the command that told the server to deliver to bob" 7 judge_rcpt
check_answer 11 answer-11-session-pid "the P<number> your two messages of step 3 share" 7 judge_pid

# --- report: its status is the script's -------------------------------------------

check_report 01-smtp-by-hand "Lab 01 - SMTP by hand"
