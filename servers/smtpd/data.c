/*
 * data.c - DATA: receiving the message text and delivering it.
 *
 * After "354", the client sends the message as lines ending in CRLF and
 * ends it with a line holding only a dot: the sequence CRLF "." CRLF
 * (RFC 5321 4.1.1.4). A line of its own that starts with a dot was sent
 * with an extra dot in front ("dot-stuffing", RFC 5321 4.5.2), which we
 * remove.
 *
 * The message goes straight into a file in the first recipient's Maildir
 * tmp/ while it arrives, so memory stays small for any size. Whatever is
 * wrong with it (a bare LF, a line too long, too big) is only remembered:
 * we must read on to the final dot anyway, and only then may we refuse it.
 * "250" is sent only after the file is synced into new/ of every recipient.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "maildir.h"
#include "queue.h"
#include "smtpd.h"
#include "tls_server.h"

/* What was wrong with a message; the first problem found is the one reported. */
enum message_problem {
    PROBLEM_NONE,
    PROBLEM_BARE_LF,
    PROBLEM_BARE_CR,
    PROBLEM_NUL,
    PROBLEM_LINE_TOO_LONG,
    PROBLEM_8BIT,
    PROBLEM_TOO_BIG,
    PROBLEM_LOOP,
};

struct incoming {
    struct maildir_message file;
    enum message_problem problem;
    unsigned long size;        /* octets as sent, CRLFs included (RFC 1870) */
    bool previous_crlf;        /* the line before ended in CRLF: a "." may end the data */
    bool first_line;           /* to tell whether the message starts with a header */
    bool in_header;            /* before the empty line that ends the header */
    int received_lines;        /* Received: fields seen: one per hop so far */
    char queued_id[MAILDIR_NAME_MAX];  /* the queue entry made for remote recipients */
};

void mailbox_dir(const struct smtpd_config *cfg, const char *mailbox, char *buf, size_t len)
{
    /* mailbox is checked (no '/', no leading dot) and at most 64 octets:
     * the result always fits a PATH_MAX buffer and stays in the mail root. */
    snprintf(buf, len, "%s/%s", cfg->server.mail_root, mailbox);
}

/* "Thu, 26 Nov 2026 23:59:00 +0000": RFC 5322 3.3's date-time. */
void format_rfc5322_date(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(buf, len, "%a, %d %b %Y %H:%M:%S %z", &tm);
}

/*
 * The trace lines a receiving server puts on top (RFC 5321 4.4): the
 * Received line ("who gave it to whom, when") and, on final delivery into
 * a mailbox, Return-Path with the envelope sender. A message that is
 * relayed gets no Return-Path: only the last server adds it.
 */
static void write_trace_headers(struct session *s, FILE *f, const char *id,
                                bool final_delivery)
{
    char date[64];
    format_rfc5322_date(date, sizeof date);
    char tls[128] = "";

    if (final_delivery)
        fprintf(f, "Return-Path: <%s>\n", s->sender);
    /* RFC 5321 4.1.3: an IPv6 address literal is [IPv6:...] */
    fprintf(f, "Received: from %s ([%s%s])", s->client_name,
            strchr(s->peer_address, ':') != NULL ? "IPv6:" : "", s->peer_address);
    if (s->user[0] != '\0')
        fprintf(f, " (authenticated as %s)", s->user);
    if (session_tls_active(s)) {
        tls_describe(s->conn, tls, sizeof tls);
        fprintf(f, "\n\t(%s)", tls);
    }
    /* RFC 3848: SMTP after HELO, ESMTP after EHLO; S for TLS, A for AUTH. */
    fprintf(f, "\n\tby %s (Cartero smtpd) with %s%s%s id %.40s\n", session_host_name(s),
            s->extended ? "ESMTP" : "SMTP", session_tls_active(s) ? "S" : "",
            s->user[0] != '\0' ? "A" : "", id);
    if (s->nrecipients == 1)   /* naming all recipients would disclose Bcc ones */
        fprintf(f, "\tfor <%s>; %s\n", s->recipients[0].address, date);
    else
        fprintf(f, "\t; %s\n", date);
}

