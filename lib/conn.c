/*
 * conn.c - a connection's input buffer, line reader and writer (see conn.h).
 */
#include "conn.h"

#include <errno.h>
#include <openssl/ssl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* The longest line conn_printf formats: SMTP's text-line limit (RFC 5321
 * 4.5.3.1.6). Replies should stay within 512 (4.5.3.1.5); callers cut
 * client text they echo. */
#define CONN_PRINTF_MAX 1000

void conn_init(struct conn *c, int fd, int timeout_seconds,
               const struct transcript *log)
{
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->timeout_seconds = timeout_seconds;
    c->log = log;
    c->log_lines = true;
    /* A peer that stops reading cannot block a send for longer than this. */
    if (timeout_seconds > 0) {
        struct timeval tv = {.tv_sec = timeout_seconds};
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
}

bool conn_has_buffered_input(const struct conn *c)
{
    return c->in_start < c->in_end ||
           (c->tls != NULL && SSL_pending((SSL *)c->tls) > 0);
}

size_t conn_discard_buffered_input(struct conn *c)
{
    size_t dropped = c->in_end - c->in_start;
    c->in_start = c->in_end = 0;
    return dropped;
}

/*
 * Waits until the socket is readable, for at most timeout_ms (-1: forever).
 * pselect(2) lets the signals in c->wait_mask through only while it waits,
 * so a SIGTERM cannot slip in between a check and the wait.
 * Returns 1 readable, 0 timed out, -1 interrupted by a signal or error.
 */
static int wait_readable(struct conn *c, int timeout_ms)
{
    if (conn_has_buffered_input(c))
        return 1;
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(c->fd, &readable);
    struct timespec ts = {.tv_sec = timeout_ms / 1000,
                          .tv_nsec = (long)(timeout_ms % 1000) * 1000000L};
    return pselect(c->fd + 1, &readable, NULL, NULL,
                   timeout_ms < 0 ? NULL : &ts, c->wait_mask);
}

bool conn_input_pending(struct conn *c, int timeout_ms)
{
    return wait_readable(c, timeout_ms) == 1;
}

/* recv_some() read TLS records that held no data (a TLS 1.3 session ticket): wait again. */
#define RECV_AGAIN (-2)

/*
 * One read from the socket (or TLS) into free space. Returns bytes, 0 at
 * EOF, -1 on error, or RECV_AGAIN (only when the SSL's auto-retry mode is
 * off, as tls_client_start leaves it).
 */
static ssize_t recv_some(struct conn *c, void *buf, size_t len)
{
    if (c->tls != NULL) {
        int n = SSL_read((SSL *)c->tls, buf, len > INT32_MAX ? INT32_MAX : (int)len);
        if (n > 0)
            return n;
        int e = SSL_get_error((SSL *)c->tls, n);
        if (e == SSL_ERROR_WANT_READ)
            return RECV_AGAIN;
        if (e == SSL_ERROR_ZERO_RETURN)
            return 0;
        /* A peer that drops TCP without a TLS close_notify: treat as EOF. */
        if (e == SSL_ERROR_SYSCALL && errno == 0)
            return 0;
        errno = EIO;
        return -1;
    }
    ssize_t n;
    do
        n = read(c->fd, buf, len);
    while (n < 0 && errno == EINTR);
    return n;
}

/*
 * Makes sure some unread input is buffered, reading from the socket if
 * needed. Returns LINE_OK when there is input, or why there is none.
 */
static enum line_status fill(struct conn *c)
{
    if (c->in_start < c->in_end)
        return LINE_OK;
    c->in_start = c->in_end = 0;
    ssize_t n;
    do {
        int ready = wait_readable(c, c->timeout_seconds > 0 ? c->timeout_seconds * 1000 : -1);
        if (ready == 0)
            return LINE_TIMEOUT;
        if (ready < 0)
            return errno == EINTR ? LINE_INTERRUPTED : LINE_ERROR;
        n = recv_some(c, c->in, sizeof c->in);
    } while (n == RECV_AGAIN);
    if (n == 0)
        return LINE_EOF;
    if (n < 0)
        return LINE_ERROR;
    c->in_end = (size_t)n;
    return LINE_OK;
}

/* Sets the flags of a finished line held in buf[0 .. len) (LF excluded). */
static void finish_line(char *buf, size_t len, struct line *out)
{
    out->crlf = len > 0 && buf[len - 1] == '\r';
    if (out->crlf)
        len--;
    buf[len] = '\0';
    out->text = buf;
    out->len = len;
    out->has_bare_cr = memchr(buf, '\r', len) != NULL;
    out->has_nul = memchr(buf, '\0', len) != NULL;
}

enum line_status conn_read_line(struct conn *c, char *buf, size_t bufsize,
                                struct line *out)
{
    size_t len = 0;          /* bytes of this line copied into buf */
    bool too_long = false;   /* over the limit: keep reading, drop the bytes */
    int last = -1;           /* the last byte before the LF, to tell CRLF from LF */

    memset(out, 0, sizeof *out);
    for (;;) {
        enum line_status st = fill(c);
        if (st != LINE_OK)
            return st;
        unsigned char *start = c->in + c->in_start;
        size_t avail = c->in_end - c->in_start;
        unsigned char *lf = memchr(start, '\n', avail);
        size_t take = lf != NULL ? (size_t)(lf - start) : avail;
        /* Room for the bytes plus the terminating NUL. */
        if (!too_long && len + take + 1 > bufsize - 1) {
            too_long = true;
        }
        if (!too_long) {
            memcpy(buf + len, start, take);
            len += take;
        }
        if (take > 0)
            last = start[take - 1];
        c->in_start += take;
        if (lf == NULL)
            continue;
        c->in_start++;       /* the LF itself */
        if (too_long) {
            memset(out, 0, sizeof *out);
            buf[0] = '\0';
            out->text = buf;
            out->crlf = last == '\r';   /* a long line may still end properly */
            return LINE_TOO_LONG;
        }
        finish_line(buf, len, out);
        if (c->log != NULL && c->log_lines)
            transcript_received(c->log, out->text, out->len);
        return LINE_OK;
    }
}

int conn_send_raw(struct conn *c, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n;
        if (c->tls != NULL) {
            int w = SSL_write((SSL *)c->tls, p, len > INT32_MAX ? INT32_MAX : (int)len);
            n = w > 0 ? w : -1;
            if (n < 0)
                errno = EIO;
        } else {
            /* MSG_NOSIGNAL: a peer that went away gives EPIPE, not a fatal SIGPIPE. */
            n = send(c->fd, p, len, MSG_NOSIGNAL);
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int conn_send_line(struct conn *c, const char *text)
{
    char buf[CONN_PRINTF_MAX + 1];
    size_t len = strlen(text);

    if (c->log != NULL)
        transcript_sent(c->log, text, len);
    if (len + 2 > sizeof buf - 1) {
        /* Longer than a protocol line may be: send in two writes. */
        if (conn_send_raw(c, text, len) != 0)
            return -1;
        return conn_send_raw(c, "\r\n", 2);
    }
    memcpy(buf, text, len);
    memcpy(buf + len, "\r\n", 2);
    return conn_send_raw(c, buf, len + 2);
}

int conn_printf(struct conn *c, const char *fmt, ...)
{
    char line[CONN_PRINTF_MAX + 1];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line - 2)
        abort();   /* a reply we wrote is too long: a bug, not input */
    return conn_send_line(c, line);
}
