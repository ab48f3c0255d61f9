/*
 * mime_charset.h - UTF-8 checks, conversion of the few legacy charsets Spanish
 * and English mail still uses, and printing text safely on a terminal.
 */
#ifndef CARTERO_MIME_CHARSET_H
#define CARTERO_MIME_CHARSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Length (1-4) of the well-formed UTF-8 sequence at s[0..n) (RFC 3629 4),
 * or 0 if the bytes there are not one (overlong, surrogate, truncated...). */
size_t utf8_sequence_length(const unsigned char *s, size_t n);

/* True if s[0..n) is well-formed UTF-8; else false, with the offset of the
 * first bad byte in *bad_at (when bad_at is not NULL). */
bool utf8_is_valid(const unsigned char *s, size_t n, size_t *bad_at);

/* True if every byte of s[0..n) is below 0x80. */
bool is_ascii(const unsigned char *s, size_t n);

/* Writes the code point cp as UTF-8 to out. */
void utf8_put(unsigned long cp, FILE *out);

/*
 * Appends s[0..n), text in the named charset, to out as UTF-8. Knows
 * UTF-8, US-ASCII, ISO-8859-1, ISO-8859-15 and Windows-1252 (names
 * compared without case). Bytes in any other charset are copied as they
 * are, and the function returns false so the caller can say so; bytes that
 * are not UTF-8 are replaced later, when printed.
 */
bool charset_to_utf8(const char *charset, const unsigned char *s, size_t n,
                     FILE *out);

/*
 * Prints s[0..n) for a person at a terminal: well-formed UTF-8 goes out as
 * is; a tab becomes a space; other control characters (C0, DEL, C1) and
 * malformed bytes become U+FFFD, so a message cannot move the cursor or
 * change the terminal's colours.
 */
void print_safely(const char *s, size_t n, FILE *out);

#endif
