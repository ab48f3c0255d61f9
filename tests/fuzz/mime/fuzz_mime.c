/*
 * fuzz_mime.c - libFuzzer target for the MIME parser (lib/mime_parse.h).
 *
 * Any bytes go to mime_parse(), as a message from a stranger would. The
 * sanitizers catch memory errors and undefined behaviour; the checks below
 * catch broken promises:
 *   - a failed parse says why; a successful one gives a tree whose raw
 *     bodies lie inside the input;
 *   - a decoded body is never larger than its encoding allows;
 *   - the file name mime extract would use is always safe;
 *   - mime show's output of the tree is printed (to /dev/null).
 * See README.md beside this file.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "mime_decode.h"
#include "mime_header.h"
#include "mime_limits.h"
#include "mime_parse.h"
#include "safename.h"

static FILE *devnull;

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_mime: broken promise: %s\n", what);
        abort();
    }
}

static void part_check(const struct mime_part *part, const uint8_t *msg,
                       size_t size, const char *section)
{
    char sub[64];
    int i = 1;

    check(part->type && part->encoding_name, "type and encoding are set");
    check(part->raw >= msg && part->raw + part->raw_size <= msg + size,
          "raw body lies inside the input");
    if (part->data) {
        size_t most = part->encoding == MIME_ENC_BASE64
                          ? mime_base64_decoded_capacity(part->raw_size)
                          : part->raw_size;
        char *name = safename_make(part->filename, section, part->type);
        check(part->data_size <= most, "decoded size within bounds");
        check(name != NULL, "safename_make gives a name");
        check(safename_is_safe(name), "safename_make gives a safe name");
        free(name);
    }
    for (const struct mime_part *c = part->child; c; c = c->next, i++) {
        if (mime_child_section(part, i, section, sub, sizeof sub) < 0)
            snprintf(sub, sizeof sub, "9");
        part_check(c, msg, size, sub);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mime_part *root;
    struct mime_error err;

    if (!devnull)
        devnull = fopen("/dev/null", "w");
    if (mime_parse(data, size, &root, &err) != MIME_OK) {
        check(root == NULL && err.text[0] != '\0', "a failure says why");
        return 0;
    }
    part_check(root, data, size, mime_root_section(root));
    message_show(devnull, root);
    mime_free(root);
    return 0;
}
