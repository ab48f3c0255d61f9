/*
 * mime_charset.c - UTF-8 checks, legacy charsets to UTF-8, safe printing.
 *
 * We do not use iconv(3): mail in this course is UTF-8, US-ASCII or one of
 * the Latin charsets below, and small tables show students what a charset
 * is: a map from bytes to Unicode code points.
 */
#include "mime_charset.h"

#include <strings.h>

#define REPLACEMENT_CHARACTER 0xFFFDUL

size_t utf8_sequence_length(const unsigned char *s, size_t n)
{
    /* RFC 3629 4: the second byte's range depends on the first byte. */
    unsigned char lo = 0x80, hi = 0xBF;
    size_t len;

    if (n == 0)
        return 0;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        len = 2;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        len = 3;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        len = 4;
    else
        return 0;
    if (s[0] == 0xE0)
        lo = 0xA0;          /* no overlong forms */
    else if (s[0] == 0xED)
        hi = 0x9F;          /* no surrogates */
    else if (s[0] == 0xF0)
        lo = 0x90;
    else if (s[0] == 0xF4)
        hi = 0x8F;          /* nothing above U+10FFFF */
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

bool utf8_is_valid(const unsigned char *s, size_t n, size_t *bad_at)
{
    size_t i = 0;

    while (i < n) {
        size_t len = utf8_sequence_length(s + i, n - i);
        if (len == 0) {
            if (bad_at)
                *bad_at = i;
            return false;
        }
        i += len;
    }
    return true;
}

bool is_ascii(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 0x80)
            return false;
    return true;
}

void utf8_put(unsigned long cp, FILE *out)
{
    if (cp < 0x80) {
        putc((int)cp, out);
    } else if (cp < 0x800) {
        putc((int)(0xC0 | (cp >> 6)), out);
        putc((int)(0x80 | (cp & 0x3F)), out);
    } else if (cp < 0x10000) {
        putc((int)(0xE0 | (cp >> 12)), out);
        putc((int)(0x80 | ((cp >> 6) & 0x3F)), out);
        putc((int)(0x80 | (cp & 0x3F)), out);
    } else {
        putc((int)(0xF0 | (cp >> 18)), out);
        putc((int)(0x80 | ((cp >> 12) & 0x3F)), out);
        putc((int)(0x80 | ((cp >> 6) & 0x3F)), out);
        putc((int)(0x80 | (cp & 0x3F)), out);
    }
}

/* Windows-1252 bytes 0x80-0x9F (the rest is ISO-8859-1); 0 is unassigned. */
static const unsigned short windows_1252_high[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

/* ISO-8859-15 differs from ISO-8859-1 in eight places (the euro sign...). */
static unsigned long latin9_code_point(unsigned char c)
{
    switch (c) {
    case 0xA4: return 0x20AC;
    case 0xA6: return 0x0160;
    case 0xA8: return 0x0161;
    case 0xB4: return 0x017D;
    case 0xB8: return 0x017E;
    case 0xBC: return 0x0152;
    case 0xBD: return 0x0153;
    case 0xBE: return 0x0178;
    default: return c;
    }
}

enum charset_kind { CHARSET_UTF8, CHARSET_LATIN1, CHARSET_LATIN9,
                    CHARSET_WINDOWS_1252, CHARSET_UNKNOWN };

static const struct {
    const char *name;
    enum charset_kind kind;
} charset_names[] = {
    { "utf-8", CHARSET_UTF8 },           { "utf8", CHARSET_UTF8 },
    { "us-ascii", CHARSET_UTF8 },        { "ascii", CHARSET_UTF8 },
    { "iso-8859-1", CHARSET_LATIN1 },    { "iso8859-1", CHARSET_LATIN1 },
    { "iso_8859-1", CHARSET_LATIN1 },    { "latin1", CHARSET_LATIN1 },
    { "latin-1", CHARSET_LATIN1 },
    { "iso-8859-15", CHARSET_LATIN9 },   { "iso8859-15", CHARSET_LATIN9 },
    { "iso_8859-15", CHARSET_LATIN9 },   { "latin-9", CHARSET_LATIN9 },
    { "windows-1252", CHARSET_WINDOWS_1252 }, { "cp1252", CHARSET_WINDOWS_1252 },
};

static enum charset_kind charset_lookup(const char *name)
{
    for (size_t i = 0; i < sizeof charset_names / sizeof charset_names[0]; i++)
        if (strcasecmp(name, charset_names[i].name) == 0)
            return charset_names[i].kind;
    return CHARSET_UNKNOWN;
}

bool charset_to_utf8(const char *charset, const unsigned char *s, size_t n,
                     FILE *out)
{
    enum charset_kind kind = charset ? charset_lookup(charset) : CHARSET_UTF8;

    if (kind == CHARSET_UTF8 || kind == CHARSET_UNKNOWN) {
        fwrite(s, 1, n, out);
        return kind == CHARSET_UTF8;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned long cp = s[i];
        if (kind == CHARSET_LATIN9)
            cp = latin9_code_point(s[i]);
        else if (kind == CHARSET_WINDOWS_1252 && s[i] >= 0x80 && s[i] <= 0x9F)
            cp = windows_1252_high[s[i] - 0x80];
        utf8_put(cp ? cp : REPLACEMENT_CHARACTER, out);
    }
    return true;
}

/* True for code points a terminal would act on: C0, DEL and C1 controls. */
static bool is_control(unsigned long cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

void print_safely(const char *text, size_t n, FILE *out)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;

    while (i < n) {
        size_t len = utf8_sequence_length(s + i, n - i);
        unsigned long cp;

        if (len == 0) {
            utf8_put(REPLACEMENT_CHARACTER, out);
            i++;
            continue;
        }
        /* Controls are all below U+00A0: one or two bytes long. */
        cp = len == 1 ? s[i]
           : len == 2 ? (s[i] & 0x1FUL) << 6 | (s[i + 1] & 0x3FUL)
           : 0x800;
        if (s[i] == '\t')
            putc(' ', out);
        else if (is_control(cp))
            utf8_put(REPLACEMENT_CHARACTER, out);
        else
            fwrite(s + i, 1, len, out);
        i += len;
    }
}
