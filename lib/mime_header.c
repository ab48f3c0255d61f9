/*
 * mime_header.c - header fields: the header block, parameters, RFC 2231 values
 * and RFC 2047 encoded-words.
 */
#include "mime_header.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime_charset.h"
#include "mime_decode.h"

/* Longest charset name we take from an encoded-word or RFC 2231 value;
 * IANA's longest registered name is 45 characters. */
#define CHARSET_NAME_MAX 64

static bool is_wsp(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* The line starting at s[pos]: sets *text_end to where its text ends
 * (before CRLF or LF) and returns where the next line starts (n if none). */
static size_t line_next(const unsigned char *s, size_t n, size_t pos,
                        size_t *text_end)
{
    const unsigned char *lf = memchr(s + pos, '\n', n - pos);
    size_t end = lf ? (size_t)(lf - s) : n;

    *text_end = end;
    if (lf && end > pos && s[end - 1] == '\r')
        (*text_end)--;
    return lf ? end + 1 : n;
}

/* If line[0..n) starts a header field, returns the offset of its colon and
 * sets *name_len; else returns 0. RFC 5322 2.2: a field name is printable
 * ASCII but ':'; white space before the colon is obsolete syntax
 * (RFC 5322 4.5.8) that we accept. */
static size_t field_colon(const unsigned char *line, size_t n,
                          size_t *name_len)
{
    size_t i = 0;

    while (i < n && line[i] > 32 && line[i] < 127 && line[i] != ':')
        i++;
    *name_len = i;
    while (i < n && is_wsp(line[i]))
        i++;
    if (*name_len == 0 || i == n || line[i] != ':')
        return 0;
    return i;
}

/* Unfolds value[0..n) (RFC 5322 2.2.3: line breaks removed, the white
 * space after them kept) and trims white space around it. NUL bytes become
 * spaces so the value can be a C string. Returns malloc'd text or NULL. */
static char *value_unfold(const unsigned char *value, size_t n)
{
    char *out = malloc(n + 1);
    size_t len = 0, start = 0;

    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (value[i] == '\r' || value[i] == '\n')
            continue;
        out[len++] = value[i] == '\0' ? ' ' : (char)value[i];
    }
    while (len > 0 && is_wsp((unsigned char)out[len - 1]))
        len--;
    while (start < len && is_wsp((unsigned char)out[start]))
        start++;
    memmove(out, out + start, len - start);
    out[len - start] = '\0';
    return out;
}

/* Appends a field to part->headers; returns MIME_OK or MIME_ERR_NOMEM. */
static enum mime_status header_add(struct mime_part *part,
                                   const unsigned char *field, size_t name_len,
                                   size_t colon, size_t field_len)
{
    struct mime_header *grown, *h;
    size_t count = part->header_count;

    /* Grow in powers of two: 1, 2, 4... */
    if ((count & (count - 1)) == 0) {
        grown = realloc(part->headers, (count ? count * 2 : 1) * sizeof *grown);
        if (!grown)
            return MIME_ERR_NOMEM;
        part->headers = grown;
    }
    h = &part->headers[count];
    h->name = strndup((const char *)field, name_len);
    h->value = value_unfold(field + colon + 1, field_len - colon - 1);
    h->raw = field;
    h->raw_size = field_len;
    part->header_count++;
    if (!h->name || !h->value)
        return MIME_ERR_NOMEM;
    return MIME_OK;
}

static enum mime_status fail(struct mime_error *err, enum mime_status status,
                             const char *text)
{
    err->status = status;
    snprintf(err->text, sizeof err->text, "%s", text);
    return status;
}

/* The end of the field whose first line ends at next: its folded
 * continuation lines (starting with a space or tab) belong to it. Stops
 * early once the field passes MIME_HEADER_MAX. */
static size_t field_end(const unsigned char *s, size_t n, size_t start,
                        size_t next)
{
    size_t end = next, text_end;

    while (end < n && is_wsp(s[end]) && end - start <= MIME_HEADER_MAX)
        end = line_next(s, n, end, &text_end);
    return end;
}

enum mime_status header_block_parse(const unsigned char *s, size_t n,
                                    struct mime_part *part, size_t *body_start,
                                    struct mime_error *err)
{
    size_t pos = 0;

