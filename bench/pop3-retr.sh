#!/usr/bin/env bash
# bench/pop3-retr.sh - how fast does our pop3d hand out a maildrop, next to
# Dovecot's pop3?
#
#   bench/pop3-retr.sh [-n MESSAGES] [-s BYTES] [-R ROUNDS] [-W WINDOW]
#   (defaults: 5000 messages of 4096 octets, 7 rounds, window 1: a plain
#    client that waits for each message; -W 32 pipelines)
#
# Builds bench/pop3-retr.c into build/bench/, makes a Maildir of MESSAGES
# messages (LF line ends, as smtpd stores them, some lines starting with a
# dot), and starts $CARTERO_BIN/pop3d (default bin/pop3d) on a free port in
# a temporary directory. When Dovecot is installed and we are root, it also
# starts a private Dovecot instance (dovecot -F -c CONFIG: its own
# configuration, base, state and log directories in the same temporary
# directory, pop3 only, on 127.0.0.1 and a free high port, its own
# passwd-file, serving a copy of the same Maildir as the user nobody),
# stopped with `dovecot -c CONFIG stop`; the script waits until its
# processes are gone. Nothing else of the machine's mail system is used,
# started or touched; Dovecot is never installed here (apt-get install
# dovecot-pop3d). Without Dovecot, or without root, the script says that it
# skips the comparison and measures ours alone.
#
# Each round logs in once as bob, retrieves all MESSAGES with RETR (nothing
# is deleted), and QUITs. A first session before the rounds lets each
# server do its one-time work (pop3d moves new/ to cur/; Dovecot builds its
# index, and at QUIT marks the messages seen); its login time is shown as
# "first login". The rounds alternate, ours then Dovecot's; the medians:
#   rate  = messages / time from the first RETR to the last "."
#   login = time from PASS sent to STAT's answer read
# ratio = ours / Dovecot for the rate (above 1.00: ours is faster), and
# Dovecot / ours for the login (above 1.00: ours logs in faster).
# Every session is checked: MESSAGES messages, as many octets as the
# Maildir's files make on the wire, and the same digest of their text
# (pop3-retr -D computes both from the files).
set -euo pipefail
# shellcheck source=bench/lib.bash
. "$(dirname "$0")/lib.bash"

messages=5000 size=4096 rounds=7 window=1
usage() {
  echo "usage: bench/pop3-retr.sh [-n MESSAGES] [-s BYTES] [-R ROUNDS] [-W WINDOW]" >&2
  exit 64
}
while getopts n:s:R:W: opt; do
  case $opt in
    n) messages=$OPTARG ;;
    s) size=$OPTARG ;;
    R) rounds=$OPTARG ;;
    W) window=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage

root=$(cd "$(dirname "$0")/.." && pwd)
pop3d=${CARTERO_BIN:-$root/bin}/pop3d
load=$root/build/bench/pop3-retr
[ -x "$pop3d" ] || { echo "pop3-retr.sh: no $pop3d; run 'make bin/pop3d' first" >&2; exit 1; }
mkdir -p "$root/build/bench"
${CC:-cc} -std=c17 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra \
  -o "$load" "$root/bench/pop3-retr.c"

