/*
 * pop3d.h - the POP3 server's session, its limits and its parts.
 *
 * Reading order for a student:
 *   main.c      options, then server_run() from lib/server.c: accept + fork
 *   session.c   one session: the greeting, then read a command, run it, repeat
 *   commands.c  the command table: for each command a check and a proceed step
 *   auth.c      the AUTHORIZATION state: USER, PASS, APOP, and the lock
 *   tls_auth.c  STLS (TLS after the greeting, RFC 2595), when a password may
 *               cross the network, and AUTH PLAIN (SASL, RFC 5034)
 *   maildrop.c  the maildrop: Maildir new/ and cur/, numbers, sizes, UIDL,
 *               and the UPDATE state that really deletes
 *   wire.c      a stored message as it travels: CRLF line ends and
 *               dot-stuffing (RETR, TOP) and its exact size (LIST, STAT)
 *
 * RFC 1939 gives a session three states:
 *
 *   AUTHORIZATION --USER+PASS, APOP or AUTH--> TRANSACTION --QUIT--> UPDATE
 *
 * STLS, in AUTHORIZATION only, keeps the state but starts TLS: the
 * session goes on encrypted, and forgets what USER said before.
 *
 * Only QUIT in TRANSACTION leads to UPDATE, where messages marked with
 * DELE are removed. A connection that drops, or times out, removes nothing.
 */
#ifndef POP3D_H
#define POP3D_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "conn.h"
#include "server.h"
#include "users.h"

/* Limits, with where each comes from. */
#define POP3_PORT_DEFAULT "1110"          /* 110 needs root; 1110 is the lab's port */
#define POP3_TIMEOUT_SECONDS 600          /* RFC 1939 3: an autologout timer of at least 10 minutes */
#define POP3_COMMAND_LINE_MAX 255         /* RFC 2449 4: a command line, CRLF included */
#define POP3_RESPONSE_LINE_MAX 512        /* RFC 2449 4: a response line, CRLF included */
#define POP3_ARGUMENTS_MAX 2              /* RFC 1939: TOP msg n and APOP name digest take two */
#define POP3_SASL_LINE_MAX 1024           /* a client's answer to "+ " (RFC 5034 4): the Base64 of
                                             "authzid NUL user NUL password" at our name and
                                             password limits, with room to spare */
#define POP3_UNIQUE_ID_MAX 70             /* RFC 1939 7: a unique-id is 1 to 70 octets 0x21-0x7E */
#define POP3_TIMESTAMP_MAX 128            /* the APOP banner <pid.random.time@host> (RFC 1939 7) */
#define POP3_AUTH_FAILURE_DELAY_SECONDS 1 /* after each failed login: slows down password guessing */
#define POP3_AUTH_FAILURES_MAX 3          /* then the connection is closed */
#define POP3_ERRORS_MAX 50                /* -ERR replies before we give up on the client */

/*
 * --plaintext-auth: when USER/PASS and AUTH PLAIN, which send the password
 * itself, may be used on a connection without TLS (RFC 2595 2.2 asks
 * servers to refuse clear passwords). Under TLS they always may; APOP,
 * which never sends the password, always may.
 */
enum plaintext_policy {
    PLAINTEXT_NEVER,     /* only under TLS (STLS or --implicit-tls) */
    PLAINTEXT_LOOPBACK,  /* also from 127.0.0.0/8 and ::1, where no one else can listen */
    PLAINTEXT_ALWAYS     /* also in clear text, over any network */
};

struct pop3d_config {
    struct server_config server;
    enum plaintext_policy plaintext;  /* --plaintext-auth */
    int auth_failure_delay;           /* --auth-failure-delay, seconds */
};

/*
 * The states of a session (RFC 1939 3). Only session_set_state() changes
 * them, and it logs each change in the -v transcript
 * ("-- state: AUTHORIZATION -> TRANSACTION").
 */
enum pop3_state {
    STATE_AUTHORIZATION, /* greeting sent: waiting for USER/PASS or APOP */
    STATE_TRANSACTION,   /* logged in, maildrop locked: STAT, LIST, RETR, DELE... */
    STATE_UPDATE,        /* QUIT in TRANSACTION: marked messages are being removed */
    STATE_CLOSED         /* the session is over: the connection is to be closed */
};

/* One message of the maildrop, as numbered for this session. */
struct message {
    char *name;                        /* its file name in cur/ (malloc'd) */
    unsigned long long size;           /* octets as RETR sends them, CRLF line ends, before dot-stuffing */
    char uid[POP3_UNIQUE_ID_MAX + 1];  /* UIDL: the same in every session */
    bool deleted;                      /* marked by DELE; removed in UPDATE */
};

/* The maildrop of the logged-in user: a Maildir, locked for the session. */
struct maildrop {
    char dir[PATH_MAX];                /* MAILROOT/<user> */
    int lock_fd;                       /* flock(2)ed .pop3.lock; -1 when not locked */
    struct message *messages;          /* messages[0] is message number 1 */
    size_t count;
};

struct session {
    const struct pop3d_config *cfg;
    struct conn *conn;
    const char *peer_address;          /* "127.0.0.1" */
    enum pop3_state state;
    char timestamp[POP3_TIMESTAMP_MAX];/* the greeting's <...>, for APOP */
    char user[USERS_NAME_MAX + 1];     /* what USER said; "" before USER */
    int auth_failures;
    int errors;                        /* -ERR replies so far */
    struct maildrop drop;              /* valid in TRANSACTION */
};

/* session.c */
int pop3d_session(const struct server_config *server, struct conn *conn,
                  const char *peer_address, void *context);
void pop3d_busy(const struct server_config *server, struct conn *conn);
void session_set_state(struct session *s, enum pop3_state next);
int reply(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* commands.c */
void command_dispatch(struct session *s, char *line);

/* auth.c */
void auth_user(struct session *s, const char *name);
void auth_pass(struct session *s, const char *password);
void auth_apop(struct session *s, const char *name, const char *digest);
void auth_with_password(struct session *s, const char *name, const char *password);
void auth_fail(struct session *s, const char *why);

/* tls_auth.c */
bool session_tls_active(const struct session *s);
bool tls_stls_offered(const struct session *s);
bool auth_plaintext_allowed(const struct session *s);
bool auth_plaintext_refused(struct session *s);
bool tls_check_stls(struct session *s);
void tls_proceed_stls(struct session *s, char **argv);
void sasl_proceed_auth(struct session *s, char **argv);

/* maildrop.c */
enum lock_result { LOCK_OK, LOCK_BUSY, LOCK_ERROR };
enum lock_result maildrop_lock(struct maildrop *d, const char *mail_root, const char *user);
int maildrop_open(struct maildrop *d, char *err, size_t errlen);
size_t maildrop_remove_deleted(struct maildrop *d, const struct transcript *log);
void maildrop_close(struct maildrop *d);
void maildrop_stat(const struct maildrop *d, size_t *count, unsigned long long *octets);

/* wire.c */
int wire_size(const char *path, unsigned long long *size);
int wire_send_message(struct conn *c, const char *path, const char *status_line,
                      long body_lines);

#endif
