#!/usr/bin/env bash
# check.sh - checks lab 03 "POP3": the sessions the student had with
# pop3d, the two mailget clients' Maildirs, and the answers.
#
# usage: check.sh [--format text|tap|junit] [LAB_DIR]
#
#   LAB_DIR      the lab directory holding the work (default: $LAB_DIR, or
#                the directory of this script)
#   $LAB_MAIL    the mail root the servers used (default LAB_DIR/lab-mail)
#   $LAB_LOG     pop3d's -v transcript (default LAB_DIR/pop3d.log)
#   $LAB_ANSWERS the answers file (default LAB_DIR/answers.txt)
#
# Each step prints "ok" or "HINT: ..." pointing at the README step to redo.
# Exit status: 0 when every step passed, 1 when some did not, 64 bad usage.
#
# The check reads files only: it starts no server and needs no program from
# bin/. How it decides:
#   transcript         pop3d.log holds pop3d's -v transcript: lines
#                      "[N] C: ...", "[N] S: ...", "[N] -- ..." of session N
#   slide-session      a session with USER bob, LIST, RETR, DELE and QUIT that
#                      entered UPDATE and removed at least one message
#   dele-without-quit  a session with a DELE that ended without QUIT
#                      ("nothing deleted")
#   rset               a session with DELE and then RSET
#   in-use             a PASS answered "-ERR [IN-USE]"
#   keep-client        laptop/ (mailget --keep) has messages and a UIDL record
#                      (.mailget-uidl; it may be empty once the phone took all)
#   delete-client      phone/ (mailget) has a copy of every laptop message, and
#                      none of the phone's messages is left on the server
#   answer-1..6        the lines "A<n>: ..." of answers.txt
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
log=${LAB_LOG:-$lab/pop3d.log}

check_work_dir check03

# --- the transcript, split into one file per session ------------------------

# $work/sessions/N holds session N's lines (split_sessions in lib/check.bash).
split_sessions "$log" "$work/sessions"
mapfile -t SESSIONS < <(session_files "$work/sessions")

# has SESSION PATTERN - the session has a line matching the extended regex (any case).
has() { grep -qiE "$2" "$1"; }

# after SESSION FIRST SECOND - a line matching SECOND comes after one matching FIRST.
after() {
  awk -v a="$2" -v b="$3" 'BEGIN { IGNORECASE = 1 }
    tolower($0) ~ tolower(a) { seen = 1; next }
    seen && tolower($0) ~ tolower(b) { found = 1; exit }
    END { exit !found }' "$1"
}

# --- step: the transcript exists ----------------------------------------------

