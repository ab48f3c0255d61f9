/*
 * server.h - what every Cartero server shares: the common command-line
 * options and the accept loop (one process per session).
 *
 * The loop is the classic Unix server: accept(2) a connection, fork(2) a
 * child that runs one session with plain blocking I/O and exits, and go back
 * to accept. A crash in a session kills one child, never the listener.
 *
 *     parent:  listen -> [accept -> fork] -> [accept -> fork] -> ... -> SIGTERM
 *     child:                  session(conn) -> exit
 */
#ifndef CARTERO_SERVER_H
#define CARTERO_SERVER_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include <openssl/ssl.h>

#include "conn.h"
#include "transcript.h"
#include "users.h"

#define SERVER_DOMAINS_MAX 16
#define SERVER_MAX_SESSIONS_DEFAULT 200

struct server_config {
    const char *program;               /* "smtpd", for messages */
    const char *listen_addr;           /* -l, default 127.0.0.1 */
    const char *port;                  /* -p, default per server */
    const char *port_file;             /* --port-file */
    const char *mail_root;             /* -m, default ./mail */
    const char *domains[SERVER_DOMAINS_MAX]; /* -d, repeatable; [0] is our host name */
    int ndomains;
    const char *users_file;            /* -u */
    struct users users;                /* loaded from users_file, if any */
    bool verbose;                      /* -v */
    int timeout_seconds;               /* --timeout */
    int max_sessions;                  /* --max-sessions */
    const char *tls_cert;              /* --tls-cert: PEM certificate (chain) */
    const char *tls_key;               /* --tls-key: its private key */
    bool implicit_tls;                 /* --implicit-tls: TLS from the first byte (465, 995, 993) */
    SSL_CTX *tls;                      /* loaded by server_prepare when a certificate is given */
};

/*
 * Long options shared by every server; a server appends its own. The
 * values are the short option letters, or SERVER_OPT_* below.
 */
enum {
    SERVER_OPT_PORT_FILE = 1000,
    SERVER_OPT_TIMEOUT,
    SERVER_OPT_MAX_SESSIONS,
    SERVER_OPT_TLS_CERT,
    SERVER_OPT_TLS_KEY,
    SERVER_OPT_IMPLICIT_TLS,
    SERVER_OPT_FIRST_FREE = 1100       /* servers number their own options from here */
};
#define SERVER_SHORT_OPTIONS "l:p:m:d:u:vh"
#define SERVER_LONG_OPTIONS                                              \
    {"port-file", required_argument, NULL, SERVER_OPT_PORT_FILE},       \
    {"timeout", required_argument, NULL, SERVER_OPT_TIMEOUT},           \
    {"max-sessions", required_argument, NULL, SERVER_OPT_MAX_SESSIONS}, \
    {"tls-cert", required_argument, NULL, SERVER_OPT_TLS_CERT},         \
    {"tls-key", required_argument, NULL, SERVER_OPT_TLS_KEY},           \
    {"implicit-tls", no_argument, NULL, SERVER_OPT_IMPLICIT_TLS},       \
    {"help", no_argument, NULL, 'h'}

/* Fills cfg with the defaults. */
void server_config_defaults(struct server_config *cfg, const char *program,
                            const char *default_port, int default_timeout);

/*
 * Handles one option returned by getopt_long if it is a common one.
 * Returns 1 when it was handled, 0 when it is not a common option, and -1
 * (after printing why) when its value is bad.
 */
int server_handle_option(struct server_config *cfg, int opt, const char *arg);

/* Prints the common options' lines of a usage message. */
void server_usage_common(FILE *out, const char *default_port, int default_timeout);

/*
 * Loads the users file and the TLS certificate, creates the mail root,
 * removes stale tmp/ files. Returns an exit status for main (sysexits.h):
 * EX_OK, or another after printing why.
 */
int server_prepare(struct server_config *cfg);

/* Checks whether domain is one of ours (case does not matter, RFC 5321 2.4). */
bool server_is_local_domain(const struct server_config *cfg, const char *domain);

/*
 * One session. Runs in its own child process, with conn ready (timeout and
 * transcript set; with --implicit-tls, the TLS handshake done). The
 * function returns when the session is over; the child then exits with its
 * return value.
 */
typedef int (*server_session_fn)(const struct server_config *cfg,
                                 struct conn *conn, const char *peer_address,
                                 void *context);

/*
 * Sent to a client refused because --max-sessions sessions are running,
 * e.g. "421 hamburger.edu Too many sessions, try again later".
 */
typedef void (*server_busy_fn)(const struct server_config *cfg, struct conn *conn);

/*
 * A background process that runs beside the sessions (smtpd's queue
 * runner). server_run starts it once listening, starts it again if it
 * dies, passes SIGHUP on to it, and stops it with the server. It runs with
 * SIGTERM, SIGINT and SIGHUP blocked; wait_mask lets them through (use it
 * with pselect); it returns when server_stopping() is true.
 */
typedef void (*server_worker_fn)(const struct server_config *cfg,
                                 const sigset_t *wait_mask, void *context);

/* True, once, after a SIGHUP arrived (the worker's "do it now"). */
bool server_hangup_received(void);

/*
 * Listens, writes the port file, and serves until SIGTERM or SIGINT.
 * Returns an exit status for main (sysexits.h): EX_OK after a clean stop,
 * EX_UNAVAILABLE or EX_OSERR when it cannot listen.
 */
int server_run(struct server_config *cfg, server_session_fn session,
               server_busy_fn busy, server_worker_fn worker, void *context);

/* True once SIGTERM/SIGINT asked us to stop (in the listener and in sessions). */
bool server_stopping(void);

#endif