/* An RFC 5322 2.2 header field starts with a name of printable characters and a colon. */
static bool looks_like_header(const char *text)
{
    size_t n = strcspn(text, ":");
    if (n == 0 || text[n] != ':')
        return false;
    for (size_t i = 0; i < n; i++)
        if (text[i] < 33 || text[i] > 126)
            return false;
    return true;
}

static bool has_8bit(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] > 127)
            return true;
    return false;
}

/* Remembers the first problem; the message is refused after the final dot. */
static void note_problem(struct incoming *in, enum message_problem p)
{
    if (in->problem == PROBLEM_NONE)
        in->problem = p;
}

/*
 * Takes one line of message text: checks it, unstuffs it, and appends it
 * to the file with a LF line end (Maildir files use Unix line ends).
 */
static void take_line(struct session *s, struct incoming *in, const struct line *line)
{
    in->size += line->len + 2;
    if (!line->crlf)
        note_problem(in, PROBLEM_BARE_LF);
    if (line->has_bare_cr)
        note_problem(in, PROBLEM_BARE_CR);
    if (line->has_nul)
        note_problem(in, PROBLEM_NUL);
    if (s->cfg->strict_7bit && has_8bit(line->text, line->len))
        note_problem(in, PROBLEM_8BIT);
    if (in->size > s->cfg->max_size)
        note_problem(in, PROBLEM_TOO_BIG);
    if (in->problem != PROBLEM_NONE)
        return;   /* a refused message need not be written */

    const char *text = line->text;
    if (text[0] == '.')
        text++;   /* RFC 5321 4.5.2: remove the stuffed dot */
    if (in->in_header && text[0] == '\0')
        in->in_header = false;
    /* RFC 5321 6.3: a message that went through too many servers is in a loop. */
    if (in->in_header && strncasecmp(text, "Received:", 9) == 0 &&
        ++in->received_lines > SMTP_HOPS_MAX) {
        note_problem(in, PROBLEM_LOOP);
        return;
    }
    /* A message must start with its header; text without one gets an empty
     * line, so that readers see it as the body, not as a broken header. */
    if (in->first_line && text[0] != '\0' && !looks_like_header(text))
        fputc('\n', in->file.file);
    in->first_line = false;
    fputs(text, in->file.file);
    fputc('\n', in->file.file);
}

/* The end of data is a "." line that ends in CRLF and follows a CRLF (RFC 5321 4.1.1.4). */
static bool is_end_of_data(const struct incoming *in, const struct line *line)
{
    return in->previous_crlf && line->crlf && line->len == 1 && line->text[0] == '.';
}

/*
 * Reads message lines up to the final dot. Returns LINE_OK when the dot
 * came, or the reason the client is gone (EOF, timeout, shutdown).
 */
static enum line_status read_message(struct session *s, struct incoming *in)
{
    char buf[SMTP_LINE_MAX + 1];
    struct line line;

    in->previous_crlf = true;   /* the CRLF that ended the DATA command */
    in->first_line = true;
    in->in_header = true;
    s->conn->log_lines = true;  /* the transcript shows the text, as the slide does */
    for (;;) {
        enum line_status st = conn_read_line(s->conn, buf, sizeof buf, &line);
        if (st == LINE_TOO_LONG) {
            note_problem(in, PROBLEM_LINE_TOO_LONG);
            in->previous_crlf = line.crlf;   /* a "." may follow a long line */
            continue;
        }
        if (st == LINE_INTERRUPTED && !server_stopping())
            continue;
        if (st != LINE_OK)
            return st;
        if (is_end_of_data(in, &line))
            return LINE_OK;
        take_line(s, in, &line);
        in->previous_crlf = line.crlf;
    }
}

