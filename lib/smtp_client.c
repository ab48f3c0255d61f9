/*
 * smtp_client.c - the client side of SMTP (see smtp_client.h).
 */
#include "smtp_client.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base64.h"
#include "net.h"
#include "tls.h"

/* RFC 5321 4.5.3.2: how long a client waits for each reply. We use one value. */
#define SMTP_CLIENT_LINE_MAX 1000     /* RFC 5321 4.5.3.1.6, CRLF included */

/* Remembers why the last step failed: the reply, or a cause of our own. */
static enum smtp_result fail(struct smtp_client *c, enum smtp_result r, const char *fmt,
                             const char *detail)
{
    if (snprintf(c->error, sizeof c->error, fmt, detail) >= (int)sizeof c->error)
        c->error[sizeof c->error - 1] = '\0';   /* cut short: fine for a message */
    return r;
}

/* The connection is unusable: every later step fails for now. */
static enum smtp_result broken(struct smtp_client *c, const char *why)
{
    c->broken = true;
    return fail(c, SMTP_TEMPFAIL, why, c->host);
}

/* Classifies a complete reply: 2xx/3xx OK, 4xx temporary, 5xx permanent. */
static enum smtp_result classify(const struct reply *r)
{
    if (r->code >= 200 && r->code < 400)
        return SMTP_OK;
    return r->code >= 500 ? SMTP_PERMFAIL : SMTP_TEMPFAIL;
}

/* Notes what EHLO's reply lines advertise. */
static void note_extension(void *arg, const struct line *line)
{
    struct smtp_client *c = arg;
    const char *kw = line->text + 4;   /* after "250-" or "250 " */
    if (line->len < 4 || strncmp(line->text, "250", 3) != 0)
        return;
    if (strcasecmp(kw, "STARTTLS") == 0)
        c->has_starttls = true;
    else if (strcasecmp(kw, "8BITMIME") == 0)
        c->has_8bitmime = true;
    else if (strcasecmp(kw, "PIPELINING") == 0)
        c->has_pipelining = true;
    else if (strncasecmp(kw, "SIZE", 4) == 0 && (kw[4] == ' ' || kw[4] == '\0'))
        c->max_size = strtoul(kw + 4, NULL, 10);
    else if (strncasecmp(kw, "AUTH ", 5) == 0) {
        /* "AUTH LOGIN PLAIN": a list of mechanisms separated by spaces */
        for (const char *p = kw + 5; *p != '\0'; p += strcspn(p, " "), p += strspn(p, " "))
            if (strncasecmp(p, "PLAIN", 5) == 0 && (p[5] == ' ' || p[5] == '\0'))
                c->has_auth_plain = true;
    }
}

/*
 * Reads one reply (calling on_line for each line, may be NULL) and
 * classifies it. A connection that fails is a temporary failure.
 */
static enum smtp_result read_reply(struct smtp_client *c, void (*on_line)(void *, const struct line *))
{
    struct reply_expect e;
    reply_expect_greeting(&e, REPLY_SMTP);
    enum reply_step step = reply_read(&c->conn, &e, &c->reply, c->line, sizeof c->line,
                                      on_line, c);
    switch (step) {
    case REPLY_DONE:
        break;
    case REPLY_CLOSED:
        return broken(c, "%s closed the connection");
    case REPLY_TIMED_OUT:
        return broken(c, "%s did not answer in time");
    default:
        c->not_smtp = step == REPLY_MALFORMED;
        return broken(c, "%s sent something that is not an SMTP reply");
    }
    if (snprintf(c->error, sizeof c->error, "%s said: %s", c->host, c->reply.text) >=
        (int)sizeof c->error)
        c->error[sizeof c->error - 1] = '\0';
    return classify(&c->reply);
}

/* Sends one command line and reads its reply. */
static enum smtp_result command(struct smtp_client *c, const char *line,
                                void (*on_line)(void *, const struct line *))
{
    if (c->broken)
        return SMTP_TEMPFAIL;
    if (conn_send_line(&c->conn, line) != 0)
        return broken(c, "%s: the connection broke");
    return read_reply(c, on_line);
}

