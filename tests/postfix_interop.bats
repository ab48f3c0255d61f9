#!/usr/bin/env bats
# Our relay and Postfix, both ways: Postfix as the next hop receives what
# our queue runner sends, and our smtpd receives what a Postfix relay sends.
# Skipped, with the reason, where Postfix cannot run (not installed, not root).

load lib/helpers
load lib/postfix

setup() {
  STARTED_PIDS=()
  why=$(postfix_missing)
  [ -z "$why" ] || skip "$why"
}

teardown() {
  postfix_stop
  stop_servers
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

@test "Postfix as the next hop receives what our relay sends" {
  port=$(free_port)
  postfix_start "$port" "virtual_mailbox_domains = hamburger.edu
virtual_mailbox_base = @PF@/mail
virtual_mailbox_maps = inline:{ bob@hamburger.edu=bob/ }"
  printf 'hamburger.edu 127.0.0.1:%s\n' "$port" > "$BATS_TEST_TMPDIR/routes"
  start_server smtpd -d crepes.fr -m "$BATS_TEST_TMPDIR/crepes" --routes "$BATS_TEST_TMPDIR/routes" -v
  python3 - "$SERVER_PORT" <<'PY'
import smtplib, sys
with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10) as s:
    s.sendmail('alice@crepes.fr', ['bob@hamburger.edu'],
               b'From: alice@crepes.fr\r\nTo: bob@hamburger.edu\r\nSubject: to postfix\r\n\r\n.dot\r\nhello\r\n')
PY
  wait_for dir_has_files "$PF/mail/bob/new"
  file=$(find "$PF/mail/bob/new" -type f)
  grep -q '^Subject: to postfix' "$file"
  grep -qx '.dot' "$file"
  grep -q 'by crepes.fr (Cartero smtpd)' "$file"
  grep -q 'by postfix.hamburger.edu (Postfix)' "$file"
}

@test "our smtpd receives what a Postfix relay sends" {
  start_server smtpd -d hamburger.edu -m "$BATS_TEST_TMPDIR/hamburger" -v
  port=$(free_port)
  postfix_start "$port" "relay_domains = hamburger.edu
transport_maps = inline:{ hamburger.edu=smtp:[127.0.0.1]:$SERVER_PORT }"
  python3 - "$port" <<'PY'
import smtplib, sys
with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10) as s:
    s.sendmail('alice@crepes.fr', ['bob@hamburger.edu'],
               b'From: alice@crepes.fr\r\nTo: bob@hamburger.edu\r\nSubject: from postfix\r\n\r\n.dot\r\nhello\r\n')
PY
  wait_for dir_has_files "$BATS_TEST_TMPDIR/hamburger/bob/new"
  file=$(find "$BATS_TEST_TMPDIR/hamburger/bob/new" -type f)
  grep -q '^Subject: from postfix' "$file"
  grep -qx '.dot' "$file"
  grep -q '^Return-Path: <alice@crepes.fr>' "$file"
  grep -q 'by postfix.hamburger.edu (Postfix)' "$file"
  grep -q 'C: EHLO postfix.hamburger.edu' "$SERVER_DIR/stderr"
}
