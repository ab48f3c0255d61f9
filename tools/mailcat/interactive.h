/*
 * interactive.h - interactive mode: a readline prompt on a terminal.
 *
 * The prompt is "C: ", so what the student types reads like the slides.
 * Each line goes out with CR LF, and mailcat waits for its complete reply
 * before the prompt comes back; lines the server sends on its own (a 421
 * before it closes) are shown as they come, above the prompt. History is
 * kept in ~/.mailcat_history (mode 0600: it holds passwords).
 */
#ifndef MAILCAT_INTERACTIVE_H
#define MAILCAT_INTERACTIVE_H

#include "session.h"

/* Runs the session until :quit, end of input (Ctrl-D) or the server closes. Returns the exit status. */
int interactive_run(struct session *s);

#endif
