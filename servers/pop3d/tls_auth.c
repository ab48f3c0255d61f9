/*
 * tls_auth.c - STLS (RFC 2595 4) and AUTH PLAIN (RFC 5034, RFC 4616): how
 * a POP3 server (Gmail's pop.gmail.com, say) makes sure that nobody reads
 * the password on its way, and when it lets a password cross at all.
 *
 *   S: +OK POP3 server ready <...>
 *   C: CAPA                     S: ... STLS ...       (no USER, no SASL yet)
 *   C: STLS                     S: +OK Begin TLS negotiation
 *   (the TLS handshake; from here on everything is encrypted)
 *   C: CAPA                     S: ... USER, SASL PLAIN ... (no STLS)
 *   C: AUTH PLAIN AGJvYgBodW5ncnk=   S: +OK user successfully logged on
 *
 * Port 995 (POP3S, --implicit-tls) skips the first steps: TLS starts with
 * the first byte, before the greeting (lib/server.c runs that handshake).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "sasl.h"
#include "pop3d.h"
#include "tls_server.h"

bool session_tls_active(const struct session *s)
{
    return s->conn->tls != NULL;
}

/* CAPA lists STLS when it would work now: a certificate, no TLS yet, not logged in. */
bool tls_stls_offered(const struct session *s)
{
    return s->cfg->server.tls != NULL && !session_tls_active(s) &&
           s->state == STATE_AUTHORIZATION;
}

/* True for 127.0.0.0/8 and ::1 (and 127.x written as an IPv4-mapped IPv6 address). */
static bool peer_is_loopback(const struct session *s)
{
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, s->peer_address, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, s->peer_address, &v6) != 1)
        return false;
    if (IN6_IS_ADDR_LOOPBACK(&v6))
        return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

/*
 * May the password itself cross this connection (USER/PASS, AUTH PLAIN)?
 * Under TLS always: it is encrypted on the way. In clear text, as
 * --plaintext-auth says.
 */
bool auth_plaintext_allowed(const struct session *s)
{
    if (session_tls_active(s))
        return true;
    switch (s->cfg->plaintext) {
    case PLAINTEXT_ALWAYS:
        return true;
    case PLAINTEXT_LOOPBACK:
        return peer_is_loopback(s);
    case PLAINTEXT_NEVER:
        break;
    }
    return false;
}

/*
 * Answers -ERR [AUTH] (RFC 3206 4) and returns true when a clear-text
 * password may not be used here, saying what the client can do instead.
 */
bool auth_plaintext_refused(struct session *s)
{
    if (auth_plaintext_allowed(s))
        return false;
    if (tls_stls_offered(s))
        reply(s, "-ERR [AUTH] plaintext authentication disallowed on this connection: "
              "use STLS first, then log in (or APOP)");
    else
        reply(s, "-ERR [AUTH] plaintext authentication disallowed on this connection: "
              "use APOP (this server has no TLS; see --plaintext-auth)");
    return true;
}

/* --- STLS ------------------------------------------------------------------ */

/* RFC 2595 4: STLS only in AUTHORIZATION, only once, and only with a certificate. */
bool tls_check_stls(struct session *s)
{
    if (s->state != STATE_AUTHORIZATION) {
        reply(s, "-ERR STLS belongs to the AUTHORIZATION state, before login (RFC 2595 4)");
        return false;
    }
    if (session_tls_active(s)) {
        reply(s, "-ERR Command not permitted when TLS active");   /* RFC 2595 4's example */
        return false;
    }
    if (s->cfg->server.tls == NULL) {
        reply(s, "-ERR STLS is not available: this server has no certificate (--tls-cert)");
        return false;
    }
    return true;
}

/*
 * STLS: answer +OK, run the handshake, and go on over TLS. RFC 2595 4: the
 * server forgets what it learnt from the client before (here: the name
 * USER gave). Bytes the client pipelined after STLS in clear text are
 * thrown away, never executed (tls_server_start does it; the
 * CVE-2011-0411 class): an attacker in the middle could have put them
 * there, and they would run as if they had come over TLS.
 */
