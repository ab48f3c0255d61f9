/*
 * mime_address.h - reading addresses as people write them (RFC 5322 3.4):
 * "ana@example.org", "Ana Pérez <ana@example.org>",
 * "\"Pérez, Ana\" <ana@example.org>", several separated by commas.
 *
 * Two readers share one parser:
 *   address_list_add()        what a person types on a command line
 *                             (mime build --to): one or more addresses
 *   address_list_add_field()  the value of a From, To, Cc or Bcc field of a
 *                             message (mailsend): also comments, groups, and
 *                             no address at all
 *
 * Both accept the simple form only: no quoted local parts ("a b"@x), no
 * domain literals (a@[192.0.2.1]), no source routes. Anything else is
 * refused with a reason rather than read wrong. Neither exits: out of
 * memory is a status, and the program decides what to do.
 */
#ifndef CARTERO_MIME_ADDRESS_H
#define CARTERO_MIME_ADDRESS_H

#include <stddef.h>

#include "mime_parse.h"

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
 * Returns MIME_OK; MIME_ERR_FORMAT with a sentence in why (why_size bytes)
 * naming the address that is wrong: no '@', characters an address cannot
 * hold, bytes beyond ASCII (that needs SMTPUTF8, RFC 6531), an unclosed
 * '<' or '"', no address at all; or MIME_ERR_NOMEM. On failure, the
 * addresses before the wrong one stay in list. Cost: O(length of text).
 */
enum mime_status address_list_add(struct address_list *list, const char *text,
                                  char *why, size_t why_size);

/*
 * As address_list_add(), for the unfolded value of an address field of a
 * message. Comments are dropped ("ana@example.org (Ana)", RFC 5322 3.2.2),
 * groups give their members ("Team: a@x, b@y;", RFC 5322 3.4; the final
 * ';' may be missing), and a value may hold no address: an empty group
 * such as "undisclosed-recipients:;" adds nothing and is fine.
 */
enum mime_status address_list_add_field(struct address_list *list,
                                        const char *value, char *why,
                                        size_t why_size);

/* Frees the addresses of list and empties it. */
void address_list_free(struct address_list *list);

#endif
