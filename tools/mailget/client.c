/*
 * client.c - the POP3 client side: connect, read the greeting, log in,
 * send a command and read its reply (RFC 1939).
 *
 * "If you can program sockets, you can write a mail client": each step is
 * one line sent and one reply read. lib/reply.h knows where a reply ends,
 * including the multi-line ones that end with a lone ".".
 *
 * With TLS (lib/tls.h) the same lines travel encrypted: --tls starts it
 * before the greeting (POP3S, port 995), --starttls after it, with STLS
 * (RFC 2595 4). The code above the connection does not change.
 */
#include <openssl/evp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "mailget.h"
#include "net.h"
#include "tls.h"

void client_fail(struct client *c, int code, const char *fmt, ...)
{
    va_list ap;
    if (c->failure != 0)
        return;                       /* the first failure is the one to report */
    c->failure = code;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof c->why, fmt, ap);
    va_end(ap);
}

/* Why a reply could not be read, as a failure. */
static void fail_reading(struct client *c, enum reply_step step)
{
    switch (step) {
    case REPLY_CLOSED:
        client_fail(c, EX_UNAVAILABLE, "the server closed the connection");
        break;
    case REPLY_TIMED_OUT:
        client_fail(c, EX_TEMPFAIL, "no reply from the server for %d seconds",
                    c->conn.timeout_seconds);
        break;
    case REPLY_MALFORMED:
        client_fail(c, EX_PROTOCOL, "not a POP3 reply (+OK or -ERR): \"%.200s\"", c->reply.text);
        break;
    default:
        client_fail(c, EX_PROTOCOL, "cannot read the reply (a line over %d octets, or a "
                    "read error)", REPLY_LINE_MAX);
        break;
    }
}

/* Sends one command line. text is shown in the transcript as shown (PASS hides its secret). */
static int send_command(struct client *c, const char *line, const char *shown)
{
    char wire[MAILGET_COMMAND_MAX + 1];
    int n = snprintf(wire, sizeof wire, "%s\r\n", line);
    if (n < 0 || (size_t)n >= sizeof wire) {
        client_fail(c, EX_USAGE, "command too long for POP3 (%d octets at most, RFC 2449 4)",
                    MAILGET_COMMAND_MAX);
        return -1;
    }
    transcript_sent(&c->log, shown, strlen(shown));
    if (conn_send_raw(&c->conn, wire, (size_t)n) != 0) {
        client_fail(c, EX_UNAVAILABLE, "the connection broke while sending");
        return -1;
    }
    return 0;
}

/* Reads the reply to line (one line, or multi-line as reply.h decides). 0, 1 for -ERR, -1. */
static int read_reply(struct client *c, const char *line, reply_line_fn *on_line, void *arg)
{
    struct reply_expect e;
    reply_expect_for(&e, REPLY_POP3, line);
    enum reply_step step = reply_read(&c->conn, &e, &c->reply, c->line, sizeof c->line,
                                      on_line, arg);
    if (step != REPLY_DONE) {
        fail_reading(c, step);
        return -1;
    }
    return reply_is_positive(&c->reply) ? 0 : 1;
}

