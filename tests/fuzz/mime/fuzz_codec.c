/*
 * fuzz_codec.c - libFuzzer target for the writing side of tools/mime: what
 * mime build encodes, the parser must decode to the same bytes.
 *
 * The first input byte picks a round trip; the rest is the data:
 *   0  base64: encode, decode: same bytes, no problem reported
 *   1  quoted-printable: encode, decode: same bytes; lines <= 76
 *   2  Subject (UTF-8): header_text, parse, RFC 2047 decode: same text
 *   3  file name (UTF-8, at most 255 bytes): header_param, parse,
 *      RFC 2231 decode: same name
 *   4  address with display name: lines <= 76 (RFC 2047 2), 7-bit
 * Every header written must be 7-bit with lines of at most 76 characters.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "header_write.h"
#include "mime_address.h"
#include "mime_charset.h"
#include "mime_decode.h"
#include "mime_header.h"
#include "mime_limits.h"
#include "mime_parse.h"

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_codec: broken promise: %s\n", what);
        abort();
    }
}

/* Every line of s[0..n) is 7-bit, at most max characters. */
static void lines_check(const char *s, size_t n, size_t max)
{
    size_t column = 0;

    for (size_t i = 0; i < n; i++) {
        check((unsigned char)s[i] < 0x80, "output is 7-bit");
        if (s[i] == '\n')
            column = 0;
        else
            check(++column <= max, "line within the limit");
    }
}

static void base64_round_trip(const uint8_t *data, size_t size)
{
    char *text = NULL;
    size_t len;
    unsigned problems = 0;
    FILE *mem = open_memstream(&text, &len);
    unsigned char *back;

    mime_base64_encode(data, size, mem);
    fclose(mem);
    lines_check(text, len, MIME_BASE64_LINE);
    back = malloc(mime_base64_decoded_capacity(len));
    check(mime_base64_decode((const unsigned char *)text, len, back, &problems) == size,
          "base64 gives back as many bytes");
    check(size == 0 || memcmp(back, data, size) == 0, "base64 gives back the bytes");
    check(problems == 0, "our own base64 decodes cleanly");
    free(back);
    free(text);
}

static void qp_round_trip(const uint8_t *data, size_t size)
{
    char *text = NULL;
    size_t len;
    unsigned problems = 0;
    FILE *mem = open_memstream(&text, &len);
    unsigned char *back;

    qp_encode(data, size, mem);
    fclose(mem);
    lines_check(text, len, MIME_QP_LINE_MAX);
    back = malloc(len + 1);
    check(qp_decode((const unsigned char *)text, len, back, &problems) == size,
          "quoted-printable gives back as many bytes");
    check(size == 0 || memcmp(back, data, size) == 0,
          "quoted-printable gives back the bytes");
    check(problems == 0, "our own quoted-printable decodes cleanly");
    free(back);
    free(text);
}

/* The input as a C string if it is UTF-8 with no control but tab. */
static char *text_from(const uint8_t *data, size_t size)
{
    char *s;

    if (!utf8_is_valid(data, size, NULL))
        return NULL;
    for (size_t i = 0; i < size; i++)
        if ((data[i] < 0x20 && data[i] != '\t') || data[i] == 0x7F)
            return NULL;
    s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Writes one header field with write(), checks its lines, parses it back
 * as a message, and returns the tree. */
static struct mime_part *header_round_trip(const char *name, const char *text,
                                           void (*write)(struct header_writer *,
                                                         const char *))
{
    char *msg = NULL;
    size_t len;
    FILE *mem = open_memstream(&msg, &len);
    struct header_writer w;
    struct mime_part *root;
    struct mime_error err;

    header_begin(&w, mem, name);
    write(&w, text);
    header_end(&w);
    fputs("\nbody\n", mem);
    fclose(mem);
    lines_check(msg, len, MIME_FOLD_WIDTH);
    check(mime_parse((const unsigned char *)msg, len, &root, &err) == MIME_OK,
          "our own header parses");
    free(msg);
    return root;
}

static void subject_write(struct header_writer *w, const char *text)
{
    header_text(w, text);
}

static void subject_round_trip(const char *text)
{
    struct mime_part *root = header_round_trip("Subject", text, subject_write);
    const char *value = mime_header_value(root, "Subject");
    char *decoded = rfc2047_decode(value ? value : "", NULL);
    const char *start = text;
    size_t n;

    /* Unfolding trims the white space around a value (RFC 5322 2.2.3). */
    while (*start == ' ' || *start == '\t')
        start++;
    n = strlen(start);
    while (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\t'))
        n--;
    check(strlen(decoded) == n && memcmp(decoded, start, n) == 0,
          "the Subject decodes to what was written");
    free(decoded);
    mime_free(root);
}

static void filename_write(struct header_writer *w, const char *text)
{
    header_token(w, " ", "attachment", strlen("attachment"));
    header_param(w, "filename", text);
}

/* File names are at most NAME_MAX (255) bytes on the systems we run on;
 * longer values would need more RFC 2231 sections than MIME_PARAMS_MAX. */
#define FILENAME_MAX_BYTES 255

static void filename_round_trip(const char *text)
{
    struct mime_part *root;

    if (strlen(text) > FILENAME_MAX_BYTES)
        return;
    root = header_round_trip("Content-Disposition", text, filename_write);

    check(root->filename && strcmp(root->filename, text) == 0,
          "the file name decodes to what was written");
    mime_free(root);
}

static void address_check(const char *text)
{
    struct address_list list = { 0 };
    char why[300], *msg = NULL, *line;
    size_t len;
    FILE *mem;

    line = malloc(strlen(text) + 32);
    sprintf(line, "\"%s\" <ana@example.org>", text);
    if (!strchr(text, '"') && !strchr(text, '\\') &&
        address_list_add(&list, line, why, sizeof why) == 0) {
        mem = open_memstream(&msg, &len);
        address_list_write(mem, "From", &list);
        fclose(mem);
        lines_check(msg, len, MIME_FOLD_WIDTH);
        free(msg);
    }
    address_list_free(&list);
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text;

    if (size == 0)
        return 0;
    switch (data[0] % 5) {
    case 0:
        base64_round_trip(data + 1, size - 1);
        return 0;
    case 1:
        qp_round_trip(data + 1, size - 1);
        return 0;
    }
    text = text_from(data + 1, size - 1);
    if (!text)
        return 0;
    if (data[0] % 5 == 2)
        subject_round_trip(text);
    else if (data[0] % 5 == 3)
        filename_round_trip(text);
    else
        address_check(text);
    free(text);
    return 0;
}
