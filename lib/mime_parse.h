/*
 * mime_parse.h - the MIME parser: a message in memory becomes a tree of parts.
 *
 * The parser reads real-world mail (RFC 5322 with MIME, RFC 2045-2049):
 * CRLF or LF line ends, folded header fields, nested multiparts, parts
 * whose final boundary is missing, base64 with line breaks, quoted-
 * printable with soft line breaks, RFC 2231 and RFC 2047 file names.
 *
 * What it forgives it records as defects in each part, so a student sees
 * what was wrong; what it cannot accept (a limit of mime_limits.h passed,
 * input that is no message at all) makes mime_parse() fail with a
 * message. It never reads outside the buffer and never recurses deeper than
 * MIME_DEPTH_MAX. It has no main() and does no I/O: the fuzz target in
 * tests/fuzz/mime/ calls it on arbitrary bytes. mime shows and extracts
 * what it finds; mailsend reads the envelope from the header block
 * (mime_header.h).
 */
#ifndef CARTERO_MIME_PARSE_H
#define CARTERO_MIME_PARSE_H

#include <stddef.h>

enum mime_status {
    MIME_OK = 0,
    MIME_ERR_NOMEM,     /* out of memory */
    MIME_ERR_LIMIT,     /* a limit of mime_limits.h was passed */
    MIME_ERR_FORMAT,    /* not a message at all */
};

struct mime_error {
    enum mime_status status;
    char text[200];     /* what went wrong, for a person; "" when MIME_OK */
};

/* What a part got wrong but we could still use. */
enum mime_defect {
    MIME_DEFECT_HEADER_SYNTAX = 1 << 0,
    MIME_DEFECT_CONTENT_TYPE = 1 << 1,
    MIME_DEFECT_PARAMETERS = 1 << 2,
    MIME_DEFECT_NO_BOUNDARY = 1 << 3,
    MIME_DEFECT_BOUNDARY_TOO_LONG = 1 << 4,
    MIME_DEFECT_NO_DELIMITER = 1 << 5,
    MIME_DEFECT_NO_CLOSE_DELIMITER = 1 << 6,
    MIME_DEFECT_BASE64_CHARACTERS = 1 << 7,
    MIME_DEFECT_BASE64_TRUNCATED = 1 << 8,
    MIME_DEFECT_QP_ESCAPE = 1 << 9,
    MIME_DEFECT_UNKNOWN_ENCODING = 1 << 10,
    MIME_DEFECT_UNKNOWN_CHARSET = 1 << 11,
};
#define MIME_DEFECT_COUNT 12

/* A sentence for one defect bit, citing the rule broken; NULL if unknown. */
const char *mime_defect_text(unsigned defect);

/* The Content-Transfer-Encodings of RFC 2045 6.1. */
enum mime_encoding {
    MIME_ENC_7BIT, MIME_ENC_8BIT, MIME_ENC_BINARY,
    MIME_ENC_QUOTED_PRINTABLE, MIME_ENC_BASE64, MIME_ENC_UNKNOWN,
};

/* One header field, unfolded (RFC 5322 2.2.3); value without the white
 * space around it, and not decoded (RFC 2047 decoding is for display).
 * raw is the field as it came, all its lines and their line ends, inside
 * the parsed buffer: what a program copies or leaves out (mailsend drops
 * the Bcc field, RFC 5322 3.6.3). */
struct mime_header {
    char *name;
    char *value;
    const unsigned char *raw;
    size_t raw_size;
};

struct mime_part {
    struct mime_header *headers;
    size_t header_count;

    char *type;           /* "text/plain": lower case, never NULL */
    char *charset;        /* charset parameter, lower case, or NULL */
    char *boundary;       /* multipart boundary, or NULL */
    char *disposition;    /* "attachment", "inline" (lower case), or NULL */
    char *filename;       /* UTF-8, RFC 2231/2047 decoded, or NULL */
    char *encoding_name;  /* Content-Transfer-Encoding as given, lower case */
    enum mime_encoding encoding;

    const unsigned char *raw;   /* the body, inside the parsed buffer */
    size_t raw_size;
    unsigned char *data;        /* a leaf's body, decoded; NULL otherwise */
    size_t data_size;

    unsigned defects;           /* enum mime_defect bits */
    struct mime_part *child;    /* first part inside a multipart or message */
    struct mime_part *next;     /* next sibling */
};

/*
 * Parses the message msg[0..size) into a tree. On success returns MIME_OK
 * and *root, which the caller frees with mime_free(); raw pointers in the
 * tree point into msg, which must outlive it. On failure returns the
 * status, sets err->text, and *root is NULL. Cost: time O(size x depth),
 * memory about twice the size.
 */
enum mime_status mime_parse(const unsigned char *msg, size_t size,
                            struct mime_part **root, struct mime_error *err);

/* Frees a tree from mime_parse(); NULL is fine. */
void mime_free(struct mime_part *root);

/* The value of the first header field called name (any case), or NULL. */
const char *mime_header_value(const struct mime_part *part, const char *name);

/* True if the part's media type is multipart/... (RFC 2046 5.1). */
int mime_is_multipart(const struct mime_part *part);

/*
 * Part numbers as IMAP gives them (RFC 3501 6.4.5): a top-level multipart
 * has none (""), a top-level single part is "1"; the i-th part (from 1) of
 * a multipart numbered S is S.i; a message/rfc822 part S holds a message
 * whose parts are S.1, S.2... if it is a multipart (which then shares the
 * number S), or S.1 if it is a single part.
 *
 * mime_root_section() gives the top's number; mime_child_section() writes
 * the number of the index-th child of parent (numbered section) into out
 * (size bytes) and returns 1 if the child has a number of its own, 0 if it
 * shares its parent's, or -1 if the number does not fit in out.
 */
const char *mime_root_section(const struct mime_part *root);
int mime_child_section(const struct mime_part *parent, int index,
                       const char *section, char *out, size_t size);

#endif