    *body_start = n;
    while (pos < n) {
        size_t text_end, next = line_next(s, n, pos, &text_end);
        size_t name_len, colon, end;

        if (text_end == pos) {              /* the empty line (RFC 5322 2.1) */
            *body_start = next;
            return MIME_OK;
        }
        if (text_end - pos > MIME_HEADER_MAX)
            return fail(err, MIME_ERR_LIMIT, "a header line is longer than "
                        "MIME_HEADER_MAX (102400 bytes)");
        if (is_wsp(s[pos])) {               /* folded, but nothing to fold into */
            part->defects |= MIME_DEFECT_HEADER_SYNTAX;
            pos = next;
            continue;
        }
        colon = field_colon(s + pos, text_end - pos, &name_len);
        if (colon == 0) {
            if (pos == 0 && text_end >= 5 && memcmp(s, "From ", 5) == 0) {
                pos = next;                 /* an mbox "From " line */
                continue;
            }
            part->defects |= MIME_DEFECT_HEADER_SYNTAX;
            *body_start = pos;
            return MIME_OK;
        }
        end = field_end(s, n, pos, next);
        if (end - pos > MIME_HEADER_MAX)
            return fail(err, MIME_ERR_LIMIT, "a header field is longer than "
                        "MIME_HEADER_MAX (102400 bytes)");
        if (part->header_count == MIME_HEADER_FIELDS_MAX)
            return fail(err, MIME_ERR_LIMIT, "more header fields than "
                        "MIME_HEADER_FIELDS_MAX (1000)");
        if (header_add(part, s + pos, name_len, colon, end - pos) != MIME_OK)
            return fail(err, MIME_ERR_NOMEM, "out of memory");
        pos = end;
    }
    return MIME_OK;                         /* headers only, no body */
}

/* Skips white space and comments (RFC 5322 3.2.2: "(...)", nested, with
 * backslash quoting). */
static const char *skip_cfws(const char *p)
{
    for (;;) {
        int depth = 0;

        while (is_wsp((unsigned char)*p))
            p++;
        if (*p != '(')
            return p;
        do {
            if (*p == '\\' && p[1] != '\0')
                p++;
            else if (*p == '(')
                depth++;
            else if (*p == ')')
                depth--;
            p++;
        } while (*p != '\0' && depth > 0);
    }
}

/* Copies the run of bytes at *p up to white space, '\0' or one of stop;
 * advances *p past it. Lower-cases the copy if lower. NULL: no memory. */
static char *token_copy(const char **p, const char *stop, bool lower)
{
    const char *start = *p;
    char *out;
    size_t len;

    while (**p != '\0' && !is_wsp((unsigned char)**p) && !strchr(stop, **p))
        (*p)++;
    len = (size_t)(*p - start);
    out = strndup(start, len);
    if (out && lower)
        for (size_t i = 0; i < len; i++)
            out[i] = (char)tolower((unsigned char)out[i]);
    return out;
}

/* Copies the quoted-string at *p (which is '"'), without its quotes and
 * backslashes (RFC 5322 3.2.4); an unclosed one runs to the end. */
static char *quoted_copy(const char **p)
{
    const char *s = *p + 1;
    char *out = malloc(strlen(s) + 1);
    size_t len = 0;

    if (!out)
        return NULL;
    while (*s != '\0' && *s != '"') {
        if (*s == '\\' && s[1] != '\0')
            s++;
        out[len++] = *s++;
    }
    out[len] = '\0';
    *p = *s == '"' ? s + 1 : s;
    return out;
}

/* Skips to the next ';' (outside quotes) or the end. */
static const char *skip_to_semicolon(const char *p)
{
    bool quoted = false;

    for (; *p != '\0'; p++) {
        if (*p == '\\' && quoted && p[1] != '\0')
            p++;
        else if (*p == '"')
            quoted = !quoted;
        else if (*p == ';' && !quoted)
            break;
    }
    return p;
}

/* Reads one "name=value" at p (after its ';'); stores it in f or records
 * a defect. Returns where parsing goes on, or NULL if out of memory. */
static const char *param_read(const char *p, struct mime_field *f,
                              unsigned *defects)
{
    char *name, *value;

    name = token_copy(&p, "=;(", true);
    if (!name)
        return NULL;
    p = skip_cfws(p);
    if (*name == '\0' || *p != '=') {
        *defects |= MIME_DEFECT_PARAMETERS;
        free(name);
        return skip_to_semicolon(p);
    }
    p = skip_cfws(p + 1);
    /* Unquoted values stop only at ';' and white space: real mail has
     * boundary=----=_Part_1 unquoted, though '=' is a tspecial. */
    value = *p == '"' ? quoted_copy(&p) : token_copy(&p, ";", false);
    if (!value) {
        free(name);
        return NULL;
    }
    if (f->param_count == MIME_PARAMS_MAX) {
        *defects |= MIME_DEFECT_PARAMETERS;
        free(name);
        free(value);
        return p + strlen(p);
    }
    f->params[f->param_count].name = name;
    f->params[f->param_count].value = value;
    f->param_count++;
    return skip_cfws(p);
}

