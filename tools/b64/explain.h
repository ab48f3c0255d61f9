/*
 * explain.h - `b64 --explain TEXT`: the picture a student draws on paper
 * when encoding by hand. For each 3-byte group: the bytes, their bits, the
 * same bits cut into 6-bit values, and the character each value picks;
 * for a short last group, the zero bits added and where '=' comes from.
 */
#ifndef B64_EXPLAIN_H
#define B64_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base64.h"

/* How the picture's lines are drawn. */
enum explain_style {
    EXPLAIN_ASCII,   /* + - . : any terminal */
    EXPLAIN_UTF8,    /* box-drawing characters: a UTF-8 terminal */
};

/*
 * explain_encoding - write to OUT the explanation of how the LEN bytes at
 * TEXT encode with ALPHABET. Returns false if writing to OUT failed. The
 * output is about 10 lines per 3 bytes of TEXT, each at most 80 columns.
 */
bool explain_encoding(FILE *out, const unsigned char *text, size_t len,
                      enum b64_alphabet alphabet, enum explain_style style);

#endif
