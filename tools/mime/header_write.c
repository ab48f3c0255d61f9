/*
 * header_write.c - folded, 7-bit header fields (RFC 5322 2.2.3, RFC 2047,
 * RFC 2231), and address fields made of them.
 */
#include "header_write.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mime_charset.h"
#include "mime_limits.h"

/* "=?utf-8?q?" and "?=" around the encoded text (RFC 2047 2). */
#define ENCODED_WORD_PREFIX "=?utf-8?q?"
#define ENCODED_WORD_OVERHEAD 12
/* The longest encoding of one character: four bytes, each "=XX". */
#define ENCODED_CHAR_MAX 12

void header_begin(struct header_writer *w, FILE *out, const char *name)
{
    w->out = out;
    fprintf(out, "%s:", name);
    w->column = strlen(name) + 1;
}

void header_end(struct header_writer *w)
{
    putc('\n', w->out);
    w->column = 0;
}

void header_token(struct header_writer *w, const char *ws, const char *token,
                  size_t len)
{
    size_t ws_len = strlen(ws);

    if (ws_len > 0 && w->column + ws_len + len + 1 > MIME_FOLD_WIDTH) {
        putc('\n', w->out);                 /* fold: RFC 5322 2.2.3 */
        w->column = 0;
    }
    fputs(ws, w->out);
    fwrite(token, 1, len, w->out);
    w->column += ws_len + len;
}

/* RFC 2047 5(3): the characters a Q-encoded word may carry as they are in
 * any header, phrases included. */
static bool q_is_literal(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || strchr("!*+-/", c) != NULL;
}

/* Appends the Q encoding (RFC 2047 4.2) of s[0..n) to out; returns the
 * characters written. out must hold 3 * n bytes. */
static size_t q_encode(const unsigned char *s, size_t n, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ') {
            out[len++] = '_';
        } else if (q_is_literal(s[i])) {
            out[len++] = (char)s[i];
        } else {
            out[len++] = '=';
            out[len++] = hex[s[i] >> 4];
            out[len++] = hex[s[i] & 15];
        }
    }
    return len;
}

/*
 * Writes s[0..n) as encoded-words, each filling what is left of the line
 * and at most MIME_ENCODED_WORD_MAX long, never cutting a UTF-8 character
 * (RFC 2047 5, last paragraph). The first word follows ws; the others
 * follow a space, which decoders drop between encoded-words (6.2).
 */
static void header_encoded(struct header_writer *w, const char *ws,
                           const unsigned char *s, size_t n)
{
    char word[MIME_ENCODED_WORD_MAX + 1];
    size_t i = 0;

    while (i < n) {
        size_t used = strlen(ENCODED_WORD_PREFIX);
        long room = (long)MIME_FOLD_WIDTH - 1 - (long)w->column -
                    (long)strlen(ws) - ENCODED_WORD_OVERHEAD;

        if (room < ENCODED_CHAR_MAX)        /* it will go on a new line */
            room = MIME_FOLD_WIDTH - 2 - ENCODED_WORD_OVERHEAD;
        if (room > MIME_ENCODED_WORD_MAX - ENCODED_WORD_OVERHEAD)
            room = MIME_ENCODED_WORD_MAX - ENCODED_WORD_OVERHEAD;
        memcpy(word, ENCODED_WORD_PREFIX, used);
        while (i < n) {
            char piece[ENCODED_CHAR_MAX];
            size_t seq = utf8_sequence_length(s + i, n - i);
            size_t len;

            seq = seq ? seq : 1;
            len = q_encode(s + i, seq, piece);
            if (used - strlen(ENCODED_WORD_PREFIX) + len > (size_t)room)
                break;
            memcpy(word + used, piece, len);
            used += len;
            i += seq;
        }
        memcpy(word + used, "?=", 2);
        header_token(w, ws, word, used + 2);
        ws = " ";
    }
}

/* A word that must be encoded: bytes beyond ASCII or controls, something
 * a decoder would take for an encoded-word, or too long for any line. */
static bool word_needs_encoding(const char *word, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)word[i];
        if (c >= 0x7F || c < 0x20)
            return true;
        if (c == '=' && i + 1 < len && word[i + 1] == '?')
            return true;
    }
    return len + 2 > MIME_FOLD_WIDTH;
}

static bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

/* Sets *word and *word_len to the word after white space at p; returns
 * where the word ends. */
static const char *next_word(const char *p, const char **word,
                             size_t *word_len)
{
    while (is_wsp(*p))
        p++;
    *word = p;
    while (*p != '\0' && !is_wsp(*p))
        p++;
    *word_len = (size_t)(p - *word);
    return p;
}

/* Writes white space ws[0..n), folding inside it when it is longer than
 * the line: a fold is a line break before any space or tab. */
static void header_space(struct header_writer *w, const char *ws, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (w->column + 1 >= MIME_FOLD_WIDTH) {
            putc('\n', w->out);
            w->column = 0;
        }
        putc(ws[i], w->out);
        w->column++;
    }
}

void header_text(struct header_writer *w, const char *utf8)
{
    const char *p = utf8;

    for (;;) {
        const char *ws_start = p, *word, *run_end;
        size_t ws_len, len;
        char ws[2] = " ";

        p = next_word(p, &word, &len);
        if (len == 0)
            break;                          /* trailing white space dropped */
        /* All but the last space or tab go out now; the last one is where
         * the line may fold before the word. */
        ws_len = (size_t)(word - ws_start);
        if (ws_len > 0) {
            header_space(w, ws_start, ws_len - 1);
            ws[0] = word[-1];
        }
        if (!word_needs_encoding(word, len)) {
            header_token(w, ws, word, len);
            continue;
        }
        /* Neighbouring words that need encoding join this one, white
         * space included: space between encoded-words would be lost. */
        run_end = p;
        for (;;) {
            const char *next, *after = next_word(run_end, &next, &len);
            if (len == 0 || !word_needs_encoding(next, len))
                break;
            run_end = after;
        }
        header_encoded(w, ws, (const unsigned char *)word, (size_t)(run_end - word));
        p = run_end;
    }
}

/* RFC 5322 3.2.3: the specials, which an atom cannot hold. */
static bool has_specials(const char *s)
{
    return strpbrk(s, "()<>[]:;@\\,.\"") != NULL;
}

void header_phrase(struct header_writer *w, const char *utf8)
{
    size_t n = strlen(utf8);
    const char *p = utf8, *word;
    size_t len;
    bool atoms = true;

    for (p = next_word(p, &word, &len); len > 0; p = next_word(p, &word, &len))
        if (word_needs_encoding(word, len))
            atoms = false;
    if (atoms && !has_specials(utf8)) {
        for (p = next_word(utf8, &word, &len); len > 0; p = next_word(p, &word, &len))
            header_token(w, " ", word, len);
        return;
    }
    if (atoms && n + 4 < MIME_FOLD_WIDTH) {
        char quoted[2 * MIME_FOLD_WIDTH + 3];
        size_t q = 0;

        quoted[q++] = '"';
        for (size_t i = 0; i < n; i++) {
            if (utf8[i] == '"' || utf8[i] == '\\')
                quoted[q++] = '\\';         /* quoted-pair, RFC 5322 3.2.1 */
            quoted[q++] = utf8[i];
        }
        quoted[q++] = '"';
        if (q + 2 < MIME_FOLD_WIDTH) {
            header_token(w, " ", quoted, q);
            return;
        }
    }
    header_encoded(w, " ", (const unsigned char *)utf8, n);
}

/* RFC 2045 5.1 requires quotes around a value with a tspecial or white
 * space; we quote all but plain words (charset=utf-8), as old readers
 * expect name="file.pdf". */
