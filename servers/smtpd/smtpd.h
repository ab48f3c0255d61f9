/*
 * smtpd.h - the SMTP server's session, its limits and its parts.
 *
 * Reading order for a student:
 *   main.c      options, then server_run() from lib/server.c: accept + fork
 *   session.c   one session: the greeting, then read a command, run it, repeat
 *   commands.c  the command table: for each command a check and a proceed step
 *   address.c   MAIL FROM:<...> and RCPT TO:<...>: paths and parameters
 *   data.c      DATA: the message text, dot-unstuffing, the end-of-data rule,
 *               and delivery into the recipients' Maildirs (or the queue)
 *   tls_auth.c  STARTTLS and AUTH
 * and for mail to other domains (relaying):
 *   relay.c     who may relay (trusted networks) and where to (routes)
 *   queue.c     the outgoing queue on disk
 *   runner.c    the queue runner: smtpd as an SMTP client
 *   bounce.c    delivery status notifications for mail that cannot be delivered
 */
#ifndef SMTPD_H
#define SMTPD_H

#include <stdbool.h>
#include <stddef.h>

#include "conn.h"
#include "relay.h"
#include "server.h"
#include "users.h"

/* Limits, with where each comes from. */
#define SMTP_PORT_DEFAULT "2525"          /* 25 needs root; 2525 is the lab's port */
#define SMTP_TIMEOUT_SECONDS 300          /* RFC 5321 4.5.3.2.7: server timeout, 5 minutes */
#define SMTP_LINE_MAX 1000                /* RFC 5321 4.5.3.1.6: a text line, CRLF included */
#define SMTP_COMMAND_LINE_MAX SMTP_LINE_MAX /* RFC 5321 4.5.3.1.4 asks for at least 512; we take up to 1000 */
#define SMTP_LOCAL_PART_MAX 64            /* RFC 5321 4.5.3.1.1 */
#define SMTP_DOMAIN_MAX 255               /* RFC 5321 4.5.3.1.2 */
#define SMTP_PATH_MAX 256                 /* RFC 5321 4.5.3.1.3, the brackets included */
#define SMTP_RECIPIENTS_MAX 100           /* RFC 5321 4.5.3.1.8: at least 100 must be accepted */
#define SMTP_MESSAGE_SIZE_DEFAULT (10UL * 1024 * 1024)  /* 10 MiB, advertised with SIZE (RFC 1870) */
#define SMTP_ERRORS_MAX 50                /* our choice, as Postfix's hard error limit (20): 421 after that */
#define SMTP_HOPS_MAX 100                 /* RFC 5321 6.3: more Received lines than this means a loop */
#define SMTP_AUTH_LINE_MAX 12288          /* RFC 4954 4: an AUTH line may be this long */
#define SMTP_AUTH_FAILURE_DELAY_SECONDS 1 /* slows down password guessing */

/* When AUTH may be used on a connection without TLS. */
enum plaintext_auth {
    PLAINTEXT_AUTH_NEVER,      /* only after STARTTLS (the default: passwords never travel in clear) */
    PLAINTEXT_AUTH_LOOPBACK,   /* also from 127.0.0.0/8 and ::1 */
    PLAINTEXT_AUTH_ALWAYS      /* also in clear text: only for showing why that is bad */
};

struct smtpd_config {
    struct server_config server;
    unsigned long max_size;   /* --max-size */
    bool strict_7bit;         /* --strict-7bit: refuse 8-bit bytes, as the original SMTP */
    int greet_delay_ms;       /* --greet-delay: wait this long for early talkers */
    enum plaintext_auth plaintext_auth; /* --plaintext-auth */
    bool auth_required;       /* --auth-required: MAIL only after AUTH (submission, port 587) */
    bool tls_required;        /* --tls-required: most commands only after STARTTLS */
    int auth_failure_delay;   /* --auth-failure-delay, seconds */
    struct relay_config relay; /* --trusted networks and --routes */
    const char *routes_file;  /* --routes */
    long queue_lifetime;      /* --queue-lifetime: then undelivered mail bounces */
    long queue_retry;         /* --queue-retry: the first wait after a failure; it doubles */
    long queue_interval;      /* --queue-interval: how often the runner looks */
    bool queue_only;          /* --queue-only: new mail waits for the next queue run */
};

/*
 * The states of a session (RFC 5321 3.3 and 4.1.4). Only
 * session_set_state() changes them, and it logs each change in the -v
 * transcript ("-- state: HELLO -> MAIL").
 */
enum smtp_state {
    STATE_CONNECTED,   /* greeting sent; waiting for HELO or EHLO */
    STATE_HELLO,       /* client introduced itself; no mail transaction open */
    STATE_MAIL,        /* MAIL FROM accepted: the sender is known */
    STATE_RCPT,        /* at least one RCPT TO accepted: DATA may follow */
    STATE_REJECTED,    /* we refused service (554 greeting): only QUIT is useful */
    STATE_QUIT         /* QUIT answered, or the connection is to be closed */
};

struct recipient {
    char address[SMTP_PATH_MAX + 1];   /* as the client wrote it, without brackets */
    char mailbox[USERS_NAME_MAX + 1];  /* the Maildir under the mail root; "" when remote */
    bool remote;                       /* for another domain: goes into the queue */
};

struct session {
    const struct smtpd_config *cfg;
    struct conn *conn;
    const char *peer_address;          /* "127.0.0.1" */
    enum smtp_state state;
    char client_name[SMTP_DOMAIN_MAX + 1];  /* what HELO/EHLO said */
    bool extended;                     /* EHLO (ESMTP) rather than HELO */
    char sender[SMTP_PATH_MAX + 1];    /* reverse-path; "" for the null sender <> */
    struct recipient recipients[SMTP_RECIPIENTS_MAX];
    size_t nrecipients;
    int errors;                        /* replies 5xx so far */
    char user[USERS_NAME_MAX + 1];     /* who AUTH proved the client to be; "" if nobody */
};

/* session.c */
int smtpd_session(const struct server_config *server, struct conn *conn,
                  const char *peer_address, void *context);
void smtpd_busy(const struct server_config *server, struct conn *conn);
void session_set_state(struct session *s, enum smtp_state next);
void session_reset_transaction(struct session *s);
int reply(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *session_host_name(const struct session *s);

/* commands.c */
void command_dispatch(struct session *s, char *line);

/* tls_auth.c */
bool session_tls_active(const struct session *s);
bool session_auth_offered(const struct session *s);
void proceed_starttls(struct session *s, char *arg);
bool check_auth(struct session *s);
void proceed_auth(struct session *s, char *arg);

/* data.c */
void data_receive_and_deliver(struct session *s);
void format_rfc5322_date(char *buf, size_t len);
/* MAILROOT/<mailbox> into buf: the Maildir of a local mailbox. */
void mailbox_dir(const struct smtpd_config *cfg, const char *mailbox, char *buf, size_t len);

/* runner.c */
void queue_runner(const struct server_config *server, const sigset_t *wait_mask, void *context);
void queue_wake_runner(const char *mail_root);
long queue_runner_pid(const char *mail_root);   /* 0 when no runner works on mail_root */

/* bounce.c */
struct queue_entry;
struct failed_recipient {
    const char *address;
    const char *diagnostic;            /* the next hop's reply, or why we gave up */
    bool expired;                      /* gave up after --queue-lifetime, not a 5xx */
};
int bounce_send(const struct smtpd_config *cfg, const struct queue_entry *e,
                const struct failed_recipient failed[], size_t n);

#endif