check_transcript() {
  if [ ${#SESSIONS[@]} -gt 0 ]; then
    pass transcript "$(rel "$log") holds ${#SESSIONS[@]} session(s)"
  elif [ -f "$log" ]; then
    hint transcript "$(rel "$log") has no session lines. Start pop3d with -v and keep what it prints: ../../bin/pop3d ... -v 2>&1 | tee pop3d.log (README step 1), then log in (step 2)."
  else
    hint transcript "There is no $(rel "$log"). Start pop3d from the lab folder with -v and keep its transcript: ../../bin/pop3d -u users -m lab-mail -d hamburger.edu -v 2>&1 | tee pop3d.log (README step 1)."
  fi
}

# --- steps on the sessions ------------------------------------------------------

# slide_session SESSION - bob's LIST, RETR, DELE and QUIT, and the server
# removed what was marked. deleted_and_quit SESSION - only the last part.
slide_session() {
  has "$1" '^C: USER bob' && has "$1" '^C: LIST' && has "$1" '^C: RETR [0-9]' &&
    has "$1" '^C: DELE [0-9]' && has "$1" '^C: QUIT' && has "$1" 'UPDATE: removed [1-9]'
}
deleted_and_quit() { has "$1" '^C: DELE [0-9]' && has "$1" 'UPDATE: removed'; }
check_slide_session() {
  if find_session slide_session; then
    pass slide-session "session $FOUND did LIST, RETR, DELE and QUIT, and the server removed the messages"
  elif find_session deleted_and_quit; then
    hint slide-session "Session $FOUND deleted and quit, but without LIST and RETR: replay the whole slide session, list, retr 1, dele 1, retr 2, dele 2, quit (README step 4)."
  else
    hint slide-session "No session did the slide's list, retr, dele and quit as bob, with quit at the end: until QUIT the server deletes nothing (README step 4)."
  fi
}

deleted_without_quit() { has "$1" '^C: DELE [0-9]' && has "$1" 'without QUIT: nothing deleted'; }
check_dele_without_quit() {
  if find_session deleted_without_quit; then
    pass dele-without-quit "session $FOUND marked a message with DELE and ended without QUIT"
  else
    hint dele-without-quit "No session marked a message with DELE and then ended without QUIT. Log in, dele 1, and close the connection (Ctrl-C or Ctrl-D) instead of typing quit (README step 2)."
  fi
}

rset_after_dele() { after "$1" '^C: DELE [0-9]' '^C: RSET'; }
check_rset() {
  if find_session rset_after_dele; then
    pass rset "session $FOUND used RSET after DELE"
  else
    hint rset "No session used RSET after a DELE. Log in, dele 1, then rset, then list: message 1 is back (README step 3)."
  fi
}

refused_in_use() { has "$1" '^S: -ERR \[IN-USE\]'; }
check_in_use() {
  if find_session refused_in_use; then
    pass in-use "session $FOUND was refused with [IN-USE]"
  else
    hint in-use "No login was refused with -ERR [IN-USE]. Stay logged in as bob in one terminal and log in as bob from a second one (README step 5)."
  fi
}

# --- steps on the two clients' Maildirs -------------------------------------------

check_keep_client() {
  local n uids
  n=$(maildir_files "$lab/laptop" | grep -c . || true)
  uids=$(grep -c . "$lab/laptop/.mailget-uidl" 2>/dev/null || true)
  # The record may be empty: it keeps only UIDLs still on the server.
  if [ "$n" -gt 0 ] && [ -f "$lab/laptop/.mailget-uidl" ]; then
    pass keep-client "laptop/ holds $n message(s) and a UIDL record (${uids:-0} still on the server)"
  elif [ "$n" -gt 0 ]; then
    hint keep-client "laptop/ has messages but no .mailget-uidl: run the laptop client with --keep: mailget --keep -u bob --password-file bob.password 127.0.0.1:1110 -o laptop (README step 6)."
  else
    hint keep-client "laptop/ holds no messages. Send new mail (step 6), then run the laptop client: mailget --keep -u bob --password-file bob.password 127.0.0.1:1110 -o laptop (README step 6)."
  fi
}

check_delete_client() {
  local f g found missing=0 left=0 n
  n=$(maildir_files "$lab/phone" | grep -c . || true)
  if [ "$n" -eq 0 ]; then
    hint delete-client "phone/ holds no messages. After the laptop, run the phone client without --keep: mailget -u bob --password-file bob.password 127.0.0.1:1110 -o phone (README step 6)."
    return
  fi
  while IFS= read -r f; do
    found=0
    while IFS= read -r g; do cmp -s "$f" "$g" && { found=1; break; }; done < <(maildir_files "$lab/phone")
    [ "$found" = 1 ] || missing=$((missing + 1))
  done < <(maildir_files "$lab/laptop")
  while IFS= read -r f; do
    while IFS= read -r g; do cmp -s "$f" "$g" && { left=$((left + 1)); break; }; done < <(maildir_files "$mail/bob")
  done < <(maildir_files "$lab/phone")
  if [ "$left" -gt 0 ]; then
    hint delete-client "$left of the phone's messages are still on the server: the phone client must run without --keep, so that it sends DELE and QUIT (README step 6)."
  elif [ "$missing" -gt 0 ]; then
    hint delete-client "$missing message(s) of laptop/ never reached phone/: run the laptop (--keep) first and the phone second, on the same new mail (README step 6)."
  else
    pass delete-client "phone/ got every laptop message too, and took them off the server"
  fi
}

# --- the answers: a judge per question (check_answer is in lib/check.bash) ------

judge_still_there() {
  case $(lower "$1") in
    yes*|y|s|sí*|si|si[!a-z]*|still*|sigue*|seguía*|seguia*) return 0 ;;
  esac
  echo "you wrote \"$(shown "$1")\"; log in again after the DELE without QUIT and run STAT or LIST: is message 1 there?"
  return 1
}

judge_crlf() {
  local a
  a=$(lower "$1")
  [[ $a == *crlf* || $a == *\\r* || $a =~ (^|[^a-z])cr([^a-z]|$) || $a == *"carriage return"* ||
     $a == *"retorno de carro"* ]] && return 0
  echo "compare the bytes: the file ends each line with LF; what does every POP3 line end with on the wire?"
  return 1
}

judge_in_use() {
  [[ $(lower "$1") == *in-use* || $(lower "$1") == *in_use* || $(lower "$1") == *"in use"* ]] && return 0
  echo "copy the response code in square brackets from the second session's -ERR line"
  return 1
}

judge_uidl() {
  [[ $(lower "$1") == *uidl* ]] && return 0
  echo "which POP3 command gives each message an identifier that stays the same in every session? Look at mailget -v's transcript"
  return 1
}

judge_update() {
  [[ $(lower "$1") == *update* ]] && return 0
  echo "name the POP3 state the server enters after QUIT, in which marked messages are removed (it is in the -v transcript: state: TRANSACTION -> ...)"
  return 1
}

judge_client() {
  local a
  a=$(lower "$1")
  [[ $a == *client* || $a == *cliente* || $a == *mailget-uidl* || $a == *laptop* ]] && return 0
  echo "the server keeps no state between sessions; so who must remember what was fetched, and in which file?"
  return 1
}

# --- run the steps ------------------------------------------------------------

check_transcript
check_dele_without_quit
check_rset
check_slide_session
check_in_use
check_keep_client
check_delete_client
check_answer 1 answer-1-dele-without-quit "after DELE and a connection closed without QUIT, was the message still there at the next login?" 2 judge_still_there
check_answer 2 answer-2-list-size "why is LIST's size of a message larger than the size of its file?" 2 judge_crlf
check_answer 3 answer-3-in-use "the response code the second session got" 5 judge_in_use
check_answer 4 answer-4-uidl "the command mailget --keep uses to recognise what it fetched before" 6 judge_uidl
check_answer 5 answer-5-update-state "the state in which the server removed the phone's messages" 6 judge_update
check_answer 6 answer-6-who-remembers "who remembers what download-and-keep fetched: server or client?" 7 judge_client

# --- report: its status is the script's -------------------------------------------

check_report 03-pop3 "Lab 03 - POP3"
