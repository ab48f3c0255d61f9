/*
 * mime_parse.c - a message in memory becomes a tree of parts (RFC 2045, 2046).
 *
 * An entity is a header block and a body. A multipart body is cut at its
 * boundary lines into entities, each parsed the same way, one level deeper;
 * a message/rfc822 body is one entity. Any other body is a leaf, decoded
 * from its Content-Transfer-Encoding.
 */
#include "mime_parse.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime_decode.h"
#include "mime_header.h"
#include "mime_limits.h"

struct parser {
    size_t parts;               /* parts made so far, for MIME_PARTS_MAX */
    struct mime_error *err;
};

static const char *const defect_texts[MIME_DEFECT_COUNT] = {
    "a header line is not a field; the header ends there (RFC 5322 2.2)",
    "Content-Type not understood; taken as text/plain (RFC 2045 5.2)",
    "malformed or too many parameters; some were ignored (RFC 2045 5.1)",
    "multipart without a boundary parameter; kept as one part (RFC 2046 5.1.1)",
    "boundary longer than 70 characters; kept as one part (RFC 2046 5.1.1)",
    "the boundary never appears in the body; kept as one part (RFC 2046 5.1.1)",
    "no closing boundary line; the last part runs to the end (RFC 2046 5.1.1)",
    "characters outside the base64 alphabet were ignored (RFC 2045 6.8)",
    "base64 ends in the middle of a group; its last bits are lost (RFC 2045 6.8)",
    "a '=' not followed by two hex digits was kept as it is (RFC 2045 6.7)",
    "unknown Content-Transfer-Encoding; the body is kept as it is (RFC 2045 6.4)",
};

const char *mime_defect_text(unsigned defect)
{
    for (int i = 0; i < MIME_DEFECT_COUNT; i++)
        if (defect == 1u << i)
            return defect_texts[i];
    return NULL;
}

const char *mime_header_value(const struct mime_part *part, const char *name)
{
    for (size_t i = 0; i < part->header_count; i++)
        if (strcasecmp(part->headers[i].name, name) == 0)
            return part->headers[i].value;
    return NULL;
}

int mime_is_multipart(const struct mime_part *part)
{
    return strncmp(part->type, "multipart/", 10) == 0;
}

const char *mime_root_section(const struct mime_part *root)
{
    return mime_is_multipart(root) ? "" : "1";
}

int mime_child_section(const struct mime_part *parent, int index,
                       const char *section, char *out, size_t size)
{
    bool in_message = !mime_is_multipart(parent);
    bool shares = in_message && parent->child && mime_is_multipart(parent->child);
    int n;

    if (shares)
        n = snprintf(out, size, "%s", section);
    else
        n = snprintf(out, size, "%s%s%d", section, section[0] ? "." : "",
                     in_message ? 1 : index);
    if (n < 0 || (size_t)n >= size)
        return -1;
    return !shares;
}

static enum mime_status fail(struct parser *ps, enum mime_status status,
                             const char *text)
{
    ps->err->status = status;
    snprintf(ps->err->text, sizeof ps->err->text, "%s", text);
    return status;
}

/* RFC 2045 5.1: type "/" subtype, both tokens. */
static bool media_type_is_valid(const char *s)
{
    const char *slash = strchr(s, '/');

    if (!slash || slash == s || slash[1] == '\0' || strchr(slash + 1, '/'))
        return false;
    for (; *s != '\0'; s++)
        if (*s <= ' ' || *s >= 127 || strchr("()<>@,;:\\\"[]?=", *s))
            return false;
    return true;
}

