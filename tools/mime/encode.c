/*
 * encode.c - base64 and quoted-printable encoders (RFC 2045 6.8 and 6.7).
 */
#include "encode.h"

#include <stdbool.h>
#include <string.h>

#include "mime_limits.h"

const char mime_base64_alphabet[65] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void mime_base64_encode(const unsigned char *data, size_t n, FILE *out)
{
    size_t col = 0;

    for (size_t i = 0; i < n; i += 3) {
        unsigned long bits = (unsigned long)data[i] << 16;
        size_t have = n - i < 3 ? n - i : 3;
        char group[4];

        if (have > 1)
            bits |= (unsigned long)data[i + 1] << 8;
        if (have > 2)
            bits |= data[i + 2];
        group[0] = mime_base64_alphabet[bits >> 18 & 63];
        group[1] = mime_base64_alphabet[bits >> 12 & 63];
        group[2] = have > 1 ? mime_base64_alphabet[bits >> 6 & 63] : '=';
        group[3] = have > 2 ? mime_base64_alphabet[bits & 63] : '=';
        fwrite(group, 1, 4, out);
        col += 4;
        if (col == MIME_BASE64_LINE || i + 3 >= n) {
            putc('\n', out);
            col = 0;
        }
    }
}

/* True if byte c at index i of a line of length n must be written "=XX". */
static bool qp_must_encode(const unsigned char *line, size_t n, size_t i)
{
    unsigned char c = line[i];

    if (c == '=' || c > 126 || (c < 32 && c != '\t'))
        return true;
    if ((c == ' ' || c == '\t') && i + 1 == n)
        return true;                        /* rule 3: trailing white space */
    if (i == 0 && c == 'F' && n >= 5 && memcmp(line, "From ", 5) == 0)
        return true;
    if (i == 0 && c == '.' && n == 1)
        return true;
    return false;
}

/* Writes one line (without its LF) with soft breaks every 76 columns. */
static void qp_encode_line(const unsigned char *line, size_t n, FILE *out)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t col = 0;

    for (size_t i = 0; i < n; i++) {
        bool encode = qp_must_encode(line, n, i);
        size_t width = encode ? 3 : 1;
        /* The last character may use column 76; others leave room for '='. */
        size_t limit = i + 1 == n ? MIME_QP_LINE_MAX : MIME_QP_LINE_MAX - 1;

        if (col + width > limit) {
            fputs("=\n", out);              /* rule 5: soft line break */
            col = 0;
        }
        if (encode)
            fprintf(out, "=%c%c", hex[line[i] >> 4], hex[line[i] & 15]);
        else
            putc(line[i], out);
        col += width;
    }
}

void qp_encode(const unsigned char *text, size_t n, FILE *out)
{
    size_t pos = 0;

    while (pos < n) {
        const unsigned char *lf = memchr(text + pos, '\n', n - pos);
        size_t end = lf ? (size_t)(lf - text) : n;

        qp_encode_line(text + pos, end - pos, out);
        if (lf)
            putc('\n', out);
        pos = lf ? end + 1 : n;
    }
}
