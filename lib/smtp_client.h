/*
 * smtp_client.h - the client side of SMTP (RFC 5321), shared by the queue
 * runner of smtpd (a mail server is a client too, when it relays) and by
 * mailsend (Alice's user agent, submitting her message).
 *
 *   smtp_client_open()      connect, read the 220 greeting
 *   smtp_client_open_tls()  the same with TLS from the first byte (RFC 8314)
 *   smtp_client_hello()     EHLO, or HELO when the server refuses EHLO
 *   smtp_client_starttls()  STARTTLS, the handshake, EHLO again (RFC 3207)
 *   smtp_client_auth()      AUTH PLAIN (RFC 4954, RFC 4616)
 *   smtp_client_send()      one transaction: MAIL, RCPT for each, DATA
 *   smtp_client_close()     QUIT, close
 *
 * Every step records the server's reply in c->reply, and says whether it
 * failed for now (4xx, a timeout, a dropped connection: try again later) or
 * for good (5xx): the difference between a retry and a bounce.
 */
#ifndef CARTERO_SMTP_CLIENT_H
#define CARTERO_SMTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <openssl/ssl.h>

#include "conn.h"
#include "reply.h"
#include "transcript.h"

/* The result of a step, in the terms of RFC 5321 4.2.1. */
enum smtp_result {
    SMTP_OK,        /* 2xx (or 3xx where one is expected) */
    SMTP_TEMPFAIL,  /* 4xx, or the connection failed: try again later */
    SMTP_PERMFAIL   /* 5xx: it will never work; bounce */
};

#define SMTP_CLIENT_TEXT_MAX 512

/* The step of smtp_client_send() whose reply decided its result. */
enum smtp_stage {
    SMTP_STAGE_MAIL,    /* MAIL FROM: the sender */
    SMTP_STAGE_RCPT,    /* RCPT TO: every recipient refused (see each result) */
    SMTP_STAGE_DATA,    /* DATA, the message text and the final "." */
};

struct smtp_client {
    int fd;
    struct conn conn;
    struct transcript log;
    char host[256];                    /* for messages: "127.0.0.1:2526" */
    /* What the last EHLO advertised (RFC 5321 4.1.1.1). */
    bool esmtp, has_starttls, has_auth_plain, has_8bitmime, has_pipelining;
    unsigned long max_size;            /* SIZE's value; 0 when not given */
    bool broken;                       /* the connection failed: no more commands */
    bool not_smtp;                     /* ...because the server sent something not SMTP */
    bool tls_failed;                   /* ...because the TLS handshake failed */
    enum smtp_stage stage;             /* where the last smtp_client_send() stopped */
    struct reply reply;                /* the last reply */
    char error[SMTP_CLIENT_TEXT_MAX];  /* what went wrong, for a person: reply or cause */
    char line[REPLY_LINE_MAX];         /* buffer for reading replies */
};

/*
 * Connects to host:port and reads the greeting. verbose prints the
 * transcript (C:/S: lines) on stderr, tagged with session (0: no tag).
 * Returns SMTP_OK, or a failure with c->error set ("nothing is listening on
 * 127.0.0.1:2526: is the server running?"). On failure nothing stays open.
 */
enum smtp_result smtp_client_open(struct smtp_client *c, const char *host, const char *port,
                                  int timeout_seconds, bool verbose, unsigned long session);

/*
 * As smtp_client_open(), with TLS from the first byte, as on the
 * submissions port 465 (RFC 8314 3.3): the handshake with ctx, checking
 * the certificate for servername when the context verifies, then the
 * greeting. A failed handshake sets c->tls_failed.
 */
enum smtp_result smtp_client_open_tls(struct smtp_client *c, const char *host,
                                      const char *port, int timeout_seconds, bool verbose,
                                      unsigned long session, SSL_CTX *ctx,
                                      const char *servername);

/* EHLO name; on a 5xx (an old server), HELO name. */
enum smtp_result smtp_client_hello(struct smtp_client *c, const char *name);

/*
 * STARTTLS with ctx, checking the certificate for servername when the
 * context verifies; then EHLO name again, as RFC 3207 4.2 requires. A
 * failed handshake sets c->tls_failed.
 */
enum smtp_result smtp_client_starttls(struct smtp_client *c, SSL_CTX *ctx,
                                      const char *servername, const char *name);

/* AUTH PLAIN with the initial response (RFC 4954 4). */
enum smtp_result smtp_client_auth(struct smtp_client *c, const char *user,
                                  const char *password);

/* The result for each recipient of smtp_client_send(). */
struct smtp_rcpt_result {
    enum smtp_result result;
    char text[SMTP_CLIENT_TEXT_MAX];   /* the server's reply to RCPT (or to DATA) */
};

/*
 * One mail transaction (RFC 5321 3.3): MAIL FROM:<sender>, RCPT TO for
 * each of the n recipients, DATA and the message read from message (LF or
 * CRLF line ends; sent with CRLF and dot-stuffed, RFC 5321 4.5.2). results
 * (n entries) says how each recipient fared: a recipient accepted at RCPT
 * shares the result of DATA. Returns SMTP_OK when at least one recipient
 * was accepted and DATA succeeded; otherwise the transaction's failure,
 * and c->stage says which step failed.
 */
enum smtp_result smtp_client_send(struct smtp_client *c, const char *sender,
                                  const char *const recipients[], size_t n,
                                  FILE *message, struct smtp_rcpt_result results[]);

/* QUIT (when the connection still works) and close. */
void smtp_client_close(struct smtp_client *c);

#endif
