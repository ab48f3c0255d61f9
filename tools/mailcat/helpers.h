/*
 * helpers.h - the lines that start with ":" (:help lists them), which
 * mailcat runs itself instead of sending: :auth, :b64, :unb64, :send,
 * :starttls, :sleep, :quit. They work the same in both modes.
 */
#ifndef MAILCAT_HELPERS_H
#define MAILCAT_HELPERS_H

#include <stdbool.h>

#include "session.h"

/* What a helper asks of its caller besides an exit status (session.h). */
#define HELPER_OK 0
#define HELPER_QUIT (-1)      /* :quit: end the session */

/* True when line is a helper: it starts with ":" (and not "::", which sends ":..."). */
bool helper_is_helper(const char *line);

/*
 * Runs the helper in line (":auth plain bob hungry"). Returns HELPER_OK,
 * HELPER_QUIT, or an exit status (EXIT_USAGE for a helper that cannot run,
 * EXIT_UNEXPECTED when the server went away, EXIT_NO_CONNECTION when TLS
 * failed), having said what went wrong.
 */
int helper_run(struct session *s, const char *line);

#endif
