/*
 * auth.c - the AUTHORIZATION state (RFC 1939 4, 7): who is the client?
 *
 * Three ways in:
 *   USER bob / PASS hungry   the password crosses the network as typed;
 *   AUTH PLAIN AGJvYgBodW5ncnk=  the same password in Base64, which hides
 *                            nothing (tls_auth.c). These two only under
 *                            TLS, unless --plaintext-auth says otherwise;
 *   APOP bob <digest>        only MD5(timestamp + password) crosses: the
 *                            timestamp is new in every greeting, so an
 *                            overheard digest is worth nothing next time
 *                            (challenge and response).
 *
 * A login that fails gets the same reply whether the user is unknown or
 * the password is wrong (so it tells nothing about who has a mailbox), and
 * only after a delay (so guessing is slow). A login that succeeds locks the
 * maildrop and opens it; then the session is in TRANSACTION.
 */
#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pop3d.h"

#define MD5_HEX_LENGTH 32   /* RFC 1939 7: the digest is 16 octets in lowercase hex */

/*
 * A failed login, by PASS, APOP or AUTH: wait, answer, and after too many,
 * hang up. why goes to the transcript only; the client gets the same
 * answer whatever went wrong.
 */
void auth_fail(struct session *s, const char *why)
{
    transcript_note(s->conn->log, "login failed: %s", why);
    s->user[0] = '\0';
    s->auth_failures++;
    if (s->cfg->auth_failure_delay > 0)
        sleep((unsigned)s->cfg->auth_failure_delay);
    reply(s, "-ERR [AUTH] invalid user name or password");
    if (s->auth_failures >= POP3_AUTH_FAILURES_MAX && s->state != STATE_CLOSED) {
        reply(s, "-ERR [AUTH] too many failed logins, closing connection");
        session_set_state(s, STATE_CLOSED);
    }
}

/*
 * The user is who they say: lock their maildrop (RFC 1939 8: exclusive
 * access), open it, and enter TRANSACTION. A maildrop in use by another
 * session gets [IN-USE] (RFC 2449 8.1.1), and the client may try again.
 */
static void log_in(struct session *s, const char *name)
{
    char err[512];

    switch (maildrop_lock(&s->drop, s->cfg->server.mail_root, name)) {
    case LOCK_OK:
        break;
    case LOCK_BUSY:
        s->user[0] = '\0';
        reply(s, "-ERR [IN-USE] maildrop already locked: another POP3 session is using it");
        return;
    case LOCK_ERROR:
        s->user[0] = '\0';
        reply(s, "-ERR [SYS/TEMP] cannot open the maildrop now, try again later");
        return;
    }
    if (maildrop_open(&s->drop, err, sizeof err) != 0) {
        fprintf(stderr, "pop3d: %s\n", err);
        maildrop_close(&s->drop);
        s->user[0] = '\0';
        reply(s, "-ERR [SYS/TEMP] cannot open the maildrop now, try again later");
        return;
    }
    snprintf(s->user, sizeof s->user, "%s", name);
    session_set_state(s, STATE_TRANSACTION);
    size_t count;
    unsigned long long octets;
    maildrop_stat(&s->drop, &count, &octets);
    transcript_note(s->conn->log, "%s logged in: %zu messages (%llu octets)", name, count, octets);
    reply(s, "+OK user successfully logged on");
}

/*
 * USER (RFC 1939 7). Always "+OK", even for a user we do not know: the
 * answer to PASS is where a login fails, and it says nothing about which
 * half was wrong.
 */
void auth_user(struct session *s, const char *name)
{
    if (auth_plaintext_refused(s))
        return;
    if (strlen(name) > USERS_NAME_MAX) {
        reply(s, "-ERR [AUTH] user name too long (at most %d characters)", USERS_NAME_MAX);
        return;
    }
    snprintf(s->user, sizeof s->user, "%s", name);
    reply(s, "+OK send PASS");
}

/*
 * Checks name and password against the users file and logs in, or fails
 * (auth_fail: the delay, the one -ERR). PASS and AUTH PLAIN both end here.
 */
void auth_with_password(struct session *s, const char *name, const char *password)
{
    const struct user *u = strlen(name) <= USERS_NAME_MAX
                           ? users_find(&s->cfg->server.users, name) : NULL;
    if (u == NULL) {
        users_spend_check_time(&s->cfg->server.users, password);   /* no timing hint */
        auth_fail(s, "no such user");
        return;
    }
    if (!users_check_password(u, password)) {
        auth_fail(s, "wrong password");
        return;
    }
    log_in(s, u->name);
}

/* PASS (RFC 1939 7): the password for the name USER gave. */
void auth_pass(struct session *s, const char *password)
{
    if (auth_plaintext_refused(s))
        return;
    char name[USERS_NAME_MAX + 1];
    snprintf(name, sizeof name, "%s", s->user);
    auth_with_password(s, name, password);
}

/* Writes MD5(timestamp secret) in lowercase hex into hex (MD5_HEX_LENGTH + 1). 0 or -1. */
static int apop_digest(const char *timestamp, const char *secret, char *hex)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 &&
             EVP_DigestUpdate(ctx, timestamp, strlen(timestamp)) == 1 &&
             EVP_DigestUpdate(ctx, secret, strlen(secret)) == 1 &&
             EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen * 2 == MD5_HEX_LENGTH;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return -1;
    for (unsigned int i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/*
 * APOP name digest (RFC 1939 7): the digest must be MD5 of the greeting's
 * timestamp followed by the password. The server must know the password
 * itself to compute it, so APOP works only for {PLAIN} users.
 */
void auth_apop(struct session *s, const char *name, const char *digest)
{
    char expected[MD5_HEX_LENGTH + 1], given[MD5_HEX_LENGTH + 1];

    s->user[0] = '\0';
    if (strlen(digest) != MD5_HEX_LENGTH) {
        auth_fail(s, "the digest is not 32 hex digits");
        return;
    }
    for (size_t i = 0; i <= MD5_HEX_LENGTH; i++)
        given[i] = (char)tolower((unsigned char)digest[i]);
    const struct user *u = strlen(name) <= USERS_NAME_MAX
                           ? users_find(&s->cfg->server.users, name) : NULL;
    if (u == NULL) {
        auth_fail(s, "no such user");
        return;
    }
    if (strcmp(u->scheme, "PLAIN") != 0) {
        auth_fail(s, "APOP needs the password itself: this user has a hashed "
                   "({SHA512-CRYPT}) password");
        return;
    }
    if (apop_digest(s->timestamp, u->secret, expected) != 0) {
        auth_fail(s, "MD5 is not available");
        return;
    }
    if (CRYPTO_memcmp(expected, given, MD5_HEX_LENGTH) != 0) {
        auth_fail(s, "wrong digest");
        return;
    }
    log_in(s, u->name);
}
