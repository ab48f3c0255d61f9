/*
 * build.c - mime build: a complete message (RFC 5322, MIME) on stdout.
 *
 * The shape of the message follows from what is given (RFC 2046 5.1):
 *
 *   text only                  one text/plain part
 *   text and HTML              multipart/alternative (plain first, 5.1.4)
 *   attachments                multipart/mixed: the text, then each file
 *   HTML and attachments       multipart/mixed holding a multipart/alternative
 *
 * Every line is 7-bit ASCII and at most 76 characters, except where the
 * format cannot fold (a 7bit body line is at most 78; an address or a
 * Message-ID at most 998). Lines end with LF, the Unix convention; the
 * program that submits the message over SMTP turns them into CRLF.
 */
#include "commands.h"

#include <err.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "encode.h"
#include "header_write.h"
#include "mime_address.h"
#include "mime_charset.h"
#include "mime_decode.h"
#include "mime_limits.h"
#include "mime_stamp.h"
#include "types.h"

/* "=_cartero_" and 24 hex digits: "=_" cannot occur in base64 or in
 * quoted-printable text, so the boundary can only clash with a 7bit part,
 * which we check (RFC 2046 5.1.1). */
#define BOUNDARY_PREFIX "=_cartero_"
#define BOUNDARY_RANDOM_BYTES 12
#define BOUNDARY_SIZE (sizeof BOUNDARY_PREFIX + 2 * BOUNDARY_RANDOM_BYTES)

/* One leaf of the message: a body text or an attached file. */
struct body_part {
    const char *type;       /* media type, e.g. "text/plain" */
    const char *charset;    /* "us-ascii", "utf-8", or NULL (not text) */
    const char *filename;   /* an attachment's name, or NULL for a body */
    enum mime_encoding encoding;
    unsigned char *data;
    size_t size;
};

/* A node of the message: a leaf, or a multipart of other nodes. */
struct entity {
    const struct body_part *leaf;
    const char *subtype;    /* "mixed", "alternative" (when leaf is NULL) */
    struct entity *children;
    size_t child_count;
    char boundary[BOUNDARY_SIZE];
};

struct build {
    struct address_list from, to, cc, bcc;
    const char *subject;
    const char *text, *text_file, *html_file;
    char **attachments;
    size_t attachment_count;
    struct body_part *parts;        /* text, html, then attachments */
    size_t part_count;
};

static void usage(FILE *out)
{
    fputs("usage: mime build --from ADDR --to ADDR [--cc ADDR] [--bcc ADDR]\n"
          "                  --subject TEXT [--text TEXT | --text-file FILE]\n"
          "                  [--html-file FILE] [--attach FILE]...\n"
          "\n"
          "Writes a complete MIME message (RFC 5322, RFC 2045-2049) to standard\n"
          "output, with LF line ends.\n"
          "\n"
          "  -f, --from ADDR        author: 'Ana Pérez <ana@example.org>'\n"
          "  -t, --to ADDR          recipients (comma-separated; may repeat)\n"
          "  -c, --cc ADDR          copies (may repeat)\n"
          "  -b, --bcc ADDR         blind copies: the Bcc field is written; the\n"
          "                         submitting program removes it\n"
          "  -s, --subject TEXT     the subject, UTF-8\n"
          "  -m, --text TEXT        the body text, UTF-8\n"
          "  -T, --text-file FILE   the body text from FILE ('-': standard input)\n"
          "  -H, --html-file FILE   an HTML version of the body\n"
          "  -a, --attach FILE      attach FILE (may repeat)\n"
          "  -h, --help             show this help\n", out);
}

static _Noreturn void usage_error(const char *format, ...)
{
    va_list ap;

    va_start(ap, format);
    vwarnx(format, ap);
    va_end(ap);
    fputs("Try 'mime build --help'.\n", stderr);
    exit(EX_USAGE);
}

static void add_addresses(struct address_list *list, const char *option,
                          const char *text)
{
    char why[300];
    enum mime_status status = address_list_add(list, text, why, sizeof why);

    if (status == MIME_ERR_NOMEM)
        errx(EX_OSERR, "out of memory");
    if (status != MIME_OK)
        usage_error("--%s: %s", option, why);
}

