/*
 * wire.c - a stored message as it travels in a POP3 reply (RFC 1939 3).
 *
 * Maildir files end their lines with LF; on the wire every line ends with
 * CRLF. A multi-line reply ends with a line holding only ".", so a message
 * line that starts with "." gets one more in front ("byte-stuffing"), which
 * the client removes. A last line without a line end gets a CRLF, or the
 * final "." would not be on a line of its own.
 *
 * LIST and STAT must give the size "exactly" as RETR will send it, so both
 * go through the same converter: wire_size() runs it and counts,
 * wire_send_message() runs it and sends. The count leaves out the stuffed
 * dots, which are transport, not message.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "pop3d.h"

#define WIRE_READ_SIZE 65536              /* one read(2) from the message file */
#define WIRE_OUT_SIZE (3 * WIRE_READ_SIZE)  /* under WIRE_READ_SIZE waiting, plus a chunk doubled at worst */

/* Where the converter is in the message. */
struct wire {
    bool line_start;       /* the next byte starts a line */
    bool after_cr;         /* the byte before was a CR */
    bool line_empty;       /* the current line has nothing but maybe its CR */
    bool in_body;          /* the empty line after the header has passed */
    long body_lines_left;  /* TOP: body lines still to send; -1 sends all */
    bool done;             /* TOP has sent what it was asked */
    bool stuff;            /* add the stuffed dots (off when counting) */
};

/* The converter's output: a buffer to send, or only a count. */
struct wire_out {
    unsigned char *buf;    /* NULL: count only */
    size_t len;
    unsigned long long count;
};

static void wire_start(struct wire *w, long body_lines, bool stuff)
{
    memset(w, 0, sizeof *w);
    w->line_start = true;
    w->body_lines_left = body_lines;
    w->stuff = stuff;
}

static inline void emit(struct wire_out *o, unsigned char ch)
{
    if (o->buf != NULL)
        o->buf[o->len] = ch;
    o->len++;
    o->count++;
}

/* A line ended: the first empty one ends the header; body lines count for TOP. */
static void end_line(struct wire *w)
{
    if (!w->in_body) {
        if (w->line_empty)
            w->in_body = true;
    } else if (w->body_lines_left > 0) {
        w->body_lines_left--;
    }
    w->line_start = true;
    w->after_cr = false;
}

/*
 * Converts n bytes of the stored message. The output grows by at most
 * 2n bytes (a LF becomes CRLF; a "." at a line start becomes "..").
 * The stuffed dots are not counted in o->count.
 */
static void wire_convert(struct wire *w, const unsigned char *in, size_t n, struct wire_out *o)
{
    for (size_t i = 0; i < n && !w->done; i++) {
        unsigned char ch = in[i];
        if (w->line_start) {
            if (w->in_body && w->body_lines_left == 0) {
                w->done = true;
                break;
            }
            if (ch == '.' && w->stuff) {
                emit(o, '.');
                o->count--;
            }
            w->line_start = false;
            w->line_empty = true;
        }
        if (ch == '\n') {
            if (!w->after_cr)
                emit(o, '\r');
            emit(o, '\n');
            end_line(w);
            continue;
        }
        if (ch != '\r' || w->after_cr)
            w->line_empty = false;      /* text, or a CR that was not part of CRLF */
        w->after_cr = ch == '\r';
        emit(o, ch);
    }
}

/* The end of the message: a last line without a line end gets one. */
static void wire_finish(struct wire *w, struct wire_out *o)
{
    if (w->line_start || w->done)
        return;
    if (!w->after_cr)
        emit(o, '\r');
    emit(o, '\n');
}

int wire_size(const char *path, unsigned long long *size)
{
    static unsigned char chunk[WIRE_READ_SIZE];
    struct wire w;
    struct wire_out o = {0};
    ssize_t n;

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    wire_start(&w, -1, false);
    while ((n = read(fd, chunk, sizeof chunk)) > 0)
        wire_convert(&w, chunk, (size_t)n, &o);
    int saved = errno;
    close(fd);
    if (n < 0) {
        errno = saved;
        return -1;
    }
    wire_finish(&w, &o);
    *size = o.count;
    return 0;
}

/* Sends what is buffered. 0, or -1 when the client is gone. */
static int flush(struct conn *c, struct wire_out *o)
{
    int rc = o->len > 0 ? conn_send_raw(c, o->buf, o->len) : 0;
    o->len = 0;
    return rc;
}

int wire_send_message(struct conn *c, const char *path, const char *status_line,
                      long body_lines)
{
    static unsigned char chunk[WIRE_READ_SIZE];
    static unsigned char out[WIRE_OUT_SIZE];
    struct wire w;
    struct wire_out o = {.buf = out};
    ssize_t n;

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -2;
    /* The status line, the text and the final "." go out in as few writes as possible. */
    size_t slen = strlen(status_line);
    memcpy(out, status_line, slen);
    memcpy(out + slen, "\r\n", 2);
    o.len = slen + 2;
    wire_start(&w, body_lines, true);
    int rc = 0;
    while (rc == 0 && !w.done && (n = read(fd, chunk, sizeof chunk)) > 0) {
        wire_convert(&w, chunk, (size_t)n, &o);
        if (o.len >= WIRE_READ_SIZE)
            rc = flush(c, &o);
    }
    close(fd);
    if (rc != 0)
        return -1;
    /* A read error midway cannot be told to the client any more: the message just ends. */
    wire_finish(&w, &o);
    memcpy(out + o.len, ".\r\n", 3);
    o.len += 3;
    return flush(c, &o);
}