enum mime_status field_parse(const char *s, struct mime_field *f,
                             unsigned *defects)
{
    const char *p = skip_cfws(s);

    f->param_count = 0;
    f->value = token_copy(&p, ";(", true);
    if (!f->value)
        return MIME_ERR_NOMEM;
    p = skip_cfws(p);
    while (*p != '\0') {
        if (*p != ';') {                    /* junk where a ';' should be */
            *defects |= MIME_DEFECT_PARAMETERS;
            p = skip_to_semicolon(p);
            continue;
        }
        p = skip_cfws(p + 1);
        if (*p == '\0' || *p == ';')
            continue;
        p = param_read(p, f, defects);
        if (!p) {
            field_free(f);
            return MIME_ERR_NOMEM;
        }
    }
    return MIME_OK;
}

void field_free(struct mime_field *f)
{
    free(f->value);
    f->value = NULL;
    for (size_t i = 0; i < f->param_count; i++) {
        free(f->params[i].name);
        free(f->params[i].value);
    }
    f->param_count = 0;
}

const char *field_param_raw(const struct mime_field *f, const char *name)
{
    for (size_t i = 0; i < f->param_count; i++)
        if (strcmp(f->params[i].name, name) == 0)
            return f->params[i].value;
    return NULL;
}

/* Closes the memory stream and returns its buffer (which fclose() sets),
 * or NULL on failure. */
static char *memstream_finish(FILE *mem, char **buf)
{
    if (fclose(mem) != 0) {
        free(*buf);
        return NULL;
    }
    return *buf;
}

/* Writes s with RFC 2231 %XX escapes decoded (a bad '%' is kept). */
static void percent_decode(const char *s, FILE *out)
{
    for (; *s != '\0'; s++) {
        int hi, lo;
        if (*s == '%' && (hi = hex_value((unsigned char)s[1])) >= 0 &&
            (lo = hex_value((unsigned char)s[2])) >= 0) {
            putc(hi << 4 | lo, out);
            s += 2;
        } else {
            putc(*s, out);
        }
    }
}

/* RFC 2231 4: an extended value starts "charset'language'". Copies the
 * charset into cs (empty if none or too long) and returns the text after
 * the second quote, or s itself when the value has no such prefix. */
static const char *extended_prefix(const char *s, char cs[CHARSET_NAME_MAX])
{
    const char *q1 = strchr(s, '\''), *q2;

    cs[0] = '\0';
    if (!q1 || !(q2 = strchr(q1 + 1, '\'')))
        return s;
    if ((size_t)(q1 - s) < CHARSET_NAME_MAX) {
        memcpy(cs, s, (size_t)(q1 - s));
        cs[q1 - s] = '\0';
    }
    return q2 + 1;
}

/* Converts the bytes in[0..n) of charset cs ("" for none) to a malloc'd
 * UTF-8 string; NULL if no memory. */
static char *bytes_to_utf8(const char *cs, const char *in, size_t n)
{
    char *buf = NULL;
    size_t len;
    FILE *mem = open_memstream(&buf, &len);

    if (!mem)
        return NULL;
    charset_to_utf8(cs[0] ? cs : NULL, (const unsigned char *)in, n, mem);
    return memstream_finish(mem, &buf);
}

/* Decodes RFC 2231 sections name*0, name*1... (3) or name* alone (4),
 * each plain or extended ("*" at the end). NULL if there are none. */
static char *rfc2231_value(const struct mime_field *f, const char *name)
{
    char key[96], cs[CHARSET_NAME_MAX] = "";
    char *bytes = NULL, *result;
    size_t len;
    FILE *mem;
    int sections = 0;

    mem = open_memstream(&bytes, &len);
    if (!mem)
        return NULL;
    for (int k = -1; k < MIME_PARAMS_MAX; k++) {
        const char *plain = NULL, *extended;
        int n;

        /* k == -1 is the unsectioned "name*" of RFC 2231 4. */
        if (k < 0)
            n = snprintf(key, sizeof key, "%s*", name);
        else
            n = snprintf(key, sizeof key, "%s*%d", name, k);
        if (n < 0 || (size_t)n + 2 > sizeof key)
            break;
        extended = k < 0 ? field_param_raw(f, key) : NULL;
        if (k >= 0) {
            plain = field_param_raw(f, key);
            strcat(key, "*");
            extended = field_param_raw(f, key);
        }
        if (!plain && !extended) {
            if (k >= 0)
                break;
            continue;
        }
        if (extended)
            percent_decode(k <= 0 ? extended_prefix(extended, cs) : extended, mem);
        else
            fputs(plain, mem);
        sections++;
        if (k < 0)
            break;                          /* "name*" has no sections */
    }
    result = memstream_finish(mem, &bytes);
    if (!result || sections == 0) {
        free(result);
        return NULL;
    }
    bytes = result;
    result = bytes_to_utf8(cs, bytes, len);
    free(bytes);
    return result;
}