/* Reads the command line into b; exits on a usage error. */
static void options_read(struct build *b, int argc, char **argv)
{
    static const struct option long_options[] = {
        { "from", required_argument, NULL, 'f' },
        { "to", required_argument, NULL, 't' },
        { "cc", required_argument, NULL, 'c' },
        { "bcc", required_argument, NULL, 'b' },
        { "subject", required_argument, NULL, 's' },
        { "text", required_argument, NULL, 'm' },
        { "text-file", required_argument, NULL, 'T' },
        { "html-file", required_argument, NULL, 'H' },
        { "attach", required_argument, NULL, 'a' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    while ((c = getopt_long(argc, argv, "f:t:c:b:s:m:T:H:a:h", long_options,
                            NULL)) != -1) {
        switch (c) {
        case 'f': add_addresses(&b->from, "from", optarg); break;
        case 't': add_addresses(&b->to, "to", optarg); break;
        case 'c': add_addresses(&b->cc, "cc", optarg); break;
        case 'b': add_addresses(&b->bcc, "bcc", optarg); break;
        case 's': b->subject = optarg; break;
        case 'm': b->text = optarg; break;
        case 'T': b->text_file = optarg; break;
        case 'H': b->html_file = optarg; break;
        case 'a':
            b->attachments = realloc(b->attachments,
                                     (b->attachment_count + 1) * sizeof optarg);
            if (!b->attachments)
                errx(EX_OSERR, "out of memory");
            b->attachments[b->attachment_count++] = optarg;
            break;
        case 'h':
            usage(stdout);
            stdout_finish();
            exit(EX_OK);
        default:
            fputs("Try 'mime build --help'.\n", stderr);
            exit(EX_USAGE);
        }
    }
    if (optind < argc)
        usage_error("unexpected argument '%s'", argv[optind]);
    if (b->from.count == 0 || b->to.count == 0 || !b->subject)
        usage_error("--from, --to and --subject are required");
    if (b->text && b->text_file)
        usage_error("give the text once: --text or --text-file, not both");
}

/* The subject is one line of UTF-8: a line break would end the field and
 * let the rest pose as other fields (header injection). */
static void subject_check(const char *subject)
{
    size_t bad;

    if (!utf8_is_valid((const unsigned char *)subject, strlen(subject), &bad))
        usage_error("--subject is not UTF-8 (byte %zu)", bad + 1);
    for (const char *p = subject; *p != '\0'; p++)
        if ((*p > 0 && *p < ' ' && *p != '\t') || *p == 127)
            usage_error("--subject holds a control character (a line break?)");
}

/* 7bit if every line is printable ASCII of at most MIME_TEXT_LINE_MAX
 * characters (RFC 2045 2.7); else quoted-printable (RFC 2045 6.7). */
static enum mime_encoding text_encoding(const unsigned char *s, size_t n)
{
    size_t column = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            column = 0;
            continue;
        }
        if (s[i] >= 0x7F || (s[i] < 0x20 && s[i] != '\t') ||
            ++column > MIME_TEXT_LINE_MAX)
            return MIME_ENC_QUOTED_PRINTABLE;
    }
    return MIME_ENC_7BIT;
}

/*
 * Makes a body text part from data[0..size), which must have room for one
 * byte more: line ends become LF, a last line end is added if missing, and
 * the text must be UTF-8 (what names it in the error message).
 */
static void text_part_make(struct body_part *p, const char *type,
                           unsigned char *data, size_t size, const char *what)
{
    size_t bad;

    size = crlf_to_lf(data, size, data);
    if (!utf8_is_valid(data, size, &bad))
        errx(EX_DATAERR, "%s is not UTF-8 (byte %zu); convert it first, "
             "e.g. iconv -f latin1 -t utf-8", what, bad + 1);
    if (size > 0 && data[size - 1] != '\n')
        data[size++] = '\n';
    p->type = type;
    p->charset = is_ascii(data, size) ? "us-ascii" : "utf-8";
    p->filename = NULL;
    p->encoding = text_encoding(data, size);
    p->data = data;
    p->size = size;
}

/* Text we may send as text: UTF-8, with no NUL and no CR, which LF line
 * ends could not carry. */
static bool is_plain_text(const unsigned char *s, size_t n)
{
    return utf8_is_valid(s, n, NULL) && !memchr(s, '\0', n) && !memchr(s, '\r', n);
}

/* A message to attach as message/rfc822 unencoded (RFC 2046 5.2.1 allows
 * only 7bit, 8bit, binary): ASCII lines of at most 998 characters. */
static bool is_7bit_message(const unsigned char *s, size_t n)
{
    size_t column = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            column = 0;
        else if (s[i] == '\0' || s[i] == '\r' || s[i] >= 0x80 ||
                 ++column > MIME_LINE_MAX)
            return false;
    }
    return true;
}

