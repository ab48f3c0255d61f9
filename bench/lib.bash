#!/usr/bin/env bash
# lib.bash - what the benchmark scripts share: ports, process trees,
# medians. Sourced by bench/*.sh (which set $tmp, their temp folder); not a
# benchmark itself.

# listening PORT - true when something listens on 127.0.0.1:PORT (from
# /proc/net/tcp: local address 0100007F:PORT in hex, state 0A = LISTEN).
listening() {
  local hex
  hex=$(printf '0100007F:%04X' "$1")
  awk -v a="$hex" '$2 == a && $4 == "0A" { found = 1 } END { exit !found }' /proc/net/tcp
}

# free_port - a high port that nothing uses now, in any state.
free_port() {
  local port hex
  while :; do
    port=$((20000 + RANDOM % 40000))
    hex=$(printf ':%04X' "$port")
    awk -v p="$hex" 'index($2, p) == length($2) - 4 { used = 1 } END { exit !used }' \
      /proc/net/tcp /proc/net/tcp6 2>/dev/null || { echo "$port"; return; }
  done
}

# tree_pids PID - PID and all its descendants.
tree_pids() {
  ps -e -o pid= -o ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END {
      for (p in parent) {
        for (q = p; q != "" && q != 0 && q != 1; q = parent[q])
          if (q == root) { print p; break }
      }
    }'
}

# alive_pids PID... - those of PID... still running (false if none).
alive_pids() {
  local p any=1
  for p in "$@"; do
    if kill -0 "$p" 2>/dev/null; then echo "$p"; any=0; fi
  done
  return $any
}

# median NAME COLUMN - the median of a column of $tmp/NAME.rates.
median() {
  sort -g -k "$2" "$tmp/$1.rates" | awk -v c="$2" '{ v[NR] = $c }
    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
