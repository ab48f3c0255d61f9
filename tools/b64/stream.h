/*
 * stream.h - base64 over a whole stream, a block at a time, in constant
 * memory: what `b64` and `b64 -d` do with FILE or standard input.
 */
#ifndef B64_STREAM_H
#define B64_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base64.h"

/*
 * encode_stream - read IN to its end and write its base64 encoding to OUT,
 * with a newline after every WRAP_COLS characters and at the end (coreutils:
 * no newline at all for empty input or when WRAP_COLS is 0). IN_NAME names
 * IN in messages. Returns true, or false after printing a "b64: " message
 * on a read or write error. Memory: three fixed buffers (under 1 MiB).
 */
bool encode_stream(FILE *in, const char *in_name, FILE *out,
                   enum b64_alphabet alphabet, size_t wrap_cols);

/* How decode_stream() ended. */
enum decode_result {
    DECODE_OK,
    DECODE_INVALID_INPUT,   /* the message says what and where */
    DECODE_IO_ERROR,
};

/*
 * decode_stream - read IN to its end and write the bytes it encodes to OUT.
 * On invalid input, the bytes before the bad one are written (as coreutils
 * does), then a "b64: invalid input at offset N: ..." message. Memory: two
 * fixed buffers (128 KiB).
 */
enum decode_result decode_stream(FILE *in, const char *in_name, FILE *out,
                                 enum b64_alphabet alphabet,
                                 bool ignore_garbage);

#endif
