/*
 * reply.c - reading one complete server reply, as a client (see reply.h).
 */
#include "reply.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Where the parser is inside a reply. */
enum {
    PHASE_FIRST,      /* SMTP, POP3: the status line; IMAP: a line that starts a response */
    PHASE_BODY,       /* POP3: the lines of a multi-line reply, up to "." */
    PHASE_IMAP_REST   /* IMAP: the next line goes on with a response after a literal */
};

/* POP3 commands whose "+OK" starts a multi-line reply (RFC 1939 5, 7; RFC 2449 5). */
static const struct {
    const char *name;
    bool only_without_argument; /* "LIST" lists all, "LIST 1" answers on one line */
} pop3_multiline_commands[] = {
    {"LIST", true},
    {"UIDL", true},
    {"RETR", false},
    {"TOP", false},
    {"CAPA", false},
};

const char *reply_proto_name(enum reply_proto proto)
{
    switch (proto) {
    case REPLY_SMTP: return "SMTP";
    case REPLY_POP3: return "POP3";
    case REPLY_IMAP: return "IMAP";
    }
    return "?";
}

/* Copies the first word of line (up to a space or the end) into out, cut to outlen - 1. */
static const char *copy_word(const char *line, char *out, size_t outlen)
{
    size_t n = strcspn(line, " ");
    size_t keep = n < outlen - 1 ? n : outlen - 1;
    memcpy(out, line, keep);
    out[keep] = '\0';
    return line + n;
}

static bool pop3_is_multiline(const char *line)
{
    char verb[8];
    const char *rest = copy_word(line, verb, sizeof verb);
    bool has_argument = rest[strspn(rest, " ")] != '\0';

    for (size_t i = 0; i < sizeof pop3_multiline_commands / sizeof pop3_multiline_commands[0]; i++) {
        if (strcasecmp(verb, pop3_multiline_commands[i].name) != 0)
            continue;
        return !(pop3_multiline_commands[i].only_without_argument && has_argument);
    }
    return false;
}

void reply_expect_for(struct reply_expect *e, enum reply_proto proto, const char *line)
{
    memset(e, 0, sizeof *e);
    e->proto = proto;
    if (proto == REPLY_POP3)
        e->multiline = pop3_is_multiline(line);
    else if (proto == REPLY_IMAP)
        copy_word(line, e->tag, sizeof e->tag);
}

void reply_expect_greeting(struct reply_expect *e, enum reply_proto proto)
{
    memset(e, 0, sizeof *e);
    e->proto = proto;
}

void reply_begin(struct reply *r, const struct reply_expect *e)
{
    memset(r, 0, sizeof *r);
    r->expect = *e;
    r->phase = PHASE_FIRST;
}

/* Keeps the line that ended (or broke) the reply, cut to fit, for messages. */
static void keep_text(struct reply *r, const char *text, size_t len)
{
    size_t keep = len < sizeof r->text - 1 ? len : sizeof r->text - 1;
    memcpy(r->text, text, keep);
    r->text[keep] = '\0';
}

static void set_status(struct reply *r, const char *status, size_t len)
{
    size_t keep = len < sizeof r->status - 1 ? len : sizeof r->status - 1;
    memcpy(r->status, status, keep);
    r->status[keep] = '\0';
}

/* True when text[0 .. len) starts with word followed by a space or the end. */
static bool starts_with_word(const char *text, size_t len, const char *word)
{
    size_t n = strlen(word);
    return len >= n && memcmp(text, word, n) == 0 && (len == n || text[n] == ' ');
}

/* The line as a malformed reply: its first word becomes the status, for messages. */
static enum reply_step malformed(struct reply *r, const char *text, size_t len)
{
    set_status(r, text, strcspn(text, " ") < len ? strcspn(text, " ") : len);
    keep_text(r, text, len);
    return REPLY_MALFORMED;
}

