/*
 * mime_decode.h - Content-Transfer-Encodings, from the wire back to the data:
 * base64 (RFC 2045 6.8), quoted-printable (RFC 2045 6.7), and the line ends
 * of 7bit and 8bit text (RFC 2045 2.7, 2.8).
 *
 * Each decoder writes into a buffer the caller provides, sized with the
 * matching *_capacity() function; none allocates. Each is lenient, as mail
 * readers must be, and reports what it forgave in the DECODE_* bits.
 */
#ifndef CARTERO_MIME_DECODE_H
#define CARTERO_MIME_DECODE_H

#include <stddef.h>

enum {
    DECODE_BAD_CHARACTERS = 1 << 0, /* base64: bytes outside the alphabet */
    DECODE_TRUNCATED = 1 << 1,      /* base64: ends one character into a group */
    DECODE_BAD_ESCAPE = 1 << 2,     /* quoted-printable: '=' not followed by hex */
};

/* Bytes needed to decode n base64 characters. */
size_t mime_base64_decoded_capacity(size_t n);

/*
 * Decodes base64 text in[0..n) into out; returns the number of bytes
 * written. Line ends and spaces are skipped silently; other bytes outside
 * the alphabet are skipped too (RFC 2045 6.8: "ignored"), and reported. A
 * '=' ends a group early; decoding goes on after it, so concatenated
 * base64 still decodes. Adds DECODE_* bits to *problems. Cost: O(n).
 */
size_t mime_base64_decode(const unsigned char *in, size_t n,
                          unsigned char *out, unsigned *problems);

/* Decodes the base64 value of one character, or -1 if not in the alphabet. */
int mime_base64_value(unsigned char c);

/*
 * Decodes quoted-printable text in[0..n) into out (which must hold n
 * bytes); returns the number of bytes written. RFC 2045 6.7: "=XX" is a
 * byte (lower-case hex accepted), "=" at the end of a line is a soft line
 * break, white space at the end of a line is padding and dropped, and a
 * line end is LF (CRLF or LF in the input). A "=" followed by anything else
 * is kept as it is and reported. Cost: O(n).
 */
size_t qp_decode(const unsigned char *in, size_t n, unsigned char *out,
                 unsigned *problems);

/* Copies text in[0..n) to out (n bytes), turning each CRLF into LF;
 * returns the bytes written. */
size_t crlf_to_lf(const unsigned char *in, size_t n, unsigned char *out);

/* Value of a hex digit (either case), or -1. */
int hex_value(unsigned char c);

#endif
