/*
 * encode.h - Content-Transfer-Encodings, from the data to the wire: base64
 * (RFC 2045 6.8) and quoted-printable (RFC 2045 6.7), with LF line ends.
 */
#ifndef MIME_ENCODE_H
#define MIME_ENCODE_H

#include <stddef.h>
#include <stdio.h>

/* Writes data[0..n) to out as base64 lines of MIME_BASE64_LINE characters,
 * each ended by LF (the last one too). Nothing for n == 0. */
void mime_base64_encode(const unsigned char *data, size_t n, FILE *out);

/* The base64 alphabet (RFC 2045 6.8, Table 1). */
extern const char mime_base64_alphabet[65];

/*
 * Writes text[0..n) to out as quoted-printable. LF in the text is a line
 * break and stays LF; every other byte that is not printable ASCII, and
 * '=', is written "=XX"; a space or tab at the end of a line is encoded so
 * that it survives (RFC 2045 6.7 rule 3); lines longer than
 * MIME_QP_LINE_MAX are cut with soft line breaks (rule 5). A line that
 * starts with "From " or is a lone "." gets its first character encoded,
 * so mbox files and SMTP cannot change it (RFC 2049 3, points 7 and 8).
 */
void qp_encode(const unsigned char *text, size_t n, FILE *out);

#endif