/*
 * SMTP: "ddd-text" goes on, "ddd text" or "ddd" ends (RFC 5321 4.2.1).
 * 3yz replies (334 for AUTH, 354 for DATA) ask the client for more.
 */
static enum reply_step feed_smtp(struct reply *r, const char *text, size_t len)
{
    if (len < 3 || !isdigit((unsigned char)text[0]) || !isdigit((unsigned char)text[1]) ||
        !isdigit((unsigned char)text[2]) || (len > 3 && text[3] != ' ' && text[3] != '-'))
        return malformed(r, text, len);
    set_status(r, text, 3);
    r->code = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
    if (len > 3 && text[3] == '-')
        return REPLY_MORE;
    r->continuation = r->code / 100 == 3;
    keep_text(r, text, len);
    return REPLY_DONE;
}

/*
 * POP3: "+OK" or "-ERR" (RFC 1939 3), or "+ " asking for the next SASL
 * step (RFC 5034 4). After a "+OK" to a multi-line command, lines follow up
 * to a line holding only "."; a line that starts with "." has had one more
 * put in front (byte-stuffing), so "..." is content, never the end.
 */
static enum reply_step feed_pop3(struct reply *r, const char *text, size_t len)
{
    if (r->phase == PHASE_BODY) {
        if (len == 1 && text[0] == '.')
            return REPLY_DONE;
        return REPLY_MORE;
    }
    keep_text(r, text, len);
    if (starts_with_word(text, len, "+OK")) {
        set_status(r, "+OK", 3);
        if (r->expect.multiline) {
            r->phase = PHASE_BODY;
            return REPLY_MORE;
        }
        return REPLY_DONE;
    }
    if (starts_with_word(text, len, "-ERR")) {
        set_status(r, "-ERR", 4);
        return REPLY_DONE;
    }
    if (starts_with_word(text, len, "+")) {
        set_status(r, "+", 1);
        r->continuation = true;
        return REPLY_DONE;
    }
    return malformed(r, text, len);
}

/*
 * If text ends with an IMAP literal announcement "{123}" (also "{123+}" and
 * "~{123}"), returns true with the octet count (RFC 9051 4.3, RFC 7888).
 */
static bool imap_literal_at_end(const char *text, size_t len, unsigned long long *octets)
{
    if (len < 3 || text[len - 1] != '}')
        return false;
    size_t end = len - 1;
    if (text[end - 1] == '+' || text[end - 1] == '-')
        end--;
    size_t start = end;
    while (start > 0 && isdigit((unsigned char)text[start - 1]))
        start--;
    if (start == end || start == 0 || text[start - 1] != '{' || end - start > 18)
        return false;
    unsigned long long n = 0;
    for (size_t i = start; i < end; i++)
        n = n * 10 + (unsigned long long)(text[i] - '0');
    *octets = n;
    return true;
}

/* The rest of a response after a literal: may announce another one. */
static enum reply_step imap_rest_of_response(struct reply *r, const char *text, size_t len)
{
    unsigned long long octets;
    if (imap_literal_at_end(text, len, &octets))
        r->literal_left = octets;
    r->phase = PHASE_FIRST;
    return REPLY_MORE;
}

/*
 * IMAP: a line that starts a response (RFC 9051 2.2.2, 7):
 *   "* ..."   untagged data (or the greeting: "* OK", "* PREAUTH", "* BYE")
 *   "+ ..."   a continuation request: the server waits for the client
 *   "tag OK|NO|BAD ..."  the completion of the command with that tag
 */
static enum reply_step imap_start_of_response(struct reply *r, const char *text, size_t len)
{
    unsigned long long octets;

