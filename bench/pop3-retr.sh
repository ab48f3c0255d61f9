#!/usr/bin/env bash
# bench/pop3-retr.sh - how fast does our pop3d hand out a maildrop, next to
# Dovecot's pop3?
#
#   bench/pop3-retr.sh [-n MESSAGES] [-s BYTES] [-R ROUNDS] [-W WINDOW]
#   (defaults: 5000 messages of 4096 octets, 3 rounds, window 1: a plain
#    client that waits for each message; -W 32 pipelines)
#
# Builds bench/pop3-retr.c into build/bench/, makes a Maildir of MESSAGES
# messages (LF line ends, as smtpd stores them, some lines starting with a
# dot), and starts $CARTERO_BIN/pop3d (default bin/pop3d) on a free port in
# a temporary directory. When Dovecot is installed and we are root, it also
# starts a private Dovecot instance (its own configuration, base and log
# directories in the same temporary directory, pop3 only, on 127.0.0.1 and a
# free high port, serving a copy of the same Maildir). Nothing else of the
# machine's mail system is used or touched; Dovecot is never installed here.
#
# Each round logs in once as bob, retrieves all MESSAGES with RETR (nothing
# is deleted), and QUITs. A first login before the rounds lets each server
# do its one-time work (pop3d moves new/ to cur/; Dovecot builds its index).
# The rounds alternate, ours then Dovecot's, and the median is reported:
#   rate = messages / time from the first RETR to the last "."
# ratio = ours / Dovecot (above 1.00: ours is faster).
set -euo pipefail

messages=5000 size=4096 rounds=3 window=1
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

tmp=$(mktemp -d)
chmod 755 "$tmp"
ours_pid= dovecot_conf=
cleanup() {
  [ -n "$ours_pid" ] && { kill -TERM "$ours_pid" 2>/dev/null; wait "$ours_pid" 2>/dev/null || true; }
  [ -n "$dovecot_conf" ] && { doveadm -c "$dovecot_conf" stop 2>/dev/null || true; }
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free port: bind port 0 and read what the kernel chose.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

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

# rate NAME PORT - one round; appends msgs/s to $tmp/NAME.rates.
rate() {
  local out
  out=$("$load" -p "$2" -u bob -w hungry -W "$window")
  echo "    $1: $out"
  [[ $out == "retrieved $messages messages"* ]] || { echo "pop3-retr.sh: $1 did not serve every message" >&2; exit 1; }
  sed -n 's/.*: \([0-9.]*\) msgs\/s.*/\1/p' <<<"$out" >> "$tmp/$1.rates"
}

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "pop3-retr: $messages messages of ~$size octets, $rounds rounds, window $window"
make_maildir "$tmp/mail/bob"
printf 'bob:{PLAIN}hungry\n' > "$tmp/users"

port=$(free_port)
"$pop3d" -l 127.0.0.1 -p "$port" --port-file "$tmp/pop3d.port" -m "$tmp/mail" -u "$tmp/users" 2>"$tmp/pop3d.err" &
ours_pid=$!
for _ in $(seq 1 500); do [ -s "$tmp/pop3d.port" ] && break; sleep 0.02; done
[ -s "$tmp/pop3d.port" ] || { cat "$tmp/pop3d.err" >&2; exit 1; }

dovecot_port=
if command -v dovecot >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  d=$tmp/dovecot
  mkdir -p "$d/run" "$d/mail" "$d/home"
  chmod 755 "$d" "$d/run"
  cp -r "$tmp/mail/bob" "$d/mail/bob"
  chown -R "$(id -u):$(id -g)" "$d/mail"
  printf 'bob:{PLAIN}hungry\n' > "$d/users"
  dovecot_port=$(free_port)
  dovecot_conf=$d/dovecot.conf
  cat > "$dovecot_conf" <<EOF
base_dir = $d/run
state_dir = $d/run
log_path = $d/log
protocols = pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
passdb {
  driver = passwd-file
  args = $d/users
}
userdb {
  driver = static
  args = uid=$(id -u) gid=$(id -g) home=$d/home/%u
}
mail_location = maildir:$d/mail/%u
pop3_uidl_format = %f
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $dovecot_port
  }
}
service imap-login {
  inet_listener imap {
    port = 0
  }
}
EOF
  if dovecot -c "$dovecot_conf"; then
    for _ in $(seq 1 500); do
      (exec 3<>"/dev/tcp/127.0.0.1/$dovecot_port") 2>/dev/null && break
      sleep 0.02
    done
  else
    echo "  (Dovecot is installed but did not start; see $d/log)"
    dovecot_conf= dovecot_port=
  fi
else
  echo "  (Dovecot is not installed, or we are not root: measuring pop3d alone)"
fi

echo "  first login (one-time work: new/ to cur/, indexes)"
"$load" -p "$port" -u bob -w hungry -W 64 >/dev/null
[ -n "$dovecot_port" ] && "$load" -p "$dovecot_port" -u bob -w hungry -W 64 >/dev/null

for ((i = 1; i <= rounds; i++)); do
  echo "  round $i"
  rate pop3d "$port"
  [ -n "$dovecot_port" ] && rate dovecot "$dovecot_port"
done

ours=$(median "$tmp/pop3d.rates")
if [ -n "$dovecot_port" ]; then
  theirs=$(median "$tmp/dovecot.rates")
  awk -v o="$ours" -v t="$theirs" 'BEGIN {
    printf "  median: pop3d %.1f msgs/s, Dovecot %.1f msgs/s\n", o, t
    printf "  ratio pop3d/Dovecot: %.2f\n", o / t }'
else
  echo "  median: pop3d $ours msgs/s (no Dovecot to compare with)"
fi
