/*
 * mime_input.c - reading a whole file or standard input (see mime_input.h).
 */
#include "mime_input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* First buffer size; it doubles as the input grows. */
#define READ_CHUNK 65536

int file_read(const char *path, unsigned char **data, size_t *size,
              size_t max)
{
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t len = 0, capacity = 0;
    int error = 0;

    if (!in)
        return errno;
    for (;;) {
        size_t got;
        if (len == capacity) {
            unsigned char *grown;
            capacity = capacity ? capacity * 2 : READ_CHUNK;
            if (capacity > max + 1)
                capacity = max + 1;         /* one byte more shows "too big" */
            grown = realloc(buf, capacity + 1);
            if (!grown) {
                error = ENOMEM;
                break;
            }
            buf = grown;
        }
        got = fread(buf + len, 1, capacity - len, in);
        len += got;
        if (len > max) {
            error = EFBIG;
            break;
        }
        if (got == 0) {
            if (ferror(in))
                error = errno ? errno : EIO;
            break;
        }
    }
    if (in != stdin)
        fclose(in);
    if (error) {
        free(buf);
        return error;
    }
    buf[len] = '\0';
    *data = buf;
    *size = len;
    return 0;
}