/* Connects to host:port; c->fd is -1 on failure. */
static enum smtp_result connect_to(struct smtp_client *c, const char *host, const char *port,
                                   int timeout_seconds, bool verbose, unsigned long session)
{
    char err[300];
    memset(c, 0, sizeof *c);
    snprintf(c->host, sizeof c->host, "%s:%s", host, port);
    c->fd = net_connect(host, port, 0, timeout_seconds, err, sizeof err);
    if (c->fd < 0)
        return fail(c, SMTP_TEMPFAIL, "%s", err);
    transcript_init(&c->log, stderr, verbose, session, false);
    conn_init(&c->conn, c->fd, timeout_seconds, &c->log);
    return SMTP_OK;
}

/* Closes the connection without a word (before or instead of the greeting). */
static void drop(struct smtp_client *c)
{
    tls_close(&c->conn);
    close(c->fd);
    c->fd = -1;
}

/* Reads the 220 greeting (RFC 5321 3.1); closes the connection on anything else. */
static enum smtp_result read_greeting(struct smtp_client *c)
{
    enum smtp_result r = read_reply(c, NULL);
    if (r == SMTP_OK && c->reply.code != 220)
        r = c->reply.code >= 500 ? SMTP_PERMFAIL : SMTP_TEMPFAIL;
    if (r != SMTP_OK)
        drop(c);
    return r;
}

enum smtp_result smtp_client_open(struct smtp_client *c, const char *host, const char *port,
                                  int timeout_seconds, bool verbose, unsigned long session)
{
    enum smtp_result r = connect_to(c, host, port, timeout_seconds, verbose, session);
    return r == SMTP_OK ? read_greeting(c) : r;
}

enum smtp_result smtp_client_open_tls(struct smtp_client *c, const char *host,
                                      const char *port, int timeout_seconds, bool verbose,
                                      unsigned long session, SSL_CTX *ctx,
                                      const char *servername)
{
    char err[300];
    enum smtp_result r = connect_to(c, host, port, timeout_seconds, verbose, session);
    if (r != SMTP_OK)
        return r;
    if (tls_client_start(&c->conn, ctx, servername, NULL, err, sizeof err) != 0) {
        drop(c);
        c->tls_failed = true;
        return fail(c, SMTP_TEMPFAIL, "%s", err);
    }
    transcript_note(&c->log, "TLS is on from the first byte (RFC 8314 3.3)");
    return read_greeting(c);
}

enum smtp_result smtp_client_hello(struct smtp_client *c, const char *name)
{
    char line[SMTP_CLIENT_LINE_MAX];
    c->has_starttls = c->has_auth_plain = c->has_8bitmime = c->has_pipelining = false;
    c->max_size = 0;
    snprintf(line, sizeof line, "EHLO %s", name);
    enum smtp_result r = command(c, line, note_extension);
    if (r == SMTP_OK) {
        c->esmtp = true;
        return r;
    }
    if (r != SMTP_PERMFAIL)
        return r;
    /* RFC 5321 3.2: a server that does not know EHLO answers 5xx; use HELO. */
    snprintf(line, sizeof line, "HELO %s", name);
    return command(c, line, NULL);
}

enum smtp_result smtp_client_starttls(struct smtp_client *c, SSL_CTX *ctx,
                                      const char *servername, const char *name)
{
    char err[300];
    enum smtp_result r = command(c, "STARTTLS", NULL);
    if (r != SMTP_OK)
        return r;
    if (tls_client_start(&c->conn, ctx, servername, NULL, err, sizeof err) != 0) {
        c->broken = c->tls_failed = true;
        return fail(c, SMTP_TEMPFAIL, "%s", err);
    }
    transcript_note(&c->log, "TLS is on; EHLO again (RFC 3207 4.2)");
    return smtp_client_hello(c, name);
}

enum smtp_result smtp_client_auth(struct smtp_client *c, const char *user,
                                  const char *password)
{
    /* RFC 4616: authorization id (empty), NUL, user, NUL, password. */
    size_t ulen = strlen(user), plen = strlen(password);
    char *msg = malloc(ulen + plen + 2);
    if (msg == NULL)
        return fail(c, SMTP_TEMPFAIL, "%s", "out of memory");
    msg[0] = '\0';
    memcpy(msg + 1, user, ulen + 1);
    memcpy(msg + ulen + 2, password, plen);
    char *b64 = base64_encode(msg, ulen + plen + 2);
    free(msg);
    if (b64 == NULL)
        return fail(c, SMTP_TEMPFAIL, "%s", "out of memory");
    char line[SMTP_CLIENT_LINE_MAX];
    int n = snprintf(line, sizeof line, "AUTH PLAIN %s\r\n", b64);
    free(b64);
    if (n < 0 || (size_t)n >= sizeof line)
        return fail(c, SMTP_PERMFAIL, "%s", "the user name and password are too long");
    if (c->broken)
        return SMTP_TEMPFAIL;
    /* The transcript shows the command, never the password (Base64 hides nothing). */
    transcript_sent(&c->log, "AUTH PLAIN ********", strlen("AUTH PLAIN ********"));
    if (conn_send_raw(&c->conn, line, (size_t)n) != 0)
        return broken(c, "%s: the connection broke");
    return read_reply(c, NULL);
}

