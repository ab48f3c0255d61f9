/*
 * header_write.h - writing header fields that stay 7-bit and short.
 *
 * A header_writer writes one field as a series of tokens and folds the
 * line (RFC 5322 2.2.3: a line break before white space) whenever the next
 * token would pass MIME_FOLD_WIDTH. Text that is not ASCII goes out as
 * RFC 2047 encoded-words, and parameter values as RFC 2231 values, so that
 * everything written is 7-bit ASCII.
 */
#ifndef MIME_HEADER_WRITE_H
#define MIME_HEADER_WRITE_H

#include <stddef.h>
#include <stdio.h>

#include "mime_address.h"

struct header_writer {
    FILE *out;
    size_t column;      /* characters already on the current line */
};

/* Starts the field "name:". */
void header_begin(struct header_writer *w, FILE *out, const char *name);

/* Ends the field (a line end). */
void header_end(struct header_writer *w);

/*
 * Writes the white space ws and then token[0..len). When the line would
 * pass MIME_FOLD_WIDTH (one column is kept free for a ',' or ';' glued
 * after the token), the line is folded before ws. An empty ws never folds:
 * use it to glue a token to the one before.
 */
void header_token(struct header_writer *w, const char *ws, const char *token,
                  size_t len);

/* Writes unstructured text (a Subject, RFC 5322 3.2.5): ASCII words as
 * they are, runs of words with other bytes as encoded-words. */
void header_text(struct header_writer *w, const char *utf8);

/* Writes a display name (a phrase, RFC 5322 3.2.5): atoms, a quoted
 * string, or encoded-words (RFC 2047 5(3)) when it is not ASCII. */
void header_phrase(struct header_writer *w, const char *utf8);

/* Writes "; attr=value": quoted when needed (RFC 2045 5.1), cut into
 * RFC 2231 3 sections when long, and as RFC 2231 4 "utf-8''%XX" when not
 * printable ASCII. */
void header_param(struct header_writer *w, const char *attr,
                  const char *utf8);

/* Writes the field "name: a, b, ..." folded, display names encoded. */
void address_list_write(FILE *out, const char *name,
                        const struct address_list *list);

#endif
