#!/usr/bin/env bats
# make demo: the six steps run to the end, and nothing is left running,
# also when the demo is interrupted.

load lib/helpers

# all_gone FILE - none of the PIDs listed in FILE is still running.
all_gone() {
  local pid
  while read -r pid; do
    kill -0 "$pid" 2>/dev/null && return 1
  done < "$1"
  return 0
}

@test "the demo plays the six steps of Alice's message to Bob" {
  export DEMO_PIDS_FILE=$BATS_TEST_TMPDIR/pids
  run env DEMO_PAUSE=0 "$CARTERO_ROOT/scripts/demo.sh"
  assert_success
  for n in 1 2 3 4 5 6; do assert_output --partial "($n) "; done
  assert_output --partial "1 message in the queue"
  assert_output --partial "C: EHLO crepes.fr"                 # the server-to-server hop
  assert_output --partial "S: +OK user successfully logged on" # Bob's POP3
  assert_output --partial "Subject: Do you like ketchup?"
  [ "$(wc -l < "$DEMO_PIDS_FILE")" -eq 3 ]
  all_gone "$DEMO_PIDS_FILE"
}

@test "an interrupted demo stops every process it started" {
  export DEMO_PIDS_FILE=$BATS_TEST_TMPDIR/pids
  mkfifo "$BATS_TEST_TMPDIR/keys"
  exec {keys}<>"$BATS_TEST_TMPDIR/keys"     # nobody presses Enter
  DEMO_PAUSE=1 "$CARTERO_ROOT/scripts/demo.sh" <&$keys >"$BATS_TEST_TMPDIR/out" 2>&1 &
  demo=$!
  printf '\n\n' >&$keys                      # past the first two pauses
  wait_for grep -q '(1) ' "$BATS_TEST_TMPDIR/out"
  wait_for test -s "$DEMO_PIDS_FILE"
  # SIGTERM: a background job ignores SIGINT (a terminal's Ctrl-C reaches the
  # foreground job, where the same trap handles it)
  kill -TERM "$demo"
  status=0
  wait "$demo" || status=$?
  [ "$status" -eq 143 ]
  exec {keys}>&-
  all_gone "$DEMO_PIDS_FILE"
}

@test "Ctrl-C at a pause, on a terminal, stops every process the demo started" {
  command -v tmux >/dev/null || skip "tmux is not installed"
  export DEMO_PIDS_FILE=$BATS_TEST_TMPDIR/pids
  session=cartero-demo-$$
  # bash, whatever the user's shell: dash would die of the Ctrl-C itself and
  # close the pane before the status is written.
  tmux -L "$session" new-session -d -x 120 -y 40 \
    "bash -c \"DEMO_PIDS_FILE='$DEMO_PIDS_FILE' CARTERO_BIN='$CARTERO_BIN' '$CARTERO_ROOT/scripts/demo.sh'; echo \\\$? > '$BATS_TEST_TMPDIR/status'; sleep 30\""
  prompts_shown() { [ "$(tmux -L "$session" capture-pane -p | grep -c 'Enter for the next step')" -ge "$1" ]; }
  wait_for prompts_shown 1
  tmux -L "$session" send-keys Enter
  wait_for prompts_shown 2            # the servers are up; the demo waits again
  tmux -L "$session" send-keys C-c
  wait_for test -s "$BATS_TEST_TMPDIR/status"
  tmux -L "$session" kill-server
  [ "$(cat "$BATS_TEST_TMPDIR/status")" -eq 130 ]
  all_gone "$DEMO_PIDS_FILE"
}
