/*
 * main.c - mime: build, inspect and unpack MIME messages (RFC 2045-2049).
 *
 *   mime build --from A --to B --subject S [--text T] [--attach F]...
 *   mime show FILE
 *   mime extract [-d DIR] FILE
 *
 * Each subcommand is one file (build.c, show.c, extract.c); this one only
 * picks it from a table, as a shell picks a program.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "commands.h"

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    { "build", cmd_build, "write a MIME message to standard output" },
    { "show", cmd_show, "print a message's main fields and its part tree" },
    { "extract", cmd_extract, "write each part of a message to a file" },
};

#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fputs("usage: mime build --from ADDR --to ADDR [--cc ADDR] [--bcc ADDR]\n"
          "                  --subject TEXT [--text TEXT | --text-file FILE]\n"
          "                  [--html-file FILE] [--attach FILE]...\n"
          "       mime show FILE\n"
          "       mime extract [-d DIR] FILE\n"
          "       mime [COMMAND] --help\n"
          "\n", out);
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  %-9s%s\n", commands[i].name, commands[i].summary);
    fputs("\nSee mime(1).\n", out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EX_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        stdout_finish();
        return EX_OK;
    }
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "mime: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EX_USAGE;
}