char *field_param(const struct mime_field *f, const char *name)
{
    char *value = rfc2231_value(f, name);
    const char *plain;

    if (value)
        return value;
    plain = field_param_raw(f, name);
    return plain ? rfc2047_decode(plain, NULL) : NULL;
}

/* An encoded-word (RFC 2047 2): =?charset?encoding?encoded-text?= */
struct encoded_word {
    char charset[CHARSET_NAME_MAX];
    char encoding;              /* 'B' or 'Q' */
    const char *text;
    size_t text_len;
    const char *end;            /* just after "?=" */
};

static bool is_word_char(char c)
{
    return c > ' ' && c < 127 && c != '?';
}

/* Recognises an encoded-word at p; fills w. */
static bool encoded_word_parse(const char *p, struct encoded_word *w)
{
    const char *q = p + 2, *cs = q;
    size_t cs_len;

    if (p[0] != '=' || p[1] != '?')
        return false;
    while (is_word_char(*q))
        q++;
    cs_len = (size_t)(q - cs);
    if (*q != '?' || cs_len == 0 || cs_len >= CHARSET_NAME_MAX)
        return false;
    q++;
    w->encoding = (char)toupper((unsigned char)*q);
    if ((w->encoding != 'B' && w->encoding != 'Q') || q[1] != '?')
        return false;
    w->text = q += 2;
    while (is_word_char(*q))
        q++;
    if (q[0] != '?' || q[1] != '=')
        return false;
    w->text_len = (size_t)(q - w->text);
    w->end = q + 2;
    memcpy(w->charset, cs, cs_len);
    w->charset[cs_len] = '\0';
    /* RFC 2231 5: "charset*language"; the language is not needed. */
    w->charset[strcspn(w->charset, "*")] = '\0';
    return true;
}

/* Decodes the Q encoding (RFC 2047 4.2) of text[0..n) into out (n bytes);
 * returns the byte count. */
static size_t q_decode(const char *text, size_t n, unsigned char *out)
{
    size_t len = 0;

    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (text[i] == '_') {
            out[len++] = ' ';
        } else if (text[i] == '=' && i + 2 < n &&
                   (hi = hex_value((unsigned char)text[i + 1])) >= 0 &&
                   (lo = hex_value((unsigned char)text[i + 2])) >= 0) {
            out[len++] = (unsigned char)(hi << 4 | lo);
            i += 2;
        } else {
            out[len++] = (unsigned char)text[i];
        }
    }
    return len;
}

/* Decodes w's text and writes it to out as UTF-8. False: no memory. */
static bool encoded_word_write(const struct encoded_word *w, FILE *out,
                               int *unknown_charset)
{
    unsigned problems = 0;
    size_t capacity = mime_base64_decoded_capacity(w->text_len) + w->text_len;
    unsigned char *bytes = malloc(capacity);
    size_t len;

    if (!bytes)
        return false;
    if (w->encoding == 'B')
        len = mime_base64_decode((const unsigned char *)w->text, w->text_len,
                                 bytes, &problems);
    else
        len = q_decode(w->text, w->text_len, bytes);
    if (!charset_to_utf8(w->charset, bytes, len, out) && unknown_charset)
        *unknown_charset = 1;
    free(bytes);
    return true;
}

char *rfc2047_decode(const char *s, int *unknown_charset)
{
    char *buf = NULL;
    size_t len, ws_len = 0;
    const char *p = s, *ws = NULL;
    bool after_word = false;
    FILE *mem = open_memstream(&buf, &len);

    if (!mem)
        return NULL;
    while (*p != '\0') {
        struct encoded_word w;

        if (encoded_word_parse(p, &w)) {
            if (!after_word && ws_len > 0)
                fwrite(ws, 1, ws_len, mem);
            /* RFC 2047 6.2: space between two encoded-words is dropped. */
            if (!encoded_word_write(&w, mem, unknown_charset)) {
                fclose(mem);
                free(buf);
                return NULL;
            }
            p = w.end;
            ws_len = 0;
            after_word = true;
        } else if (is_wsp((unsigned char)*p)) {
            for (ws = p; is_wsp((unsigned char)*p); p++)
                ;
            ws_len = (size_t)(p - ws);
        } else {
            if (ws_len > 0)
                fwrite(ws, 1, ws_len, mem);
            ws_len = 0;
            putc(*p++, mem);
            after_word = false;
        }
    }
    if (ws_len > 0)
        fwrite(ws, 1, ws_len, mem);
    return memstream_finish(mem, &buf);
}
