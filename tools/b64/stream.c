/*
 * stream.c - encode or decode a whole stream, one big block at a time.
 *
 * Memory stays the same for any input size: each direction has a fixed set
 * of buffers, and only a partial 4-character group (in the decoder) or the
 * current line's column (in the encoder) carries over from block to block.
 */
#include "stream.h"

#include <err.h>
#include <stdlib.h>
#include <string.h>

/*
 * Block sizes. Big blocks mean few read and write calls. Measured on 256 MiB
 * (bench/b64.sh): 4 KiB blocks cost 10-25% more time, 64 KiB was the
 * fastest, and 256 KiB or 1 MiB was no faster. The encoder's block is a
 * multiple of 3 bytes, so only the very last block can need padding (RFC
 * 4648 section 4): fread() fills every block but the last.
 */
#define ENCODE_BLOCK_BYTES (3 * 64 * 1024)
#define DECODE_BLOCK_BYTES (64 * 1024)

struct encode_buffers {
    unsigned char in[ENCODE_BLOCK_BYTES];
    char encoded[B64_ENCODED_LEN(ENCODE_BLOCK_BYTES)];
    /* with a newline after each character (-w 1), at worst twice as long */
    char wrapped[2 * B64_ENCODED_LEN(ENCODE_BLOCK_BYTES) + 1];
};

struct decode_buffers {
    unsigned char in[DECODE_BLOCK_BYTES];
    unsigned char out[DECODE_BLOCK_BYTES];   /* see b64_decode(): enough */
};

static bool write_all(FILE *out, const void *buf, size_t len)
{
    if (fwrite(buf, 1, len, out) == len)
        return true;
    warn("write error");
    return false;
}

/*
 * wrap_lines - copy N characters from SRC to DST with a newline after every
 * COLS-th character of a line; *COLUMN is the position on the current line,
 * carried from one block to the next. Returns the number of characters
 * written: at most N + N / COLS + 1.
 */
static size_t wrap_lines(const char *src, size_t n, char *dst, size_t cols,
                         size_t *column)
{
    char *start = dst;

    while (n > 0) {
        size_t room = cols - *column;
        size_t take = n < room ? n : room;

        memcpy(dst, src, take);
        dst += take;
        src += take;
        n -= take;
        *column += take;
        if (*column == cols) {
            *dst++ = '\n';
            *column = 0;
        }
    }
    return (size_t)(dst - start);
}

bool encode_stream(FILE *in, const char *in_name, FILE *out,
                   enum b64_alphabet alphabet, size_t wrap_cols)
{
    struct encode_buffers *buf = malloc(sizeof *buf);
    const char *chars = b64_chars(alphabet);
    size_t column = 0;
    bool ok = true;

    if (buf == NULL) {
        warn("encode buffers");
        return false;
    }
    while (ok) {
        size_t n = fread(buf->in, 1, sizeof buf->in, in);
        if (n < sizeof buf->in && ferror(in)) {
            warn("%s", in_name);
            ok = false;
            break;
        }
        if (n == 0)
            break;

        size_t len = b64_encode(chars, buf->in, n, buf->encoded);
        if (wrap_cols == 0)
            ok = write_all(out, buf->encoded, len);
        else {
            len = wrap_lines(buf->encoded, len, buf->wrapped, wrap_cols,
                             &column);
            ok = write_all(out, buf->wrapped, len);
        }
        if (n < sizeof buf->in)
            break;              /* end of input: that was the last block */
    }
    /* The last line ends with a newline, unless it is empty (coreutils). */
    if (ok && wrap_cols > 0 && column > 0)
        ok = write_all(out, "\n", 1);
    free(buf);
    return ok;
}

enum decode_result decode_stream(FILE *in, const char *in_name, FILE *out,
                                 enum b64_alphabet alphabet,
                                 bool ignore_garbage)
{
    struct decode_buffers *buf = malloc(sizeof *buf);
    struct b64_decoder dec;
    enum decode_result result = DECODE_OK;

    if (buf == NULL) {
        warn("decode buffers");
        return DECODE_IO_ERROR;
    }
    b64_decoder_init(&dec, alphabet, ignore_garbage);
    for (;;) {
        size_t n = fread(buf->in, 1, sizeof buf->in, in);
        if (n < sizeof buf->in && ferror(in)) {
            warn("%s", in_name);
            result = DECODE_IO_ERROR;
            break;
        }

        size_t len;
        bool valid = b64_decode(&dec, buf->in, n, buf->out, &len);
        if (!write_all(out, buf->out, len)) {
            result = DECODE_IO_ERROR;
            break;
        }
        if (valid && n < sizeof buf->in)
            valid = b64_decode_finish(&dec);   /* end of input */
        if (!valid) {
            char text[B64_PROBLEM_TEXT_SIZE];
            warnx("%s", b64_problem_text(&dec, text, sizeof text));
            result = DECODE_INVALID_INPUT;
            break;
        }
        if (n < sizeof buf->in)
            break;
    }
    free(buf);
    return result;
}
