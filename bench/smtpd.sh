#!/usr/bin/env bash
# bench/smtpd.sh - how fast does our smtpd take mail, next to Postfix?
#
#   bench/smtpd.sh [-c SESSIONS] [-n MESSAGES] [-r REPEAT] [-s BYTES]
#                  [-R ROUNDS] [-i IDLE]
#   (defaults: 8 sessions at once, 200 messages each, 50 short sessions
#    each, 4096 octets, 3 rounds, 200 idle sessions; about a minute)
#
# Builds bench/smtp-load.c into build/bench/, starts $CARTERO_BIN/smtpd
# (default bin/smtpd) on a free port in a temporary directory and, when
# Postfix is installed and we are root, a private Postfix instance (its own
# configuration, queue and data directories in the same temporary
# directory, on 127.0.0.1 and a free high port, delivering to a Maildir).
# Nothing else of the machine's mail system is used or touched. Then:
#
#   1. idle sessions: opens IDLE sessions (EHLO, then nothing) to each
#      server and reports the memory they add: the PSS of the server's
#      whole process tree (from /proc/PID/smaps_rollup) with them, minus
#      the same before them, divided by IDLE. Also RSS and page tables.
#   2. long sessions: SESSIONS at once, MESSAGES messages each, of BYTES
#      octets; each message MAIL, RCPT, DATA and its final 250.
#   3. short sessions: SESSIONS at once, REPEAT sessions one after another
#      each, of one message each (connect, EHLO, MAIL...250, QUIT): what
#      a new connection costs.
#
# The loads run ROUNDS times, ours and Postfix's alternately, and each
# prints the median. Every round checks that every message arrived in the
# Maildir exactly once (a distinct Subject each). Rates:
#   accepted   messages / time from the first connect to the last 250
#   delivered  messages / time until the last one is in Maildir/new
# Our smtpd puts the message into new/ before its 250, so both are the
# same for it; Postfix says 250 once the message is in its queue and
# delivers after. ratio = ours / Postfix (above 1.00: ours is faster).
set -euo pipefail
# shellcheck source=bench/lib.bash
. "$(dirname "$0")/lib.bash"

sessions=8 messages=200 repeat=50 size=4096 rounds=3 idle=200
usage() {
  echo "usage: bench/smtpd.sh [-c SESSIONS] [-n MESSAGES] [-r REPEAT] [-s BYTES]" \
       "[-R ROUNDS] [-i IDLE]" >&2
  exit 64
}
while getopts c:n:r:s:R:i: opt; do
  case $opt in
    c) sessions=$OPTARG ;;
    n) messages=$OPTARG ;;
    r) repeat=$OPTARG ;;
    s) size=$OPTARG ;;
    R) rounds=$OPTARG ;;
    i) idle=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage

root=$(cd "$(dirname "$0")/.." && pwd)
smtpd=${CARTERO_BIN:-$root/bin}/smtpd
load=$root/build/bench/smtp-load
[ -x "$smtpd" ] || { echo "smtpd.sh: no $smtpd; run 'make bin/smtpd' first" >&2; exit 1; }
mkdir -p "$root/build/bench"
${CC:-cc} -std=c17 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra \
  -o "$load" "$root/bench/smtp-load.c"

