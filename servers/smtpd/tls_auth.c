/*
 * tls_auth.c - STARTTLS (RFC 3207) and AUTH (RFC 4954): how a server that
 * takes mail from users (Gmail's smtp.gmail.com on port 587, say) knows
 * that nobody reads the password on the way, and whose password it is.
 *
 *   C: EHLO crepes.fr           S: 250-STARTTLS ...
 *   C: STARTTLS                 S: 220 Ready to start TLS
 *   (the TLS handshake; from here on everything is encrypted)
 *   C: EHLO crepes.fr           S: 250-AUTH PLAIN LOGIN ...
 *   C: AUTH PLAIN AGJvYgBodW5ncnk=   S: 235 2.7.0 Authentication successful
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base64.h"
#include "sasl.h"
#include "smtpd.h"
#include "tls_server.h"

bool session_tls_active(const struct session *s)
{
    return s->conn->tls != NULL;
}

/* True for 127.0.0.0/8 and ::1, the addresses that never leave this machine. */
static bool peer_is_loopback(const struct session *s)
{
    struct in_addr v4;
    if (inet_pton(AF_INET, s->peer_address, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    return strcmp(s->peer_address, "::1") == 0;
}

/* May this connection use AUTH now? Passwords travel only under TLS, unless told. */
static bool auth_allowed_here(const struct session *s)
{
    if (session_tls_active(s))
        return true;
    switch (s->cfg->plaintext_auth) {
    case PLAINTEXT_AUTH_ALWAYS: return true;
    case PLAINTEXT_AUTH_LOOPBACK: return peer_is_loopback(s);
    case PLAINTEXT_AUTH_NEVER: break;
    }
    return false;
}

/* EHLO lists AUTH only when there are users and the connection is fit for passwords. */
bool session_auth_offered(const struct session *s)
{
    return s->cfg->server.users_file != NULL && s->user[0] == '\0' && auth_allowed_here(s);
}

/*
 * STARTTLS: answer 220, run the handshake, then start the session over.
 * RFC 3207 4.2: the server must forget what the client said before (its
 * EHLO name, a transaction); bytes the client pipelined after STARTTLS in
 * clear text are thrown away, never executed (tls_server_start does it).
 */
void proceed_starttls(struct session *s, char *arg)
{
    char err[300];
    size_t dropped = 0;

    (void)arg;
    if (s->cfg->server.tls == NULL) {
        reply(s, "502 Command not implemented: this server has no certificate (--tls-cert)");
        return;
    }
    if (session_tls_active(s)) {
        reply(s, "503 TLS is already active");
        return;
    }
    reply(s, "220 Ready to start TLS");
    if (tls_server_start(s->conn, s->cfg->server.tls, &dropped, err, sizeof err) != 0) {
        /* Always logged: a person must see why a client could not get in. */
        fprintf(stderr, "smtpd: client %s: %s\n", s->peer_address, err);
        transcript_note(s->conn->log, "%s", err);
        session_set_state(s, STATE_QUIT);
        return;
    }
    if (dropped > 0)
        transcript_note(s->conn->log, "threw away %zu octets sent in clear text after STARTTLS "
                        "(RFC 3207 4.2)", dropped);
    tls_describe(s->conn, err, sizeof err);
    transcript_note(s->conn->log, "TLS is on: %s; the client must say EHLO again", err);
    session_reset_transaction(s);
    s->client_name[0] = '\0';
    s->extended = false;
    s->user[0] = '\0';            /* even AUTH done in clear counts no more (RFC 3207 4.2) */
    session_set_state(s, STATE_CONNECTED);
}

bool check_auth(struct session *s)
{
    if (s->state == STATE_CONNECTED) {
        reply(s, "503 Say EHLO first: EHLO your.domain");
        return false;
    }
    if (s->user[0] != '\0') {
        reply(s, "503 Already authenticated");   /* RFC 4954 4 */
        return false;
    }
    if (s->state != STATE_HELLO) {
        reply(s, "503 AUTH is not allowed during a mail transaction (RSET first)");
        return false;
    }
    if (s->cfg->server.users_file == NULL) {
        reply(s, "502 Command not implemented: this server has no users (-u FILE)");
        return false;
    }
    if (!auth_allowed_here(s)) {
        /* RFC 4954 6: 538 when the mechanism needs an encrypted connection. */
        reply(s, "538 5.7.11 Encryption required for requested authentication mechanism: "
              "STARTTLS first");
        return false;
    }
    return true;
}

/* Decodes Base64 text, answering 501 when it is not Base64. */
static unsigned char *decode_or_complain(struct session *s, const char *text, size_t *len)
{
    unsigned char *octets = base64_decode(text, len);
    if (octets == NULL)
        reply(s, "501 5.5.2 Cannot decode the response: it is not Base64");
    return octets;
}

/*
 * Reads the client's answer to a 334 challenge (RFC 4954 4): one line of
 * Base64, or "*" to cancel. Returns the decoded octets (the caller frees
 * them) and their length, or NULL after answering what went wrong.
 */
static unsigned char *read_auth_response(struct session *s, size_t *len)
{
    char buf[SMTP_AUTH_LINE_MAX + 1];
    struct line line;

    enum line_status st = conn_read_line(s->conn, buf, sizeof buf, &line);
    if (st == LINE_TOO_LONG) {
        reply(s, "500 5.5.6 Authentication exchange line is too long");
        return NULL;
    }
    if (st != LINE_OK) {
        session_set_state(s, STATE_QUIT);
        return NULL;
    }
    const char *hidden = "******** (a response in Base64; hidden here)";
    transcript_received(s->conn->log, hidden, strlen(hidden));
    if (!line.crlf || line.has_nul || line.has_bare_cr) {   /* the same rules as commands */
        reply(s, "501 5.5.2 The response must be one line of Base64 ending in CRLF");
        return NULL;
    }
    if (strcmp(line.text, "*") == 0) {
        reply(s, "501 5.0.0 Authentication cancelled");
        return NULL;
    }
    return decode_or_complain(s, line.text, len);
}

/*
 * Checks a user name and password. On failure it waits (to slow down
 * guessing) and answers 535; the same answer for an unknown user and a
 * wrong password, so that it does not reveal who has an account.
 */
static void finish_auth(struct session *s, const char *user, const char *password)
{
    const struct user *u = users_find(&s->cfg->server.users, user);
    if (u == NULL)
        users_spend_check_time(&s->cfg->server.users, password);   /* no timing hint */
    if (u != NULL && users_check_password(u, password)) {
        snprintf(s->user, sizeof s->user, "%s", u->name);
        transcript_note(s->conn->log, "authenticated as %s", s->user);
        reply(s, "235 2.7.0 Authentication successful");
        return;
    }
    transcript_note(s->conn->log, "failed authentication for \"%.64s\"", user);
    if (s->cfg->auth_failure_delay > 0)
        sleep((unsigned)s->cfg->auth_failure_delay);
    reply(s, "535 5.7.8 Authentication credentials invalid");
}

/*
 * AUTH PLAIN (RFC 4616): one message, "authzid NUL authcid NUL password",
 * in Base64; either on the AUTH line (the initial response) or after an
 * empty "334 " challenge.
 */
static void auth_plain(struct session *s, const char *initial)
{
    size_t len;
    unsigned char *msg;
    char *field[3];   /* authorization id, user, password */

    if (initial != NULL && strcmp(initial, "=") != 0)
        msg = decode_or_complain(s, initial, &len);
    else if (reply(s, "334 ") == 0)
        msg = read_auth_response(s, &len);
    else
        return;
    if (msg == NULL)
        return;
    if (!sasl_plain_split((char *)msg, len, field))
        reply(s, "501 5.5.2 PLAIN wants Base64 of: authorization-id NUL user NUL password");
    else if (field[0][0] != '\0' && strcmp(field[0], field[1]) != 0)
        reply(s, "535 5.7.8 Authentication credentials invalid (cannot act for another user)");
    else
        finish_auth(s, field[1], field[2]);
    free(msg);
}

/*
 * AUTH LOGIN (an old, undocumented-by-RFC mechanism that every client
 * knows): the server asks "Username:" and "Password:", in Base64.
 */
static void auth_login(struct session *s, const char *initial)
{
    size_t len;
    unsigned char *user, *password;

    if (initial != NULL)
        user = decode_or_complain(s, initial, &len);
    else if (reply(s, "334 VXNlcm5hbWU6") == 0)        /* "Username:" */
        user = read_auth_response(s, &len);
    else
        return;
    if (user == NULL)
        return;
    if (reply(s, "334 UGFzc3dvcmQ6") != 0) {          /* "Password:" */
        free(user);
        return;
    }
    size_t user_len = len;
    password = read_auth_response(s, &len);
    /* A NUL inside would cut the C string short: "hungry\0x" is not "hungry". */
    if (password != NULL && (memchr(user, '\0', user_len) != NULL || memchr(password, '\0', len) != NULL))
        reply(s, "501 5.5.2 A user name or password cannot contain NUL");
    else if (password != NULL)
        finish_auth(s, (const char *)user, (const char *)password);
    free(user);
    free(password);
}

void proceed_auth(struct session *s, char *arg)
{
    char *initial = strchr(arg, ' ');
    if (initial != NULL) {
        *initial++ = '\0';
        while (*initial == ' ')
            initial++;
    }
    if (strcasecmp(arg, "PLAIN") == 0)
        auth_plain(s, initial);
    else if (strcasecmp(arg, "LOGIN") == 0)
        auth_login(s, initial);
    else
        reply(s, "504 5.5.4 Unrecognized authentication type: this server knows PLAIN and LOGIN");
}
