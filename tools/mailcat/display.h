/*
 * display.h - how mailcat shows a session: server lines as "S: ...", the
 * client's as "C: ...", in the slides' notation, coloured on a terminal;
 * notes about the session ("-- TLS is on ...") dimmed.
 *
 * mailcat does not use lib/transcript for this: it must show line ends
 * (--show-crlf), never shorten a line, hide the C: lines and notes for
 * --quiet, and print while a readline prompt is on the screen.
 */
#ifndef MAILCAT_DISPLAY_H
#define MAILCAT_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "conn.h"

struct display {
    FILE *out;                /* stdout */
    bool color;               /* ANSI colours */
    bool quiet;               /* show server lines only */
    bool show_crlf;           /* show each line's end: \r\n, or a bare \n */
    /* Set by the interactive mode: hide the prompt before printing, redraw it after. */
    void (*before_print)(void);
    void (*after_print)(void);
};

/* A line the server sent, with its line end as read. */
void display_server_line(const struct display *d, const struct line *line);

/* A line we sent (always ended with CR LF on the wire). Not shown when quiet. */
void display_client_line(const struct display *d, const char *text, size_t len);

/* A note about the session, not protocol traffic. Not shown when quiet. */
void display_note(const struct display *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Writes text[0 .. len) into buf for a person: \0, \r, \n and other
 * control octets (not tab) as C escapes; the rest as it is (a backslash too:
 * IMAP's \Seen stays readable). Always NUL-terminates; cuts at bufsize.
 * Returns buf.
 */
char *display_escape(const char *text, size_t len, char *buf, size_t bufsize);

#endif
