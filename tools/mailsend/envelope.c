/*
 * envelope.c - from a message to what SMTP needs: the envelope (MAIL FROM,
 * RCPT TO) and the copy that is sent.
 *
 * The header block is read by lib/mime_header.c (unfolding, RFC 5322
 * 2.2.3) and each address field by lib/mime_address.c (display names,
 * quoted commas, comments, groups): the code mime uses. Nothing here
 * parses a header by hand.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "mailsend.h"
#include "mime_header.h"
#include "mime_input.h"
#include "mime_limits.h"
#include "mime_stamp.h"

/* A sentence about a wrong address, from lib/mime_address.c. */
#define WHY_MAX 512

/* Checks every line of the message against MAILSEND_LINE_MAX (RFC 5322
 * 2.1.1): SMTP cannot carry longer ones (RFC 5321 4.5.3.1.6), and a server
 * may cut them. */
static int lines_check(const unsigned char *s, size_t n)
{
    size_t line = 1, start = 0, len;

    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '\n')
            continue;
        len = i - start;
        if (len > 0 && i < n && s[i - 1] == '\r')
            len--;
        if (len > MAILSEND_LINE_MAX)
            return fail(EX_DATAERR, "line %zu of the message has %zu characters; SMTP "
                        "carries at most %d (RFC 5321 4.5.3.1.6): encode it (mime "
                        "build does)", line, len, MAILSEND_LINE_MAX);
        line++;
        start = i + 1;
    }
    return 0;
}

/*
 * Reads standard input (at most MIME_MESSAGE_MAX bytes) and its header
 * block. The message must start with header fields and have nothing but
 * fields up to the empty line (RFC 5322 2.1, 2.2): a server cannot tell
 * what was meant otherwise. Its lines must fit in SMTP.
 */
int message_read(struct message *m)
{
    struct mime_error err = { MIME_OK, "" };
    size_t body_start;
    int e;

    memset(m, 0, sizeof *m);
    e = file_read("-", &m->data, &m->size, MIME_MESSAGE_MAX);
    if (e == EFBIG)
        return fail(EX_DATAERR, "the message is larger than MIME_MESSAGE_MAX (256 MiB)");
    if (e != 0)
        return fail(e == ENOMEM ? EX_OSERR : EX_NOINPUT,
                    "cannot read the message on standard input: %s", strerror(e));
    m->head = calloc(1, sizeof *m->head);
    if (!m->head)
        return fail(EX_OSERR, "out of memory");
    if (header_block_parse(m->data, m->size, m->head, &body_start, &err) != MIME_OK)
        return fail(err.status == MIME_ERR_NOMEM ? EX_OSERR : EX_DATAERR,
                    "the message's header: %s", err.text);
    if (m->head->header_count == 0)
        return fail(EX_DATAERR, "the message has no header fields at the start: "
                    "not a mail message (RFC 5322 2.1)");
    if (m->head->defects & MIME_DEFECT_HEADER_SYNTAX)
        return fail(EX_DATAERR, "the message's header has a line that is neither a "
                    "field nor a folded continuation, before the empty line that "
                    "ends it (RFC 5322 2.2)");
    return lines_check(m->data, m->size);
}

/*
 * Adds the addresses of every field called name (a message may have two
 * To fields, say) to list. Returns 0, EX_DATAERR or EX_OSERR.
 */
static int fields_read(const struct mime_part *head, const char *name,
                       struct address_list *list)
{
    char why[WHY_MAX];

    for (size_t i = 0; i < head->header_count; i++) {
        const struct mime_header *h = &head->headers[i];
        enum mime_status status;

        if (strcasecmp(h->name, name) != 0)
            continue;
        status = address_list_add_field(list, h->value, why, sizeof why);
        if (status == MIME_ERR_NOMEM)
            return fail(EX_OSERR, "out of memory");
        if (status != MIME_OK)
            return fail(EX_DATAERR, "the %s field: %s", h->name, why);
    }
    return 0;
}

/*
 * The envelope sender from the header (RFC 5322 3.6.2): the From mailbox;
 * when From names several authors, the Sender mailbox, which must then be
 * there. The envelope sender is who receives the bounces.
 */
static int sender_from_header(struct envelope *e, const struct mime_part *head)
{
    struct address_list *from = &e->from_header;
    size_t authors;
    int status = fields_read(head, "From", from);

    if (status != 0)
        return status;
    if (from->count == 0)
        return fail(EX_DATAERR, "no sender: the message has no From field "
                    "(RFC 5322 3.6.2); add one, or give --from");
    if (from->count > 1) {
        authors = from->count;
        address_list_free(from);
        if ((status = fields_read(head, "Sender", from)) != 0)
            return status;
        if (from->count != 1)
            return fail(EX_DATAERR, "From names %zu authors, and no Sender field "
                        "says which one sends (RFC 5322 3.6.2); add one, or give "
                        "--from", authors);
    }
    e->sender = from->items[0].addr;
    return 0;
}

