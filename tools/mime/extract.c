/*
 * extract.c - mime extract: every leaf part of a message, decoded, as a
 * file in one directory (as munpack does).
 *
 * Safety: names come from safename_make() (never a path, never hidden);
 * files are created with openat(2) relative to the directory and
 * O_CREAT | O_EXCL, so an existing file or symbolic link is never
 * followed or overwritten: the name gets a "-1", "-2"... suffix instead.
 */
#include "commands.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "mime_limits.h"
#include "safename.h"

#define SECTION_SIZE (16 + 8 * (2 * MIME_DEPTH_MAX + 2))

struct extraction {
    const char *path;       /* the message, for messages */
    const char *dir;        /* the output directory, as given */
    int dir_fd;
    size_t files;           /* files written */
};

static void usage(FILE *out)
{
    fputs("usage: mime extract [-d DIR] FILE\n"
          "\n"
          "Writes every part of the message in FILE ('-': standard input),\n"
          "decoded, into DIR (default: the current directory; made if\n"
          "missing), and prints the name of each file written. Names from\n"
          "the message are made safe; unnamed parts are called part-N.EXT;\n"
          "existing files are never overwritten.\n"
          "\n"
          "  -d, --directory DIR   where to write the files\n"
          "  -h, --help            show this help\n", out);
}

/* Opens dir, making it first if it does not exist. */
static int directory_open(const char *dir)
{
    int fd;

    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        err(EX_CANTCREAT, "%s", dir);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        err(EX_CANTCREAT, "%s", dir);
    return fd;
}

/* "name-N.ext" for try N of "name.ext" (malloc'd). */
static char *name_with_suffix(const char *name, int n)
{
    const char *dot = strrchr(name, '.');
    size_t stem = dot && dot != name ? (size_t)(dot - name) : strlen(name);
    size_t size = strlen(name) + 16;
    char *out = malloc(size);

    if (!out)
        errx(EX_OSERR, "out of memory");
    snprintf(out, size, "%.*s-%d%s", (int)stem, name, n, name + stem);
    return out;
}

/* Writes all of data to fd and closes it; exits with EX_IOERR on failure. */
static void data_write(int fd, const struct extraction *x, const char *name,
                       const unsigned char *data, size_t size)
{
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            err(EX_IOERR, "%s/%s", x->dir, name);
        data += n;
        size -= (size_t)n;
    }
    if (close(fd) != 0)
        err(EX_IOERR, "%s/%s", x->dir, name);
}

/* Creates a new file for name in the directory (adding a suffix if the
 * name is taken), writes data, and returns the name used (malloc'd). */
static char *file_create(struct extraction *x, char *name,
                         const unsigned char *data, size_t size)
{
    for (int n = 0; n <= MIME_SUFFIX_TRIES; n++) {
        char *candidate = n == 0 ? name : name_with_suffix(name, n);
        int fd = openat(x->dir_fd, candidate,
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd >= 0) {
            data_write(fd, x, candidate, data, size);
            if (candidate != name)
                free(name);
            return candidate;
        }
        if (errno != EEXIST)
            err(EX_CANTCREAT, "%s/%s", x->dir, candidate);
        if (candidate != name)
            free(candidate);
    }
    errx(EX_CANTCREAT, "%s: %s and %d other names are taken", x->dir, name,
         MIME_SUFFIX_TRIES);
}

/* Warns about each defect of a part, naming the part. */
static void defects_report(const struct extraction *x,
                           const struct mime_part *part, const char *section)
{
    for (int bit = 0; bit < MIME_DEFECT_COUNT; bit++)
        if (part->defects & (1u << bit))
            warnx("%s: part %s: %s", x->path, section[0] ? section : "(top)",
                  mime_defect_text(1u << bit));
}

/* Writes one decoded leaf as a new file and prints its name. */
static void leaf_extract(struct extraction *x, const struct mime_part *part,
                         const char *section)
{
    char *name = safename_make(part->filename, section, part->type);
    const char *slash;

    if (!name)
        errx(EX_OSERR, "out of memory");
    name = file_create(x, name, part->data, part->data_size);
    slash = x->dir[0] && x->dir[strlen(x->dir) - 1] == '/' ? "" : "/";
    printf("%s%s%s (%s, %zu bytes)\n", x->dir, slash, name, part->type,
           part->data_size);
    x->files++;
    free(name);
}

/* Extracts the leaves under part, numbered as mime show numbers them. */
static void parts_extract(struct extraction *x, const struct mime_part *part,
                          const char *section)
{
    char sub[SECTION_SIZE];
    int i = 1;

    defects_report(x, part, section);
    if (part->data) {
        leaf_extract(x, part, section);
        return;
    }
    for (const struct mime_part *c = part->child; c; c = c->next, i++) {
        if (mime_child_section(part, i, section, sub, sizeof sub) < 0)
            errx(EX_SOFTWARE, "part number too long");
        parts_extract(x, c, sub);
    }
}

int cmd_extract(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "directory", required_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct extraction x = { .dir = "." };
    struct mime_part *root;
    unsigned char *data;
    int c;

    while ((c = getopt_long(argc, argv, "d:h", long_options, NULL)) != -1) {
        if (c == 'd') {
            x.dir = optarg;
        } else if (c == 'h') {
            usage(stdout);
            stdout_finish();
            return EX_OK;
        } else {
            fputs("Try 'mime extract --help'.\n", stderr);
            return EX_USAGE;
        }
    }
    if (argc - optind != 1) {
        warnx("extract needs one FILE ('-' for standard input)");
        fputs("Try 'mime extract --help'.\n", stderr);
        return EX_USAGE;
    }
    x.path = argv[optind];
    root = message_load(x.path, &data);
    x.dir_fd = directory_open(x.dir);
    parts_extract(&x, root, mime_root_section(root));
    if (x.files == 0)
        warnx("%s: no parts to extract", x.path);
    close(x.dir_fd);
    stdout_finish();
    mime_free(root);
    free(data);
    return EX_OK;
}