/* The reply for a refused message: what was wrong, and where the rule is. */
static void refuse_message(struct session *s, enum message_problem p)
{
    switch (p) {
    case PROBLEM_BARE_LF:
        reply(s, "554 Message refused: it contains a bare LF (a line end without CR). "
              "SMTP lines end with CRLF (RFC 5321 2.3.8)");
        break;
    case PROBLEM_BARE_CR:
        reply(s, "554 Message refused: it contains a bare CR (a CR not followed by LF). "
              "SMTP lines end with CRLF (RFC 5321 2.3.8)");
        break;
    case PROBLEM_NUL:
        reply(s, "554 Message refused: it contains NUL bytes");
        break;
    case PROBLEM_LINE_TOO_LONG:
        reply(s, "554 Message refused: a line is longer than %d octets including CRLF "
              "(RFC 5321 4.5.3.1.6); encode it with MIME", SMTP_LINE_MAX);
        break;
    case PROBLEM_8BIT:
        reply(s, "554 Message refused: message must be 7-bit ASCII (use MIME): "
              "this server runs with --strict-7bit (RFC 5321 2.4)");
        break;
    case PROBLEM_TOO_BIG:
        reply(s, "552 Message refused: it is larger than the limit of %lu octets (SIZE)",
              s->cfg->max_size);
        break;
    case PROBLEM_LOOP:
        reply(s, "554 5.4.6 Message refused: more than %d Received lines; a mail loop? "
              "(RFC 5321 6.3)", SMTP_HOPS_MAX);
        break;
    case PROBLEM_NONE:
        break;
    }
}

/* How many recipients are local (a Maildir here) and how many remote (the queue). */
static size_t count_local(const struct session *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nrecipients; i++)
        n += !s->recipients[i].remote;
    return n;
}

/*
 * Copies the finished message, less its first line (the Return-Path, which
 * only final delivery adds), into a new queue file. 0, or -1 with err.
 */
static int copy_for_queue(struct session *s, struct incoming *in, struct maildir_message *q,
                          char *err, size_t errlen)
{
    if (fflush(in->file.file) != 0 || ferror(in->file.file)) {
        snprintf(err, errlen, "cannot write %s", in->file.tmp_path);
        return -1;
    }
    if (queue_open(s->cfg->server.mail_root, q, err, errlen) != 0)
        return -1;
    FILE *from = fopen(in->file.tmp_path, "r");
    if (from == NULL) {
        snprintf(err, errlen, "cannot reread %s", in->file.tmp_path);
        maildir_abort(q);
        return -1;
    }
    int c;
    while ((c = getc(from)) != EOF && c != '\n')
        ;   /* skip Return-Path */
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, from)) > 0)
        fwrite(buf, 1, n, q->file);
    fclose(from);
    return 0;
}

/* Queues the message for the remote recipients. 0 when the entry is on disk. */
static int queue_for_remote(struct session *s, struct incoming *in, bool has_local)
{
    const char *rcpts[SMTP_RECIPIENTS_MAX];
    struct maildir_message copy, *m = &in->file;
    char err[PATH_MAX + 200];
    size_t n = 0;

    for (size_t i = 0; i < s->nrecipients; i++)
        if (s->recipients[i].remote)
            rcpts[n++] = s->recipients[i].address;
    if (has_local) {
        if (copy_for_queue(s, in, &copy, err, sizeof err) != 0) {
            fprintf(stderr, "smtpd: %s\n", err);
            return -1;
        }
        m = &copy;
    }
    if (queue_commit(s->cfg->server.mail_root, m, s->sender, rcpts, n, err, sizeof err) != 0) {
        fprintf(stderr, "smtpd: %s\n", err);
        return -1;
    }
    snprintf(in->queued_id, sizeof in->queued_id, "%s", m->name);
    transcript_note(s->conn->log, "queued %s for %zu remote recipient(s)", m->name, n);
    return 0;
}

