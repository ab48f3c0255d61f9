#!/usr/bin/env bats
# Every program has --help (exit 0, a usage line), a man page that renders,
# and refuses an unknown option with a usage exit status.

load lib/helpers

programs() {
  local d
  for d in "$CARTERO_ROOT"/servers/*/ "$CARTERO_ROOT"/tools/*/; do
    ls "$d"*.c >/dev/null 2>&1 && basename "$d"
  done
}

@test "every program answers --help with its usage and exit 0" {
  for p in $(programs); do
    run "$CARTERO_BIN/$p" --help
    [ "$status" -eq 0 ] || { echo "$p --help exited $status"; return 1; }
    [[ $output == *"usage"* || $output == *"Usage"* ]] || { echo "$p --help shows no usage"; return 1; }
  done
}

@test "every program has a man page that renders" {
  for p in $(programs); do
    page=$(ls "$CARTERO_ROOT"/servers/"$p"/"$p".[18] "$CARTERO_ROOT"/tools/"$p"/"$p".[18] 2>/dev/null | head -n 1)
    [ -n "$page" ] || { echo "$p has no man page ($p.1 or $p.8 beside its sources)"; return 1; }
    out=$(MANWIDTH=80 man -l "$page" 2>&1) || { echo "$page does not render"; return 1; }
    [[ $out == *NAME* && $out == *SYNOPSIS* ]] || { echo "$page lacks NAME or SYNOPSIS"; return 1; }
  done
}

@test "every program refuses an unknown option with a non-zero status" {
  for p in $(programs); do
    run "$CARTERO_BIN/$p" --no-such-option
    [ "$status" -ne 0 ] || { echo "$p accepted --no-such-option"; return 1; }
  done
}
