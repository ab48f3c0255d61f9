#!/usr/bin/env bash
# bench/run.sh - runs every benchmark: each bench/*.sh but this one, in
# name order, with its default parameters. `make bench` calls it.
# A benchmark that fails is reported, the others still run; the exit
# status is 1 if any failed.
set -uo pipefail

dir=$(cd "$(dirname "$0")" && pwd)
failed=()
for script in "$dir"/*.sh; do
  name=$(basename "$script")
  [ "$name" = run.sh ] && continue
  echo "== bench/$name"
  if ! bash "$script"; then
    failed+=("$name")
  fi
  echo
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "run.sh: failed: ${failed[*]}" >&2
  exit 1
fi