static char *string_lower(const char *s)
{
    char *copy = s ? strdup(s) : NULL;

    for (char *p = copy; p && *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    return copy;
}

/* Strdup that keeps NULL as NULL; *ok goes false if memory ran out. */
static char *copy_or_null(const char *s, bool *ok)
{
    char *copy = s ? strdup(s) : NULL;

    if (s && !copy)
        *ok = false;
    return copy;
}

/* Content-Type (RFC 2045 5): type, charset, boundary and the name
 * parameter, which is the file name if Content-Disposition has none. */
static enum mime_status read_content_type(struct mime_part *part,
                                          const char *default_type)
{
    const char *value = mime_header_value(part, "Content-Type");
    struct mime_field f;
    bool ok = true;

    if (!value) {
        part->type = strdup(default_type);
        return part->type ? MIME_OK : MIME_ERR_NOMEM;
    }
    if (field_parse(value, &f, &part->defects) != MIME_OK)
        return MIME_ERR_NOMEM;
    if (media_type_is_valid(f.value)) {
        part->type = f.value;
        f.value = NULL;
    } else {
        part->defects |= MIME_DEFECT_CONTENT_TYPE;
        part->type = copy_or_null("text/plain", &ok);
    }
    if (field_param_raw(&f, "charset")) {
        part->charset = string_lower(field_param_raw(&f, "charset"));
        ok = ok && part->charset;
    }
    part->boundary = copy_or_null(field_param_raw(&f, "boundary"), &ok);
    if (field_param_raw(&f, "name") || field_param_raw(&f, "name*") ||
        field_param_raw(&f, "name*0") || field_param_raw(&f, "name*0*")) {
        part->filename = field_param(&f, "name");
        ok = ok && part->filename;
    }
    field_free(&f);
    return ok && part->type ? MIME_OK : MIME_ERR_NOMEM;
}

/* Content-Disposition (RFC 2183): the disposition and its file name. */
static enum mime_status read_disposition(struct mime_part *part)
{
    const char *value = mime_header_value(part, "Content-Disposition");
    struct mime_field f;
    char *filename;

    if (!value)
        return MIME_OK;
    if (field_parse(value, &f, &part->defects) != MIME_OK)
        return MIME_ERR_NOMEM;
    if (f.value[0] != '\0') {
        part->disposition = f.value;
        f.value = NULL;
    }
    filename = field_param(&f, "filename");
    if (filename) {
        free(part->filename);
        part->filename = filename;
    }
    field_free(&f);
    return MIME_OK;
}

static const struct {
    const char *name;
    enum mime_encoding encoding;
} encodings[] = {
    { "7bit", MIME_ENC_7BIT },
    { "8bit", MIME_ENC_8BIT },
    { "binary", MIME_ENC_BINARY },
    { "quoted-printable", MIME_ENC_QUOTED_PRINTABLE },
    { "base64", MIME_ENC_BASE64 },
};

/* Content-Transfer-Encoding (RFC 2045 6.1); 7bit when absent (6.1). */
static enum mime_status read_encoding(struct mime_part *part)
{
    const char *value = mime_header_value(part, "Content-Transfer-Encoding");
    struct mime_field f;

    part->encoding = MIME_ENC_7BIT;
    if (!value) {
        part->encoding_name = strdup("7bit");
        return part->encoding_name ? MIME_OK : MIME_ERR_NOMEM;
    }
    if (field_parse(value, &f, &part->defects) != MIME_OK)
        return MIME_ERR_NOMEM;
    part->encoding_name = f.value;
    f.value = NULL;
    field_free(&f);
    part->encoding = MIME_ENC_UNKNOWN;
    for (size_t i = 0; i < sizeof encodings / sizeof encodings[0]; i++)
        if (strcmp(part->encoding_name, encodings[i].name) == 0)
            part->encoding = encodings[i].encoding;
    return MIME_OK;
}

/* Decodes a leaf's body into part->data. */
static enum mime_status leaf_decode(struct mime_part *part)
{
    unsigned problems = 0;
    size_t capacity = part->raw_size + 1;

    if (part->encoding == MIME_ENC_BASE64)
        capacity = mime_base64_decoded_capacity(part->raw_size);
    part->data = malloc(capacity);
    if (!part->data)
        return MIME_ERR_NOMEM;
    switch (part->encoding) {
    case MIME_ENC_7BIT:
    case MIME_ENC_8BIT:         /* lines of text (RFC 2045 2.7, 2.8) */
        part->data_size = crlf_to_lf(part->raw, part->raw_size, part->data);
        break;
    case MIME_ENC_QUOTED_PRINTABLE:
        part->data_size = qp_decode(part->raw, part->raw_size, part->data,
                                    &problems);
        break;
    case MIME_ENC_BASE64:
        part->data_size = mime_base64_decode(part->raw, part->raw_size,
                                             part->data, &problems);
        break;
    case MIME_ENC_UNKNOWN:          /* kept as it is, and reported */
    case MIME_ENC_BINARY:
        if (part->raw_size > 0)
            memcpy(part->data, part->raw, part->raw_size);
        part->data_size = part->raw_size;
        break;
    }
    if (part->encoding == MIME_ENC_UNKNOWN)
        part->defects |= MIME_DEFECT_UNKNOWN_ENCODING;
    if (problems & DECODE_BAD_CHARACTERS)
        part->defects |= MIME_DEFECT_BASE64_CHARACTERS;
    if (problems & DECODE_TRUNCATED)
        part->defects |= MIME_DEFECT_BASE64_TRUNCATED;
    if (problems & DECODE_BAD_ESCAPE)
        part->defects |= MIME_DEFECT_QP_ESCAPE;
    return MIME_OK;
}

static enum mime_status entity_parse(struct parser *ps, const unsigned char *s,
                                     size_t n, unsigned depth,
                                     const char *default_type,
                                     struct mime_part **out);

/* Kinds of line in a multipart body (RFC 2046 5.1.1). */
enum delimiter { NOT_DELIMITER, DELIMITER, CLOSE_DELIMITER };

/* Is line[0..n) "--boundary" or "--boundary--", with optional white
 * space after it ("transport padding")? */
static enum delimiter delimiter_kind(const unsigned char *line, size_t n,
                                     const char *boundary, size_t blen)
{
    enum delimiter kind = DELIMITER;
    size_t i = 2 + blen;

    if (n < i || line[0] != '-' || line[1] != '-' ||
        memcmp(line + 2, boundary, blen) != 0)
        return NOT_DELIMITER;
    if (n >= i + 2 && line[i] == '-' && line[i + 1] == '-') {
        kind = CLOSE_DELIMITER;
        i += 2;
    }
    for (; i < n; i++)
        if (line[i] != ' ' && line[i] != '\t')
            return NOT_DELIMITER;
    return kind;
}

/* The line at s[pos..n): sets *text_end (before CRLF or LF); returns the
 * start of the next line. */
static size_t next_line(const unsigned char *s, size_t n, size_t pos,
                        size_t *text_end)
{
    const unsigned char *lf = memchr(s + pos, '\n', n - pos);
    size_t end = lf ? (size_t)(lf - s) : n;

    *text_end = end > pos && lf && s[end - 1] == '\r' ? end - 1 : end;
    return lf ? end + 1 : n;
}

/* Parses body[start..end) as the next part of a multipart, linked after
 * *tail; the line end before a delimiter belongs to the delimiter. */
static enum mime_status child_add(struct parser *ps, struct mime_part *parent,
                                  struct mime_part ***tail, size_t start,
                                  size_t end, unsigned depth)
{
    const char *default_type =
        strcmp(parent->type, "multipart/digest") == 0 ? "message/rfc822"
                                                      : "text/plain";

    if (end > start && parent->raw[end - 1] == '\n')
        end--;
    if (end > start && parent->raw[end - 1] == '\r')
        end--;
    if (end < start)
        end = start;
    if (entity_parse(ps, parent->raw + start, end - start, depth + 1,
                     default_type, *tail) != MIME_OK)
        return ps->err->status;
    *tail = &(**tail)->next;
    return MIME_OK;
}

/* Cuts a multipart body at its boundary lines (RFC 2046 5.1.1); what comes
 * before the first (the preamble) and after the last (the epilogue) is
 * ignored. Keeps the body as one leaf when it has no usable boundary. */
static enum mime_status multipart_parse(struct parser *ps,
                                        struct mime_part *part, unsigned depth)
{
    const unsigned char *body = part->raw;
    size_t n = part->raw_size, pos = 0, start = 0;
    size_t blen = part->boundary ? strlen(part->boundary) : 0;
    struct mime_part **tail = &part->child;
    bool in_part = false;

    if (!part->boundary || blen == 0) {
        part->defects |= MIME_DEFECT_NO_BOUNDARY;
        return leaf_decode(part);
    }
    if (blen > MIME_BOUNDARY_MAX) {
        part->defects |= MIME_DEFECT_BOUNDARY_TOO_LONG;
        return leaf_decode(part);
    }
    while (pos < n) {
        size_t text_end, next = next_line(body, n, pos, &text_end);
        enum delimiter kind = delimiter_kind(body + pos, text_end - pos,
                                             part->boundary, blen);
        if (kind != NOT_DELIMITER) {
            if (in_part && child_add(ps, part, &tail, start, pos, depth) != MIME_OK)
                return ps->err->status;
            if (kind == CLOSE_DELIMITER)
                return MIME_OK;
            in_part = true;
            start = next;
        }
        pos = next;
    }
    if (!in_part) {
        part->defects |= MIME_DEFECT_NO_DELIMITER;
        return leaf_decode(part);
    }
    part->defects |= MIME_DEFECT_NO_CLOSE_DELIMITER;
    return child_add(ps, part, &tail, start, n, depth);
}

/* message/rfc822 (RFC 2046 5.2.1) holds a message, which we parse, if it
 * is not encoded (5.2.1 allows only 7bit, 8bit and binary). */
static bool holds_message(const struct mime_part *part)
{
    return (strcmp(part->type, "message/rfc822") == 0 ||
            strcmp(part->type, "message/global") == 0) &&
           (part->encoding == MIME_ENC_7BIT || part->encoding == MIME_ENC_8BIT ||
            part->encoding == MIME_ENC_BINARY);
}

/* Parses the entity s[0..n) at the given depth into *out (set even on
 * failure, so that the caller frees everything). */
static enum mime_status entity_parse(struct parser *ps, const unsigned char *s,
                                     size_t n, unsigned depth,
                                     const char *default_type,
                                     struct mime_part **out)
{
    struct mime_part *part;
    size_t body_start;

    *out = NULL;
    if (depth > MIME_DEPTH_MAX)
        return fail(ps, MIME_ERR_LIMIT, "parts nested deeper than "
                    "MIME_DEPTH_MAX (100 levels)");
    if (++ps->parts > MIME_PARTS_MAX)
        return fail(ps, MIME_ERR_LIMIT, "more parts than MIME_PARTS_MAX (10000)");
    part = *out = calloc(1, sizeof *part);
    if (!part)
        return fail(ps, MIME_ERR_NOMEM, "out of memory");
    if (header_block_parse(s, n, part, &body_start, ps->err) != MIME_OK)
        return ps->err->status;
    part->raw = s + body_start;
    part->raw_size = n - body_start;
    if (read_content_type(part, default_type) != MIME_OK ||
        read_disposition(part) != MIME_OK || read_encoding(part) != MIME_OK)
        return fail(ps, MIME_ERR_NOMEM, "out of memory");
    if (mime_is_multipart(part))
        return multipart_parse(ps, part, depth);
    if (holds_message(part))
        return entity_parse(ps, part->raw, part->raw_size, depth + 1,
                            "text/plain", &part->child);
    if (leaf_decode(part) != MIME_OK)
        return fail(ps, MIME_ERR_NOMEM, "out of memory");
    return MIME_OK;
}

enum mime_status mime_parse(const unsigned char *msg, size_t size,
                            struct mime_part **root, struct mime_error *err)
{
    struct parser ps = { 0, err };
    enum mime_status status;

    err->status = MIME_OK;
    err->text[0] = '\0';
    *root = NULL;
    if (size > MIME_MESSAGE_MAX)
        return fail(&ps, MIME_ERR_LIMIT, "larger than MIME_MESSAGE_MAX (256 MiB)");
    status = entity_parse(&ps, msg, size, 0, "text/plain", root);
    if (status == MIME_OK && (*root)->header_count == 0)
        status = fail(&ps, MIME_ERR_FORMAT, "no header fields at the start: "
                      "not a mail message (RFC 5322 2.1)");
    if (status != MIME_OK) {
        mime_free(*root);
        *root = NULL;
    }
    return status;
}

static void part_free(struct mime_part *part)
{
    for (size_t i = 0; i < part->header_count; i++) {
        free(part->headers[i].name);
        free(part->headers[i].value);
    }
    free(part->headers);
    free(part->type);
    free(part->charset);
    free(part->boundary);
    free(part->disposition);
    free(part->filename);
    free(part->encoding_name);
    free(part->data);
    free(part);
}

void mime_free(struct mime_part *root)
{
    /* Depth is at most MIME_DEPTH_MAX, so recursing on children is safe;
     * siblings, which can be many, are walked in a loop. */
    while (root) {
        struct mime_part *next = root->next;
        mime_free(root->child);
        part_free(root);
        root = next;
    }
}
