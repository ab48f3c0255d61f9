# helpers.bash - what every bats file shares: starting and stopping our
# servers on loopback, and talking to them line by line.
#
# Servers listen on 127.0.0.1 with -p 0 and --port-file, in the test's own
# temporary folder; a test waits for the port file (a bounded loop, never a
# bare sleep) and stops the server by PID in teardown.

bats_load_library bats-support
bats_load_library bats-assert

CARTERO_ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
: "${CARTERO_BIN:=$CARTERO_ROOT/bin}"
export CARTERO_ROOT CARTERO_BIN

# dir_has_files DIR / dir_is_empty DIR - conditions for wait_for (which runs
# its command again each time; a "$(...)" in its arguments would not be).
dir_has_files() { [ -n "$(ls -A "$1" 2>/dev/null)" ]; }
dir_is_empty() { [ -z "$(ls -A "$1" 2>/dev/null)" ]; }

# wait_for CONDITION... - retry a command for up to 10 s, every 20 ms.
wait_for() {
  local i
  for ((i = 0; i < 500; i++)); do
    "$@" && return 0
    sleep 0.02
  done
  echo "timed out waiting for: $*" >&2
  return 1
}

# start_server NAME ARGS... - start bin/NAME on 127.0.0.1, port 0, in a folder
# of its own ($SERVER_DIR); sets SERVER_PID and SERVER_PORT. stderr goes to
# $SERVER_DIR/stderr. Several servers: call it again; each gets its own
# SERVER_<n>_* copies through the returned index in SERVER_INDEX.
start_server() {
  local name=$1; shift
  SERVER_DIR=$(mktemp -d "$BATS_TEST_TMPDIR/$name.XXXX")
  "$CARTERO_BIN/$name" -l 127.0.0.1 -p 0 --port-file "$SERVER_DIR/port" "$@" \
    2>"$SERVER_DIR/stderr" &
  SERVER_PID=$!
  STARTED_PIDS+=("$SERVER_PID")
  if ! wait_for test -s "$SERVER_DIR/port"; then
    cat "$SERVER_DIR/stderr" >&2
    return 1
  fi
  SERVER_PORT=$(cat "$SERVER_DIR/port")
}

# stop_servers - SIGTERM each server we started, by PID, wait for it, and fail
# if a sanitizer reported anything in its log.
stop_servers() {
  local pid
  for pid in "${STARTED_PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  STARTED_PIDS=()
  check_sanitizer_logs
}

check_sanitizer_logs() {
  local f
  for f in "$BATS_TEST_TMPDIR"/*/stderr; do
    [ -e "$f" ] || continue
    if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f"; then
      echo "sanitizer report in $f:" >&2
      cat "$f" >&2
      return 1
    fi
  done
}

# --- talking to a server by hand, as a student would with telnet -----------

# connect [PORT] - open a connection to 127.0.0.1:PORT (default $SERVER_PORT)
# on the file descriptor $CONN_FD (bats keeps 3 for itself).
connect() {
  exec {CONN_FD}<>"/dev/tcp/127.0.0.1/${1:-$SERVER_PORT}"
}

disconnect() {
  if [ -n "${CONN_FD:-}" ]; then
    exec {CONN_FD}>&- || true
    CONN_FD=
  fi
}

# send LINE - send one line with CRLF.
send() {
  printf '%s\r\n' "$1" >&"$CONN_FD"
}

# send_raw TEXT - send bytes exactly as given (printf escapes allowed).
send_raw() {
  printf "$1" >&"$CONN_FD"
}

# read_reply - read one complete reply (all its continuation lines) into
# $REPLY_LINES (CR removed) and its code into $REPLY_CODE. Fails after
# 10 s of silence or on EOF.
read_reply() {
  local line
  REPLY_LINES=()
  while :; do
    IFS= read -r -t 10 line <&"$CONN_FD" || { echo "no reply (EOF or timeout)" >&2; return 1; }
    line=${line%$'\r'}
    REPLY_LINES+=("$line")
    # RFC 5321 4.2.1: "250-" continues, "250 " is the last line.
    [[ $line =~ ^[0-9]{3}- ]] || break
  done
  REPLY_CODE=${line:0:3}
  REPLY_TEXT=${line:4}
}

# expect_reply CODE [PATTERN] - read a reply and check its code (and that its
# last line matches the extended regex PATTERN).
expect_reply() {
  read_reply || return 1
  if [ "$REPLY_CODE" != "$1" ]; then
    echo "expected $1, got: ${REPLY_LINES[*]}" >&2
    return 1
  fi
  if [ -n "${2:-}" ] && ! [[ ${REPLY_LINES[-1]} =~ $2 ]]; then
    echo "reply '${REPLY_LINES[-1]}' does not match /$2/" >&2
    return 1
  fi
}

# expect_closed - the server closed the connection (EOF within 10 s).
expect_closed() {
  local line
  if IFS= read -r -t 10 line <&"$CONN_FD"; then
    echo "expected the connection to close, got: $line" >&2
    return 1
  fi
}

# say LINE CODE [PATTERN] - send a line and expect a reply.
say() {
  send "$1"
  expect_reply "$2" "${3:-}"
}
