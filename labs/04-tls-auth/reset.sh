#!/usr/bin/env bash
# reset.sh - removes a student's work from lab 04, for graders and for
# starting over: lab-mail/, the servers' logs, captures and answers.txt.
#
# usage: reset.sh [--keep-answers] [LAB_DIR]
#   LAB_DIR  the lab directory (default: $LAB_DIR, or the directory of this script)
set -euo pipefail

keep_answers=0
lab=${LAB_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
while [ $# -gt 0 ]; do
  case $1 in
    --keep-answers) keep_answers=1; shift ;;
    -h|--help) sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "reset.sh: unknown option $1" >&2; exit 64 ;;
    *) lab=$1; shift ;;
  esac
done
[ -d "$lab" ] || { echo "reset.sh: no lab directory $lab" >&2; exit 64; }

targets=("$lab/lab-mail" "$lab/smtpd.log" "$lab/smtps.log" "$lab/smtp-clear.log"
         "$lab/answers.txt.tmp")
for t in "$lab"/*.pcap "$lab"/*.pcapng; do
  [ -e "$t" ] && targets+=("$t")
done
[ "$keep_answers" = 1 ] || targets+=("$lab/answers.txt")
for t in "${targets[@]}"; do
  if [ -e "$t" ]; then
    rm -rf -- "$t"
    echo "removed $t"
  fi
done
