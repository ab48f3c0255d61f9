/*
 * transcript.h - the session transcript that -v prints on stderr.
 *
 * Lines look like the course slides: "C: HELO crepes.fr" for what the client
 * sent, "S: 250 ..." for what the server answered, each tagged with the
 * session number so that concurrent sessions can be told apart:
 *
 *     [3] S: 220 hamburger.edu ESMTP Cartero
 *     [3] C: HELO crepes.fr
 *     [3] -- state: GREETED -> HELLO
 *
 * On a terminal the C: and S: lines are coloured. A struct transcript is
 * owned by its session; a disabled one prints nothing, so callers never test.
 */
#ifndef CARTERO_TRANSCRIPT_H
#define CARTERO_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct transcript {
    FILE *out;            /* usually stderr */
    bool enabled;
    bool color;           /* ANSI colours: set when out is a terminal */
    unsigned long session;/* number shown in brackets; 0 shows none */
    bool local_is_server; /* true in servers: lines we read are "C:" */
};

/* Sets up t; colour is turned on when enabled and out is a terminal. */
void transcript_init(struct transcript *t, FILE *out, bool enabled,
                     unsigned long session, bool local_is_server);

/* A line received from the peer (without its CRLF); len bytes, may hold anything. */
void transcript_received(const struct transcript *t, const char *line, size_t len);

/* A line we sent (without its CRLF). */
void transcript_sent(const struct transcript *t, const char *line, size_t len);

/* A note that is not protocol traffic: state changes, errors, delivery. */
void transcript_note(const struct transcript *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