/*
 * Sends the message text: each line with CRLF, a dot doubled at the start
 * of a line (RFC 5321 4.5.2), then the final "." line.
 */
static int send_message_text(struct smtp_client *c, FILE *message)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0;

    c->conn.log_lines = false;
    while (rc == 0 && (len = getline(&line, &cap, message)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (line[0] == '.')
            rc = conn_send_raw(&c->conn, ".", 1);
        if (rc == 0)
            rc = conn_send_raw(&c->conn, line, (size_t)len);
        if (rc == 0)
            rc = conn_send_raw(&c->conn, "\r\n", 2);
    }
    free(line);
    transcript_note(&c->log, "(the message text)");
    if (rc == 0 && ferror(message))
        rc = -1;
    c->conn.log_lines = true;
    return rc == 0 ? conn_send_line(&c->conn, ".") : rc;
}

/* Gives every recipient still marked OK the result r and the last error text. */
static void settle_accepted(struct smtp_client *c, struct smtp_rcpt_result results[],
                            size_t n, enum smtp_result r)
{
    for (size_t i = 0; i < n; i++) {
        if (results[i].result == SMTP_OK) {
            results[i].result = r;
            snprintf(results[i].text, sizeof results[i].text, "%s", c->error);
        }
    }
}

enum smtp_result smtp_client_send(struct smtp_client *c, const char *sender,
                                  const char *const recipients[], size_t n,
                                  FILE *message, struct smtp_rcpt_result results[])
{
    char line[SMTP_CLIENT_LINE_MAX];
    size_t accepted = 0;
    enum smtp_result r, worst = SMTP_PERMFAIL;

    /* Every recipient starts as OK; each step may settle some. */
    for (size_t i = 0; i < n; i++)
        results[i].result = SMTP_OK, results[i].text[0] = '\0';

    c->stage = SMTP_STAGE_MAIL;
    snprintf(line, sizeof line, "MAIL FROM:<%s>", sender);
    if ((r = command(c, line, NULL)) != SMTP_OK) {
        settle_accepted(c, results, n, r);
        return r;
    }
    /* RCPT: each recipient gets its own answer. */
    c->stage = SMTP_STAGE_RCPT;
    for (size_t i = 0; i < n && !c->broken; i++) {
        snprintf(line, sizeof line, "RCPT TO:<%s>", recipients[i]);
        results[i].result = command(c, line, NULL);
        snprintf(results[i].text, sizeof results[i].text, "%s", c->error);
        if (results[i].result == SMTP_OK)
            accepted++;
        else if (results[i].result == SMTP_TEMPFAIL)
            worst = SMTP_TEMPFAIL;
    }
    if (c->broken) {
        settle_accepted(c, results, n, SMTP_TEMPFAIL);
        return SMTP_TEMPFAIL;
    }
    if (accepted == 0) {
        command(c, "RSET", NULL);   /* end the transaction; nobody takes the message */
        return worst;
    }
    c->stage = SMTP_STAGE_DATA;
    r = command(c, "DATA", NULL);
    if (r == SMTP_OK && c->reply.code != 354)
        r = SMTP_TEMPFAIL;
    if (r == SMTP_OK && send_message_text(c, message) != 0)
        r = broken(c, "%s: the connection broke while sending the message");
    if (r == SMTP_OK)
        r = read_reply(c, NULL);
    /* Recipients accepted at RCPT share the fate of DATA: its 250 means the
     * next hop has taken responsibility for the message (RFC 5321 4.2.5). */
    settle_accepted(c, results, n, r);
    return r;
}

void smtp_client_close(struct smtp_client *c)
{
    if (c->fd < 0)
        return;
    /* RFC 5321 4.1.1.10: QUIT, and wait for the 221 before closing. */
    if (!c->broken && conn_send_line(&c->conn, "QUIT") == 0)
        read_reply(c, NULL);
    tls_close(&c->conn);
    close(c->fd);
    c->fd = -1;
}
