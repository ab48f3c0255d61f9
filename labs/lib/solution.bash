# shellcheck shell=bash
# solution.bash - what every lab's solution.sh shares: its command line,
# starting the lab's servers on free ports and stopping them by PID, bounded
# waits, talking to a server line by line as telnet does, and writing
# answers.txt. A solution.sh is also the instructor's demo, so everything
# it does is shown in the slides' notation ("$ command", "C: ...", "S: ...").
#
# A solution.sh runs under "set -euo pipefail", sources this file (which
# sets script_dir: the lab's folder, with answers.template) and then:
#
#   solution_options "$@"        sets force, lab and root, or exits
#   need_programs smtpd ...      sets bin, or dies: "run 'make' first"
#   need_beside answers.template ...
#   protect_answers              dies if answers.txt exists, unless --force
#   solution_work_dir labNN      the scratch folder $work, and the EXIT trap
#   ... its steps: start_in_lab, connect, say ..., A[n]=answer ...
#   write_answers
#
# On any exit the trap closes the connections, stops every process in PIDS
# by its PID, calls the lab's on_failure (when it has one and the script
# failed: show the servers' transcripts) and removes $work.
#
# Sourced, never run: it defines functions and the variables below.

# script_dir: the folder of the script that sources this file (the lab's).
script_dir=$(cd "$(dirname "${BASH_SOURCE[-1]}")" && pwd)

# How long to wait for one reply; how many times to look, every 20 ms, for
# anything else to happen (a server to listen, a line in a log): 10 s.
REPLY_TIMEOUT_SECONDS=10
WAIT_TRIES=500

PIDS=()                    # every server and client we started, to stop on exit
declare -A A=()            # A[n]: the answer to question n, for write_answers

# --- the command line and what the lab needs ---------------------------------------

# die MESSAGE - says why on stderr and exits 1 (the trap cleans up).
die() {
  echo "solution.sh: $*" >&2
  exit 1
}

# solution_help - the comment at the top of the script, for --help.
solution_help() {
  awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "${BASH_SOURCE[-1]}"
}

# solution_options ARGS... - reads solution.sh's command line:
#   [--force] [LAB_DIR]
# and sets force (1 with --force), lab (LAB_DIR, else $LAB_DIR, else
# $script_dir; made absolute) and root (the repository around script_dir).
# --help prints the script's header and exits 0; a bad option exits 64; a
# missing folder dies.
solution_options() {
  force=0
  lab=${LAB_DIR:-$script_dir}
  while [ $# -gt 0 ]; do
    case $1 in
      --force) force=1; shift ;;
      -h|--help) solution_help; exit 0 ;;
      -*) echo "solution.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
      *) lab=$1; shift ;;
    esac
  done
  [ -d "$lab" ] || die "no lab directory $lab"
  lab=$(cd "$lab" && pwd)
  root=$(cd "$script_dir/../.." && pwd)
}

# need_programs NAME... - sets bin ($CARTERO_BIN, else bin/ of the
# repository) and dies unless every program NAME is built there.
need_programs() {
  local p
  bin=${CARTERO_BIN:-$root/bin}
  for p in "$@"; do
    [ -x "$bin/$p" ] || die "no $bin/$p: run 'make' first, or set CARTERO_BIN"
  done
}

# need_beside FILE... - dies unless every FILE of the lab is beside the script.
need_beside() {
  local f
  for f in "$@"; do
    [ -f "$script_dir/$f" ] || die "no $f beside solution.sh"
  done
}

# protect_answers - a student's answers.txt is never overwritten, unless
# the command line said --force.
protect_answers() {
  if [ -e "$lab/answers.txt" ] && [ "$force" = 0 ]; then
    die "$lab/answers.txt exists: keep it, or run again with --force (or reset.sh first)"
  fi
}

# --- the scratch folder and the exit --------------------------------------------------