# Dovecot's unprivileged processes must be able to reach their directories.
tmp=$(mktemp -d)
chmod 755 "$tmp"
ours_pid= dovecot_pid= dovecot_conf=
cleanup() {
  stop_ours
  stop_dovecot
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# make_maildir DIR - MESSAGES messages of about BYTES octets, LF ends.
make_maildir() {
  mkdir -p "$1/new" "$1/cur" "$1/tmp"
  python3 - "$1" "$messages" "$size" <<'EOF'
import os, sys
d, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
line = b"All work and no play makes Jack a dull boy, said the bench line here\n"
for i in range(n):
    head = (f"From: alice@crepes.fr\nTo: bob@hamburger.edu\nSubject: bench {i}\n"
            f"Message-ID: <{i}@crepes.fr>\n\n").encode()
    body = bytearray()
    k = 0
    while len(head) + len(body) < size:
        body += (b"." if k % 10 == 0 else b"") + line
        k += 1
    name = f"{1700000000 + i}.M{i % 1000000:06d}P1Q{i}.bench"
    with open(os.path.join(d, "new", name), "wb") as f:
        f.write(head + bytes(body))
EOF
}

# ---- our pop3d ---------------------------------------------------------

start_ours() {
  "$pop3d" -l 127.0.0.1 -p 0 --port-file "$tmp/pop3d.port" -m "$tmp/mail" -u "$tmp/users" \
    2>"$tmp/pop3d.err" &
  ours_pid=$!
  for _ in $(seq 1 200); do
    [ -s "$tmp/pop3d.port" ] && { ours_port=$(cat "$tmp/pop3d.port"); return; }
    sleep 0.05
  done
  echo "pop3-retr.sh: our pop3d did not start:" >&2
  cat "$tmp/pop3d.err" >&2
  exit 1
}

stop_ours() {
  [ -n "$ours_pid" ] || return 0
  kill -TERM "$ours_pid" 2>/dev/null || true
  wait "$ours_pid" 2>/dev/null || true
  ours_pid=
}

# ---- a private Dovecot -------------------------------------------------

# Why Dovecot cannot be compared here, or nothing when it can.
dovecot_missing() {
  if ! command -v dovecot >/dev/null 2>&1; then
    echo "Dovecot is not installed (apt-get install dovecot-pop3d)"
  elif [ ! -x /usr/lib/dovecot/pop3 ] && [ ! -x /usr/libexec/dovecot/pop3 ]; then
    echo "Dovecot's pop3 is not installed (apt-get install dovecot-pop3d)"
  elif [ "$(id -u)" -ne 0 ]; then
    echo "starting a Dovecot instance needs root"
  elif ! id dovecot >/dev/null 2>&1 || ! id dovenull >/dev/null 2>&1 ||
       ! id nobody >/dev/null 2>&1; then
    echo "the users dovecot, dovenull and nobody are missing"
  fi
}

# Sets up and starts a Dovecot that shares nothing with the system's one:
# configuration $dv/dovecot.conf (it includes nothing from /etc/dovecot),
# base and state directory $dv/run, log $dv/log, users $dv/users, bob's
# Maildir $dv/mail/bob: a copy of ours, owned by nobody, since Dovecot
# gives no mail access as root. In the foreground (-F), as a child of this
# shell: $dovecot_pid is its master process.
start_dovecot() {
  dv=$tmp/dovecot
  dovecot_port=$(free_port)
  mkdir -p "$dv/run" "$dv/mail" "$dv/home/bob"
  chmod 755 "$dv" "$dv/run"
  cp -r "$tmp/mail/bob" "$dv/mail/bob"
  chown -R nobody:"$(id -gn nobody)" "$dv/mail" "$dv/home"
  printf 'bob:{PLAIN}hungry\n' > "$dv/users"
  dovecot_conf=$dv/dovecot.conf
  cat > "$dovecot_conf" <<EOF
base_dir = $dv/run
state_dir = $dv/run
log_path = $dv/log
protocols = pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
passdb {
  driver = passwd-file
  args = $dv/users
}
userdb {
  driver = static
  args = uid=$(id -u nobody) gid=$(id -g nobody) home=$dv/home/%u
}
first_valid_uid = $(id -u nobody)
first_valid_gid = $(id -g nobody)
mail_location = maildir:$dv/mail/%u
pop3_uidl_format = %f
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $dovecot_port
  }
  inet_listener pop3s {
    port = 0
  }
}
EOF
  dovecot -F -c "$dovecot_conf" >"$dv/start.log" 2>&1 &
  dovecot_pid=$!
  for _ in $(seq 1 200); do
    listening "$dovecot_port" && return
    kill -0 "$dovecot_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "pop3-retr.sh: Dovecot did not start, or does not listen on port $dovecot_port:" >&2
  cat "$dv/start.log" "$dv/log" >&2 2>/dev/null || true
  exit 1
}

