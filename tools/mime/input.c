/*
 * input.c - loading a message (lib/mime_input.c reads it), and finishing
 * standard output.
 */
#include "commands.h"

#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mime_limits.h"

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
