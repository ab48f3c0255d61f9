/*
 * mime_address.c - reading addresses (see mime_address.h).
 *
 * A list is cut at its commas (outside quotes and angle brackets), and
 * each piece is one address: "name <addr>" or a bare addr. A field's value
 * loses its comments first, and a group "name: a, b;" gives its members.
 */
#include "mime_address.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime_charset.h"
#include "mime_limits.h"

static enum mime_status no_memory(char *why, size_t why_size)
{
    snprintf(why, why_size, "out of memory");
    return MIME_ERR_NOMEM;
}

/* Copies s[0..n) without the white space around it; NULL if no memory. */
static char *span_copy(const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return strndup(s, n);
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
                 "SMTPUTF8 (RFC 6531), which Cartero does not use", addr);
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

/* Parses one address, item[0..n), and appends it to list. */
static enum mime_status address_parse(struct address_list *list,
                                      const char *item, size_t n, char *why,
                                      size_t why_size)
{
    struct address a = { NULL, NULL }, *grown;
    const char *lt = NULL;
    bool quoted = false;
    enum mime_status status = MIME_ERR_FORMAT;

    for (size_t i = 0; i < n; i++) {
        if (item[i] == '\\' && quoted && i + 1 < n)
            i++;
        else if (item[i] == '"')
            quoted = !quoted;
        else if (item[i] == '<' && !quoted)
            lt = item + i;
    }
    if (lt) {
        /* NAME <ADDR> */
        char *body = span_copy(lt, n - (size_t)(lt - item));
        size_t len = body ? strlen(body) : 0;
        if (body && (len < 2 || body[len - 1] != '>')) {
            snprintf(why, why_size, "'%.*s': '<' without '>'", (int)n, item);
            free(body);
            return MIME_ERR_FORMAT;
        }
        a.addr = body ? span_copy(body + 1, len - 2) : NULL;
        free(body);
        a.name = span_copy(item, (size_t)(lt - item));
        if (a.name)
            unquote(a.name);
    } else {
        /* ADDR alone */
        a.addr = span_copy(item, n);
        a.name = span_copy("", 0);
    }
    if (!a.addr || !a.name) {
        status = no_memory(why, why_size);
    } else if (addr_check(a.addr, why, why_size) == 0 &&
               name_check(a.name, why, why_size) == 0) {
        grown = realloc(list->items, (list->count + 1) * sizeof a);
        if (!grown) {
            status = no_memory(why, why_size);
        } else {
            list->items = grown;
            list->items[list->count++] = a;
            return MIME_OK;
        }
    }
    free(a.addr);
    free(a.name);
    return status;
}

/* A group's display name (before its ':') must be a phrase: not blank,
 * and no address (RFC 5322 3.4). */
static int group_name_check(const char *name, size_t n, char *why,
                            size_t why_size)
{
    if (strspn(name, " \t") >= n || memchr(name, '@', n) || memchr(name, '<', n)) {
        snprintf(why, why_size, "'%.*s:' is not a group name (RFC 5322 3.4)",
                 (int)n, name);
        return -1;
    }
    return 0;
}

/*
 * Cuts text at its commas outside quotes and angle brackets, and parses
 * each non-blank piece. With groups, "name:" opens a group and ';' closes
 * it (its members are ordinary pieces; the name is dropped).
 */
static enum mime_status list_split(struct address_list *list, const char *text,
                                   bool groups, char *why, size_t why_size)
{
    const char *start = text, *p;
    bool quoted = false, angle = false, in_group = false;
    enum mime_status status;

    for (p = text;; p++) {
        bool outside = !quoted && !angle;

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
        if (groups && outside && *p == ':' && !in_group) {
            if (group_name_check(start, (size_t)(p - start), why, why_size) != 0)
                return MIME_ERR_FORMAT;
            in_group = true;
            start = p + 1;
            continue;
        }
        if (*p == '\0' || (outside && (*p == ',' || (in_group && *p == ';')))) {
            size_t n = (size_t)(p - start);
            if (strspn(start, " \t") < n &&
                (status = address_parse(list, start, n, why, why_size)) != MIME_OK)
                return status;
            if (*p == '\0')
                break;
            if (*p == ';')
                in_group = false;
            start = p + 1;
        }
    }
    if (quoted) {
        snprintf(why, why_size, "'%s': a '\"' is not closed", text);
        return MIME_ERR_FORMAT;
    }
    return MIME_OK;
}

enum mime_status address_list_add(struct address_list *list, const char *text,
                                  char *why, size_t why_size)
{
    enum mime_status status = list_split(list, text, false, why, why_size);

    if (status == MIME_OK && list->count == 0) {
        snprintf(why, why_size, "no address in '%s'", text);
        return MIME_ERR_FORMAT;
    }
    return status;
}

/*
 * Copies value with each comment replaced by a space (RFC 5322 3.2.2: a
 * comment is "(...)", nested, with backslash quoting; inside a quoted
 * string a '(' is just a character). Sets *out (malloc'd).
 */
static enum mime_status comments_strip(const char *value, char **out,
                                       char *why, size_t why_size)
{
    char *copy = malloc(strlen(value) + 1), *o = copy;
    bool quoted = false;
    int depth = 0;

    if (!copy)
        return no_memory(why, why_size);
    for (const char *p = value; *p != '\0'; p++) {
        bool escaped = *p == '\\' && p[1] != '\0';
        if (depth > 0) {                    /* inside a comment: dropped */
            if (escaped)
                p++;
            else if (*p == '(')
                depth++;
            else if (*p == ')' && --depth == 0)
                *o++ = ' ';
            continue;
        }
        if (*p == '(' && !quoted) {
            depth = 1;
            continue;
        }
        if (*p == '"')
            quoted = !quoted;
        *o++ = *p;
        if (escaped && quoted)
            *o++ = *++p;
    }
    *o = '\0';
    if (depth > 0) {
        snprintf(why, why_size, "'%s': a '(' is not closed", value);
        free(copy);
        return MIME_ERR_FORMAT;
    }
    *out = copy;
    return MIME_OK;
}

enum mime_status address_list_add_field(struct address_list *list,
                                        const char *value, char *why,
                                        size_t why_size)
{
    char *text;
    enum mime_status status = comments_strip(value, &text, why, why_size);

    if (status != MIME_OK)
        return status;
    status = list_split(list, text, true, why, why_size);
    free(text);
    return status;
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
