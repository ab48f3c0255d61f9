/*
 * address.c - parsing and writing the addresses of mime build.
 *
 * This is the simple form of RFC 5322 3.4 that people type: no groups, no
 * comments, no quoted local parts. Anything else is refused with a reason
 * rather than written wrong.
 */
#include "address.h"

#include <err.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "charset.h"
#include "mime_limits.h"

static char *span_copy(const char *s, size_t n)
{
    char *copy;

    /* Trim white space around the span. */
    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    copy = strndup(s, n);
    if (!copy)
        errx(EX_OSERR, "out of memory");
    return copy;
}

/* Removes the quotes and backslashes of a quoted display name in place. */
static void unquote(char *s)
{
    size_t n = strlen(s), len = 0;

    if (n < 2 || s[0] != '"' || s[n - 1] != '"')
        return;
    for (size_t i = 1; i + 1 < n; i++) {
        if (s[i] == '\\' && i + 2 < n)
            i++;
        s[len++] = s[i];
    }
    s[len] = '\0';
}

/* Checks an addr-spec: ASCII, local@domain, no white space or specials
 * outside the '@' (RFC 5322 3.4.1, dot-atom form). */
static int addr_check(const char *addr, char *why, size_t why_size)
{
    const char *at = strrchr(addr, '@');
    size_t n = strlen(addr);

    if (!is_ascii((const unsigned char *)addr, n)) {
        snprintf(why, why_size, "'%s' has characters beyond ASCII: that needs "
                 "SMTPUTF8 (RFC 6531), which mime build does not write", addr);
        return -1;
    }
    if (!at || at == addr || at[1] == '\0' || strchr(addr, '@') != at) {
        snprintf(why, why_size, "'%s' is not an address (local@domain, "
                 "RFC 5322 3.4.1)", addr);
        return -1;
    }
    if (n > MIME_ADDRESS_MAX) {
        snprintf(why, why_size, "'%.40s...' is longer than %d characters "
                 "(RFC 5321 4.5.3.1.3)", addr, MIME_ADDRESS_MAX);
        return -1;
    }
    for (const char *p = addr; *p != '\0'; p++) {
        if (*p <= ' ' || *p == 127 || strchr("()<>[]:;,\\\"", *p)) {
            snprintf(why, why_size, "'%s' holds a character an address "
                     "cannot (RFC 5322 3.4.1)", addr);
            return -1;
        }
    }
    return 0;
}

/* Checks a display name: UTF-8 without control characters (a line break
 * in a header value would start a new field: header injection). */
static int name_check(const char *name, char *why, size_t why_size)
{
    const unsigned char *s = (const unsigned char *)name;

    if (!utf8_is_valid(s, strlen(name), NULL)) {
        snprintf(why, why_size, "the name in '%s' is not UTF-8", name);
        return -1;
    }
    for (; *s != '\0'; s++) {
        if (*s < 0x20 || *s == 0x7F) {
            snprintf(why, why_size, "a name holds a control character "
                     "(a line break?)");
            return -1;
        }
    }
    return 0;
}

/* Parses one address, item[0..n); appends it to list. */
static int address_parse(struct address_list *list, const char *item,
                         size_t n, char *why, size_t why_size)
{
    struct address a;
    const char *lt = NULL;
    bool quoted = false;

    for (size_t i = 0; i < n; i++) {
        if (item[i] == '\\' && quoted && i + 1 < n)
            i++;
        else if (item[i] == '"')
            quoted = !quoted;
        else if (item[i] == '<' && !quoted)
            lt = item + i;
    }
    if (lt) {
        char *body = span_copy(lt, n - (size_t)(lt - item));
        size_t len = strlen(body);
        if (len < 2 || body[len - 1] != '>') {
            snprintf(why, why_size, "'%.*s': '<' without '>'", (int)n, item);
            free(body);
            return -1;
        }
        a.addr = span_copy(body + 1, len - 2);
        free(body);
        a.name = span_copy(item, (size_t)(lt - item));
        unquote(a.name);
    } else {
        a.addr = span_copy(item, n);
        a.name = span_copy("", 0);
    }
    if (addr_check(a.addr, why, why_size) != 0 ||
        name_check(a.name, why, why_size) != 0) {
        free(a.addr);
        free(a.name);
        return -1;
    }
    list->items = realloc(list->items, (list->count + 1) * sizeof a);
    if (!list->items)
        errx(EX_OSERR, "out of memory");
    list->items[list->count++] = a;
    return 0;
}

int address_list_add(struct address_list *list, const char *text, char *why,
                     size_t why_size)
{
    const char *start = text, *p;
    bool quoted = false, angle = false;

    /* Split at commas outside quotes and angle brackets. */
    for (p = text;; p++) {
        if (*p == '\\' && quoted && p[1] != '\0') {
            p++;
            continue;
        }
        if (*p == '"')
            quoted = !quoted;
        else if (*p == '<' && !quoted)
            angle = true;
        else if (*p == '>' && !quoted)
            angle = false;
        if (*p == '\0' || (*p == ',' && !quoted && !angle)) {
            size_t n = (size_t)(p - start);
            if (strspn(start, " \t") < n &&
                address_parse(list, start, n, why, why_size) != 0)
                return -1;
            if (*p == '\0')
                break;
            start = p + 1;
        }
    }
    if (quoted) {
        snprintf(why, why_size, "'%s': a '\"' is not closed", text);
        return -1;
    }
    if (list->count == 0) {
        snprintf(why, why_size, "no address in '%s'", text);
        return -1;
    }
    return 0;
}

void address_list_write(FILE *out, const char *name,
                        const struct address_list *list)
{
    struct header_writer w;

    header_begin(&w, out, name);
    for (size_t i = 0; i < list->count; i++) {
        const struct address *a = &list->items[i];
        char token[MIME_ADDRESS_MAX + 4];
        bool last = i + 1 == list->count;
        int len;

        header_phrase(&w, a->name);
        if (a->name[0] != '\0')
            len = snprintf(token, sizeof token, "<%s>%s", a->addr, last ? "" : ",");
        else
            len = snprintf(token, sizeof token, "%s%s", a->addr, last ? "" : ",");
        header_token(&w, " ", token, (size_t)len);
    }
    header_end(&w);
}

void address_list_free(struct address_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].name);
        free(list->items[i].addr);
    }
    free(list->items);
    list->items = NULL;
    list->count = 0;
}
