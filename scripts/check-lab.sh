#!/usr/bin/env bash
# check-lab.sh - checks one lab: `make check-lab LAB=01` runs
# `scripts/check-lab.sh 01`.
#
# usage: check-lab.sh LAB [CHECK OPTIONS...]
#
#   LAB   the lab's number (01, or 1) or its directory name (01-smtp-by-hand)
#   CHECK OPTIONS go to the lab's check.sh, e.g. --format tap, or a lab
#         directory holding a student's work
#   $CARTERO_LABS  where the labs are (default: labs/ of this repository)
#
# It runs labs/NN-*/check.sh, which prints per step "ok" or a hint, and
# exits with its status: 0 when every step passed.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
labs=${CARTERO_LABS:-$root/labs}
# The labs' scripts share labs/lib/; a lab copied out of the repository
# (under $CARTERO_LABS) finds it through $CARTERO_ROOT.
export CARTERO_ROOT=${CARTERO_ROOT:-$root}

if [ $# -lt 1 ] || [ -z "$1" ] || [ "$1" = -h ] || [ "$1" = --help ]; then
  echo "usage: check-lab.sh LAB [CHECK OPTIONS...]   (e.g. check-lab.sh 01)" >&2
  exit 64
fi
want=$1
shift

# available - the labs there are, for the error message.
available() {
  local d
  for d in "$labs"/[0-9][0-9]-*/; do
    [ -d "$d" ] && printf ' %s' "$(basename "$d")"
  done
}

if [[ $want =~ ^[0-9]+$ ]]; then
  pattern=$(printf '%02d-*' "$((10#$want))")
else
  pattern=$want
fi
matches=()
for d in "$labs"/$pattern/; do
  [ -d "$d" ] && matches+=("${d%/}")
done
if [ ${#matches[@]} -ne 1 ]; then
  if [ ${#matches[@]} -eq 0 ]; then
    echo "check-lab.sh: no lab '$want' in $labs (labs:$(available))" >&2
  else
    echo "check-lab.sh: '$want' names more than one lab:$(printf ' %s' "${matches[@]##*/}")" >&2
  fi
  exit 64
fi
check=${matches[0]}/check.sh
if [ ! -f "$check" ]; then
  echo "check-lab.sh: $(basename "${matches[0]}") has no check.sh yet" >&2
  exit 64
fi
exec bash "$check" "$@"