void tls_proceed_stls(struct session *s, char **argv)
{
    char err[300];
    size_t dropped = 0;

    (void)argv;
    if (reply(s, "+OK Begin TLS negotiation") != 0)
        return;
    if (tls_server_start(s->conn, s->cfg->server.tls, &dropped, err, sizeof err) != 0) {
        /* Always logged: a person must see why a client could not get in. */
        fprintf(stderr, "pop3d: client %s: %s\n", s->peer_address, err);
        transcript_note(s->conn->log, "%s", err);
        session_set_state(s, STATE_CLOSED);
        return;
    }
    if (dropped > 0)
        transcript_note(s->conn->log, "threw away %zu octets sent in clear text after STLS, "
                        "never executed (RFC 2595 4)", dropped);
    tls_describe(s->conn, err, sizeof err);
    transcript_note(s->conn->log, "TLS is on: %s (what the client said before it is "
                    "forgotten, RFC 2595 4)", err);
    s->user[0] = '\0';
}

/* --- AUTH PLAIN (SASL) ------------------------------------------------------- */

/*
 * "AUTH" alone: the mechanisms usable now, one per line, as many clients
 * ask (RFC 1734's servers answered so; RFC 5034 leaves it to CAPA's SASL
 * line). PLAIN only where a clear password may cross.
 */
static void list_mechanisms(struct session *s)
{
    if (reply(s, "+OK SASL mechanisms follow") != 0)
        return;
    if (auth_plaintext_allowed(s) && reply(s, "PLAIN") != 0)
        return;
    reply(s, ".");
}

/*
 * Reads the client's answer to our "+ " challenge (RFC 5034 4): one line
 * of Base64, or "*" to cancel. Returns the decoded octets (the caller
 * frees them) and their count, or NULL after answering what went wrong.
 * The line holds the password: it is never shown in the transcript.
 */
static unsigned char *read_sasl_response(struct session *s, size_t *len)
{
    char buf[POP3_SASL_LINE_MAX + 1];
    struct line line;

    enum line_status st = conn_read_line(s->conn, buf, sizeof buf, &line);
    if (st == LINE_TOO_LONG) {
        reply(s, "-ERR authentication line too long: the limit is %d octets", POP3_SASL_LINE_MAX);
        return NULL;
    }
    if (st != LINE_OK) {
        transcript_note(s->conn->log, "the client left in the middle of AUTH");
        session_set_state(s, STATE_CLOSED);
        return NULL;
    }
    if (strcmp(line.text, "*") == 0) {
        transcript_received(s->conn->log, "*", 1);
        reply(s, "-ERR authentication cancelled");   /* RFC 5034 4: "*" gets -ERR */
        return NULL;
    }
    const char *hidden = "******** (the PLAIN response, in Base64; hidden here)";
    transcript_received(s->conn->log, hidden, strlen(hidden));
    unsigned char *octets = base64_decode(line.text, len);
    if (octets == NULL)
        reply(s, "-ERR cannot decode the response: it is not Base64");
    return octets;
}

/*
 * AUTH PLAIN (RFC 4616): one message, "authzid NUL user NUL password", in
 * Base64: on the AUTH line (the initial response; "=" is an empty one,
 * RFC 5034 4), or after an empty "+ " challenge. A wrong user or password
 * fails exactly as PASS does: same delay, same -ERR.
 */
static void auth_plain(struct session *s, const char *initial)
{
    size_t len = 0;
    unsigned char *msg;
    char *field[3];   /* authorization id, user, password */

    if (initial != NULL) {
        msg = strcmp(initial, "=") == 0 ? (unsigned char *)calloc(1, 1)
                                        : base64_decode(initial, &len);
        if (msg == NULL) {
            reply(s, "-ERR cannot decode the initial response: it is not Base64");
            return;
        }
    } else {
        if (reply(s, "+ ") != 0)
            return;
        if ((msg = read_sasl_response(s, &len)) == NULL)
            return;
    }
    if (!sasl_plain_split((char *)msg, len, field))
        reply(s, "-ERR PLAIN wants the Base64 of: authorization-id NUL user NUL password "
              "(RFC 4616), as printf '\\0bob\\0hungry' | b64 makes it");
    else if (field[0][0] != '\0' && strcmp(field[0], field[1]) != 0)
        auth_fail(s, "PLAIN asked to act as another user");
    else
        auth_with_password(s, field[1], field[2]);
    free(msg);
}

/* AUTH [mechanism [initial-response]] (RFC 5034 4). */
void sasl_proceed_auth(struct session *s, char **argv)
{
    if (argv[0] == NULL) {
        list_mechanisms(s);
        return;
    }
    if (strcasecmp(argv[0], "PLAIN") != 0) {
        reply(s, "-ERR unrecognized authentication type \"%.40s\": this server knows PLAIN",
              argv[0]);
        return;
    }
    if (auth_plaintext_refused(s))
        return;
    auth_plain(s, argv[1]);
}
