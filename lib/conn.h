/*
 * conn.h - a connection: a socket, its input buffer, its timeout, and the
 * one line reader that every protocol in Cartero uses.
 *
 * Why one reader? Line handling is where mail servers get hurt: qmail's
 * unbounded reader became CVE-2005-1514, and servers that accepted a bare LF
 * as a line end were open to "SMTP smuggling" (2023). So the limits and the
 * CRLF rules live here, once, and every server inherits them.
 *
 * A line, for this reader, ends at LF. It reports whether the LF was
 * preceded by CR (a proper CRLF, RFC 5321 2.3.8) or not (a "bare LF"), and
 * whether the text holds a CR that is not part of CRLF or a NUL byte. It
 * never joins or splits lines by itself: the protocol code decides what a
 * bare LF means (an error in an SMTP command, never an end of DATA).
 *
 * Output goes straight to the socket (no buffering), one write per reply.
 * Sends block for at most the connection's timeout (SO_SNDTIMEO), so a
 * client that stops reading cannot hold a session forever.
 */
#ifndef CARTERO_CONN_H
#define CARTERO_CONN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "transcript.h"

/* Input buffer size; reads are at most this big. Not a line limit. */
#define CONN_BUFFER_SIZE 16384

struct conn {
    int fd;
    void *tls;                    /* SSL * once TLS is on (the TLS issue); NULL otherwise */
    unsigned char in[CONN_BUFFER_SIZE];
    size_t in_start, in_end;      /* unread bytes are in[in_start .. in_end) */
    int timeout_seconds;          /* for each wait for input; 0 waits forever */
    const sigset_t *wait_mask;    /* signals let through while waiting (pselect); NULL: none blocked */
    const struct transcript *log; /* may be NULL */
    bool log_lines;               /* log each line read (off while reading DATA bodies, say) */
};

/* Prepares c for fd (which it does not own: the caller closes it). */
void conn_init(struct conn *c, int fd, int timeout_seconds,
               const struct transcript *log);

enum line_status {
    LINE_OK,          /* a line ending in LF was read (see the flags) */
    LINE_TOO_LONG,    /* longer than the limit: the rest up to LF was read and dropped
                         (out->crlf still says how it ended) */
    LINE_EOF,         /* the peer closed the connection (a partial last line is dropped) */
    LINE_TIMEOUT,     /* nothing arrived for timeout_seconds */
    LINE_INTERRUPTED, /* a signal arrived while waiting (see wait_mask) */
    LINE_ERROR        /* a read error; errno is set */
};

struct line {
    char *text;           /* NUL-terminated, without CR LF; points into the caller's buffer */
    size_t len;           /* length of text (text may hold NULs: see has_nul) */
    bool crlf;            /* ended with CR LF; false means a bare LF */
    bool has_bare_cr;     /* a CR somewhere that is not part of the final CR LF */
    bool has_nul;         /* a NUL byte somewhere */
};

/*
 * Reads one line into buf, whose size bounds the line: a line (with its
 * CR LF) longer than bufsize - 1 octets gives LINE_TOO_LONG, after the rest
 * of it has been read and thrown away in constant memory, so the next call
 * starts on the next line. So for SMTP's 1000-octet limit (CR LF included),
 * pass a buffer of 1001. out->text points into buf and is valid until buf is
 * reused. Each line read is logged when c->log_lines is set.
 */
enum line_status conn_read_line(struct conn *c, char *buf, size_t bufsize,
                                struct line *out);

/* True when bytes the peer sent are waiting in our buffer (pipelining). */
bool conn_has_buffered_input(const struct conn *c);

/*
 * Throws away whatever input is buffered but unread. After STARTTLS, bytes
 * that arrived in clear text must never be read as if they came over TLS
 * (RFC 3207 section 4.2, CVE-2011-0411). Returns how many bytes it dropped.
 */
size_t conn_discard_buffered_input(struct conn *c);

/* Waits up to timeout_ms for input to arrive; true when some is there. */
bool conn_input_pending(struct conn *c, int timeout_ms);

/*
 * Sends one protocol line: text (without line end) followed by CR LF.
 * Logs it. Returns 0, or -1 (errno set) when the peer is gone or too slow.
 */
int conn_send_line(struct conn *c, const char *text);

/* printf-style conn_send_line. Lines are limited to 1000 octets; longer is a bug (abort). */
int conn_printf(struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Sends len raw bytes (a message body already in wire form). Not logged. */
int conn_send_raw(struct conn *c, const void *data, size_t len);

#endif
