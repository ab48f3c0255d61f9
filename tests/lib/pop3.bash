# pop3.bash - POP3 helpers for the bats files of pop3d, mailget and lab 03.
# Load after helpers.bash. A POP3 reply is one line, "+OK ..." or "-ERR ...";
# after RETR, TOP, CAPA, and LIST or UIDL without an argument, a "+OK" is
# followed by lines up to a lone "." (RFC 1939 3).

# The users: bob and alice with {PLAIN} passwords (APOP needs them), carol
# with a hashed one (USER/PASS only).
POP3_USERS='bob:{PLAIN}hungry
alice:{PLAIN}wonderland
carol:{SHA512-CRYPT}$6$saltsalt$ZCbTpTh29cUxToTTcJU28y.DOKtu/zZkLPKy9BZRjNbo/a/FCCcCtXk/uGbIoQuLh7iCEPudzb7SoPk81l2Vb/'

# start_pop3d ARGS... - pop3d on 127.0.0.1, port 0, mail root $MAIL, users
# file $USERS (written from $POP3_USERS unless it exists), no failure delay
# unless ARGS set one.
start_pop3d() {
  [ -e "$USERS" ] || printf '%s\n' "$POP3_USERS" > "$USERS"
  start_server pop3d -m "$MAIL" -u "$USERS" -d hamburger.edu --auth-failure-delay 0 "$@"
}

# deliver USER NAME CONTENT - put a message into USER's new/ as smtpd would
# (LF line ends; printf escapes in CONTENT are expanded).
deliver() {
  mkdir -p "$MAIL/$1/new" "$MAIL/$1/cur" "$MAIL/$1/tmp"
  printf "$3" > "$MAIL/$1/new/$2"
}

# crlf_size FILE - the octets of FILE with every bare LF made CRLF, and a
# CRLF added after a last line without one: the size RETR sends.
crlf_size() {
  python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
d = d.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
if d and not d.endswith(b"\r\n"):
    d += b"\r\n"
print(len(d))' "$1"
}

# pop3_read - read one line into $POP3_LINE (CR removed). Fails after 10 s or EOF.
pop3_read() {
  IFS= read -r -t 10 POP3_LINE <&"$CONN_FD" || { echo "no reply (EOF or timeout)" >&2; return 1; }
  POP3_LINE=${POP3_LINE%$'\r'}
}

# pop3_expect STATUS [PATTERN] - read a reply line; it must start with STATUS
# (+OK or -ERR) and match the extended regex PATTERN.
pop3_expect() {
  pop3_read || return 1
  if [[ $POP3_LINE != "$1"* ]]; then
    echo "expected $1, got: $POP3_LINE" >&2
    return 1
  fi
  if [ -n "${2:-}" ] && ! [[ $POP3_LINE =~ $2 ]]; then
    echo "reply '$POP3_LINE' does not match /$2/" >&2
    return 1
  fi
}

# pop3 LINE STATUS [PATTERN] - send a command and expect its reply line.
pop3() {
  send "$1"
  pop3_expect "$2" "${3:-}"
}

# read_lines - read the lines of a multi-line reply, up to the lone ".",
# into the array POP3_LINES, exactly as sent (still dot-stuffed).
read_lines() {
  POP3_LINES=()
  while pop3_read; do
    [ "$POP3_LINE" = "." ] && return 0
    POP3_LINES+=("$POP3_LINE")
  done
  return 1
}

# login USER PASSWORD - connect, read the greeting, USER and PASS.
login() {
  connect
  pop3_expect +OK
  pop3 "USER $1" +OK
  pop3 "PASS $2" +OK 'logged on'
}

# count_files USER DIR - how many messages USER has in new/ or cur/.
count_files() {
  find "$MAIL/$1/$2" -type f 2>/dev/null | wc -l | tr -d ' '
}