    if (starts_with_word(text, len, "+")) {
        set_status(r, "+", 1);
        r->continuation = true;
        keep_text(r, text, len);
        return REPLY_DONE;
    }
    if (starts_with_word(text, len, "*")) {
        if (r->expect.tag[0] == '\0') {
            /* The greeting is one untagged line: its status is the second word. */
            const char *word = len > 2 ? text + 2 : "";
            size_t wlen = len > 2 ? strcspn(word, " ") : 0;
            if (wlen > len - 2)
                wlen = len - 2;
            set_status(r, word, wlen);
            keep_text(r, text, len);
            return REPLY_DONE;
        }
        if (imap_literal_at_end(text, len, &octets))
            r->literal_left = octets;
        return REPLY_MORE;
    }
    size_t taglen = strcspn(text, " ");
    if (taglen >= len)
        return malformed(r, text, len);
    if (taglen != strlen(r->expect.tag) || memcmp(text, r->expect.tag, taglen) != 0)
        return REPLY_MORE;  /* another command's completion (pipelining): not ours */
    const char *status = text + taglen + 1;
    size_t slen = len - taglen - 1;
    if (!starts_with_word(status, slen, "OK") && !starts_with_word(status, slen, "NO") &&
        !starts_with_word(status, slen, "BAD"))
        return malformed(r, text, len);
    set_status(r, status, strcspn(status, " ") < slen ? strcspn(status, " ") : slen);
    keep_text(r, text, len);
    return REPLY_DONE;
}

static enum reply_step feed_imap(struct reply *r, const char *text, size_t len, size_t eol_len)
{
    /* Inside a literal: octets, whatever they look like. */
    if (r->literal_left > 0) {
        unsigned long long whole = (unsigned long long)len + eol_len;
        if (r->literal_left >= whole) {
            r->literal_left -= whole;
            if (r->literal_left == 0)
                r->phase = PHASE_IMAP_REST;
            return REPLY_MORE;
        }
        /* The literal ends inside this line; the rest goes on with the response. */
        size_t used = r->literal_left < len ? (size_t)r->literal_left : len;
        r->literal_left = 0;
        return imap_rest_of_response(r, text + used, len - used);
    }
    if (r->phase == PHASE_IMAP_REST)
        return imap_rest_of_response(r, text, len);
    return imap_start_of_response(r, text, len);
}

enum reply_step reply_feed(struct reply *r, const char *text, size_t len, size_t eol_len)
{
    r->lines++;
    switch (r->expect.proto) {
    case REPLY_SMTP: return feed_smtp(r, text, len);
    case REPLY_POP3: return feed_pop3(r, text, len);
    case REPLY_IMAP: return feed_imap(r, text, len, eol_len);
    }
    return REPLY_MALFORMED;
}

enum reply_step reply_read(struct conn *c, const struct reply_expect *e, struct reply *r,
                           char *buf, size_t bufsize, reply_line_fn *on_line, void *arg)
{
    reply_begin(r, e);
    for (;;) {
        struct line line;
        switch (conn_read_line(c, buf, bufsize, &line)) {
        case LINE_OK:
            break;
        case LINE_EOF:
            return REPLY_CLOSED;
        case LINE_TIMEOUT:
            return REPLY_TIMED_OUT;
        case LINE_TOO_LONG:
        case LINE_INTERRUPTED:
        case LINE_ERROR:
            return REPLY_FAILED;
        }
        if (on_line != NULL)
            on_line(arg, &line);
        enum reply_step step = reply_feed(r, line.text, line.len, line.crlf ? 2 : 1);
        if (step != REPLY_MORE)
            return step;
    }
}

bool reply_is_positive(const struct reply *r)
{
    switch (r->expect.proto) {
    case REPLY_SMTP:
        return r->code >= 200 && r->code < 400;
    case REPLY_POP3:
        return strcmp(r->status, "+OK") == 0 || strcmp(r->status, "+") == 0;
    case REPLY_IMAP:
        return strcmp(r->status, "OK") == 0 || strcmp(r->status, "PREAUTH") == 0 ||
               strcmp(r->status, "+") == 0;
    }
    return false;
}
