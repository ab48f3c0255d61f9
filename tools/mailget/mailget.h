/*
 * mailget.h - a POP3 user agent that downloads a maildrop into a Maildir.
 *
 * Reading order for a student:
 *   main.c    options and the password, then the run: connect, log in,
 *             fetch, QUIT
 *   client.c  the POP3 client: connect (with TLS from the first byte, or
 *             STLS after the greeting), send a command, read its reply
 *             (lib/reply.h knows where a reply ends), log in with USER/PASS
 *             or APOP
 *   fetch.c   the two modes of the slides: download-and-delete (RETR, DELE,
 *             and the deletions happen at QUIT) and download-and-keep (RETR
 *             only, and UIDL to skip what an earlier run fetched)
 *   seen.c    the record of fetched UIDLs that download-and-keep needs,
 *             because POP3 itself remembers nothing between sessions
 */
#ifndef MAILGET_H
#define MAILGET_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "conn.h"
#include "reply.h"
#include "transcript.h"

#define MAILGET_PORT_DEFAULT "110"       /* RFC 1939 3; Cartero's pop3d listens on 1110 */
#define MAILGET_TLS_PORT_DEFAULT "995"   /* POP3S, TLS from the first byte (RFC 8314 7) */
#define MAILGET_TIMEOUT_SECONDS 60       /* wait this long for each reply line */
#define MAILGET_PASSWORD_MAX 256         /* as lib/users.h's USERS_SECRET_MAX */
#define MAILGET_COMMAND_MAX 255          /* RFC 2449 4: a command line, CRLF included */
#define MAILGET_SEEN_FILE ".mailget-uidl"/* in the output Maildir: UIDLs fetched with --keep */

/* How the connection gets TLS. */
enum tls_mode {
    TLS_MODE_NONE,       /* none: everything in clear text */
    TLS_MODE_IMPLICIT,   /* --tls: from the first byte (POP3S, port 995) */
    TLS_MODE_STLS        /* --starttls: STLS after the greeting (RFC 2595 4) */
};

struct options {
    const char *user;          /* -u */
    const char *password_file; /* --password-file */
    const char *host;          /* HOST of HOST[:PORT] */
    const char *port;
    const char *out_dir;       /* -o: a Maildir */
    bool keep;                 /* --keep: download and keep */
    bool apop;                 /* --apop: log in with APOP, not USER/PASS */
    bool verbose;              /* -v: the POP3 transcript on stderr */
    int timeout_seconds;       /* --timeout */
    enum tls_mode tls;         /* --tls, --starttls */
    const char *cafile;        /* --cafile: trust this CA too */
    bool insecure;             /* --insecure: go on with a certificate we cannot verify */
};

/* One POP3 session, seen from the client. */
struct client {
    struct conn conn;
    struct transcript log;
    SSL_CTX *tls_ctx;          /* with --tls or --starttls; NULL otherwise */
    char timestamp[128];       /* the greeting's <...> for APOP; "" if none */
    struct reply reply;        /* the last reply read */
    char line[REPLY_LINE_MAX]; /* one reply line at a time */
    int failure;               /* sysexits.h code for the first failure; 0 while all is well */
    char why[640];             /* and what went wrong, for a person */
};

/* client.c */
int client_connect(struct client *c, const struct options *o);
int client_login(struct client *c, const struct options *o, const char *password);
int client_command(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int client_multiline(struct client *c, reply_line_fn *on_line, void *arg, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void client_fail(struct client *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void client_close(struct client *c);

/* fetch.c */
int fetch_all(struct client *c, const struct options *o);

/* seen.c: the UIDLs an earlier --keep run fetched from one account */
struct seen {
    char *account;             /* "bob@127.0.0.1:1110" */
    char **others;             /* lines of other accounts, kept as they are */
    size_t nothers;
    char **uids;               /* this account's, sorted */
    size_t nuids;
};
int seen_load(struct seen *s, const char *dir, const char *account);
bool seen_has(const struct seen *s, const char *uid);
int seen_save(const struct seen *s, const char *dir, char *const uids[], size_t nuids);
void seen_free(struct seen *s);

#endif
