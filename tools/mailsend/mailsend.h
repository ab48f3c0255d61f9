/*
 * mailsend.h - Alice's user agent: it submits one message to her mail
 * server (RFC 6409), the first hop on the slides' way from Alice to Bob.
 *
 *     mailsend --server smtp.crepes.fr --starttls --auth alice \
 *              --password-file pw < message
 *
 * Reading order for a student:
 *   main.c      the options and the password; then read the message, make
 *               the envelope, submit, and say how each recipient fared
 *   envelope.c  the envelope from the header (From, Sender, To, Cc, Bcc,
 *               with lib/mime_address.h), and the copy that is sent: Bcc
 *               removed, Date and Message-ID added when missing
 *   submit.c    the SMTP session, with lib/smtp_client.h: TLS from the
 *               first byte or STARTTLS, EHLO, AUTH, the transaction, QUIT;
 *               each failure becomes an exit status of sysexits.h
 *
 * The envelope and the header are different things: the server delivers
 * to the envelope's recipients, whatever the header says. That is how Bcc
 * works: its recipients are in the envelope, and the field is removed
 * from the copy everybody receives (RFC 5322 3.6.3).
 */
#ifndef MAILSEND_H
#define MAILSEND_H

#include <stdbool.h>
#include <stddef.h>

#include "mime_address.h"
#include "mime_parse.h"

/* Ports, when --server names none. */
#define MAILSEND_PORT_SMTP "25"          /* RFC 5321 4.5.4.1: relaying between servers */
#define MAILSEND_PORT_SUBMISSION "587"   /* RFC 6409 3.1: submission, with STARTTLS */
#define MAILSEND_PORT_SUBMISSIONS "465"  /* RFC 8314 3.3: submission over TLS */

/* Limits, with where each comes from. */
#define MAILSEND_TIMEOUT_SECONDS 300     /* RFC 5321 4.5.3.2: 5 minutes for most replies */
#define MAILSEND_TIMEOUT_MAX 3600        /* the longest --timeout we take: an hour */
#define MAILSEND_PASSWORD_MAX 256        /* as lib/users.h's USERS_SECRET_MAX */
#define MAILSEND_RECIPIENTS_MAX 100      /* RFC 5321 4.5.3.1.8: what every server takes
                                          * in one transaction; we make only one */
#define MAILSEND_LINE_MAX 998            /* RFC 5322 2.1.1 and RFC 5321 4.5.3.1.6:
                                          * a line, CRLF excluded */

struct options {
    const char *host;               /* --server HOST[:PORT] */
    const char *port;
    struct address_list from;       /* --from (one address), or empty: the header's */
    struct address_list to;         /* --to, repeatable, or empty: the header's */
    bool starttls;                  /* --starttls: RFC 3207 before anything else */
    bool tls;                       /* --tls: TLS from the first byte (RFC 8314) */
    const char *cafile;             /* --cafile: trust this CA too */
    bool insecure;                  /* --insecure: do not check the certificate */
    const char *user;               /* --auth USER */
    const char *password_file;      /* --password-file FILE */
    const char *helo;               /* --helo NAME, or this host's name */
    bool verbose;                   /* -v: the SMTP transcript on stderr */
    int timeout_seconds;            /* --timeout */
};

/* The message as read, and the copy that is sent. */
struct message {
    unsigned char *data;            /* standard input, as read */
    size_t size;
    struct mime_part *head;         /* its header block (fields only) */
    char *wire;                     /* the copy to send: LF or CRLF, as given */
    size_t wire_size;
    bool added_date;                /* RFC 6409 8.2 */
    bool added_message_id;          /* RFC 6409 8.3 */
};

/* Who the message is from and to, for MAIL FROM and RCPT TO. */
struct envelope {
    const char *sender;             /* an addr-spec: --from's, or in from_header */
    const char **rcpts;             /* addr-specs: --to's, or in to_header; each once */
    size_t count;
    struct address_list from_header;/* From (or Sender), when there is no --from */
    struct address_list to_header;  /* To, Cc and Bcc, when there is no --to */
};

/* main.c: says "mailsend: ..." on stderr and returns status. */
int fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* envelope.c: each returns 0, or an exit status after saying why on stderr. */
int message_read(struct message *m);
int envelope_make(struct envelope *e, const struct message *m, const struct options *o);
int message_prepare(struct message *m);
void message_free(struct message *m);
void envelope_free(struct envelope *e);

/* submit.c: the SMTP session; prints a line per recipient on stdout.
 * Returns 0 when every recipient was accepted, else the exit status. */
int submit(const struct options *o, const struct envelope *e,
           const struct message *m, const char *password);

#endif
