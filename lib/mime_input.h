/*
 * mime_input.h - reading a whole message into memory, from a file or from
 * standard input, up to a limit: the parser and the programs that use it
 * (mime, mailsend) work on a buffer.
 */
#ifndef CARTERO_MIME_INPUT_H
#define CARTERO_MIME_INPUT_H

#include <stddef.h>

/*
 * Reads all of path ("-": standard input) into a malloc'd buffer (*data,
 * *size; one extra NUL byte after the data). Returns 0, or an errno value:
 * EFBIG when the input is larger than max bytes, ENOMEM, or why the file
 * could not be opened or read. Memory: at most about twice the input while
 * the buffer grows.
 */
int file_read(const char *path, unsigned char **data, size_t *size,
              size_t max);

#endif
