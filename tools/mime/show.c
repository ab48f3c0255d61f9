/*
 * show.c - mime show: the main header fields of a message, decoded, and
 * the tree of its parts, numbered as IMAP numbers them (RFC 3501 6.4.5:
 * BODY[1.2] is the second part of the first part).
 *
 *   From:     Ana Pérez <ana@example.org>
 *   Subject:  Prueba de interacción
 *
 *   multipart/mixed; boundary="=_cartero_0d9f"
 *   ├── [1] text/plain; charset=utf-8, quoted-printable, 42 bytes
 *   └── [2] image/png, base64, 2048 bytes (2.0 KiB), attachment "foto.png"
 *       ! characters outside the base64 alphabet were ignored (RFC 2045 6.8)
 *
 * Everything taken from the message goes through print_safely(), so no
 * message can send control sequences to the terminal.
 */
#include "commands.h"

#include <err.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mime_charset.h"
#include "mime_header.h"
#include "mime_limits.h"

/* Section numbers ("1.2.3") and tree prefixes grow with the depth; each
 * level adds at most "10000." or "│   " (6 bytes). */
#define SECTION_SIZE (16 + 8 * (2 * MIME_DEPTH_MAX + 2))
#define PREFIX_SIZE (16 + 8 * (MIME_DEPTH_MAX + 2))

struct tree {
    FILE *out;
    char prefix[PREFIX_SIZE];   /* what goes before lines of this level */
    size_t prefix_len;
};

static void usage(FILE *out)
{
    fputs("usage: mime show FILE\n"
          "\n"
          "Prints the main header fields of the message in FILE ('-': standard\n"
          "input), decoded, and the tree of its parts: media types, encodings,\n"
          "decoded sizes, file names, and what is wrong with each part.\n"
          "\n"
          "  -h, --help   show this help\n", out);
}

static void print_text(FILE *out, const char *s)
{
    print_safely(s, strlen(s), out);
}

/* One header field, RFC 2047 decoded (RFC 2047 6.1), if the part has it,
 * after indent. */
static void field_show(FILE *out, const char *indent,
                       const struct mime_part *part, const char *name)
{
    const char *value = mime_header_value(part, name);
    int unknown = 0;
    char *decoded;

    if (!value)
        return;
    decoded = rfc2047_decode(value, &unknown);
    if (!decoded)
        errx(EX_OSERR, "out of memory");
    fprintf(out, "%s%s:%*s", indent, name, (int)(9 - strlen(name)), "");
    print_text(out, decoded);
    if (unknown)
        fputs("  (a charset mime does not convert)", out);
    putc('\n', out);
    free(decoded);
}

static void size_show(FILE *out, size_t size)
{
    fprintf(out, "%zu byte%s", size, size == 1 ? "" : "s");
    if (size >= 1024 * 1024)
        fprintf(out, " (%.1f MiB)", (double)size / (1024.0 * 1024.0));
    else if (size >= 1024)
        fprintf(out, " (%.1f KiB)", (double)size / 1024.0);
}

/* The text of a part's line after its number. */
static void part_describe(FILE *out, const struct mime_part *part)
{
    print_text(out, part->type);
    if (part->charset) {
        fputs("; charset=", out);
        print_text(out, part->charset);
    }
    if (part->boundary && mime_is_multipart(part)) {
        fputs("; boundary=\"", out);
        print_text(out, part->boundary);
        putc('"', out);
    }
    if (part->data || (part->child && !mime_is_multipart(part))) {
        fputs(", ", out);
        print_text(out, part->encoding_name);
        fputs(", ", out);
        size_show(out, part->data ? part->data_size : part->raw_size);
    }
    if (part->disposition) {
        fputs(", ", out);
        print_text(out, part->disposition);
    }
    if (part->filename) {
        fputs(part->disposition ? " \"" : ", \"", out);
        print_text(out, part->filename);
        putc('"', out);
    }
}

/* Extends the prefix for the lines under a part: a bar when more parts
 * follow it at its level, blanks when it was the last. */
static void tree_indent(struct tree *t, bool root, bool last)
{
    const char *more = root ? "" : last ? "    " : "\xe2\x94\x82   ";   /* │ */
    size_t len = strlen(more);

    if (t->prefix_len + len < sizeof t->prefix) {
        memcpy(t->prefix + t->prefix_len, more, len + 1);
        t->prefix_len += len;
    }
}

static void part_show(struct tree *t, const struct mime_part *part,
                      const char *section, bool numbered, bool root, bool last);

/* The parts inside part, numbered as mime_child_section() says. */
static void children_show(struct tree *t, const struct mime_part *part,
                          const char *section)
{
    char sub[SECTION_SIZE];
    int i = 1;

    for (const struct mime_part *c = part->child; c; c = c->next, i++) {
        int own = mime_child_section(part, i, section, sub, sizeof sub);
        if (own < 0)
            snprintf(sub, sizeof sub, "...");
        part_show(t, c, sub, own != 0, false, c->next == NULL);
    }
}

/* Prints the line of part (with its number when numbered; without a
 * connector for the root), its defects, and the parts inside it. Recurses
 * once per level: at most MIME_DEPTH_MAX deep. */
static void part_show(struct tree *t, const struct mime_part *part,
                      const char *section, bool numbered, bool root, bool last)
{
    size_t saved = t->prefix_len;
    const char *connector = root ? ""
                            : last ? "\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 "  /* └── */
                                   : "\xe2\x94\x9c\xe2\x94\x80\xe2\x94\x80 "; /* ├── */

    fprintf(t->out, "%s%s", t->prefix, connector);
    if (numbered)
        fprintf(t->out, "[%s] ", section);
    part_describe(t->out, part);
    putc('\n', t->out);
    tree_indent(t, root, last);
    for (int bit = 0; bit < MIME_DEFECT_COUNT; bit++)
        if (part->defects & (1u << bit))
            fprintf(t->out, "%s! %s\n", t->prefix, mime_defect_text(1u << bit));
    if (strncmp(part->type, "message/", 8) == 0 && part->child) {
        /* An attached message: its own fields make it recognisable. */
        field_show(t->out, t->prefix, part->child, "From");
        field_show(t->out, t->prefix, part->child, "Subject");
    }
    children_show(t, part, section);
    t->prefix_len = saved;
    t->prefix[saved] = '\0';
}

void message_show(FILE *out, const struct mime_part *root)
{
    static const char *const fields[] = { "From", "To", "Cc", "Bcc",
                                          "Subject", "Date" };
    struct tree t = { .out = out, .prefix = "", .prefix_len = 0 };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        field_show(out, "", root, fields[i]);
    putc('\n', out);
    part_show(&t, root, mime_root_section(root), !mime_is_multipart(root),
              true, true);
}

int cmd_show(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct mime_part *root;
    unsigned char *data;
    int c;

    while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            stdout_finish();
            return EX_OK;
        }
        fputs("Try 'mime show --help'.\n", stderr);
        return EX_USAGE;
    }
    if (argc - optind != 1) {
        warnx("show needs one FILE ('-' for standard input)");
        fputs("Try 'mime show --help'.\n", stderr);
        return EX_USAGE;
    }
    root = message_load(argv[optind], &data);
    message_show(stdout, root);
    stdout_finish();
    mime_free(root);
    free(data);
    return EX_OK;
}
