/*
 * safename.c - safe file names from names chosen by a message's sender.
 */
#include "safename.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime_charset.h"
#include "mime_limits.h"
#include "types.h"

/* Longest extension kept when a name is shortened, dot included. */
#define EXTENSION_KEEP_MAX 16

/* The part after the last '/' or '\' (Windows senders use '\'). */
static const char *last_component(const char *name)
{
    const char *base = name;

    for (const char *p = name; *p != '\0'; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    return base;
}

/* True for a UTF-8 sequence s[0..len) that is a control character:
 * C0, DEL or C1 (U+0080-U+009F, encoded C2 80-C2 9F). */
static bool is_control_sequence(const unsigned char *s, size_t len)
{
    return (len == 1 && (s[0] < 0x20 || s[0] == 0x7F)) ||
           (len == 2 && s[0] == 0xC2 && s[1] <= 0x9F);
}

/* Copies name to out (which holds strlen(name) + 1 bytes): controls
 * dropped, malformed bytes as '_', leading dots, dashes and spaces dropped,
 * trailing spaces dropped. */
static void clean_copy(const char *name, char *out)
{
    const unsigned char *s = (const unsigned char *)name;
    size_t n = strlen(name), i = 0, len = 0;

    while (i < n) {
        size_t seq = utf8_sequence_length(s + i, n - i);
        if (seq == 0) {
            out[len++] = '_';
            i++;
            continue;
        }
        if (!is_control_sequence(s + i, seq) &&
            !(len == 0 && seq == 1 && strchr(". -", s[i]))) {
            memcpy(out + len, s + i, seq);
            len += seq;
        }
        i += seq;
    }
    while (len > 0 && out[len - 1] == ' ')
        len--;
    out[len] = '\0';
}

/* The length of the longest prefix of s, at most max bytes, that does
 * not cut a UTF-8 sequence (s is valid UTF-8). */
static size_t utf8_prefix(const char *s, size_t max)
{
    size_t len = 0, n = strlen(s);

    while (len < n) {
        size_t seq = utf8_sequence_length((const unsigned char *)s + len, n - len);
        if (seq == 0 || len + seq > max)
            break;
        len += seq;
    }
    return len;
}

/* Shortens name in place to MIME_FILENAME_MAX bytes, keeping a short
 * extension. */
static void shorten(char *name)
{
    size_t n = strlen(name), keep, ext_len = 0;
    const char *dot = strrchr(name, '.');

    if (n <= MIME_FILENAME_MAX)
        return;
    if (dot && strlen(dot) <= EXTENSION_KEEP_MAX)
        ext_len = strlen(dot);
    keep = utf8_prefix(name, MIME_FILENAME_MAX - ext_len);
    memmove(name + keep, name + n - ext_len, ext_len + 1);
}

char *safename_make(const char *suggested, const char *section,
                    const char *type)
{
    char *name;
    int n;

    if (suggested) {
        const char *base = last_component(suggested);
        name = malloc(strlen(base) + 1);
        if (!name)
            return NULL;
        clean_copy(base, name);
        shorten(name);
        if (name[0] != '\0')
            return name;
        free(name);
    }
    n = snprintf(NULL, 0, "part-%s.%s", section, extension_for_type(type));
    if (n < 0 || !(name = malloc((size_t)n + 1)))
        return NULL;
    snprintf(name, (size_t)n + 1, "part-%s.%s", section, extension_for_type(type));
    shorten(name);                  /* sections of deep parts are long */
    return name;
}

int safename_is_safe(const char *name)
{
    const unsigned char *s = (const unsigned char *)name;
    size_t n = strlen(name);

    if (n == 0 || n > MIME_FILENAME_MAX || strchr(".-", name[0]) ||
        strchr(name, '/') || strchr(name, '\\') || !utf8_is_valid(s, n, NULL))
        return 0;
    for (size_t i = 0; i < n; i += utf8_sequence_length(s + i, n - i))
        if (is_control_sequence(s + i, utf8_sequence_length(s + i, n - i)))
            return 0;
    return 1;
}
