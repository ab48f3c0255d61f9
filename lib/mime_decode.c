/*
 * mime_decode.c - base64, quoted-printable and line-end decoding (RFC 2045).
 */
#include "mime_decode.h"

#include <string.h>

int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int mime_base64_value(unsigned char c)
{
    /* RFC 2045 6.8, Table 1. */
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

size_t mime_base64_decoded_capacity(size_t n)
{
    return n / 4 * 3 + 3;
}

/* Writes the bytes of a group of have (2-4) sextets; returns how many. */
static size_t base64_flush(const int sextet[4], int have, unsigned char *out)
{
    unsigned long bits = 0;

    for (int i = 0; i < 4; i++)
        bits = bits << 6 | (unsigned long)(i < have ? sextet[i] : 0);
    out[0] = (unsigned char)(bits >> 16);
    out[1] = (unsigned char)(bits >> 8);
    out[2] = (unsigned char)bits;
    return (size_t)have - 1;   /* 4 sextets: 3 bytes, 3: 2, 2: 1 */
}

size_t mime_base64_decode(const unsigned char *in, size_t n,
                          unsigned char *out, unsigned *problems)
{
    int sextet[4];
    int have = 0;
    size_t len = 0;

    for (size_t i = 0; i < n; i++) {
        int v = mime_base64_value(in[i]);
        if (v >= 0) {
            sextet[have++] = v;
            if (have == 4) {
                len += base64_flush(sextet, 4, out + len);
                have = 0;
            }
        } else if (in[i] == '=') {
            /* Padding: the group ends here (RFC 2045 6.8). */
            if (have >= 2)
                len += base64_flush(sextet, have, out + len);
            else if (have == 1)
                *problems |= DECODE_TRUNCATED;
            have = 0;
        } else if (!is_space(in[i])) {
            *problems |= DECODE_BAD_CHARACTERS;
        }
    }
    if (have >= 2)
        len += base64_flush(sextet, have, out + len);   /* padding left out */
    else if (have == 1)
        *problems |= DECODE_TRUNCATED;
    return len;
}

/* Decodes one line of quoted-printable, line[0..n) without its line end;
 * returns bytes written and sets *soft when the line ends in a soft break. */
static size_t qp_decode_line(const unsigned char *line, size_t n,
                             unsigned char *out, int *soft,
                             unsigned *problems)
{
    size_t len = 0;

    /* Rule 3: trailing white space is transport padding. */
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
        n--;
    *soft = n > 0 && line[n - 1] == '=';
    if (*soft)
        n--;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (line[i] == '=' && i + 2 < n &&
            (hi = hex_value(line[i + 1])) >= 0 &&
            (lo = hex_value(line[i + 2])) >= 0) {
            out[len++] = (unsigned char)(hi << 4 | lo);
            i += 2;
        } else {
            if (line[i] == '=')
                *problems |= DECODE_BAD_ESCAPE;
            out[len++] = line[i];
        }
    }
    return len;
}

size_t qp_decode(const unsigned char *in, size_t n, unsigned char *out,
                 unsigned *problems)
{
    size_t pos = 0, len = 0;

    while (pos < n) {
        const unsigned char *lf = memchr(in + pos, '\n', n - pos);
        size_t end = lf ? (size_t)(lf - in) : n;
        size_t text_end = end;
        int soft;

        if (lf && text_end > pos && in[text_end - 1] == '\r')
            text_end--;
        len += qp_decode_line(in + pos, text_end - pos, out + len, &soft,
                              problems);
        if (lf && !soft)
            out[len++] = '\n';      /* a hard line break (rule 4) */
        pos = lf ? end + 1 : n;
    }
    return len;
}

size_t crlf_to_lf(const unsigned char *in, size_t n, unsigned char *out)
{
    size_t len = 0;

    for (size_t i = 0; i < n; i++) {
        if (in[i] == '\r' && i + 1 < n && in[i + 1] == '\n')
            continue;
        out[len++] = in[i];
    }
    return len;
}
