/*
 * input.c - reading a whole file or standard input, and loading a message.
 */
#include "commands.h"

#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mime_limits.h"

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

void file_load(const char *path, unsigned char **data, size_t *size)
{
    int e = file_read(path, data, size, MIME_MESSAGE_MAX);

    if (e == EFBIG)
        errx(EX_DATAERR, "%s: larger than MIME_MESSAGE_MAX (256 MiB)", path);
    if (e == ENOMEM)
        errx(EX_OSERR, "%s: out of memory", path);
    if (e != 0)
        errx(EX_NOINPUT, "%s: %s", path, strerror(e));
}

struct mime_part *message_load(const char *path, unsigned char **data)
{
    struct mime_part *root;
    struct mime_error error;
    size_t size;

    file_load(path, data, &size);
    if (mime_parse(*data, size, &root, &error) != MIME_OK)
        errx(error.status == MIME_ERR_NOMEM ? EX_OSERR : EX_DATAERR, "%s: %s",
             path, error.text);
    return root;
}

void stdout_finish(void)
{
    if (fflush(stdout) != 0 || ferror(stdout))
        err(EX_IOERR, "standard output");
}
