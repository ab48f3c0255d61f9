/*
 * session.c - sending lines, waiting for their replies, STARTTLS (see session.h).
 */
#include "session.h"

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "net.h"

int session_init(struct session *s, const struct options *opt, int fd)
{
    memset(s, 0, sizeof *s);
    s->opt = opt;
    /* No transcript: mailcat shows lines itself (display.h says why). */
    conn_init(&s->conn, fd, opt->timeout_seconds, NULL);
    s->display.out = stdout;
    s->display.color = opt->color;
    s->display.quiet = opt->quiet;
    s->display.show_crlf = opt->show_crlf;
    s->line_buf = malloc(REPLY_LINE_MAX);
    return s->line_buf != NULL ? 0 : -1;
}

void session_close(struct session *s)
{
    tls_close(&s->conn);
    if (s->conn.fd >= 0)
        close(s->conn.fd);
    s->conn.fd = -1;
    SSL_CTX_free(s->tls_ctx);
    s->tls_ctx = NULL;
    free(s->line_buf);
    s->line_buf = NULL;
}

/* --- the replies awaited, a ring ------------------------------------------ */

size_t session_awaited(const struct session *s)
{
    return s->awaited_count;
}

/* Queues one awaited reply; a full ring first waits for its oldest. */
static void await_reply(struct session *s, const struct awaited *a)
{
    if (s->awaited_count == SESSION_AWAITED_MAX)
        session_wait(s);
    s->awaited[(s->awaited_head + s->awaited_count) % SESSION_AWAITED_MAX] = *a;
    s->awaited_count++;
}

static struct awaited take_awaited(struct session *s)
{
    struct awaited a = s->awaited[s->awaited_head];
    s->awaited_head = (s->awaited_head + 1) % SESSION_AWAITED_MAX;
    s->awaited_count--;
    return a;
}

void session_await_greeting(struct session *s)
{
    struct awaited a = {0};
    reply_expect_greeting(&a.expect, s->opt->proto);
    await_reply(s, &a);
}

/*
 * Works out what reply a line asks for, from the protocol's state:
 *   - SMTP message content gets none, until the "." that ends it (RFC 5321 4.1.1.4);
 *   - a line that answers a continuation (334, "+ ") gets one reply; in IMAP
 *     it is the continued command's tagged reply (RFC 9051 7.5);
 *   - any other line is a command: lib/reply decides (POP3 multi-line, IMAP tag).
 */
static void await_reply_to(struct session *s, const char *line)
{
    struct awaited a = {0};
    enum reply_proto proto = s->opt->proto;

    if (proto == REPLY_SMTP && s->in_content) {
        if (strcmp(line, ".") != 0)
            return;
        s->in_content = false;
        reply_expect_for(&a.expect, proto, line);
    } else if (s->continued && proto == REPLY_IMAP) {
        a.expect = s->continued_expect;
    } else if (s->continued) {
        reply_expect_for(&a.expect, proto, "");
    } else {
        reply_expect_for(&a.expect, proto, line);
        a.data_command = proto == REPLY_SMTP && strcasecmp(line, "DATA") == 0;
    }
    s->continued = false;
    await_reply(s, &a);
}

int session_send(struct session *s, const char *line, bool echo)
{
    if (s->closed) {
        warnx("cannot send \"%s\": the server has closed the connection", line);
        return -1;
    }
    if (echo)
        display_client_line(&s->display, line, strlen(line));
    if (conn_send_line(&s->conn, line) != 0) {
        warnx("cannot send \"%s\": %s", line,
              errno == EPIPE || errno == ECONNRESET ? "the server has closed the connection"
                                                    : strerror(errno));
        s->closed = true;
        return -1;
    }
    await_reply_to(s, line);
    return 0;
}

/* --- reading replies ---------------------------------------------------- */

/* reply_read calls this for each line as it arrives. */
static void show_line(void *arg, const struct line *line)
{
    struct session *s = arg;
    display_server_line(&s->display, line);
}

/* Keeps a reply for a script to check; a full ring forgets its oldest. */
static void keep_reply(struct session *s, const struct reply *r)
{
    if (s->received_count == SESSION_RECEIVED_MAX) {
        s->received_head = (s->received_head + 1) % SESSION_RECEIVED_MAX;
        s->received_count--;
    }
    s->received[(s->received_head + s->received_count) % SESSION_RECEIVED_MAX] = *r;
    s->received_count++;
}

/* What a finished reply changes: content after DATA's 354, a continuation. */
static void follow_reply(struct session *s, const struct awaited *a, const struct reply *r)
{
    if (a->data_command && r->code == 354) {
        s->in_content = true;
        return;
    }
    s->continued = r->continuation;
    if (r->continuation)
        s->continued_expect = a->expect;
}

enum reply_step session_wait(struct session *s)
{
    if (s->awaited_count == 0)
        return REPLY_DONE;
    struct awaited a = take_awaited(s);
    struct reply r;
    enum reply_step step = reply_read(&s->conn, &a.expect, &r, s->line_buf, REPLY_LINE_MAX,
                                      show_line, s);
    switch (step) {
    case REPLY_DONE:
        follow_reply(s, &a, &r);
        keep_reply(s, &r);
        break;
    case REPLY_MALFORMED:
        display_note(&s->display, "that line is not a %s reply: is this the right "
                     "protocol (--proto) and port?", reply_proto_name(s->opt->proto));
        keep_reply(s, &r);
        break;
    case REPLY_CLOSED:
        display_note(&s->display, "the server has closed the connection");
        s->closed = true;
        s->awaited_count = 0;
        break;
    case REPLY_TIMED_OUT:
        display_note(&s->display, "no complete reply after %d seconds", s->opt->timeout_seconds);
        break;
    case REPLY_FAILED:
    case REPLY_MORE:
        display_note(&s->display, "cannot read the reply: a line longer than %d octets, "
                     "or a read error", REPLY_LINE_MAX);
        s->closed = true;
        s->awaited_count = 0;
        break;
    }
    return step;
}

