/*
 * bounce.c - telling the sender that mail could not be delivered.
 *
 * A bounce is a delivery status notification (RFC 3464): a multipart/report
 * message (RFC 6522) with a part for people, a message/delivery-status part
 * for programs (one block per failed recipient: Final-Recipient, Action,
 * Status, Diagnostic-Code), and the header of the original message. It is
 * sent from the null sender <>, so that a bounce can never bounce back and
 * start a loop (RFC 5321 4.5.5).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "address.h"
#include "queue.h"
#include "smtpd.h"

/* "5.1.1" from a reply like "550 5.1.1 <x>: User unknown", else a default. */
static void status_code(const struct failed_recipient *f, char *buf, size_t len)
{
    const char *p = strstr(f->diagnostic, "said: ");
    p = p != NULL ? p + 6 : f->diagnostic;
    p += strspn(p, "0123456789");     /* the reply code */
    p += strspn(p, " ");
    if ((p[0] == '4' || p[0] == '5') && p[1] == '.' && isdigit((unsigned char)p[2])) {
        size_t n = strspn(p, "0123456789.");
        snprintf(buf, len, "5%.*s", (int)(n - 1), p + 1);   /* a bounce is final: 5.x.y */
    } else {
        snprintf(buf, len, f->expired ? "4.4.7" : "5.0.0");   /* RFC 3463: 4.4.7 = expired */
    }
}

/* Writes the DSN for e's failed recipients into out. */
static void write_report(const struct smtpd_config *cfg, const struct queue_entry *e,
                         const struct failed_recipient failed[], size_t n, FILE *out)
{
    const char *host = cfg->server.domains[0];
    char date[64], status[16];
    format_rfc5322_date(date, sizeof date);

    fprintf(out, "From: Mail Delivery System <MAILER-DAEMON@%s>\n", host);
    fprintf(out, "To: <%s>\n", e->sender);
    fprintf(out, "Subject: Undelivered Mail Returned to Sender\n");
    fprintf(out, "Date: %s\n", date);
    fprintf(out, "Message-ID: <bounce.%s@%s>\n", e->id, host);
    fprintf(out, "Auto-Submitted: auto-replied\n");           /* RFC 3834 */
    fprintf(out, "MIME-Version: 1.0\n");
    fprintf(out, "Content-Type: multipart/report; report-type=delivery-status;\n"
                 "\tboundary=\"%s/%s\"\n\n", e->id, host);
    fprintf(out, "This is a delivery status notification (RFC 3464).\n\n");

    /* 1. For people. */
    fprintf(out, "--%s/%s\nContent-Type: text/plain; charset=us-ascii\n\n", e->id, host);
    fprintf(out, "This is the mail server at %s.\n\n", host);
    fprintf(out, "Your message could not be delivered to the recipients below.\n\n");
    for (size_t i = 0; i < n; i++)
        fprintf(out, "<%s>: %s%s\n", failed[i].address,
                failed[i].expired ? "gave up after too long in the queue; last error: " : "",
                failed[i].diagnostic[0] ? failed[i].diagnostic : "no details");
    /* 2. For programs: RFC 3464 2.2 (per message) and 2.3 (per recipient). */
    fprintf(out, "\n--%s/%s\nContent-Type: message/delivery-status\n\n", e->id, host);
    fprintf(out, "Reporting-MTA: dns; %s\n", host);
    for (size_t i = 0; i < n; i++) {
        status_code(&failed[i], status, sizeof status);
        fprintf(out, "\nFinal-Recipient: rfc822; %s\n", failed[i].address);
        fprintf(out, "Action: failed\n");
        fprintf(out, "Status: %s\n", status);
        const char *said = strstr(failed[i].diagnostic, "said: ");
        if (said != NULL)
            fprintf(out, "Diagnostic-Code: smtp; %s\n", said + 6);
    }
    /* 3. The original header, so the sender knows which message it was. */
    fprintf(out, "\n--%s/%s\nContent-Type: text/rfc822-headers\n\n", e->id, host);
    char path[PATH_MAX], line[1024];
    queue_message_path(cfg->server.mail_root, e->id, path, sizeof path);
    FILE *original = fopen(path, "r");
    while (original != NULL && fgets(line, sizeof line, original) != NULL && line[0] != '\n')
        fputs(line, out);
    if (original != NULL)
        fclose(original);
    fprintf(out, "\n--%s/%s--\n", e->id, host);
}

/* Delivers the bounce into a local sender's Maildir. 0 or -1. */
static int bounce_locally(const struct smtpd_config *cfg, const struct queue_entry *e,
                          const char *local, const struct failed_recipient failed[], size_t n)
{
    char mailbox[USERS_NAME_MAX + 1], dir[PATH_MAX], err[PATH_MAX + 200];
    struct maildir_message m;

    if (!mailbox_name_from_local_part(local, mailbox, sizeof mailbox) ||
        (cfg->server.users_file != NULL && users_find(&cfg->server.users, mailbox) == NULL &&
         strcmp(mailbox, "postmaster") != 0)) {
        fprintf(stderr, "smtpd: queue: bounce for %s: no mailbox <%s> here; dropped\n",
                e->id, e->sender);
        return 0;
    }
    mailbox_dir(cfg, mailbox, dir, sizeof dir);
    if (maildir_open(dir, &m, err, sizeof err) != 0) {
        fprintf(stderr, "smtpd: %s\n", err);
        return -1;
    }
    fprintf(m.file, "Return-Path: <>\n");
    write_report(cfg, e, failed, n, m.file);
    const char *dirs[] = {dir};
    if (maildir_commit(&m, dirs, 1, err, sizeof err) != 0) {
        fprintf(stderr, "smtpd: %s\n", err);
        return -1;
    }
    return 0;
}

/* Queues the bounce for a remote sender. 0 or -1. */
static int bounce_remotely(const struct smtpd_config *cfg, const struct queue_entry *e,
                           const struct failed_recipient failed[], size_t n)
{
    struct maildir_message m;
    char err[PATH_MAX + 200];
    const char *rcpt[] = {e->sender};

    if (queue_open(cfg->server.mail_root, &m, err, sizeof err) != 0) {
        fprintf(stderr, "smtpd: %s\n", err);
        return -1;
    }
    write_report(cfg, e, failed, n, m.file);
    if (queue_commit(cfg->server.mail_root, &m, "", rcpt, 1, err, sizeof err) != 0) {
        fprintf(stderr, "smtpd: %s\n", err);
        return -1;
    }
    queue_wake_runner(cfg->server.mail_root);   /* new mail: the next pass comes at once */
    return 0;
}

int bounce_send(const struct smtpd_config *cfg, const struct queue_entry *e,
                const struct failed_recipient failed[], size_t n)
{
    char local[SMTP_LOCAL_PART_MAX + 1], domain[SMTP_DOMAIN_MAX + 1];

    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "smtpd: queue: %s to <%s> failed: %s\n", e->id, failed[i].address,
                failed[i].diagnostic);
    if (e->sender[0] == '\0') {
        /* A bounce that bounces: nobody to tell (RFC 5321 4.5.5). */
        fprintf(stderr, "smtpd: queue: %s was itself a bounce; no bounce for it\n", e->id);
        return 0;
    }
    mailbox_split(e->sender, local, sizeof local, domain, sizeof domain);
    if (server_is_local_domain(&cfg->server, domain))
        return bounce_locally(cfg, e, local, failed, n);
    return bounce_remotely(cfg, e, failed, n);
}
