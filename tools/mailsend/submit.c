/*
 * submit.c - one SMTP session with the submission server, through
 * lib/smtp_client.h, and what each way it can fail means for the exit
 * status (sysexits.h).
 *
 *   open      connect (and TLS from the first byte with --tls); 220
 *   hello     EHLO (HELO for an old server)
 *   secure    --starttls: STARTTLS, the handshake, EHLO again (RFC 3207)
 *   login     --auth: AUTH PLAIN (RFC 4954)
 *   send      MAIL FROM, RCPT TO for each recipient, DATA, the message
 *   QUIT
 *
 * A failure for now (4xx, a timeout, a dropped connection) is EX_TEMPFAIL:
 * try again later. A failure for good (5xx) depends on the step: the
 * password (EX_NOPERM), a recipient (EX_NOUSER), the message (EX_DATAERR),
 * the service itself (EX_UNAVAILABLE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mailsend.h"
#include "smtp_client.h"
#include "tls.h"

struct session {
    struct smtp_client client;
    const struct options *o;
    SSL_CTX *tls;                   /* with --tls or --starttls */
};

/*
 * The exit status for a step that failed with r: permanent for a 5xx of
 * this step; EX_PROTOCOL when the server does not speak SMTP; and
 * EX_UNAVAILABLE when TLS could not be set up (the certificate, most
 * often: trying again will not help).
 */
static int status_for(const struct smtp_client *c, enum smtp_result r, int permanent)
{
    if (c->not_smtp)
        return EX_PROTOCOL;
    if (c->tls_failed)
        return EX_UNAVAILABLE;
    return r == SMTP_PERMFAIL ? permanent : EX_TEMPFAIL;
}

/* Connect and greeting; with --tls the handshake comes first. */
static int session_open(struct session *s)
{
    const struct options *o = s->o;
    struct smtp_client *c = &s->client;
    enum smtp_result r;

    if (o->tls)
        r = smtp_client_open_tls(c, o->host, o->port, o->timeout_seconds, o->verbose,
                                 0, s->tls, o->host);
    else
        r = smtp_client_open(c, o->host, o->port, o->timeout_seconds, o->verbose, 0);
    if (r != SMTP_OK)
        return fail(status_for(c, r, EX_UNAVAILABLE), "%s", c->error);
    if (o->tls && o->verbose)
        tls_write_summary(&c->conn, stderr);
    r = smtp_client_hello(c, o->helo);
    if (r != SMTP_OK)
        return fail(status_for(c, r, EX_UNAVAILABLE), "EHLO: %s", c->error);
    return 0;
}

/* --starttls: refuse to go on in clear text when the server cannot do TLS. */
static int session_secure(struct session *s)
{
    const struct options *o = s->o;
    struct smtp_client *c = &s->client;
    enum smtp_result r;

    if (!o->starttls)
        return 0;
    if (!c->has_starttls)
        return fail(EX_UNAVAILABLE, "%s does not offer STARTTLS (RFC 3207): the "
                    "message would travel in clear text, so it was not sent", c->host);
    r = smtp_client_starttls(c, s->tls, o->host, o->helo);
    if (r != SMTP_OK)
        return fail(status_for(c, r, EX_UNAVAILABLE), "STARTTLS: %s", c->error);
    if (o->verbose)
        tls_write_summary(&c->conn, stderr);
    return 0;
}

/* --auth: AUTH PLAIN, which the server must offer (RFC 4954 3). */
static int session_login(struct session *s, const char *password)
{
    const struct options *o = s->o;
    struct smtp_client *c = &s->client;
    enum smtp_result r;

    if (!o->user)
        return 0;
    if (!c->has_auth_plain)
        return fail(EX_UNAVAILABLE, "%s does not offer AUTH PLAIN (RFC 4954, "
                    "RFC 4616)", c->host);
    r = smtp_client_auth(c, o->user, password);
    if (r != SMTP_OK)
        return fail(status_for(c, r, EX_NOPERM), "authentication as %s failed: %s",
                    o->user, c->error);
    return 0;
}

