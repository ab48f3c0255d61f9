/*
 * address.h - the addresses given to mime build: "ana@example.org",
 * "Ana Pérez <ana@example.org>", "\"Pérez, Ana\" <ana@example.org>", or
 * several of them separated by commas (RFC 5322 3.4).
 */
#ifndef MIME_ADDRESS_H
#define MIME_ADDRESS_H

#include <stddef.h>

#include "header_write.h"

struct address {
    char *name;         /* display name, UTF-8, "" if none */
    char *addr;         /* addr-spec: local@domain, ASCII */
};

struct address_list {
    struct address *items;
    size_t count;
};

/*
 * Parses the comma-separated addresses in text and appends them to list.
 * Returns 0, or -1 with a sentence in why (why_size bytes) naming the
 * address that is wrong: no '@', characters an address cannot hold, bytes
 * beyond ASCII (that needs SMTPUTF8, RFC 6531), an unclosed '<' or '"'.
 * Exits with EX_OSERR if out of memory.
 */
int address_list_add(struct address_list *list, const char *text, char *why,
                     size_t why_size);

/* Writes the field "name: a, b, ..." folded, display names encoded. */
void address_list_write(FILE *out, const char *name,
                        const struct address_list *list);

void address_list_free(struct address_list *list);

#endif
