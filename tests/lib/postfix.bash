# postfix.bash - a private Postfix for interop tests: its own config, queue
# and data directories in the test's temp folder, listening on a free
# loopback port, never touching the system's Postfix. Needs root (Postfix
# drops privileges to its own user) and the package postfix.

# postfix_missing - why a private Postfix cannot run here; nothing when it can.
postfix_missing() {
  if ! command -v postfix >/dev/null 2>&1 && [ ! -x /usr/sbin/postfix ]; then
    echo "Postfix is not installed (scripts/deps.sh interop installs it)"
  elif [ "$(id -u)" -ne 0 ]; then
    echo "a private Postfix needs root"
  elif ! id postfix >/dev/null 2>&1 || ! id nobody >/dev/null 2>&1; then
    echo "the users postfix and nobody are missing"
  fi
}

# postfix_start PORT MAIN_CF_LINES - start Postfix on 127.0.0.1:PORT with
# the common settings plus the lines given (@PF@ in them stands for the
# instance's folder). Sets PF to that folder.
postfix_start() {
  local port=$1 extra=$2
  # Postfix's own processes run as the user postfix: bats' temp folder
  # (mode 0700) is closed to them, so the instance lives in a folder of its own.
  PF=$(mktemp -d /tmp/cartero-postfix.XXXXXX)
  chmod 755 "$PF"
  extra=${extra//@PF@/$PF}      # the caller's lines may name the folder as @PF@
  mkdir -p "$PF/etc" "$PF/spool" "$PF/data" "$PF/mail"
  chown postfix "$PF/data"
  chown nobody:"$(id -gn nobody)" "$PF/mail"
  cat > "$PF/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
myhostname = postfix.hamburger.edu
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
alias_maps =
alias_database =
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(id -g nobody)
$extra
CF
  cat > "$PF/etc/master.cf" <<CF
127.0.0.1:$port inet n - n - - smtpd
pickup    unix  n - n 60    1 pickup
cleanup   unix  n - n -     0 cleanup
qmgr      unix  n - n 300   1 qmgr
rewrite   unix  - - n -     - trivial-rewrite
bounce    unix  - - n -     0 bounce
defer     unix  - - n -     0 bounce
trace     unix  - - n -     0 bounce
verify    unix  - - n -     1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -     - proxymap
smtp      unix  - - n -     - smtp
relay     unix  - - n -     - smtp
showq     unix  n - n -     - showq
error     unix  - - n -     - error
retry     unix  - - n -     - error
discard   unix  - - n -     - discard
virtual   unix  - n n -     - virtual
anvil     unix  - - n -     1 anvil
scache    unix  - - n -     1 scache
postlog   unix-dgram n - n - 1 postlogd
CF
  postfix -c "$PF/etc" start >"$PF/start.log" 2>&1 || { cat "$PF/start.log" >&2; return 1; }
  POSTFIX_STARTED=1
  wait_for bash -c "exec 9<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
}

# postfix_stop - stop our instance with its own command, and wait for its master.
postfix_stop() {
  [ -n "${POSTFIX_STARTED:-}" ] || return 0
  local master
  master=$(awk '{ print $1 }' "$PF/spool/pid/master.pid" 2>/dev/null)
  postfix -c "$PF/etc" stop >/dev/null 2>&1 || true
  POSTFIX_STARTED=
  [ -n "$master" ] && wait_for bash -c "! kill -0 $master 2>/dev/null"
  rm -rf "$PF"
  return 0
}