/* Prints how each recipient fared, a line each; counts the refusals for
 * good and for now. */
static void recipients_print(const struct envelope *e,
                             const struct smtp_rcpt_result results[],
                             size_t *refused, size_t *deferred)
{
    *refused = *deferred = 0;
    for (size_t i = 0; i < e->count; i++) {
        switch (results[i].result) {
        case SMTP_OK:
            printf("%s: accepted\n", e->rcpts[i]);
            break;
        case SMTP_TEMPFAIL:
            printf("%s: deferred: %s\n", e->rcpts[i], results[i].text);
            (*deferred)++;
            break;
        case SMTP_PERMFAIL:
            printf("%s: refused: %s\n", e->rcpts[i], results[i].text);
            (*refused)++;
            break;
        }
    }
}

/*
 * What the transaction's result r means. MAIL refused: the sender (no
 * recipient was tried). Otherwise a line per recipient, and then: a
 * refusal at RCPT is the recipient's (EX_NOUSER for good, EX_TEMPFAIL for
 * now); a refusal of DATA or of the message is the message's (EX_DATAERR).
 */
static int transaction_status(const struct smtp_client *c, enum smtp_result r,
                              const struct envelope *e,
                              const struct smtp_rcpt_result results[])
{
    size_t refused, deferred;

    if (r != SMTP_OK && c->stage == SMTP_STAGE_MAIL)
        return fail(status_for(c, r, EX_NOPERM), "the sender <%s> was refused: %s",
                    e->sender, c->error);
    recipients_print(e, results, &refused, &deferred);
    if (r != SMTP_OK && (c->stage == SMTP_STAGE_DATA || c->broken))
        return fail(status_for(c, r, EX_DATAERR), "the message was not sent: %s",
                    c->error);
    if (refused > 0)
        return fail(EX_NOUSER, "%zu of %zu recipients refused", refused, e->count);
    if (deferred > 0)
        return fail(EX_TEMPFAIL, "%zu of %zu recipients deferred: try again later",
                    deferred, e->count);
    return 0;
}

/* The transaction: MAIL, RCPT for each recipient, DATA. */
static int session_send(struct session *s, const struct envelope *e,
                        const struct message *m)
{
    struct smtp_client *c = &s->client;
    struct smtp_rcpt_result *results;
    FILE *text;
    enum smtp_result r;
    int status;

    /* SIZE (RFC 1870): a server that says how much it takes is told no more. */
    if (c->max_size > 0 && m->wire_size > c->max_size)
        return fail(EX_DATAERR, "the message is %zu bytes; %s takes at most %lu "
                    "(SIZE, RFC 1870)", m->wire_size, c->host, c->max_size);
    results = calloc(e->count, sizeof *results);
    text = fmemopen(m->wire, m->wire_size, "r");
    if (!results || !text) {
        free(results);
        if (text)
            fclose(text);
        return fail(EX_OSERR, "out of memory");
    }
    r = smtp_client_send(c, e->sender, e->rcpts, e->count, text, results);
    fclose(text);
    status = transaction_status(c, r, e, results);
    free(results);
    return status;
}

int submit(const struct options *o, const struct envelope *e,
           const struct message *m, const char *password)
{
    static struct session s;        /* big (a 64 KiB line buffer): not on the stack */
    char err[512];
    int status;

    s.o = o;
    s.client.fd = -1;
    if (o->tls || o->starttls) {
        s.tls = tls_client_context(o->cafile, o->insecure, err, sizeof err);
        if (!s.tls)
            return fail(o->cafile ? EX_NOINPUT : EX_SOFTWARE, "%s", err);
    }
    status = session_open(&s);
    if (status == 0)
        status = session_secure(&s);
    if (status == 0)
        status = session_login(&s, password);
    if (status == 0)
        status = session_send(&s, e, m);
    smtp_client_close(&s.client);
    SSL_CTX_free(s.tls);
    return status;
}
