/*
 * script.h - script mode: a session written in the slides' own notation,
 * sent line by line and checked.
 *
 *     # the slide's session                 a comment
 *     S: 220 hamburger.edu                  expect a reply with this code
 *     C: HELO crepes.fr                     send this line (CR LF added)
 *     MAIL FROM: <alice@crepes.fr>          a line with neither prefix: sent as it is
 *     :auth plain bob hungry                a helper (helpers.h)
 *
 * Only the status of an S: line is checked: the SMTP code, "+OK"/"-ERR",
 * an IMAP completion's OK/NO/BAD, "+" for a continuation. S: lines that
 * cannot end a reply (SMTP "250-" lines, POP3 list lines, IMAP untagged
 * data) are there for the reader and are not checked.
 *
 * Each line waits for its complete reply before the next is sent, unless
 * --pipeline; each S: line is matched against the oldest reply not yet
 * checked, so after pipelined commands the S: lines follow in order. A
 * reply that no S: line checks is forgotten when the next line is sent.
 *
 * Message content (SMTP, after DATA's 354 up to "."), is sent as written,
 * with no dot-stuffing: a transcript is already the wire form ("C: .." is
 * a line holding one dot). Blank lines are skipped, except in content,
 * where they are the empty line they look like.
 */
#ifndef MAILCAT_SCRIPT_H
#define MAILCAT_SCRIPT_H

#include <stdio.h>

#include "session.h"

/*
 * Runs the script in `in` (named name in messages) over the session,
 * whose greeting has not been read yet (unless --starttls read it).
 * Returns the exit status: EXIT_AS_EXPECTED, EXIT_UNEXPECTED (said which
 * line, what was expected and what came), EXIT_USAGE for a script that
 * cannot run, EXIT_NO_CONNECTION when :starttls failed.
 */
int script_run(struct session *s, FILE *in, const char *name);

#endif
