/*
 * commands.h - the subcommands of mime, and what they share: loading a
 * message from a file or standard input.
 *
 * Exit codes (sysexits.h): EX_USAGE for a wrong command line, EX_NOINPUT
 * for an input that cannot be read, EX_DATAERR for input that is not
 * usable (a message past a limit, text that is not UTF-8), EX_CANTCREAT
 * for an output file that cannot be made, EX_IOERR for a failed write,
 * EX_OSERR when memory runs out.
 */
#ifndef MIME_COMMANDS_H
#define MIME_COMMANDS_H

#include <stddef.h>
#include <stdio.h>

#include "mime_input.h"
#include "mime_parse.h"

int cmd_build(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_extract(int argc, char **argv);

/* As file_read() (lib/mime_input.h) with MIME_MESSAGE_MAX, but on failure prints why and
 * exits (EX_DATAERR for too big, EX_NOINPUT, EX_OSERR). */
void file_load(const char *path, unsigned char **data, size_t *size);

/*
 * Reads and parses the message in path; on failure prints why, prefixed
 * with path, and exits (EX_NOINPUT, EX_DATAERR or EX_OSERR). The caller
 * frees *data after the tree.
 */
struct mime_part *message_load(const char *path, unsigned char **data);

/* Prints the main header fields of the message root, decoded, and the
 * tree of its parts to out (what mime show prints). */
void message_show(FILE *out, const struct mime_part *root);

/* Flushes stdout and exits with EX_IOERR if anything failed to write. */
void stdout_finish(void);

#endif