static bool needs_quotes(const char *s)
{
    return *s == '\0' || strspn(s, "abcdefghijklmnopqrstuvwxyz"
                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
                             != strlen(s);
}

/* RFC 2231 7: attribute-char, what an extended value carries as it is. */
static bool is_attribute_char(unsigned char c)
{
    return c > ' ' && c < 127 && !strchr("*'%()<>@,;:\\\"/[]?=", c);
}

/* Writes one character (seq bytes at s) of a section into out; returns
 * the characters written (at most 12). */
static size_t section_piece(const unsigned char *s, size_t seq, bool extended,
                            char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = 0;

    for (size_t i = 0; i < seq; i++) {
        if (extended && !is_attribute_char(s[i])) {
            out[len++] = '%';
            out[len++] = hex[s[i] >> 4];
            out[len++] = hex[s[i] & 15];
        } else {
            if (!extended && (s[i] == '"' || s[i] == '\\'))
                out[len++] = '\\';
            out[len++] = (char)s[i];
        }
    }
    return len;
}

/*
 * Writes value as RFC 2231 sections: attr*0="...", attr*1="..." (3), or
 * attr*0*=utf-8''%XX..., attr*1*=... when extended (4). With one section
 * (sectioned false), writes attr="..." or attr*=utf-8''... instead.
 */
static void param_sections(struct header_writer *w, const char *attr,
                           const unsigned char *s, size_t n, bool extended,
                           bool sectioned)
{
    char token[MIME_FOLD_WIDTH + 1];
    size_t i = 0;
    size_t limit = MIME_FOLD_WIDTH - 2;     /* a space before, ';' after */

    for (int k = 0; i < n || k == 0; k++) {
        int len;

        if (sectioned)
            len = snprintf(token, sizeof token, "%s*%d%s%s", attr, k,
                           extended ? "*=" : "=\"",
                           extended && k == 0 ? "utf-8''" : "");
        else
            len = snprintf(token, sizeof token, "%s%s", attr,
                           extended ? "*=utf-8''" : "=\"");
        if (len < 0 || (size_t)len + ENCODED_CHAR_MAX + 1 > limit)
            return;                         /* attr is one of ours: short */
        while (i < n) {
            char piece[ENCODED_CHAR_MAX * 2];
            size_t seq = utf8_sequence_length(s + i, n - i);
            size_t piece_len;

            seq = seq ? seq : 1;
            piece_len = section_piece(s + i, seq, extended, piece);
            if ((size_t)len + piece_len + !extended > limit)
                break;
            memcpy(token + len, piece, piece_len);
            len += (int)piece_len;
            i += seq;
        }
        if (!extended)
            token[len++] = '"';
        header_token(w, "", ";", 1);
        header_token(w, " ", token, (size_t)len);
    }
}

void header_param(struct header_writer *w, const char *attr, const char *utf8)
{
    const unsigned char *s = (const unsigned char *)utf8;
    size_t n = strlen(utf8), whole = strlen(attr) + 1;
    bool printable = true, quote = needs_quotes(utf8);

    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x20 || s[i] >= 0x7F)
            printable = false;
        whole += (utf8[i] == '"' || utf8[i] == '\\') ? 2 : 1;
    }
    /* Readers decode encoded-words even in parameters (header.c does): a
     * value that looks like one goes out in RFC 2231 form. */
    if (strstr(utf8, "=?"))
        printable = false;
    if (printable && !quote && whole + 2 <= MIME_FOLD_WIDTH) {
        char token[MIME_FOLD_WIDTH];
        snprintf(token, sizeof token, "%s=%s", attr, utf8);
        header_token(w, "", ";", 1);
        header_token(w, " ", token, whole);
        return;
    }
    if (printable && whole + 4 <= MIME_FOLD_WIDTH) {
        param_sections(w, attr, s, n, false, false);
        return;
    }
    if (!printable) {
        size_t extended = strlen(attr) + strlen("*=utf-8''");
        for (size_t i = 0; i < n; i++)
            extended += is_attribute_char(s[i]) ? 1 : 3;
        if (extended + 2 <= MIME_FOLD_WIDTH) {
            param_sections(w, attr, s, n, true, false);
            return;
        }
    }
    param_sections(w, attr, s, n, !printable, true);
}

void address_list_write(FILE *out, const char *name,
                        const struct address_list *list)
{
    struct header_writer w;

    header_begin(&w, out, name);
    for (size_t i = 0; i < list->count; i++) {
        const struct address *a = &list->items[i];
        char token[MIME_ADDRESS_MAX + 4];
        bool last = i + 1 == list->count;
        int len;

        header_phrase(&w, a->name);
        if (a->name[0] != '\0')
            len = snprintf(token, sizeof token, "<%s>%s", a->addr, last ? "" : ",");
        else
            len = snprintf(token, sizeof token, "%s%s", a->addr, last ? "" : ",");
        header_token(&w, " ", token, (size_t)len);
    }
    header_end(&w);
}
