/*
 * mime_header.h - reading header fields: the header block (RFC 5322 2.2), the
 * parameters of Content-Type and Content-Disposition (RFC 2045 5.1,
 * RFC 2183), RFC 2231 parameter values and RFC 2047 encoded-words.
 */
#ifndef CARTERO_MIME_HEADER_H
#define CARTERO_MIME_HEADER_H

#include <stddef.h>

#include "mime_limits.h"
#include "mime_parse.h"

/*
 * Reads the header block at the start of s[0..n): the fields up to the
 * first empty line. Each field is unfolded (RFC 5322 2.2.3). A first line
 * "From ..." (an mbox separator) is skipped. A line that is neither a field
 * nor a folded continuation ends the block early and sets
 * MIME_DEFECT_HEADER_SYNTAX in *defects (the body starts at that line).
 * Sets *body_start to the offset of the body (n when there is none) and
 * fills part->headers. Fails on a field longer than MIME_HEADER_MAX, more
 * than MIME_HEADER_FIELDS_MAX fields, or no memory. Cost: O(n) for the
 * bytes of the block.
 */
enum mime_status header_block_parse(const unsigned char *s, size_t n,
                                    struct mime_part *part, size_t *body_start,
                                    struct mime_error *err);

/* One parameter: name in lower case, value unquoted (not decoded). */
struct mime_param {
    char *name;
    char *value;
};

/* A structured field: its first value ("text/plain", "attachment") and its
 * parameters. */
struct mime_field {
    char *value;                /* lower case; "" if the field had none */
    struct mime_param params[MIME_PARAMS_MAX];
    size_t param_count;
};

/*
 * Parses "value *(; name=value)" (RFC 2045 5.1) from s into f, skipping
 * comments and white space, accepting quoted and unquoted values. Returns
 * MIME_OK or MIME_ERR_NOMEM; adds MIME_DEFECT_PARAMETERS to *defects for
 * parameters it had to drop (malformed, or more than MIME_PARAMS_MAX).
 * Free f with field_free().
 */
enum mime_status field_parse(const char *s, struct mime_field *f,
                             unsigned *defects);
void field_free(struct mime_field *f);

/*
 * The value of parameter name, decoded to UTF-8 (malloc'd; NULL if absent
 * or no memory): RFC 2231's name*=charset'lang'%XX form and name*0,
 * name*1... continuations first, then the plain name=value, whose RFC 2047
 * encoded-words (common, though RFC 2047 5 forbids them there) are decoded.
 */
char *field_param(const struct mime_field *f, const char *name);

/* The raw value of parameter name (NULL if absent). */
const char *field_param_raw(const struct mime_field *f, const char *name);

/*
 * Decodes the RFC 2047 encoded-words ("=?charset?B|Q?text?=") in s and
 * returns the text as UTF-8 (malloc'd; NULL if no memory). White space
 * between two encoded-words is dropped (RFC 2047 6.2). Words in charsets
 * charset_to_utf8() does not know are copied, and *unknown_charset (if not
 * NULL) is set. The result may hold malformed UTF-8 or control characters:
 * print it with print_safely().
 */
char *rfc2047_decode(const char *s, int *unknown_charset);

#endif