/* True if a and b name the same mailbox: the local part exactly (RFC 5321
 * 2.4 lets a server tell "Bob" from "bob"), the domain in any case. */
static bool same_mailbox(const char *a, const char *b)
{
    const char *at_a = strrchr(a, '@'), *at_b = strrchr(b, '@');

    return at_a - a == at_b - b && strncmp(a, b, (size_t)(at_a - a)) == 0 &&
           strcasecmp(at_a, at_b) == 0;
}

/* Fills e->rcpts with the addresses of list, each once (To: bob and
 * Cc: bob make one RCPT, so bob gets one copy). */
static int recipients_list(struct envelope *e, const struct address_list *list)
{
    e->rcpts = calloc(list->count ? list->count : 1, sizeof *e->rcpts);
    if (!e->rcpts)
        return fail(EX_OSERR, "out of memory");
    for (size_t i = 0; i < list->count; i++) {
        const char *addr = list->items[i].addr;
        bool seen = false;
        for (size_t j = 0; j < e->count && !seen; j++)
            seen = same_mailbox(e->rcpts[j], addr);
        if (!seen)
            e->rcpts[e->count++] = addr;
    }
    if (e->count == 0)
        return fail(EX_DATAERR, "no recipients: the message has no address in To, "
                    "Cc or Bcc; add one, or give --to");
    if (e->count > MAILSEND_RECIPIENTS_MAX)
        return fail(EX_DATAERR, "%zu recipients: more than the %d every server takes "
                    "in one transaction (RFC 5321 4.5.3.1.8)", e->count,
                    MAILSEND_RECIPIENTS_MAX);
    return 0;
}

int envelope_make(struct envelope *e, const struct message *m, const struct options *o)
{
    static const char *const recipient_fields[] = { "To", "Cc", "Bcc" };
    int status = 0;

    memset(e, 0, sizeof *e);
    /* MAIL FROM: --from, or the header's author. */
    if (o->from.count > 0)
        e->sender = o->from.items[0].addr;
    else if ((status = sender_from_header(e, m->head)) != 0)
        return status;
    /* RCPT TO: --to, or everybody in To, Cc and Bcc. */
    if (o->to.count > 0)
        return recipients_list(e, &o->to);
    for (size_t i = 0; i < 3; i++)
        if ((status = fields_read(m->head, recipient_fields[i], &e->to_header)) != 0)
            return status;
    return recipients_list(e, &e->to_header);
}

/* Writes the fields a submission agent may add (RFC 6409 8.2, 8.3). */
static int stamps_write(struct message *m, FILE *out, const char *eol)
{
    char date[MIME_DATE_SIZE], id[MIME_MESSAGE_ID_SIZE];

    if (!mime_header_value(m->head, "Date")) {
        if (mime_date_now(date) != 0)
            return fail(EX_OSERR, "cannot read the clock for the Date field");
        fprintf(out, "Date: %s%s", date, eol);
        m->added_date = true;
    }
    if (!mime_header_value(m->head, "Message-ID")) {
        mime_message_id_make(id);
        fprintf(out, "Message-ID: %s%s", id, eol);
        m->added_message_id = true;
    }
    return 0;
}

/*
 * The copy to send: the message less its Bcc fields, all their lines
 * (RFC 5322 3.6.3: the first way, where nobody sees the Bcc recipients),
 * with Date and Message-ID after the last field when it has none. The
 * copy starts at the first field, so an mbox "From " line before it is
 * left out. Line ends stay as they came; smtp_client sends CRLF and
 * doubles leading dots. Memory: one more copy of the message.
 */
int message_prepare(struct message *m)
{
    const struct mime_header *h = m->head->headers;
    size_t count = m->head->header_count;
    const unsigned char *end = h[count - 1].raw + h[count - 1].raw_size;
    bool crlf = end - m->data >= 2 && end[-2] == '\r' && end[-1] == '\n';
    const char *eol = crlf ? "\r\n" : "\n";
    FILE *out = open_memstream(&m->wire, &m->wire_size);
    int status;

    if (!out)
        return fail(EX_OSERR, "out of memory");
    for (size_t i = 0; i < count; i++)
        if (strcasecmp(h[i].name, "Bcc") != 0)
            fwrite(h[i].raw, 1, h[i].raw_size, out);
    if (end[-1] != '\n')                    /* the message ends in its header */
        fputs(eol, out);
    status = stamps_write(m, out, eol);
    fwrite(end, 1, (size_t)(m->data + m->size - end), out);
    if (fclose(out) != 0 && status == 0)
        status = fail(EX_OSERR, "out of memory");
    return status;
}

void message_free(struct message *m)
{
    mime_free(m->head);
    free(m->data);
    free(m->wire);
}

void envelope_free(struct envelope *e)
{
    address_list_free(&e->from_header);
    address_list_free(&e->to_header);
    free(e->rcpts);
}