/* Moves the finished file into every local recipient's new/; 0 when all is on disk. */
static int deliver_local(struct session *s, struct incoming *in)
{
    /* Up to 100 paths of PATH_MAX: on the heap, not a 400 KB stack frame. */
    char (*paths)[PATH_MAX] = calloc(s->nrecipients, sizeof *paths);
    const char *dirs[SMTP_RECIPIENTS_MAX];
    char err[PATH_MAX + 200];
    size_t n = 0;

    if (paths == NULL) {
        fprintf(stderr, "smtpd: out of memory delivering %s\n", in->file.name);
        maildir_abort(&in->file);
        return -1;
    }
    for (size_t i = 0; i < s->nrecipients; i++) {
        if (s->recipients[i].remote)
            continue;
        mailbox_dir(s->cfg, s->recipients[i].mailbox, paths[n], sizeof paths[n]);
        dirs[n] = paths[n];
        n++;
    }
    int rc = maildir_commit(&in->file, dirs, n, err, sizeof err);
    free(paths);
    if (rc != 0) {
        fprintf(stderr, "smtpd: %s\n", err);
        return -1;
    }
    transcript_note(s->conn->log, "delivered %s to %zu mailbox(es)", in->file.name, n);
    return 0;
}

/*
 * Puts the message where it goes: the queue for remote recipients (first:
 * if that fails, nothing is delivered and the client may retry all), then
 * the local Maildirs. 0 when everything is on disk.
 */
static int deliver(struct session *s, struct incoming *in, size_t nlocal)
{
    bool has_remote = nlocal < s->nrecipients;
    if (has_remote && queue_for_remote(s, in, nlocal > 0) != 0) {
        maildir_abort(&in->file);
        return -1;
    }
    if (nlocal > 0 && deliver_local(s, in) != 0) {
        /* The client will send it all again: take back the queued copy. */
        if (has_remote)
            queue_remove(s->cfg->server.mail_root, in->queued_id);
        return -1;
    }
    if (has_remote && !s->cfg->queue_only)
        queue_wake_runner(s->cfg->server.mail_root);
    return 0;
}

/* Opens the file the message is written to: the first local Maildir, or the queue. */
static int open_message_file(struct session *s, struct incoming *in, size_t nlocal)
{
    char dir[PATH_MAX], err[PATH_MAX + 200];
    int rc;

    if (nlocal > 0) {
        size_t i = 0;
        while (s->recipients[i].remote)
            i++;
        mailbox_dir(s->cfg, s->recipients[i].mailbox, dir, sizeof dir);
        rc = maildir_open(dir, &in->file, err, sizeof err);
    } else {
        rc = queue_open(s->cfg->server.mail_root, &in->file, err, sizeof err);
    }
    if (rc != 0)
        fprintf(stderr, "smtpd: %s\n", err);
    return rc;
}

void data_receive_and_deliver(struct session *s)
{
    struct incoming in;
    size_t nlocal = count_local(s);

    memset(&in, 0, sizeof in);
    if (open_message_file(s, &in, nlocal) != 0) {
        reply(s, "451 Requested action aborted: local error in processing (cannot store mail)");
        return;
    }
    write_trace_headers(s, in.file.file, in.file.name, nlocal > 0);
    reply(s, "354 Enter mail, end with \".\" on a line by itself");

    enum line_status st = read_message(s, &in);
    s->conn->log_lines = false;
    transcript_note(s->conn->log, "(message text: %lu octets)", in.size);

    if (st != LINE_OK) {
        /* Gone before the final dot: nothing was accepted, so nothing is kept. */
        maildir_abort(&in.file);
        if (st == LINE_TIMEOUT)
            reply(s, "421 %s Timeout during DATA, closing connection", session_host_name(s));
        else if (st == LINE_INTERRUPTED)
            reply(s, "421 %s Server shutting down, message not accepted", session_host_name(s));
        session_set_state(s, STATE_QUIT);
        return;
    }
    if (in.problem != PROBLEM_NONE) {
        maildir_abort(&in.file);
        refuse_message(s, in.problem);
    } else if (deliver(s, &in, nlocal) != 0) {
        reply(s, "451 Requested action aborted: local error in processing (disk)");
    } else {
        reply(s, "250 Message accepted for delivery");
    }
    session_reset_transaction(s);
}