int client_command(struct client *c, const char *fmt, ...)
{
    char line[MAILGET_COMMAND_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (send_command(c, line, line) != 0)
        return -1;
    return read_reply(c, line, NULL, NULL);
}

/*
 * What client_multiline() puts between reply.h and its caller: the status
 * line and the final "." are not content; the other lines lose their
 * stuffed dot (RFC 1939 3). Message text is not shown in the transcript,
 * only counted.
 */
struct content {
    struct client *c;
    reply_line_fn *on_line;
    void *arg;
    bool show;             /* show content lines in the transcript (UIDL, not RETR) */
    bool started;          /* the status line has passed */
    unsigned long lines;
};

static void on_reply_line(void *arg, const struct line *line)
{
    struct content *ct = arg;
    bool last = ct->started && line->len == 1 && line->text[0] == '.';
    if (last && !ct->show && ct->lines > 0)
        transcript_note(&ct->c->log, "(%lu lines of message text, not shown)", ct->lines);
    if (!ct->started || last) {
        ct->started = true;
        transcript_received(&ct->c->log, line->text, line->len);
        return;
    }
    if (ct->show)
        transcript_received(&ct->c->log, line->text, line->len);
    struct line content = *line;
    if (content.text[0] == '.') {
        content.text++;
        content.len--;
    }
    ct->lines++;
    ct->on_line(ct->arg, &content);
}

int client_multiline(struct client *c, reply_line_fn *on_line, void *arg, const char *fmt, ...)
{
    char line[MAILGET_COMMAND_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (send_command(c, line, line) != 0)
        return -1;
    struct content ct = {.c = c, .on_line = on_line, .arg = arg,
                         .show = strncmp(line, "RETR", 4) != 0};
    c->conn.log_lines = false;     /* on_reply_line shows what should be shown */
    int rc = read_reply(c, line, on_reply_line, &ct);
    c->conn.log_lines = true;
    return rc;
}

/* Keeps the greeting's <...> timestamp, the challenge APOP answers (RFC 1939 7). */
static void keep_timestamp(struct client *c, const char *greeting)
{
    const char *open = strchr(greeting, '<');
    const char *close = open != NULL ? strchr(open, '>') : NULL;
    c->timestamp[0] = '\0';
    if (close != NULL && (size_t)(close - open + 1) < sizeof c->timestamp)
        snprintf(c->timestamp, sizeof c->timestamp, "%.*s", (int)(close - open + 1), open);
}

/* Shows tls_write_summary's lines (protocol, certificate, verification) in the -v transcript. */
static void show_tls_summary(struct client *c)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (mem == NULL)
        return;
    tls_write_summary(&c->conn, mem);
    fclose(mem);
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n"))
        transcript_note(&c->log, "%s", line);
    free(text);
}

/*
 * Runs the TLS handshake on the connection, checking the server's
 * certificate against the system's CAs and --cafile, and its name against
 * HOST (lib/tls.c explains every failure in plain words). 0, or -1 after
 * client_fail.
 */
static int start_tls(struct client *c, const struct options *o)
{
    char err[640];
    size_t dropped = 0;

    /* A TLS write to a server that has gone would raise SIGPIPE and kill us silently. */
    signal(SIGPIPE, SIG_IGN);
    c->tls_ctx = tls_client_context(o->cafile, o->insecure, err, sizeof err);
    if (c->tls_ctx == NULL) {
        client_fail(c, o->cafile != NULL ? EX_NOINPUT : EX_SOFTWARE, "%s", err);
        return -1;
    }
    if (tls_client_start(&c->conn, c->tls_ctx, o->host, &dropped, err, sizeof err) != 0) {
        client_fail(c, EX_UNAVAILABLE, "TLS failed: %s", err);
        return -1;
    }
    if (dropped > 0)
        transcript_note(&c->log, "threw away %zu octets the server sent in clear text after "
                        "its +OK, never read (RFC 2595 4)", dropped);
    show_tls_summary(c);
    return 0;
}

/* STLS (RFC 2595 4): after the greeting, ask for TLS; +OK, then the handshake. 0 or -1. */
static int negotiate_stls(struct client *c, const struct options *o)
{
    int rc = client_command(c, "STLS");
    if (rc == 1) {
        client_fail(c, EX_UNAVAILABLE, "the server refused STLS: %.200s (a server without a "
                    "certificate has no TLS; on port 995 use --tls instead)", c->reply.text);
        return -1;
    }
    return rc == 0 ? start_tls(c, o) : -1;
}

int client_connect(struct client *c, const struct options *o)
{
    char err[512];
    struct reply_expect e;

    memset(c, 0, sizeof *c);
    c->conn.fd = -1;
    transcript_init(&c->log, stderr, o->verbose, 0, false);
    int fd = net_connect(o->host, o->port, 0, o->timeout_seconds, err, sizeof err);
    if (fd < 0) {
        client_fail(c, EX_UNAVAILABLE, "%s", err);
        return -1;
    }
    conn_init(&c->conn, fd, o->timeout_seconds, &c->log);
    if (o->tls == TLS_MODE_IMPLICIT && start_tls(c, o) != 0)
        return -1;
    reply_expect_greeting(&e, REPLY_POP3);
    enum reply_step step = reply_read(&c->conn, &e, &c->reply, c->line, sizeof c->line,
                                      NULL, NULL);
    if (step != REPLY_DONE) {
        fail_reading(c, step);
        return -1;
    }
    if (!reply_is_positive(&c->reply)) {
        client_fail(c, EX_TEMPFAIL, "the server refused the connection: %.200s", c->reply.text);
        return -1;
    }
    keep_timestamp(c, c->reply.text);   /* APOP answers this greeting's, even after STLS */
    if (o->tls == TLS_MODE_STLS && negotiate_stls(c, o) != 0)
        return -1;
    return 0;
}

/*
 * A refused login: [IN-USE] and [SYS/TEMP] may work later (RFC 2449 8,
 * RFC 3206). A server that takes no clear-text password gets a hint.
 */
static void fail_login(struct client *c, const struct options *o)
{
    bool temporary = strstr(c->reply.text, "[IN-USE]") != NULL ||
                     strstr(c->reply.text, "[SYS/TEMP]") != NULL;
    bool wants_tls = o->tls == TLS_MODE_NONE && !o->apop &&
                     strstr(c->reply.text, "plaintext") != NULL;
    client_fail(c, temporary ? EX_TEMPFAIL : EX_NOPERM, "login refused: %.200s%s",
                c->reply.text, wants_tls ? " (the server wants TLS first: add --starttls, "
                "or --tls for its port 995)" : "");
}

/* MD5(timestamp password) in lowercase hex, the APOP digest (RFC 1939 7). 0 or -1. */
static int apop_digest(const char *timestamp, const char *password, char hex[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 &&
             EVP_DigestUpdate(ctx, timestamp, strlen(timestamp)) == 1 &&
             EVP_DigestUpdate(ctx, password, strlen(password)) == 1 &&
             EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 16;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return -1;
    for (unsigned int i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

static int login_apop(struct client *c, const struct options *o, const char *password)
{
    char digest[33];
    if (c->timestamp[0] == '\0') {
        client_fail(c, EX_UNAVAILABLE, "the server offers no APOP: its greeting has no "
                    "<timestamp>; try without --apop");
        return -1;
    }
    if (apop_digest(c->timestamp, password, digest) != 0) {
        client_fail(c, EX_SOFTWARE, "MD5 is not available in this OpenSSL");
        return -1;
    }
    int rc = client_command(c, "APOP %s %s", o->user, digest);
    if (rc == 1)
        fail_login(c, o);
    return rc == 0 ? 0 : -1;
}

int client_login(struct client *c, const struct options *o, const char *password)
{
    char line[MAILGET_COMMAND_MAX + 1];

    if (o->apop)
        return login_apop(c, o, password);
    int rc = client_command(c, "USER %s", o->user);
    if (rc == 1)
        fail_login(c, o);
    if (rc != 0)
        return -1;
    int n = snprintf(line, sizeof line, "PASS %s", password);
    if (n < 0 || (size_t)n >= sizeof line - 2) {
        client_fail(c, EX_USAGE, "password too long for a POP3 command line");
        return -1;
    }
    /* The transcript never shows the password. */
    if (send_command(c, line, "PASS ********") != 0)
        return -1;
    rc = read_reply(c, line, NULL, NULL);
    if (rc == 1)
        fail_login(c, o);
    return rc == 0 ? 0 : -1;
}

void client_close(struct client *c)
{
    tls_close(&c->conn);          /* a TLS goodbye (close_notify); no-op without TLS */
    if (c->conn.fd >= 0)
        close(c->conn.fd);
    c->conn.fd = -1;
    SSL_CTX_free(c->tls_ctx);     /* NULL without TLS: a no-op */
    c->tls_ctx = NULL;
}
