/*
 * base64.h - the base64 code of RFC 4648: its two alphabets, an encoder for
 * blocks of bytes, and a decoder that takes its input in pieces of any size.
 *
 * The idea (RFC 4648 section 4): 3 bytes are 24 bits; cut them into four
 * groups of 6 bits; each 6-bit value (0..63) picks one character of a
 * 64-character alphabet. When the input ends with 1 or 2 bytes, zero bits
 * fill the last 6-bit group and '=' stands for each missing character.
 *
 * Decoding follows GNU coreutils base64 exactly, so that b64 -d writes the
 * same bytes and fails on the same inputs:
 *  - newlines (LF) are skipped anywhere; any other byte outside the alphabet
 *    is an error, unless the decoder ignores garbage (-i);
 *  - a group is 4 characters: "xxxx", "xxx=" or "xx=="; a padded group may be
 *    followed by more groups (concatenated encodings decode as one);
 *  - the bits that padding throws away are not checked ("TWF=" is "Ma");
 *  - each byte is written as soon as the characters holding it have arrived,
 *    so on an error the bytes before the bad character are already out.
 */
#ifndef B64_BASE64_H
#define B64_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 4648 section 4: 3 bytes of input become 4 characters of output. */
#define B64_GROUP_BYTES 3
#define B64_GROUP_CHARS 4
#define B64_PAD '='

/* Characters needed to encode LEN bytes, padding included. */
#define B64_ENCODED_LEN(len) (((len) + 2) / 3 * 4)

/* A value in a decoding table for a byte that is not in the alphabet. */
#define B64_NOT_IN_ALPHABET 0xff

enum b64_alphabet {
    B64_STANDARD,   /* RFC 4648 section 4, Table 1: ... 62 '+', 63 '/' */
    B64_URL,        /* RFC 4648 section 5, Table 2: ... 62 '-', 63 '_' */
};

/* The 64 characters of ALPHABET, indexed by 6-bit value. Static storage. */
const char *b64_chars(enum b64_alphabet alphabet);

/*
 * b64_encode - encode LEN bytes at IN into OUT, which must have room for
 * B64_ENCODED_LEN(len) characters (no NUL is added). Returns the number of
 * characters written. If LEN is not a multiple of 3, the last group is
 * padded, so a stream is encoded by calling this with blocks that are
 * multiples of 3 bytes, and any length for the last one. Costs O(LEN).
 */
size_t b64_encode(const char *chars, const unsigned char *in, size_t len,
                  char *out);

/* Why decoding stopped; see b64_problem_text(). */
enum b64_problem {
    B64_NO_PROBLEM,
    B64_NOT_BASE64,      /* a byte outside the alphabet (and not a newline) */
    B64_PAD_TOO_EARLY,   /* '=' as the 1st or 2nd character of a group */
    B64_DATA_AFTER_PAD,  /* "xx=" followed by a character other than '=' */
    B64_TRUNCATED,       /* the input ends inside a group */
};

struct b64_decoder {
    unsigned char values[256];    /* byte -> 6-bit value, or B64_NOT_IN_ALPHABET */
    bool ignore_garbage;          /* skip bytes outside the alphabet (-i) */
    uint_least32_t bits;          /* the values of the group so far, 6 bits each */
    int count;                    /* characters of the current group: 0..3 */
    int pads;                     /* how many of them are '=': 0 or 1 ("xx=") */
    uintmax_t offset;             /* input bytes consumed before this block */
    /* set when a call returns false: */
    enum b64_problem problem;
    uintmax_t problem_offset;     /* of the bad byte; for B64_TRUNCATED, the input length */
    unsigned char problem_byte;   /* the bad byte (not for B64_TRUNCATED) */
};

/* Start decoding a new input. */
void b64_decoder_init(struct b64_decoder *dec, enum b64_alphabet alphabet,
                      bool ignore_garbage);

/*
 * b64_decode - decode the next LEN bytes of input, at IN, appending the
 * decoded bytes to OUT; LEN bytes of room in OUT are always enough (each
 * input character completes at most one byte). Sets *OUT_LEN to the number
 * of bytes written. Returns true, or false at the first invalid byte, with
 * dec->problem set; *OUT_LEN then counts the bytes decoded before it. A group
 * may be split across calls. Costs O(LEN); no allocation.
 */
bool b64_decode(struct b64_decoder *dec, const unsigned char *in, size_t len,
                unsigned char *out, size_t *out_len);

/*
 * b64_decode_finish - the input has ended: returns true if it ended on a
 * group boundary, else false with dec->problem = B64_TRUNCATED. (The bytes
 * of a partial group were already written by b64_decode.)
 */
bool b64_decode_finish(struct b64_decoder *dec);

/* Room for any text from b64_problem_text(): the longest is 111 bytes
 * with its NUL, for a 20-digit offset. */
#define B64_PROBLEM_TEXT_SIZE 160

/*
 * b64_problem_text - write into BUF (of SIZE bytes) one line saying what is
 * wrong with the input and at which byte offset (counted from 0, newlines
 * included), e.g. "invalid input at offset 4: byte 0x20 (' ') is not in the
 * base64 alphabet". Returns BUF. With SIZE >= B64_PROBLEM_TEXT_SIZE the text
 * always fits (a shorter BUF would only cut the message short).
 */
const char *b64_problem_text(const struct b64_decoder *dec, char *buf,
                             size_t size);

#endif
