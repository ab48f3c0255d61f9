/*
 * reply.h - reading one complete server reply, as a client.
 *
 * A client must know where a reply ends before it can send the next
 * command (or decide that it may not). Each protocol says it differently:
 *
 *   SMTP  "250-..." lines continue, "250 ..." is the last (RFC 5321 4.2.1).
 *   POP3  one "+OK"/"-ERR" line; after some commands a "+OK" is followed by
 *         lines up to a lone "." (RFC 1939 3): LIST and UIDL without an
 *         argument, RETR, TOP, CAPA (RFC 2449 5).
 *   IMAP  untagged "* ..." lines, then the tagged line that completes the
 *         command: "a1 OK ..." (RFC 9051 2.2.2). Literals "{12}" carry
 *         octets that are never read as responses (RFC 9051 4.3).
 *
 * In all three a continuation ("334", "354", POP3 "+ ", IMAP "+ ") also
 * ends the wait: the server is waiting for the client.
 *
 * The parser (reply_begin + reply_feed) works on lines and knows nothing of
 * sockets, so it can be tested alone; reply_read() drives it with
 * conn_read_line(). mailcat, mailsend and mailget share both.
 */
#ifndef CARTERO_REPLY_H
#define CARTERO_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "conn.h"

/*
 * The longest line a client accepts. SMTP reply lines are at most 512
 * octets (RFC 5321 4.5.3.1.5) and message lines 1000 (RFC 5322 2.1.1), but
 * IMAP sets no limit and FETCH lines grow long: RFC 7162 4 asks clients to
 * accept 8192 octets; we allow more.
 */
#define REPLY_LINE_MAX 65536

#define REPLY_TAG_MAX 32       /* longest IMAP tag we track (RFC 9051 sets none) */
#define REPLY_STATUS_MAX 16    /* "250", "+OK", "-ERR", "+", "OK", "PREAUTH" */
#define REPLY_TEXT_MAX 512     /* how much of the final line a reply keeps */

enum reply_proto { REPLY_SMTP, REPLY_POP3, REPLY_IMAP };

/* What ends the reply we wait for; it depends on the command sent. */
struct reply_expect {
    enum reply_proto proto;
    bool multiline;            /* POP3: a "+OK" is followed by lines up to "." */
    char tag[REPLY_TAG_MAX];   /* IMAP: the command's tag; "" waits for the greeting */
};

/* One reply being read, then read: set up by reply_begin(), filled by reply_feed(). */
struct reply {
    struct reply_expect expect;
    char status[REPLY_STATUS_MAX]; /* "250", "+OK", "-ERR", "+", "OK", "NO", "BAD", ... */
    int code;                      /* SMTP: the reply code; 0 for POP3 and IMAP */
    bool continuation;             /* the server waits for more from the client */
    char text[REPLY_TEXT_MAX];     /* the line that ended it (possibly cut short) */
    size_t lines;                  /* lines fed, status lines and content */
    /* Parser state: private. */
    int phase;
    unsigned long long literal_left; /* IMAP: octets of a literal still to come */
};

/* Why reply_feed() and reply_read() stopped. */
enum reply_step {
    REPLY_MORE,        /* reply_feed only: the reply goes on */
    REPLY_DONE,        /* the reply is complete: see status */
    REPLY_MALFORMED,   /* a line that is not a reply in this protocol (text holds it) */
    REPLY_CLOSED,      /* reply_read: the server closed the connection */
    REPLY_TIMED_OUT,   /* reply_read: nothing for the connection's timeout */
    REPLY_FAILED       /* reply_read: a read error or a line over REPLY_LINE_MAX */
};

/*
 * Fills e with what to wait for after the client sends line (a command
 * without its CRLF, as typed). POP3: multi-line for the commands listed at
 * the top; IMAP: the tag is the line's first word. Costs one pass over the
 * line's first two words.
 */
void reply_expect_for(struct reply_expect *e, enum reply_proto proto, const char *line);

/* What to wait for when the connection opens: the greeting. */
void reply_expect_greeting(struct reply_expect *e, enum reply_proto proto);

/* Prepares r to read one reply of the kind e describes (copied). */
void reply_begin(struct reply *r, const struct reply_expect *e);

/*
 * Feeds one line (text without its line end, len octets; eol_len is 2 for
 * CRLF, 1 for a bare LF; IMAP literals count them). Returns REPLY_MORE while
 * the reply goes on, REPLY_DONE on its last line, REPLY_MALFORMED for a line
 * that cannot be a status line here (status and text then hold that line).
 */
enum reply_step reply_feed(struct reply *r, const char *text, size_t len, size_t eol_len);

/* Called by reply_read() for each line, as it arrives (to show it). */
typedef void reply_line_fn(void *arg, const struct line *line);

/*
 * Reads lines from c with conn_read_line() until the reply e describes is
 * complete, calling on_line (which may be NULL) for each. buf (bufsize
 * octets, REPLY_LINE_MAX is right) holds one line at a time and is the
 * caller's. Returns REPLY_DONE, REPLY_MALFORMED (after the bad line), or
 * why it could not finish. Blocks for at most c->timeout_seconds per line.
 */
enum reply_step reply_read(struct conn *c, const struct reply_expect *e, struct reply *r,
                           char *buf, size_t bufsize, reply_line_fn *on_line, void *arg);

/* True when the reply's status says yes: 2xx/3xx, "+OK", "+", "OK", "PREAUTH". */
bool reply_is_positive(const struct reply *r);

/* "SMTP", "POP3" or "IMAP". */
const char *reply_proto_name(enum reply_proto proto);

#endif
