#!/usr/bin/env bash
# check.sh - checks lab 05 "From Alice to Bob: two mail servers": the mail
# the two servers delivered, their transcripts, Bob's user agent's mailbox
# and the answers.
#
# usage: check.sh [--format text|tap|junit] [LAB_DIR]
#
#   LAB_DIR         the lab directory holding the work (default: $LAB_DIR,
#                   or the directory of this script)
#   $LAB_CREPES     Alice's server's mail root (default LAB_DIR/crepes-mail)
#   $LAB_HAMBURGER  Bob's server's mail root (default LAB_DIR/hamburger-mail)
#   $LAB_INBOX      Bob's user agent's Maildir (default LAB_DIR/bob-inbox)
#   $LAB_CREPES_LOG    crepes.fr's -v transcript (default LAB_DIR/crepes.log)
#   $LAB_HAMBURGER_LOG hamburger.edu's -v transcript (default LAB_DIR/hamburger.log)
#   $LAB_ANSWERS    the answers file (default LAB_DIR/answers.txt)
#
# Each step prints "ok" or "HINT: ..." pointing at the README step to redo.
# Exit status: 0 when every step passed, 1 when some did not, 64 bad usage.
#
# The check reads files only: it starts no server and needs no program from
# bin/. "Bob's messages" are the files in hamburger-mail/bob/{new,cur}/ and
# in bob-inbox/{new,cur}/ (a user agent without --keep moves them). A
# "relayed" message is one from <alice@crepes.fr> whose first Received: line
# was written by hamburger.edu and a later one by crepes.fr. How it decides:
#   transcripts      crepes.log and hamburger.log hold -v session lines
#                    ("[N] -- session N: connection from ...")
#   relayed          Bob's messages include a relayed one
#   both-roles       in crepes.log a session queued a message ("-- queued ID")
#                    and the queue runner sent that ID on ("-- queue: sending
#                    ID", "-- queue: ID is done"): server, then client
#   waited           crepes.log says "-- queue: ID deferred" and later
#                    "-- queue: ID is done", and a relayed message of Bob's
#                    carries ID in crepes.fr's Received line; or, without the
#                    log, a relayed message whose two Received dates are at
#                    least WAITED_SECONDS apart
#   bounce           crepes-mail/alice/{new,cur}/ holds a delivery status
#                    notification (RFC 3464): Return-Path <>, Content-Type
#                    multipart/report, "Action: failed" for a recipient at
#                    hamburger.edu
#   relay-denied     a crepes.log session got "554 5.7.1" (Relay access denied)
#   bob-reads        bob-inbox/{new,cur}/ holds a relayed message
#   answer-1..12     the lines "A<n>: ..." of answers.txt
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

# Two Received dates this far apart mean the message waited in the queue:
# a relay that works at once takes well under a second.
WAITED_SECONDS=5

check_options "$@"   # sets format, lab and answers
crepes=${LAB_CREPES:-$lab/crepes-mail}
hamburger=${LAB_HAMBURGER:-$lab/hamburger-mail}
inbox=${LAB_INBOX:-$lab/bob-inbox}
crepes_log=${LAB_CREPES_LOG:-$lab/crepes.log}
hamburger_log=${LAB_HAMBURGER_LOG:-$lab/hamburger.log}

check_work_dir check05

# --- the transcripts, split into sessions ------------------------------------

# split_log LOG DIR - writes each session of smtpd's -v transcript LOG into
# DIR/N (its lines without the "[n] " tag) and every untagged line (the
# queue runner's C:/S: lines, "-- queue: ..." and "smtpd: ...") into
# DIR/runner. A server started again numbers its sessions from 1 again, so
# a session is known by its "-- session n: connection from" line, not by n.
# Colours are removed.
split_log() {
  mkdir -p "$2"
  : >"$2/runner"
  [ -f "$1" ] || return 0
  sed 's/\x1b\[[0-9;]*m//g; s/\r$//' "$1" |
    awk -v dir="$2" '
      match($0, /^\[[0-9]+\] /) {
        tag = substr($0, 2, RLENGTH - 3)
        text = substr($0, RLENGTH + 1)
        if (text ~ /^-- session [0-9]+: connection from/ || !(tag in file)) {
          if (tag in file) close(file[tag])
          file[tag] = dir "/" (++count)
        }
        print text > file[tag]
        next
      }
      { print > (dir "/runner") }'
}