# solution_work_dir NAME - makes the scratch folder $work
# ($TMPDIR/cartero-NAME.XXXXXX) and sets the traps: cleanup on any exit;
# Ctrl-C and SIGTERM exit 130, through cleanup.
solution_work_dir() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/cartero-$1.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT TERM
}

# cleanup - the EXIT trap: closes our connections (a server waits for its
# clients), stops every process of PIDS by its PID and waits for it, shows
# the lab's on_failure when the script failed, removes $work, and keeps the
# exit status.
cleanup() {
  local status=$? pid
  close_connections
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ] && declare -F on_failure >/dev/null; then
    on_failure >&2 || true
  fi
  rm -rf "$work"
  exit "$status"
}

# show_tail TITLE FILE LINES - "--- TITLE:" and the last LINES lines of FILE,
# when FILE is not empty (for on_failure).
show_tail() {
  [ -s "$2" ] || return 0
  echo "--- $1:"
  tail -n "$3" "$2"
}

# --- servers: started in the lab folder, stopped by PID ----------------------------

# wait_until WHAT COMMAND... - runs COMMAND every 20 ms until it succeeds, at
# most WAIT_TRIES times; dies saying WHAT did not happen. Never a bare sleep:
# a fast machine goes on at once, a slow one gets the whole time.
wait_until() {
  local what=$1 i
  shift
  for ((i = 0; i < WAIT_TRIES; i++)); do
    "$@" && return 0
    sleep 0.02
  done
  die "$what did not happen within $((WAIT_TRIES / 50)) s"
}

# listening PORTFILE PID NAME LOG - the server PID wrote its PORTFILE; dies
# if it ended first (NAME and LOG say which, and where to read why).
listening() {
  [ -s "$1" ] && return 0
  kill -0 "$2" 2>/dev/null || die "$3 stopped at once (see $4)"
  return 1
}

# start_in_lab LOG PORT PROGRAM [ARGS...] - starts PROGRAM ARGS in the lab
# folder, as the README has the student do (so -m lab-mail is the lab's),
# on 127.0.0.1 port PORT (0: one the kernel picks, so that labs and tests
# never collide), its output appended to LOG. Waits until it listens, which
# its --port-file shows; sets PID and PORT. Descriptor 3 is closed for it:
# bats reads its report there and would wait for the server too.
start_in_lab() {
  local log=$1 port=$2 program=$3 portfile
  shift 3
  portfile=$(mktemp "$work/port.XXXXXX")
  rm -f "$portfile"
  (cd "$lab" && exec "$program" -l 127.0.0.1 -p "$port" --port-file "$portfile" "$@") \
    >>"$log" 2>&1 3>&- &
  PID=$!
  PIDS+=("$PID")
  wait_until "$(basename "$program") listening" listening "$portfile" "$PID" "$(basename "$program")" "$log"
  # shellcheck disable=SC2034  # PORT is the caller's
  PORT=$(cat "$portfile")
}

# stop PID - SIGTERM, wait for it to end, and take it off PIDS.
stop() {
  local i
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  for i in "${!PIDS[@]}"; do
    if [ "${PIDS[i]}" = "$1" ]; then unset 'PIDS[i]'; fi
  done
}

# --- talking to a server as telnet does (lines end in CRLF) -------------------------

# The connection reads from $CONN_IN and writes to $CONN_OUT: one /dev/tcp
# descriptor for both, or the two pipes of a client process ($CONN_PID).
# bash picks the numbers: 3 may belong to whoever runs us (bats writes its
# report on it). OPEN_FDS keeps every descriptor opened, to close on exit.
CONN_IN='' CONN_OUT='' CONN_PID=''
OPEN_FDS=()

# connect PORT [CLIENT] - opens a connection to 127.0.0.1:PORT, shown as the
# command the student types (CLIENT: telnet, or nc...).
connect() {
  echo "\$ ${2:-telnet} 127.0.0.1 $1"
  exec {CONN_IN}<>"/dev/tcp/127.0.0.1/$1" || die "cannot connect to 127.0.0.1:$1"
  CONN_OUT=$CONN_IN
  OPEN_FDS+=("$CONN_IN")
}

