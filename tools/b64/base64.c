/*
 * base64.c - encoding and decoding, RFC 4648 sections 4 and 5.
 *
 * Both directions have one short loop that does the real work: encoding
 * turns 3 bytes into 4 characters with a table lookup per character;
 * decoding turns 4 alphabet characters into 3 bytes with a lookup in the
 * reverse table. Everything unusual (newlines, padding, garbage, a group
 * split between two blocks) leaves that loop for decode_char(), which takes
 * one character at a time.
 */
#include "base64.h"

#include <stdio.h>
#include <string.h>

/* RFC 4648 section 4, Table 1, and section 5, Table 2. */
static const char STANDARD_CHARS[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char URL_CHARS[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const char *b64_chars(enum b64_alphabet alphabet)
{
    return alphabet == B64_URL ? URL_CHARS : STANDARD_CHARS;
}

size_t b64_encode(const char *chars, const unsigned char *in, size_t len,
                  char *out)
{
    char *start = out;
    size_t i;

    /* Whole groups: 24 bits, read 6 at a time from the left. */
    for (i = 0; i + 3 <= len; i += 3) {
        uint_least32_t group = (uint_least32_t)in[i] << 16
                             | (uint_least32_t)in[i + 1] << 8
                             | in[i + 2];
        *out++ = chars[group >> 18];
        *out++ = chars[group >> 12 & 0x3f];
        *out++ = chars[group >> 6 & 0x3f];
        *out++ = chars[group & 0x3f];
    }

    /* A last group of 1 or 2 bytes: zero bits fill the last 6-bit value,
     * and '=' stands for each character that has no bits at all. */
    if (len - i == 1) {
        uint_least32_t group = (uint_least32_t)in[i] << 16;
        *out++ = chars[group >> 18];
        *out++ = chars[group >> 12 & 0x3f];
        *out++ = B64_PAD;
        *out++ = B64_PAD;
    } else if (len - i == 2) {
        uint_least32_t group = (uint_least32_t)in[i] << 16
                             | (uint_least32_t)in[i + 1] << 8;
        *out++ = chars[group >> 18];
        *out++ = chars[group >> 12 & 0x3f];
        *out++ = chars[group >> 6 & 0x3f];
        *out++ = B64_PAD;
    }
    return (size_t)(out - start);
}

void b64_decoder_init(struct b64_decoder *dec, enum b64_alphabet alphabet,
                      bool ignore_garbage)
{
    const char *chars = b64_chars(alphabet);

    memset(dec, 0, sizeof *dec);
    /* The decoding table is the alphabet turned around. */
    memset(dec->values, B64_NOT_IN_ALPHABET, sizeof dec->values);
    for (int value = 0; value < 64; value++)
        dec->values[(unsigned char)chars[value]] = (unsigned char)value;
    dec->ignore_garbage = ignore_garbage;
    dec->problem = B64_NO_PROBLEM;
}

static bool fail(struct b64_decoder *dec, enum b64_problem problem,
                 uintmax_t offset, unsigned char byte)
{
    dec->problem = problem;
    dec->problem_offset = offset;
    dec->problem_byte = byte;
    return false;
}

/*
 * decode_char - take one character C, found at input offset OFFSET, into the
 * current group; append to *OUT the byte it completes, if any. Returns false
 * (with dec->problem set) if C cannot come here. The characters of a group
 * hold 6, 12, 18, 24 bits: byte 1 is complete after the 2nd character, byte 2
 * after the 3rd, byte 3 after the 4th.
 */
static bool decode_char(struct b64_decoder *dec, unsigned char c,
                        uintmax_t offset, unsigned char **out)
{
    unsigned value = dec->values[c];

    /* SKIP: newlines always (coreutils), other garbage with -i. */
    if (c == '\n' || (dec->ignore_garbage && value == B64_NOT_IN_ALPHABET
                      && c != B64_PAD))
        return true;

    /* PADDING: only "xx==" and "xxx=" (RFC 4648 section 4). */
    if (dec->pads > 0 && c != B64_PAD)
        return fail(dec, B64_DATA_AFTER_PAD, offset, c);
    if (c == B64_PAD) {
        if (dec->count < 2)
            return fail(dec, B64_PAD_TOO_EARLY, offset, c);
        if (dec->count == 2 && dec->pads == 0) {
            dec->pads = 1;          /* "xx=": one more '=' must follow */
            return true;
        }
        dec->count = 0;             /* "xx==" or "xxx=": the group is done */
        dec->pads = 0;
        return true;
    }

    /* DATA: one more 6-bit value. */
    if (value == B64_NOT_IN_ALPHABET)
        return fail(dec, B64_NOT_BASE64, offset, c);
    dec->bits = dec->bits << 6 | value;
    dec->count++;
    if (dec->count == 2)
        *(*out)++ = (unsigned char)(dec->bits >> 4);
    else if (dec->count == 3)
        *(*out)++ = (unsigned char)(dec->bits >> 2);
    else if (dec->count == 4) {
        *(*out)++ = (unsigned char)dec->bits;
        dec->count = 0;
        dec->bits = 0;
    }
    return true;
}

bool b64_decode(struct b64_decoder *dec, const unsigned char *in, size_t len,
                unsigned char *out, size_t *out_len)
{
    const unsigned char *v = dec->values;
    unsigned char *start = out;
    size_t i = 0;
    bool ok = true;

    while (i < len) {
        /* Between groups, take 4 characters at a time while all four are
         * in the alphabet: the common case, and the fast one. */
        while (dec->count == 0 && len - i >= 4) {
            unsigned a = v[in[i]], b = v[in[i + 1]],
                     c = v[in[i + 2]], d = v[in[i + 3]];
            if ((a | b | c | d) > 63)
                break;
            uint_least32_t group = (uint_least32_t)a << 18 | b << 12
                                 | c << 6 | d;
            *out++ = (unsigned char)(group >> 16);
            *out++ = (unsigned char)(group >> 8);
            *out++ = (unsigned char)group;
            i += 4;
        }
        if (i == len)
            break;
        /* Anything else, one character at a time. */
        if (!decode_char(dec, in[i], dec->offset + i, &out)) {
            ok = false;
            break;
        }
        i++;
    }
    dec->offset += i;
    *out_len = (size_t)(out - start);
    return ok;
}

bool b64_decode_finish(struct b64_decoder *dec)
{
    if (dec->count == 0 && dec->pads == 0)
        return true;
    return fail(dec, B64_TRUNCATED, dec->offset, 0);
}

/* Writes BYTE as 'c' if it is printable ASCII, else as 0xNN. */
static void describe_byte(unsigned char byte, char *buf, size_t size)
{
    if (byte >= 0x20 && byte < 0x7f)
        snprintf(buf, size, "0x%02x ('%c')", byte, byte);
    else
        snprintf(buf, size, "0x%02x", byte);
}

const char *b64_problem_text(const struct b64_decoder *dec, char *buf,
                             size_t size)
{
    char byte[16];
    uintmax_t at = dec->problem_offset;

    describe_byte(dec->problem_byte, byte, sizeof byte);
    switch (dec->problem) {
    case B64_NOT_BASE64:
        snprintf(buf, size, "invalid input at offset %ju: byte %s is not "
                 "base64 (-i skips it)", at, byte);
        break;
    case B64_PAD_TOO_EARLY:
        snprintf(buf, size, "invalid input at offset %ju: '=' cannot be the "
                 "1st or 2nd character of a 4-character group", at);
        break;
    case B64_DATA_AFTER_PAD:
        snprintf(buf, size, "invalid input at offset %ju: byte %s after "
                 "\"xx=\" (a second '=' must end the group)", at, byte);
        break;
    case B64_TRUNCATED:
        snprintf(buf, size, "invalid input at offset %ju: the input ends "
                 "inside a 4-character group (missing '=' padding?)", at);
        break;
    case B64_NO_PROBLEM:
    default:
        snprintf(buf, size, "no problem");
        break;
    }
    return buf;
}