split_log "$crepes_log" "$work/crepes"
split_log "$hamburger_log" "$work/hamburger"
CREPES_RUNNER=$work/crepes/runner

# --- reading messages (maildir_files is in lib/check.bash) --------------------

# header_of FILE NAME - the value of the first header field NAME (any
# case), continuation lines joined.
header_of() {
  awk -v name="$(lower "$2")" '
    function done() { if (field != "") { print field; found = 1 } }
    /^$/ { exit }
    /^[ \t]/ { if (field != "") field = field " " substr($0, 2); next }
    {
      if (field != "") { done(); exit }
      n = index($0, ":")
      if (n > 0 && tolower(substr($0, 1, n - 1)) == name) {
        field = substr($0, n + 1); sub(/^[ \t]+/, "", field)
      }
    }
    END { if (!found) done() }' "$1"
}

# trace_of FILE - one line per Received: field of FILE, top to bottom:
# "BY<TAB>ID<TAB>DATE", from the field's "by HOST", "id ID" and the date
# after its last ";" ("-" when a part is missing).
trace_of() {
  awk '
    function word(s, key,   r) {
      if (match(s, "[ \t]" key "[ \t]+[^ \t;]+")) {
        r = substr(s, RSTART + 1, RLENGTH - 1); sub("^" key "[ \t]+", "", r); return r
      }
      return "-"
    }
    function emit(   d) {
      if (field == "") return
      d = field; if (!sub(/.*;[ \t]*/, "", d)) d = "-"
      printf "%s\t%s\t%s\n", tolower(word(field, "by")), word(field, "id"), d
      field = ""
    }
    /^$/ { exit }
    /^[ \t]/ { if (field != "") field = field " " $0; next }
    { emit(); if (tolower(substr($0, 1, 9)) == "received:") field = " " substr($0, 10) }
    END { emit() }' "$1"
}