static const char *last_component(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

/* Makes an attachment from the file at path; its type from its name. */
static void attachment_make(struct body_part *p, const char *path)
{
    file_load(path, &p->data, &p->size);
    p->filename = last_component(path);
    p->type = type_for_filename(path);
    p->charset = NULL;
    p->encoding = MIME_ENC_BASE64;
    if (strncmp(p->type, "text/", 5) == 0 && is_plain_text(p->data, p->size)) {
        p->charset = is_ascii(p->data, p->size) ? "us-ascii" : "utf-8";
        p->encoding = text_encoding(p->data, p->size);
    } else if (strcmp(p->type, "message/rfc822") == 0) {
        if (is_7bit_message(p->data, p->size))
            p->encoding = MIME_ENC_7BIT;
        else
            p->type = "application/octet-stream";
    }
}

/* Loads the texts and files named on the command line into b->parts. */
static void parts_load(struct build *b)
{
    size_t n = 2 + b->attachment_count;

    b->parts = calloc(n, sizeof *b->parts);
    if (!b->parts)
        errx(EX_OSERR, "out of memory");
    if (b->text) {
        size_t len = strlen(b->text);
        unsigned char *copy = malloc(len + 1);
        if (!copy)
            errx(EX_OSERR, "out of memory");
        memcpy(copy, b->text, len);
        text_part_make(&b->parts[b->part_count++], "text/plain", copy, len,
                       "--text");
    } else if (b->text_file) {
        unsigned char *data;
        size_t size;
        file_load(b->text_file, &data, &size);
        text_part_make(&b->parts[b->part_count++], "text/plain", data, size,
                       b->text_file);
    }
    if (b->html_file) {
        unsigned char *data;
        size_t size;
        file_load(b->html_file, &data, &size);
        text_part_make(&b->parts[b->part_count++], "text/html", data, size,
                       b->html_file);
    }
    for (size_t i = 0; i < b->attachment_count; i++)
        attachment_make(&b->parts[b->part_count++], b->attachments[i]);
}

/* True if no 7bit part holds the text of boundary. */
static bool boundary_is_unused(const struct build *b, const char *boundary)
{
    size_t blen = strlen(boundary);

    for (size_t i = 0; i < b->part_count; i++) {
        const struct body_part *p = &b->parts[i];
        if (p->encoding != MIME_ENC_7BIT || p->size < blen)
            continue;
        for (size_t j = 0; j + blen <= p->size; j++)
            if (memcmp(p->data + j, boundary, blen) == 0)
                return false;
    }
    return true;
}

static void boundary_make(const struct build *b, char *boundary)
{
    do {
        memcpy(boundary, BOUNDARY_PREFIX, sizeof BOUNDARY_PREFIX - 1);
        mime_random_hex(boundary + sizeof BOUNDARY_PREFIX - 1, BOUNDARY_RANDOM_BYTES);
    } while (!boundary_is_unused(b, boundary));
}

/* A multipart node of the given subtype with room for count children. */
static struct entity *multipart_make(const struct build *b, const char *subtype,
                                     size_t count)
{
    struct entity *e = calloc(1, sizeof *e);

    if (!e || !(e->children = calloc(count, sizeof *e->children)))
        errx(EX_OSERR, "out of memory");
    e->subtype = subtype;
    boundary_make(b, e->boundary);
    return e;
}

/* Arranges b->parts into the tree described at the top of this file. */
static struct entity *tree_make(struct build *b)
{
    size_t texts = b->part_count - b->attachment_count;
    struct entity *body = NULL, *mixed;

    if (texts == 0 && b->attachment_count == 0) {
        unsigned char *empty = malloc(1);
        if (!empty)
            errx(EX_OSERR, "out of memory");
        text_part_make(&b->parts[b->part_count++], "text/plain", empty, 0,
                       "the text");
        texts = 1;
    }
    if (texts == 2) {
        body = multipart_make(b, "alternative", 2);
        body->children[0].leaf = &b->parts[0];
        body->children[1].leaf = &b->parts[1];
        body->child_count = 2;
    } else if (texts == 1) {
        body = calloc(1, sizeof *body);
        if (!body)
            errx(EX_OSERR, "out of memory");
        body->leaf = &b->parts[0];
    }
    if (b->attachment_count == 0)
        return body;
    mixed = multipart_make(b, "mixed", 1 + b->attachment_count);
    if (body) {
        mixed->children[mixed->child_count++] = *body;
        free(body);
    }
    for (size_t i = 0; i < b->attachment_count; i++)
        mixed->children[mixed->child_count++].leaf = &b->parts[texts + i];
    return mixed;
}

/* Content-Type, Content-Transfer-Encoding and, for a file,
 * Content-Disposition (RFC 2183) of a leaf. */
static void leaf_headers_write(FILE *out, const struct body_part *p)
{
    static const char *const encoding_names[] = {
        [MIME_ENC_7BIT] = "7bit",
        [MIME_ENC_QUOTED_PRINTABLE] = "quoted-printable",
        [MIME_ENC_BASE64] = "base64",
    };
    struct header_writer w;

    header_begin(&w, out, "Content-Type");
    header_token(&w, " ", p->type, strlen(p->type));
    if (p->charset)
        header_param(&w, "charset", p->charset);
    if (p->filename)
        header_param(&w, "name", p->filename);
    header_end(&w);
    fprintf(out, "Content-Transfer-Encoding: %s\n", encoding_names[p->encoding]);
    if (p->filename) {
        header_begin(&w, out, "Content-Disposition");
        header_token(&w, " ", "attachment", strlen("attachment"));
        header_param(&w, "filename", p->filename);
        header_end(&w);
    }
}

static void leaf_body_write(FILE *out, const struct body_part *p)
{
    if (p->encoding == MIME_ENC_BASE64)
        mime_base64_encode(p->data, p->size, out);
    else if (p->encoding == MIME_ENC_QUOTED_PRINTABLE)
        qp_encode(p->data, p->size, out);
    else
        fwrite(p->data, 1, p->size, out);
}

/*
 * Writes an entity: its content header fields, an empty line, its body.
 * A multipart body is each child after a "--boundary" line, then
 * "--boundary--" (RFC 2046 5.1.1); the line end before a delimiter belongs
 * to the delimiter, so a part's body is exactly what it holds. Nothing is
 * written after the close delimiter: the caller ends the line.
 */
static void entity_write(FILE *out, const struct entity *e, bool top)
{
    struct header_writer w;
    char type[32];

    if (e->leaf) {
        leaf_headers_write(out, e->leaf);
        putc('\n', out);
        leaf_body_write(out, e->leaf);
        return;
    }
    snprintf(type, sizeof type, "multipart/%s", e->subtype);
    header_begin(&w, out, "Content-Type");
    header_token(&w, " ", type, strlen(type));
    header_param(&w, "boundary", e->boundary);
    header_end(&w);
    putc('\n', out);
    if (top)                                /* the preamble (RFC 2046 5.1.1) */
        fputs("This is a multi-part message in MIME format.\n", out);
    for (size_t i = 0; i < e->child_count; i++) {
        fprintf(out, "--%s\n", e->boundary);
        entity_write(out, &e->children[i], false);
        putc('\n', out);
    }
    fprintf(out, "--%s--", e->boundary);
}

static void entity_free(struct entity *e, bool top)
{
    for (size_t i = 0; i < e->child_count; i++)
        entity_free(&e->children[i], false);
    free(e->children);
    if (top)
        free(e);
}

/* The Date field (RFC 5322 3.6.1), now. */
static void date_write(FILE *out)
{
    char date[MIME_DATE_SIZE];

    if (mime_date_now(date) != 0)
        errx(EX_OSERR, "cannot read the clock");
    fprintf(out, "Date: %s\n", date);
}

/* The Message-ID field (RFC 5322 3.6.4), unique worldwide. */
static void message_id_write(FILE *out)
{
    char id[MIME_MESSAGE_ID_SIZE];

    mime_message_id_make(id);
    fprintf(out, "Message-ID: %s\n", id);
}

static void message_write(FILE *out, const struct build *b,
                          const struct entity *root)
{
    struct header_writer w;

    /* The order of RFC 5322 3.6: origination, addresses, identification. */
    date_write(out);
    address_list_write(out, "From", &b->from);
    address_list_write(out, "To", &b->to);
    if (b->cc.count > 0)
        address_list_write(out, "Cc", &b->cc);
    if (b->bcc.count > 0)
        address_list_write(out, "Bcc", &b->bcc);
    header_begin(&w, out, "Subject");
    header_text(&w, b->subject);
    header_end(&w);
    message_id_write(out);
    fputs("MIME-Version: 1.0\n", out);     /* RFC 2045 4 */
    entity_write(out, root, true);
    if (!root->leaf)
        putc('\n', out);
}

int cmd_build(int argc, char **argv)
{
    struct build b = { 0 };
    struct entity *root;

    options_read(&b, argc, argv);
    subject_check(b.subject);
    parts_load(&b);
    root = tree_make(&b);
    message_write(stdout, &b, root);
    stdout_finish();
    entity_free(root, true);
    for (size_t i = 0; i < b.part_count; i++)
        free(b.parts[i].data);
    free(b.parts);
    free(b.attachments);
    address_list_free(&b.from);
    address_list_free(&b.to);
    address_list_free(&b.cc);
    address_list_free(&b.bcc);
    return EX_OK;
}
