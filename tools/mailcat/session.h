/*
 * session.h - one mailcat session: the connection, what it waits for, and
 * how it is shown.
 *
 * Every line mailcat sends goes through session_send(), which works out
 * what reply the line asks for (lib/reply) and queues that expectation;
 * session_wait() reads the oldest awaited reply, shows its lines and keeps
 * it for whoever checks it (script mode). Both modes, the helpers and the
 * STARTTLS negotiation are built on these two.
 *
 *     send "MAIL FROM:<alice@crepes.fr>"  -> awaited: [SMTP reply]
 *     send "DATA"                        -> awaited: [SMTP reply, DATA: 354 starts content]
 *     wait                               -> S: 354 ...   (now in message content)
 *     send "Do you like ketchup?"        -> awaited: nothing: content gets no reply
 *     send "."                           -> awaited: [SMTP reply]   (content is over)
 */
#ifndef MAILCAT_SESSION_H
#define MAILCAT_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "conn.h"
#include "display.h"
#include "reply.h"
#include "tls.h"

/* Exit statuses (mailcat(1), EXIT STATUS). */
#define EXIT_AS_EXPECTED 0
#define EXIT_UNEXPECTED 1     /* an expectation failed, or the server broke off */
#define EXIT_USAGE 2          /* bad options, or a script or helper that cannot run */
#define EXIT_NO_CONNECTION 3  /* could not connect, or TLS failed */

/* Replies awaited at once: with --pipeline, a script may send this many lines ahead. */
#define SESSION_AWAITED_MAX 64
/* Replies kept for a script to check, oldest first. */
#define SESSION_RECEIVED_MAX 64
/* Default wait for a reply, and for connecting. */
#define SESSION_TIMEOUT_SECONDS 30

struct options {
    const char *host;
    const char *port;
    enum reply_proto proto;
    bool proto_guessed;       /* SMTP for a port that is not a known mail port */
    bool tls;                 /* --tls: TLS from the first byte */
    bool starttls;            /* --starttls: negotiate, then hand over */
    bool insecure;            /* --insecure */
    const char *cafile;       /* --cafile */
    const char *script;       /* --script FILE; NULL: stdin decides */
    bool pipeline;            /* --pipeline */
    bool step;                /* --step */
    double delay_seconds;     /* --delay */
    int timeout_seconds;      /* --timeout */
    int family;               /* AF_UNSPEC, or AF_INET / AF_INET6 for -4 / -6 */
    bool quiet;               /* --quiet */
    bool color;               /* on a terminal, unless --no-color */
    bool show_crlf;           /* --show-crlf */
};

/* One reply the session waits for, and what it means for the next lines. */
struct awaited {
    struct reply_expect expect;
    bool data_command;        /* SMTP DATA: a 354 turns the next lines into content */
};

struct session {
    const struct options *opt;
    struct conn conn;
    SSL_CTX *tls_ctx;                 /* made on first use */
    struct display display;
    char *line_buf;                   /* REPLY_LINE_MAX octets, for the line being read */

    struct awaited awaited[SESSION_AWAITED_MAX]; /* a ring, oldest at awaited_head */
    size_t awaited_head, awaited_count;
    struct reply received[SESSION_RECEIVED_MAX]; /* replies read, not yet checked */
    size_t received_head, received_count;

    bool in_content;          /* SMTP: after DATA's 354, lines are the message, up to "." */
    bool continued;           /* the last reply asked the client for more (334, "+ ") */
    struct reply_expect continued_expect; /* IMAP: the command the next line answers for */
    unsigned imap_tags;       /* helpers number their own IMAP tags: m1, m2, ... */
    bool closed;              /* the server has closed the connection */
};

/* Sets up s on a connected socket fd (which it will close). Returns 0, or -1 on no memory. */
int session_init(struct session *s, const struct options *opt, int fd);

/* Ends TLS, closes the socket, frees what session_init made. */
void session_close(struct session *s);

/*
 * Sends one line (CRLF added), shows it as "C: ..." unless echo is false
 * (a line the user has just typed is already on the screen), and queues
 * the reply it asks for. Returns 0, or -1 when the server is gone (said).
 */
int session_send(struct session *s, const char *line, bool echo);

/* Queues the greeting as the first reply to wait for. */
void session_await_greeting(struct session *s);

/* How many replies are awaited. */
size_t session_awaited(const struct session *s);

/*
 * Reads the oldest awaited reply, showing each line as it comes, and keeps
 * it (session_last, session_take_oldest). Returns REPLY_DONE, or why the
 * reply did not come (and says so in a note). Blocks up to the timeout per line.
 */
enum reply_step session_wait(struct session *s);

/* Waits for every awaited reply; stops at the first that does not come. */
enum reply_step session_wait_all(struct session *s);

/* The newest reply kept, or NULL. */
const struct reply *session_last(const struct session *s);

/* Takes the oldest reply kept into *r; false when none is kept. */
bool session_take_oldest(struct session *s, struct reply *r);

/* Forgets the replies kept (they needed no checking). */
void session_forget_received(struct session *s);

/* Forgets the newest reply kept (a helper's 334 step, which no script line checks). */
void session_forget_last(struct session *s);

/*
 * Runs the TLS handshake now (--tls at once; --starttls and :starttls
 * after the server agreed) and shows the certificate summary. Returns 0,
 * or -1 having said why in plain words.
 */
int session_start_tls(struct session *s);

/*
 * --starttls: waits for the greeting, asks for TLS the protocol's way
 * (EHLO + STARTTLS, STLS, or "STARTTLS" with a tag), then starts it.
 * Returns 0, or -1 having said why.
 */
int session_negotiate_starttls(struct session *s);

/* True while lines are message content (SMTP, between DATA's 354 and "."). */
bool session_in_content(const struct session *s);

/* A fresh IMAP tag for a command mailcat makes up ("m1"); buf needs REPLY_TAG_MAX. */
void session_next_tag(struct session *s, char *buf, size_t len);

/* Sleeps for seconds (fractions allowed). */
void session_sleep(double seconds);

#endif