# envelope_sender FILE - the address in FILE's Return-Path, without < >.
envelope_sender() {
  local rp
  rp=$(header_of "$1" Return-Path)
  rp=${rp#<}; rp=${rp%>}
  printf '%s' "$(lower "$rp")"
}

# is_relayed FILE - from alice@crepes.fr, its first Received line by
# hamburger.edu and a later one by crepes.fr.
is_relayed() {
  [ "$(envelope_sender "$1")" = alice@crepes.fr ] || return 1
  trace_of "$1" | awk -F '\t' 'NR == 1 && $1 == "hamburger.edu" { top = 1 }
                               NR > 1 && top && $1 == "crepes.fr" { found = 1 }
                               END { exit !found }'
}

# crepes_id FILE - the id in the Received line crepes.fr wrote: the name the
# message had in crepes.fr's queue.
crepes_id() { trace_of "$1" | awk -F '\t' '$1 == "crepes.fr" { print $2; exit }'; }

# epoch DATE - seconds since 1970 of an RFC 5322 date (GNU date); fails if
# this system's date cannot read it.
epoch() { date -u -d "$1" +%s 2>/dev/null; }

# waited_seconds FILE - how much later hamburger.edu wrote its Received
# line than crepes.fr did; fails when a date is missing or unreadable.
waited_seconds() {
  local top bottom t b
  top=$(trace_of "$1" | awk -F '\t' '$1 == "hamburger.edu" { print $3; exit }')
  bottom=$(trace_of "$1" | awk -F '\t' '$1 == "crepes.fr" { print $3; exit }')
  t=$(epoch "$top") && b=$(epoch "$bottom") || return 1
  printf '%s' $((t - b))
}

BOB_MESSAGES=()
while IFS= read -r f; do BOB_MESSAGES+=("$f"); done < <(maildir_files "$hamburger/bob"; maildir_files "$inbox")
RELAYED=()
for f in "${BOB_MESSAGES[@]}"; do
  is_relayed "$f" && RELAYED+=("$f")
done

# --- step: the transcripts ------------------------------------------------------

check_transcripts() {
  local missing=() name log dir
  for name in crepes hamburger; do
    if [ "$name" = crepes ]; then log=$crepes_log; else log=$hamburger_log; fi
    dir=$work/$name
    if [ ! -f "$log" ]; then
      missing+=("there is no $(rel "$log")")
    elif [ -z "$(session_files "$dir")" ]; then
      missing+=("$(rel "$log") has no session lines (was the server started with -v?)")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    pass transcripts "crepes.log and hamburger.log hold the servers' sessions"
  else
    local joined
    joined=$(printf '%s; ' "${missing[@]}")
    joined=${joined%; }
    hint transcripts "${joined^}. Start each server from the lab folder with -v and keep what it prints: ... -v 2>&1 | tee -a crepes.log for Alice's, | tee -a hamburger.log for Bob's (README step 1)."
  fi
}

# --- step: a message relayed from crepes.fr to hamburger.edu --------------------

check_relayed() {
  local f one_hop='' queued
  if [ ${#RELAYED[@]} -gt 0 ]; then
    pass relayed "$(rel "${RELAYED[0]}") came from alice@crepes.fr through crepes.fr and hamburger.edu"
    return
  fi
  for f in "${BOB_MESSAGES[@]}"; do
    [ "$(trace_of "$f" | grep -c .)" -eq 1 ] && { one_hop=$f; break; }
  done
  queued=$(find "$crepes/.queue/env" -type f 2>/dev/null | grep -c . || true)
  if [ ! -d "$hamburger" ]; then
    hint relayed "There is no $(rel "$hamburger")/ yet: Bob's server has delivered nothing. Start it from the lab folder with -d hamburger.edu -m hamburger-mail -p 2526, and Alice's server beside it (README step 1)."
  elif [ -n "$one_hop" ]; then
    hint relayed "$(rel "$one_hop") has a single Received line: it went straight to hamburger.edu. Send to Alice's server, 127.0.0.1:2525, and let crepes.fr relay it (README step 2)."
  elif [ -d "$crepes/bob" ]; then
    hint relayed "Alice's server kept Bob's mail in $(rel "$crepes")/bob/: it thought hamburger.edu was its own domain. Start it with -d crepes.fr only, and --routes routes (README step 1)."
  elif [ "$queued" -gt 0 ]; then
    hint relayed "$queued message(s) still wait in Alice's outgoing queue: is Bob's server running on port 2526? Look: ../../bin/smtpd --queue-list -m crepes-mail (README step 2)."
  elif [ ${#BOB_MESSAGES[@]} -gt 0 ]; then
    hint relayed "Bob has ${#BOB_MESSAGES[@]} message(s), but none from alice@crepes.fr with two Received lines (hamburger.edu's on top of crepes.fr's). Send ketchup.eml to Alice's server, 127.0.0.1:2525 (README step 2)."
  else
    hint relayed "Nothing reached Bob's mailbox $(rel "$hamburger")/bob/. Compose ketchup.eml and send it to Alice's server, 127.0.0.1:2525, with both servers running (README step 2)."
  fi
}

# --- step: crepes.fr as server, then as client -----------------------------------

# runner_has PATTERN - crepes.fr's queue runner printed a line matching PATTERN (ERE).
runner_has() { grep -qE "$1" "$CREPES_RUNNER"; }

# dots ID - ID with its dots escaped for a regular expression.
dots() { printf '%s' "${1//./\\.}"; }

check_both_roles() {
  local s id
  while IFS= read -r s; do
    while IFS= read -r id; do
      if runner_has "^-- queue: sending $(dots "$id") " && runner_has "^-- queue: $(dots "$id") is done"; then
        pass both-roles "crepes.fr took $id as a server (session $(basename "$s")) and sent it on as a client (its queue runner)"
        return
      fi
    done < <(sed -n 's/^-- queued \([^ ]*\) for .*/\1/p' "$s")
  done < <(session_files "$work/crepes")
  if [ ! -f "$crepes_log" ]; then
    hint both-roles "There is no $(rel "$crepes_log") to show crepes.fr taking a message and sending it on. Keep Alice's server's transcript: ... -v 2>&1 | tee -a crepes.log (README step 1)."
  elif ! grep -q '^-- queued ' "$work"/crepes/[0-9]* 2>/dev/null; then
    hint both-roles "In $(rel "$crepes_log") no session queued a message for another domain (\"-- queued ... remote recipient\"). Send to bob@hamburger.edu through Alice's server, port 2525, started with --routes routes (README step 2)."
  else
    hint both-roles "crepes.fr queued a message but its queue runner never finished sending it (no \"-- queue: ... is done\" in $(rel "$crepes_log")). Is Bob's server running on port 2526? (README step 2)."
  fi
}

# --- step: a message that waited in the queue and was retried --------------------

check_waited() {
  local f id deferred=() done_ids=() delivered=() w
  while IFS= read -r id; do deferred+=("$id"); done < <(sed -n 's/^-- queue: \([^ ]*\) deferred: .*/\1/p' "$CREPES_RUNNER" | sort -u)
  for id in "${deferred[@]}"; do
    # "is done" after the first "deferred" of the same ID.
    awk -v d="-- queue: $id deferred:" -v ok="-- queue: $id is done" '
      index($0, d) == 1 { seen = 1 } seen && index($0, ok) == 1 { found = 1 } END { exit !found }' \
      "$CREPES_RUNNER" || continue
    done_ids+=("$id")
    for f in "${RELAYED[@]}"; do
      if [ "$(crepes_id "$f")" = "$id" ]; then
        pass waited "$id waited in crepes.fr's queue, was retried, and reached Bob: $(rel "$f")"
        return
      fi
    done
    runner_has "queue: $(dots "$id") to .* failed" || delivered+=("$id")
  done
  # Without the transcript: the two Received dates tell how long it waited.
  for f in "${RELAYED[@]}"; do
    w=$(waited_seconds "$f") || continue
    if [ "$w" -ge "$WAITED_SECONDS" ]; then
      pass waited "$(rel "$f") reached hamburger.edu $w s after crepes.fr took it: it waited in the queue"
      return
    fi
  done
  if [ ${#delivered[@]} -gt 0 ]; then
    hint waited "${delivered[0]} waited and was then delivered, but it is in neither $(rel "$hamburger")/bob/ nor $(rel "$inbox")/: was hamburger-mail/ removed? Repeat README step 4."
  elif [ ${#done_ids[@]} -gt 0 ]; then
    hint waited "${done_ids[0]} waited in the queue, but then bounced instead of reaching Bob: send the waiting message to bob@hamburger.edu (README step 4)."
  elif [ ${#deferred[@]} -gt 0 ]; then
    hint waited "${deferred[0]} is still waiting in crepes.fr's queue. Start Bob's server again on port 2526 and wait for the next try, or make it try now: ../../bin/smtpd --flush -m crepes-mail (README step 4)."
  elif [ ! -f "$crepes_log" ]; then
    hint waited "There is no $(rel "$crepes_log") to show a message waiting. Keep Alice's server's transcript (tee -a crepes.log), stop Bob's server, send a message, then start Bob's server again (README step 4)."
  else
    hint waited "No message waited in the queue: $(rel "$crepes_log") has no \"deferred\". Stop Bob's server (Ctrl-C in its terminal), send Alice's second message, watch it wait, then start Bob's server again (README step 4)."
  fi
}

# --- step: a bounce for an unknown user ----------------------------------------

BOUNCES=()
check_bounce() {
  local f ct s direct='' u others=()
  while IFS= read -r f; do
    ct=$(lower "$(header_of "$f" Content-Type)")
    [[ $ct == multipart/report* ]] || continue
    [ -z "$(envelope_sender "$f")" ] || continue
    if grep -qi '^Action: *failed' "$f" && grep -qi '^Final-Recipient: *rfc822; *[^ ]*@hamburger\.edu' "$f"; then
      BOUNCES+=("$f")
    fi
  done < <(maildir_files "$crepes/alice")
  if [ ${#BOUNCES[@]} -gt 0 ]; then
    pass bounce "$(rel "${BOUNCES[0]}") is a delivery status notification for $(grep -i -m 1 '^Final-Recipient:' "${BOUNCES[0]}" | sed 's/^[^;]*; *//')"
    return
  fi
  for u in "$hamburger"/*/; do
    u=$(basename "$u")
    [ -d "$hamburger/$u/new" ] || continue
    case $u in bob|postmaster) ;; *) others+=("$u") ;; esac
  done
  while IFS= read -r s; do
    grep -q '^S: 550 ' "$s" && ! grep -qiE '^C: (EHLO|HELO) crepes\.fr$' "$s" && { direct=$s; break; }
  done < <(session_files "$work/hamburger")
  if [ ${#others[@]} -gt 0 ]; then
    hint bounce "Bob's server made a mailbox for ${others[0]}: it ran without -u users, so it knows no unknown users. Start it with -u users (README step 1), then send to bbo@hamburger.edu again (README step 5)."
  elif [ -n "$direct" ] && ! runner_has 'failed'; then
    hint bounce "hamburger.edu answered 550 to a client that talked to it directly, so there was nobody to bounce. Send the message to Alice's server, 127.0.0.1:2525: crepes.fr gets the 550 and writes the bounce (README step 5)."
  elif [ "$(maildir_files "$crepes/alice" | grep -c .)" -gt 0 ]; then
    hint bounce "$(rel "$crepes")/alice/ has mail, but no bounce (Content-Type: multipart/report, Action: failed) for an address at hamburger.edu. Send a message to bbo@hamburger.edu through Alice's server (README step 5)."
  else
    hint bounce "No bounce in $(rel "$crepes")/alice/new/. Send a message from alice@crepes.fr to an address that does not exist at hamburger.edu, bbo@hamburger.edu, through Alice's server, port 2525 (README step 5)."
  fi
}

# --- step: relaying refused to an untrusted client -----------------------------

check_relay_denied() {
  local s from
  while IFS= read -r s; do
    grep -q '^S: 554 5\.7\.1 ' "$s" || continue
    from=$(sed -n 's/^-- session [0-9]*: connection from \([^ ]*\).*/\1/p' "$s" | head -n 1)
    pass relay-denied "session $(basename "$s") from ${from:-?} was refused: 554 5.7.1"
    return
  done < <(session_files "$work/crepes")
  if [ ! -f "$crepes_log" ]; then
    hint relay-denied "There is no $(rel "$crepes_log"). Keep Alice's server's transcript (tee -a crepes.log) and connect from 127.0.0.2: nc -C -s 127.0.0.2 127.0.0.1 2525 (README step 6)."
  else
    hint relay-denied "No session of crepes.fr got 554 5.7.1. Connect from an address it does not trust, nc -C -s 127.0.0.2 127.0.0.1 2525, and ask it to relay: MAIL FROM:<...>, RCPT TO:<bob@hamburger.edu> (README step 6)."
  fi
}

# --- step: Bob's user agent fetched the relayed mail ---------------------------

check_bob_reads() {
  local f n
  for f in "${RELAYED[@]}"; do
    case $f in
      "$inbox"/*) pass bob-reads "Bob's user agent fetched $(rel "$f")"; return ;;
    esac
  done
  n=$(maildir_files "$inbox" | grep -c . || true)
  if [ "$n" -gt 0 ]; then
    hint bob-reads "$(rel "$inbox")/ holds $n message(s), but none that came from alice@crepes.fr through crepes.fr: fetch again after README step 2 (README step 7)."
  else
    hint bob-reads "$(rel "$inbox")/ holds no messages. Start pop3d on hamburger-mail and fetch Bob's mail: ../../bin/mailget --keep -u bob --password-file bob.password 127.0.0.1:1110 -o bob-inbox (README step 7)."
  fi
}

# --- the answers: a judge per question (check_answer is in lib/check.bash) ------

# has TEXT REGEX - TEXT, in lower case, matches the extended REGEX.
has() { [[ $(lower "$1") =~ $2 ]]; }

# judge_crepes - crepes.fr, Alice's mail server, and not the user agent.
judge_crepes() {
  has "$1" 'crepes' && return 0
  if has "$1" 'agent|agente|mailsend|mailcat|telnet|nc '; then
    echo "a user agent only ever opens connections: in this hop, which program answered with 220 and 250?"
    return 1
  fi
  has "$1" 'alice|alicia' && return 0
  if has "$1" 'hamburger|bob'; then
    echo "hamburger.edu took no part in this hop as you named it; look at which terminal shows the C: lines and which the S: lines"
    return 1
  fi
  echo "name the mail server by its domain: look at which terminal shows the session"
  return 1
}

judge_route() {
  local a c h
  a=$(lower "$1")
  [[ $a == *crepes* && $a == *hamburger* ]] || {
    echo "name both servers, by their domains, first the one the message reached first"
    return 1
  }
  c=${a%%crepes*}; h=${a%%hamburger*}
  [ ${#c} -lt ${#h} ] && return 0
  echo "that is the order of the Received lines in the file; the message went the other way: each server adds its line on top"
  return 1
}

QUEUE_ID_RE='[0-9]+\.M[0-9]+P[0-9]+Q[0-9]+'

# short_id ID - a Queue ID without its host part (TIME.M<usec>P<pid>Q<n>).
short_id() { [[ $1 =~ ^($QUEUE_ID_RE) ]] && printf '%s' "${BASH_REMATCH[1]}"; }

judge_queue_id() {
  local want got id f w
  [[ $1 =~ ($QUEUE_ID_RE) ]] || {
    echo "copy the Queue ID from ../../bin/smtpd --queue-list -m crepes-mail (a name like 1795737837.M983656P6277Q1.host)"
    return 1
  }
  got=${BASH_REMATCH[1]}
  # The IDs that waited: "deferred" in the transcript, or a relayed message
  # whose Received dates are far apart.
  want=$(sed -n 's/^-- queue: \([^ ]*\) deferred: .*/\1/p' "$CREPES_RUNNER" | sort -u)
  for f in "${RELAYED[@]}"; do
    w=$(waited_seconds "$f") || continue
    [ "$w" -ge "$WAITED_SECONDS" ] && want+=$'\n'$(crepes_id "$f")
  done
  while IFS= read -r id; do
    [ -n "$id" ] && [ "$(short_id "$id")" = "$got" ] && return 0
  done <<<"$want"
  if [ -z "$(printf '%s' "$want" | tr -d '\n')" ]; then
    echo "no message has waited in crepes.fr's queue yet: stop Bob's server, send, then run ../../bin/smtpd --queue-list -m crepes-mail"
  else
    echo "$got never waited in crepes.fr's queue; $(rel "$crepes_log") says \"deferred\" for $(printf '%s' "$want" | grep . | head -n 1)"
  fi
  return 1
}

judge_temporary() {
  if has "$1" 'perman'; then
    echo "a permanent failure would have come back to Alice as a bounce at once; this one was tried again"
    return 1
  fi
  has "$1" 'tempor|transient|transitori|4[0-9x][0-9x]' && return 0
  echo "the server kept the message and tried again later: what kind of failure is worth trying again?"
  return 1
}

judge_two_replies() {
  [[ $1 == *250* && $1 == *550* ]] && return 0
  echo "give two codes: the one your user agent got at RCPT TO (terminal of crepes.fr, session lines), and the one hamburger.edu gave crepes.fr (the queue runner's S: line)"
  return 1
}

judge_null_sender() {
  if has "$1" 'mailer-daemon'; then
    echo "MAILER-DAEMON is in the From: header line; the envelope sender is what Return-Path: shows"
    return 1
  fi
  [[ $1 == *"<>"* ]] || has "$1" 'null|nulo|empty|vac[ií]|none|ninguno|nadie' && return 0
  echo "copy what the bounce's Return-Path: line shows between its angle brackets"
  return 1
}

judge_no_loops() {
  has "$1" 'loop|bucle|infinit|ping.?pong|cadena|chain|never|nunca|jam[aá]s|(no|not|nor|ni)[^.]{0,40}(bounc|rebot|devuel|respond|answer|contest)' && return 0
  echo "a bounce is sent to the envelope sender; what would happen if a bounce could not be delivered and came back with a bounce of its own?"
  return 1
}

judge_relay_denied() {
  has "$1" 'relay|reenv|retransm|open|abiert|spam|trust|confianza|ajen|other domain|otros dominios|autoriz' && return 0
  echo "read the whole 554 line: what does crepes.fr refuse to do, and for whom?"
  return 1
}

judge_250() {
  [[ $1 =~ (^|[^0-9])250([^0-9]|$) ]] && return 0
  echo "copy the reply code that RCPT TO:<alice@crepes.fr> got in the same session from 127.0.0.2"
  return 1
}

judge_pop() {
  has "$1" 'pop' && return 0
  if has "$1" 'smtp'; then
    echo "SMTP pushes mail towards Bob's server; Bob's user agent pulls it out with an access protocol: which one did mailget speak?"
  else
    echo "which protocol does mailget speak with the server on port 1110?"
  fi
  return 1
}

judge_client_and_server() {
  has "$1" 'client|cliente' && has "$1" 'server|servidor' && return 0
  echo "say when a mail server acts as a server and when as a client (receiving mail, sending it on)"
  return 1
}

# --- run the steps ------------------------------------------------------------

check_transcripts
check_relayed
check_both_roles
check_waited
check_bounce
check_relay_denied
check_bob_reads
check_answer 1 answer-1-first-hop-server "first hop, from Alice's user agent to crepes.fr: which one was the SMTP server?" 2 judge_crepes
check_answer 2 answer-2-second-hop-client "second hop, from crepes.fr to hamburger.edu: which one was the SMTP client?" 2 judge_crepes
check_answer 3 answer-3-route "the servers the message went through, in order" 3 judge_route
check_answer 4 answer-4-queue-id "the Queue ID of the message that waited" 4 judge_queue_id
check_answer 5 answer-5-temporary "was that failure temporary or permanent?" 4 judge_temporary
check_answer 6 answer-6-two-replies "the reply code your user agent got for bbo@hamburger.edu, and the one hamburger.edu gave crepes.fr" 5 judge_two_replies
check_answer 7 answer-7-bounce-sender "the envelope sender of the bounce" 5 judge_null_sender
check_answer 8 answer-8-why-null-sender "why does a bounce have that envelope sender?" 5 judge_no_loops
check_answer 9 answer-9-relay-denied "what 554 5.7.1 Relay access denied means" 6 judge_relay_denied
check_answer 10 answer-10-local-recipient "the reply code RCPT TO:<alice@crepes.fr> got from 127.0.0.2" 6 judge_250
check_answer 11 answer-11-access-protocol "the protocol Bob's user agent used" 7 judge_pop
check_answer 12 answer-12-client-and-server "why is a mail server both a client and a server?" 8 judge_client_and_server

# --- report: its status is the script's -------------------------------------------

check_report 05-relay "Lab 05 - From Alice to Bob"