# The Postfix user must be able to reach its directories inside $tmp.
tmp=$(mktemp -d)
chmod 755 "$tmp"
ours_pid=
postfix_conf=
cleanup() {
  stop_ours
  stop_postfix
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ns() { date +%s%N; }

# ---- our smtpd ---------------------------------------------------------

start_ours() {
  "$smtpd" -l 127.0.0.1 -p 0 --port-file "$tmp/ours.port" -m "$tmp/ours" \
    -d hamburger.edu --max-sessions $((idle + sessions + 10)) 2>"$tmp/ours.log" &
  ours_pid=$!
  for _ in $(seq 100); do
    [ -s "$tmp/ours.port" ] && { ours_port=$(cat "$tmp/ours.port"); return; }
    sleep 0.05
  done
  echo "smtpd.sh: our smtpd did not start:" >&2
  cat "$tmp/ours.log" >&2
  exit 1
}

stop_ours() {
  [ -n "$ours_pid" ] || return 0
  kill "$ours_pid" 2>/dev/null || true
  wait "$ours_pid" 2>/dev/null || true
  ours_pid=
}

# ---- a private Postfix -------------------------------------------------

postfix_bin=$(command -v postfix || echo /usr/sbin/postfix)

# Why Postfix cannot be compared here, or nothing when it can.
postfix_missing() {
  if [ ! -x "$postfix_bin" ]; then
    echo "Postfix is not installed"
  elif [ "$(id -u)" -ne 0 ]; then
    echo "starting a Postfix instance needs root"
  elif ! id postfix >/dev/null 2>&1 || ! id nobody >/dev/null 2>&1; then
    echo "the users postfix and nobody are missing"
  fi
}

# Sets up and starts a Postfix that shares nothing with the system's one:
# main.cf and master.cf in $pf/etc, queue in $pf/spool, data in $pf/data,
# log in $pf/maillog, mail for bench@hamburger.edu in $pf/mail/bench/
# (a Maildir, written by virtual(8) as the user nobody).
start_postfix() {
  pf=$tmp/postfix
  postfix_port=$(free_port)
  mkdir -p "$pf/etc" "$pf/spool" "$pf/data" "$pf/mail"
  chown postfix "$pf/data"
  chown nobody:"$(id -gn nobody)" "$pf/mail"
  cat >"$pf/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $pf/spool
data_directory = $pf/data
maillog_file = $pf/maillog
maillog_file_prefixes = $tmp
myhostname = postfix.bench.localdomain
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
alias_maps =
alias_database =
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
virtual_mailbox_domains = hamburger.edu
virtual_mailbox_base = $pf/mail
virtual_mailbox_maps = texthash:$pf/etc/mailboxes
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(id -g nobody)
# Room for the idle sessions: one smtpd process each.
default_process_limit = $((idle + sessions + 10))
smtpd_client_connection_count_limit = 0
EOF
  echo "bench@hamburger.edu bench/" >"$pf/etc/mailboxes"   # trailing /: Maildir
  # The stock services, none chrooted (no copies of /etc needed), and one
  # SMTP listener: ours.
  cat >"$pf/etc/master.cf" <<EOF
127.0.0.1:$postfix_port inet n - n - - smtpd
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
proxywrite unix - - n -     1 proxymap
smtp      unix  - - n -     - smtp
relay     unix  - - n -     - smtp
showq     unix  n - n -     - showq
error     unix  - - n -     - error
retry     unix  - - n -     - error
discard   unix  - - n -     - discard
local     unix  - n n -     - local
virtual   unix  - n n -     - virtual
lmtp      unix  - - n -     - lmtp
anvil     unix  - - n -     1 anvil
scache    unix  - - n -     1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
  postfix_conf=$pf/etc
  if ! "$postfix_bin" -c "$postfix_conf" start >"$pf/start.log" 2>&1; then
    echo "smtpd.sh: Postfix did not start:" >&2
    cat "$pf/start.log" >&2
    exit 1
  fi
  for _ in $(seq 100); do
    listening "$postfix_port" && return
    sleep 0.05
  done
  echo "smtpd.sh: Postfix does not listen on port $postfix_port:" >&2
  cat "$pf/maillog" >&2 2>/dev/null || true
  exit 1
}

postfix_master_pid() {
  awk '{ print $1 }' "$pf/spool/pid/master.pid" 2>/dev/null
}

# Stops our Postfix instance with its own command, then waits until every
# process of its tree is gone (they are ours: only those get a SIGKILL).
stop_postfix() {
  [ -n "$postfix_conf" ] || return 0
  local master pids=()
  master=$(postfix_master_pid)
  [ -z "$master" ] || mapfile -t pids < <(tree_pids "$master")
  "$postfix_bin" -c "$postfix_conf" stop >/dev/null 2>&1 || true
  postfix_conf=
  for _ in $(seq 100); do
    alive_pids "${pids[@]}" >/dev/null || return 0
    sleep 0.1
  done
  mapfile -t pids < <(alive_pids "${pids[@]}")
  echo "smtpd.sh: Postfix processes still running after stop: ${pids[*]}" >&2
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

# ---- memory ------------------------------------------------------------

# tree_memory PID - "PSS RSS PTE PROCESSES" in KiB for PID's process tree.
tree_memory() {
  local p pss=0 rss=0 pte=0 n=0 line p_pss p_rss
  for p in $(tree_pids "$1"); do
    line=$(awk '/^Pss:/ { pss = $2 } /^Rss:/ { rss = $2 } END { print pss + 0, rss + 0 }' \
             "/proc/$p/smaps_rollup" 2>/dev/null) || continue
    read -r p_pss p_rss <<<"$line"
    pss=$((pss + p_pss)) rss=$((rss + p_rss))
    pte=$((pte + $(awk '/^VmPTE:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)))
    n=$((n + 1))
  done
  echo "$pss $rss $pte $n"
}

# idle_memory NAME PORT ROOT_PID - opens $idle idle sessions and prints
# what they add to the memory of ROOT_PID's tree, per session.
idle_memory() {
  local name=$1 port=$2 root_pid=$3 before after load_pid hold
  before=$(tree_memory "$root_pid")
  rm -f "$tmp/hold"
  mkfifo "$tmp/hold"
  "$load" --idle -c "$idle" -p "$port" <"$tmp/hold" >"$tmp/idle.out" 2>"$tmp/idle.err" &
  load_pid=$!
  exec {hold}>"$tmp/hold"
  for _ in $(seq 600); do
    grep -q '^holding' "$tmp/idle.out" 2>/dev/null && break
    sleep 0.05
  done
  sleep 0.5   # let the last processes finish starting
  after=$(tree_memory "$root_pid")
  exec {hold}>&-
  wait "$load_pid" || { echo "smtpd.sh: $name: $(cat "$tmp/idle.out" "$tmp/idle.err")" >&2; exit 1; }
  awk -v name="$name" -v n="$idle" -v b="$before" -v a="$after" 'BEGIN {
    split(b, x, " "); split(a, y, " ")
    printf "  %-8s %6.0f KiB PSS per session  (RSS %6.0f KiB, page tables %4.0f KiB; %d processes more)\n",
      name, (y[1] - x[1]) / n, (y[2] - x[2]) / n, (y[3] - x[3]) / n, y[4] - x[4] }'
}

# ---- load --------------------------------------------------------------

# delivered_count DIR - messages in the Maildir DIR's new/.
delivered_count() {
  find "$1/new" -type f 2>/dev/null | wc -l
}

# run_load NAME PORT MAILDIR TOTAL LOAD_ARGS... - one round of load, of
# TOTAL messages. Prints the round's line and appends "accepted delivered"
# (msgs/s) to $tmp/NAME.rates.
run_load() {
  local name=$1 port=$2 maildir=$3 total=$4 start out accepted end count
  shift 4
  rm -rf "$maildir/new" "$maildir/cur" "$maildir/tmp" 2>/dev/null || true
  start=$(now_ns)
  if ! out=$("$load" -p "$port" "$@" 2>&1); then
    echo "smtpd.sh: $name: the load failed:" >&2
    echo "$out" >&2
    exit 1
  fi
  # Postfix delivers after its 250: wait (at most 60 s) for the last one.
  for _ in $(seq 1200); do
    count=$(delivered_count "$maildir")
    [ "$count" -ge "$total" ] && break
    sleep 0.05
  done
  end=$(now_ns)
  accepted=$(echo "$out" | sed -n 's/.*: \([0-9.]*\) msgs\/s$/\1/p')
  # Each message exactly once: as many distinct Subjects as messages.
  local distinct
  distinct=$(find "$maildir/new" -type f -exec grep -h -m1 '^Subject: smtp-load' {} + |
             sort -u | wc -l)
  if [ "$count" -ne "$total" ] || [ "$distinct" -ne "$total" ]; then
    echo "smtpd.sh: $name: $total messages acknowledged, but $count files with" \
         "$distinct distinct messages in $maildir/new" >&2
    exit 1
  fi
  awk -v name="$name" -v a="$accepted" -v n="$total" -v ns=$((end - start)) 'BEGIN {
    printf "    %-8s accepted %7.1f msgs/s   delivered %7.1f msgs/s\n", name, a, n / (ns / 1e9) }'
  awk -v a="$accepted" -v n="$total" -v ns=$((end - start)) \
    'BEGIN { print a, n / (ns / 1e9) }' >>"$tmp/$name.rates"
}

# compare WHAT TOTAL LOAD_ARGS... - ROUNDS rounds of TOTAL messages for
# each server, alternately, then the medians and their ratios.
compare() {
  local what=$1 total=$2 r
  shift 2
  rm -f "$tmp"/*.rates
  echo "$what:"
  for ((r = 1; r <= rounds; r++)); do
    run_load ours "$ours_port" "$tmp/ours/bench" "$total" "$@"
    [ -z "$postfix_conf" ] || run_load postfix "$postfix_port" "$pf/mail/bench" "$total" "$@"
  done
  local oa od
  oa=$(median ours 1) od=$(median ours 2)
  if [ -z "$postfix_conf" ]; then
    printf "  median: ours %.1f msgs/s (Postfix: skipped)\n" "$oa"
    return
  fi
  local pa pd
  pa=$(median postfix 1) pd=$(median postfix 2)
  awk -v oa="$oa" -v od="$od" -v pa="$pa" -v pd="$pd" 'BEGIN {
    printf "  median: ours %.1f msgs/s; Postfix accepted %.1f, delivered %.1f msgs/s\n", oa, pa, pd
    printf "  ratio ours/Postfix: %.2f (vs accepted), %.2f (vs delivered)\n", oa / pa, od / pd }'
}

# ---- the run -----------------------------------------------------------

why_not=$(postfix_missing)
echo "smtpd benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores," \
  "temp dir on $(df -T "$tmp" | awk 'NR == 2 { print $2 }')"
start_ours
if [ -z "$why_not" ]; then
  start_postfix
  echo "peer: Postfix $("$(dirname "$postfix_bin")/postconf" -c "$postfix_conf" -h mail_version)" \
    "(a private instance on port $postfix_port)"
else
  echo "peer: none, comparison skipped: $why_not"
fi
echo "durability: ours fsyncs the message file and Maildir/new/ before each 250."
if [ -n "$postfix_conf" ]; then
  echo "  Postfix fsyncs its queue file before the 250; then virtual(8) fsyncs the"
  echo "  Maildir file before linking it into new/ (no fsync of the directories)."
fi

echo "idle sessions: $idle (EHLO, then nothing), memory added per session:"
idle_memory ours "$ours_port" "$ours_pid"
[ -z "$postfix_conf" ] || idle_memory postfix "$postfix_port" "$(postfix_master_pid)"

compare "long sessions: $sessions at once x $messages messages x $size octets, $rounds rounds" \
  $((sessions * messages)) -c "$sessions" -n "$messages" -s "$size"
compare "short sessions: $sessions at once x $repeat sessions of 1 message x $size octets, $rounds rounds" \
  $((sessions * repeat)) -c "$sessions" -r "$repeat" -n 1 -s "$size"
