/*
 * mime_limits.h - every limit of the MIME code, in one place, each with
 * where its number comes from: the parser and the address reader in lib/
 * (which mime and mailsend share), and the mime program's writing and
 * extracting.
 *
 * A parser for mail is a parser for hostile input: anyone can send you a
 * message. Each limit below says what happens when it is exceeded; none is
 * ever a silent truncation.
 */
#ifndef CARTERO_MIME_LIMITS_H
#define CARTERO_MIME_LIMITS_H

/*
 * Reading (the parser; mime show, mime extract; mailsend).
 */

/* The largest message we read; the whole message is held in memory. Ours:
 * far above what mail providers accept (tens of MB). Exceeded: an error. */
#define MIME_MESSAGE_MAX (256UL * 1024 * 1024)

/* One header field, all its folded lines together. RFC 5322 2.1.1 limits a
 * line to 998 octets, but folding lets a field be longer; Postfix stores at
 * most header_size_limit = 102400 bytes of a header. Exceeded: an error. */
#define MIME_HEADER_MAX 102400

/* Header fields in one header block. Ours: real messages carry fewer than
 * a hundred (Received: lines included). Exceeded: an error. */
#define MIME_HEADER_FIELDS_MAX 1000

/* Parameters in one Content-Type or Content-Disposition field. Ours: real
 * fields carry fewer than ten, RFC 2231 continuations included. The rest of
 * the field is ignored and the part says so (a defect). */
#define MIME_PARAMS_MAX 64

/* Nesting of multiparts and message/rfc822 parts, and parts in a message:
 * Dovecot's MESSAGE_PARSER_DEFAULT_MAX_NESTED_MIME_PARTS (100) and
 * MESSAGE_PARSER_DEFAULT_MAX_TOTAL_MIME_PARTS (10000). Exceeded: an error. */
#define MIME_DEPTH_MAX 100
#define MIME_PARTS_MAX 10000

/* A boundary parameter: 1 to 70 characters (RFC 2046 5.1.1). Longer: the
 * part is treated as a single part and the defect is reported. */
#define MIME_BOUNDARY_MAX 70

/* An address, typed (mime build --to) or read from a field (mailsend): a
 * path is at most 256 octets with its angle brackets (RFC 5321 4.5.3.1.3).
 * Longer: refused, with the reason. */
#define MIME_ADDRESS_MAX 254

/*
 * Writing (mime build).
 */

/* RFC 5322 2.1.1: a line MUST be at most 998 octets and SHOULD be at most
 * 78, CRLF excluded. RFC 2047 2 wants lines holding encoded-words to be at
 * most 76, so we fold every header line at 76. */
#define MIME_LINE_MAX 998
#define MIME_FOLD_WIDTH 76

/* A line of body text sent as 7bit: longer lines go quoted-printable so that
 * no line exceeds RFC 5322 2.1.1's 78. */
#define MIME_TEXT_LINE_MAX 78

/* Encoded lines: base64 (RFC 2045 6.8) and quoted-printable (RFC 2045 6.7,
 * rule 5) lines are at most 76 characters. */
#define MIME_BASE64_LINE 76
#define MIME_QP_LINE_MAX 76

/* An encoded-word is at most 75 characters (RFC 2047 2). */
#define MIME_ENCODED_WORD_MAX 75

/*
 * Extracting (mime extract).
 */

/* A file name we write: POSIX guarantees NAME_MAX >= 14 but every system
 * students use has 255; we keep room for a "-NNN" suffix. */
#define MIME_FILENAME_MAX 200

/* Tries at "name-1.ext", "name-2.ext"... before giving up on a name. Ours. */
#define MIME_SUFFIX_TRIES 1000

#endif