enum reply_step session_wait_all(struct session *s)
{
    while (s->awaited_count > 0) {
        enum reply_step step = session_wait(s);
        if (step != REPLY_DONE && step != REPLY_MALFORMED)
            return step;
    }
    return REPLY_DONE;
}

const struct reply *session_last(const struct session *s)
{
    if (s->received_count == 0)
        return NULL;
    return &s->received[(s->received_head + s->received_count - 1) % SESSION_RECEIVED_MAX];
}

bool session_take_oldest(struct session *s, struct reply *r)
{
    if (s->received_count == 0)
        return false;
    *r = s->received[s->received_head];
    s->received_head = (s->received_head + 1) % SESSION_RECEIVED_MAX;
    s->received_count--;
    return true;
}

void session_forget_received(struct session *s)
{
    s->received_count = 0;
}

void session_forget_last(struct session *s)
{
    if (s->received_count > 0)
        s->received_count--;
}

bool session_in_content(const struct session *s)
{
    return s->in_content;
}

void session_next_tag(struct session *s, char *buf, size_t len)
{
    snprintf(buf, len, "m%u", ++s->imap_tags);
}

void session_sleep(double seconds)
{
    if (seconds <= 0)
        return;
    struct timespec ts = {.tv_sec = (time_t)seconds,
                          .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* --- TLS ---------------------------------------------------------------- */

/* Shows tls_write_summary's lines as notes. */
static void show_tls_summary(struct session *s)
{
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    if (mem == NULL)
        return;
    tls_write_summary(&s->conn, mem);
    fclose(mem);
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n"))
        display_note(&s->display, "%s", line);
    free(text);
}

int session_start_tls(struct session *s)
{
    char err[512];

    if (s->conn.tls != NULL) {
        warnx("TLS is already on");
        return -1;
    }
    if (s->tls_ctx == NULL) {
        s->tls_ctx = tls_client_context(s->opt->cafile, s->opt->insecure, err, sizeof err);
        if (s->tls_ctx == NULL) {
            warnx("%s", err);
            return -1;
        }
    }
    size_t dropped = 0;
    if (tls_client_start(&s->conn, s->tls_ctx, s->opt->host, &dropped, err, sizeof err) != 0) {
        warnx("TLS failed: %s", err);
        return -1;
    }
    if (dropped > 0)
        display_note(&s->display, "dropped %zu octets the server sent in clear text before "
                     "TLS began: they cannot be trusted (RFC 3207 4.2)", dropped);
    show_tls_summary(s);
    return 0;
}

/* Sends line and waits for its reply; true when the reply came and says yes. */
static bool ask(struct session *s, const char *line)
{
    if (session_send(s, line, true) != 0 || session_wait_all(s) != REPLY_DONE)
        return false;
    const struct reply *r = session_last(s);
    return r != NULL && reply_is_positive(r) && !r->continuation;
}

/*
 * The STARTTLS dialogues:
 *   SMTP  EHLO, then STARTTLS, answered 220 (RFC 3207 4)
 *   POP3  STLS, answered +OK (RFC 2595 4)
 *   IMAP  TAG STARTTLS, answered TAG OK (RFC 9051 6.2.1)
 */
int session_negotiate_starttls(struct session *s)
{
    char line[REPLY_TAG_MAX + NET_ADDR_TEXT_MAX + 32];
    const struct reply *r;

    session_await_greeting(s);
    if (session_wait_all(s) != REPLY_DONE || (r = session_last(s)) == NULL ||
        !reply_is_positive(r)) {
        warnx("TLS failed: the server did not greet us with a positive reply");
        return -1;
    }
    switch (s->opt->proto) {
    case REPLY_SMTP: {
        /* RFC 5321 4.1.3: without a domain name, a client names itself by its address. */
        char addr[NET_ADDR_TEXT_MAX];
        net_local_address(s->conn.fd, addr, sizeof addr);
        snprintf(line, sizeof line, strchr(addr, ':') ? "EHLO [IPv6:%s]" : "EHLO [%s]", addr);
        if (!ask(s, line)) {
            warnx("TLS failed: the server did not accept EHLO");
            return -1;
        }
        snprintf(line, sizeof line, "STARTTLS");
        break;
    }
    case REPLY_POP3:
        snprintf(line, sizeof line, "STLS");
        break;
    case REPLY_IMAP: {
        char tag[REPLY_TAG_MAX];
        session_next_tag(s, tag, sizeof tag);
        snprintf(line, sizeof line, "%s STARTTLS", tag);
        break;
    }
    }
    if (!ask(s, line)) {
        r = session_last(s);
        warnx("TLS failed: the server does not offer STARTTLS here (it answered \"%s\")",
              s->closed || r == NULL ? "nothing" : r->text);
        return -1;
    }
    session_forget_received(s);
    if (session_start_tls(s) != 0)
        return -1;
    display_note(&s->display, "the server has forgotten everything said before TLS: "
                 "start again with %s (%s)",
                 s->opt->proto == REPLY_SMTP ? "EHLO" :
                 s->opt->proto == REPLY_POP3 ? "CAPA or USER" : "CAPABILITY or LOGIN",
                 s->opt->proto == REPLY_SMTP ? "RFC 3207 4.2" : "RFC 2595 3.1, 4");
    return 0;
}