# Stops our Dovecot with its own command, then waits until every process
# of its tree is gone (they are ours: only those get a SIGKILL).
stop_dovecot() {
  [ -n "$dovecot_pid" ] || return 0
  local pids=()
  mapfile -t pids < <(tree_pids "$dovecot_pid")
  dovecot -c "$dovecot_conf" stop >/dev/null 2>&1 || kill -TERM "$dovecot_pid" 2>/dev/null || true
  wait "$dovecot_pid" 2>/dev/null || true
  dovecot_pid=
  for _ in $(seq 100); do
    alive_pids "${pids[@]}" >/dev/null || return 0
    sleep 0.1
  done
  mapfile -t pids < <(alive_pids "${pids[@]}")
  echo "pop3-retr.sh: Dovecot processes still running after stop: ${pids[*]}" >&2
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

# ---- load --------------------------------------------------------------

# retrieve NAME PORT WINDOW - one session, checked; prints pop3-retr's line.
retrieve() {
  local out
  if ! out=$("$load" -p "$2" -u bob -w hungry -W "$3" 2>&1); then
    echo "pop3-retr.sh: $1: $out" >&2
    exit 1
  fi
  if [[ $out != "retrieved $messages messages, $expect_octets octets "* ]] ||
     [[ $out != *"; sum $expect_sum" ]]; then
    echo "pop3-retr.sh: $1 did not hand out the maildrop as stored:" >&2
    echo "  got:      $out" >&2
    echo "  expected: $messages messages, $expect_octets octets; sum $expect_sum" >&2
    exit 1
  fi
  echo "$out"
}

# round NAME PORT - one round; appends "msgs/s MB/s login_ms" to $tmp/NAME.rates.
round() {
  local out
  out=$(retrieve "$1" "$2" "$window") || exit 1
  printf '    %-8s %s\n' "$1" "${out%; sum *}"
  sed -n 's/.*: \([0-9.]*\) msgs\/s, \([0-9.]*\) MB\/s; login \([0-9.]*\) ms.*/\1 \2 \3/p' \
    <<<"$out" >> "$tmp/$1.rates"
}

# first NAME PORT - the first session (the one-time work); prints its login time.
first() {
  local out
  out=$(retrieve "$1" "$2" 64) || exit 1
  sed -n 's/.*; login \([0-9.]*\) ms.*/\1/p' <<<"$out"
}

# ---- the run -----------------------------------------------------------

why_not=$(dovecot_missing)
echo "pop3-retr benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores," \
  "temp dir on $(df -T "$tmp" | awk 'NR == 2 { print $2 }')"
echo "maildrop: $messages messages of ~$size octets (LF line ends, some lines starting" \
  "with a dot); $rounds rounds, window $window"
make_maildir "$tmp/mail/bob"
printf 'bob:{PLAIN}hungry\n' > "$tmp/users"
# "N messages, B octets; sum H"
read -r _ _ expect_octets _ _ expect_sum < <("$load" -D "$tmp/mail/bob")
echo "expected on the wire: $messages messages, $expect_octets octets, digest $expect_sum"

start_ours
if [ -z "$why_not" ]; then
  start_dovecot
  echo "peer: Dovecot $(dovecot --version) (a private instance on port $dovecot_port)"
else
  echo "peer: none, comparison skipped: $why_not"
fi

echo "first login (one-time work), PASS to STAT's answer:"
t=$(first pop3d "$ours_port") || exit 1
printf '    %-8s %s ms\n' pop3d "$t"
if [ -n "$dovecot_pid" ]; then
  t=$(first dovecot "$dovecot_port") || exit 1
  printf '    %-8s %s ms\n' dovecot "$t"
fi

for ((i = 1; i <= rounds; i++)); do
  echo "  round $i"
  round pop3d "$ours_port"
  [ -z "$dovecot_pid" ] || round dovecot "$dovecot_port"
done

o_rate=$(median pop3d 1) o_mb=$(median pop3d 2) o_login=$(median pop3d 3)
if [ -z "$dovecot_pid" ]; then
  printf '  median: pop3d %.1f msgs/s, %.1f MB/s, login %.1f ms (Dovecot: skipped)\n' \
    "$o_rate" "$o_mb" "$o_login"
  exit 0
fi
d_rate=$(median dovecot 1) d_mb=$(median dovecot 2) d_login=$(median dovecot 3)
awk -v or="$o_rate" -v om="$o_mb" -v ol="$o_login" \
    -v dr="$d_rate" -v dm="$d_mb" -v dl="$d_login" 'BEGIN {
  printf "  median: pop3d   %8.1f msgs/s, %6.1f MB/s, login %7.1f ms\n", or, om, ol
  printf "          Dovecot %8.1f msgs/s, %6.1f MB/s, login %7.1f ms\n", dr, dm, dl
  printf "  ratio pop3d/Dovecot: %.2f (RETR rate); login Dovecot/pop3d: %.2f\n", or / dr, dl / ol }'