# disconnect - closes the connection without a word, as closing the telnet
# window does (send QUIT first for a goodbye); stops a client process.
disconnect() {
  if [ -n "$CONN_IN" ]; then exec {CONN_IN}<&-; fi
  if [ -n "$CONN_OUT" ] && [ "$CONN_OUT" != "$CONN_IN" ]; then exec {CONN_OUT}>&-; fi
  CONN_IN='' CONN_OUT=''
  if [ -n "$CONN_PID" ]; then
    stop "$CONN_PID"
    CONN_PID=''
  fi
}

# close_connections - closes every descriptor we opened (for cleanup).
close_connections() {
  local fd
  for fd in "${OPEN_FDS[@]}"; do
    { exec {fd}>&-; } 2>/dev/null || true
  done
  OPEN_FDS=()
}

# send LINE - sends LINE with CRLF, and shows it as "C: LINE".
send() {
  printf '%s\r\n' "$1" >&"$CONN_OUT"
  echo "C: $1"
}

# read_line - reads one line into LINE (without its CR) and shows it as
# "S: LINE". Dies after REPLY_TIMEOUT_SECONDS of silence, or at the end.
read_line() {
  IFS= read -r -t "$REPLY_TIMEOUT_SECONDS" LINE <&"$CONN_IN" ||
    die "no reply within $REPLY_TIMEOUT_SECONDS s (or the server closed the connection)"
  LINE=${LINE%$'\r'}
  echo "S: $LINE"
}

# read_reply - reads a whole reply: an SMTP reply's "250-" lines up to its
# last line (RFC 5321 4.2.1), or a POP3 status line. Sets LINE (the last
# line) and CODE (its first three characters).
read_reply() {
  read_line
  while [[ $LINE =~ ^[0-9]{3}- ]]; do read_line; done
  # shellcheck disable=SC2034  # CODE is the caller's
  CODE=${LINE:0:3}
}

# expect START - reads a reply, whose last line must start with START (220,
# +OK, -ERR [IN-USE]...).
expect() {
  read_reply
  [[ $LINE == "$1"* ]] || die "expected $1, got: $LINE"
}

# say LINE START - sends LINE, and expects the reply START.
say() {
  send "$1"
  expect "$2"
}

# --- what the student looks at ----------------------------------------------------------

# new_names DIR - the file names in DIR (a Maildir's new/), sorted, as `ls`
# shows them (Maildir names are plain: no spaces, no newlines).
# shellcheck disable=SC2012
new_names() { ls -1 "$1" 2>/dev/null | sort || true; }

# new_name DIR BEFORE - the one name in DIR that is not in the BEFORE
# listing; dies when there is not exactly one. The server moves a message
# into new/ before it says 250, so it is there once the 250 is read.
new_name() {
  local names
  names=$(comm -13 <(printf '%s\n' "$2") <(new_names "$1") | sed '/^$/d')
  [ "$(printf '%s\n' "$names" | grep -c .)" = 1 ] || die "expected one new file in $1, found: $names"
  printf '%s' "$names"
}

# write_answers - LAB/answers.txt: answers.template with each empty "A<n>:"
# line filled in from A[n], the other lines as they are. Written beside,
# then moved, so that a failure never leaves half a file.
write_answers() {
  local line
  while IFS= read -r line; do
    if [[ $line =~ ^A([0-9]+):[[:space:]]*$ ]]; then
      printf 'A%s: %s\n' "${BASH_REMATCH[1]}" "${A[${BASH_REMATCH[1]}]:-}"
    else
      printf '%s\n' "$line"
    fi
  done <"$script_dir/answers.template" >"$lab/answers.txt.tmp"
  mv "$lab/answers.txt.tmp" "$lab/answers.txt"
}
