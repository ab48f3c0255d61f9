/*
 * address.h - the arguments of MAIL and RCPT (RFC 5321 4.1.1.2, 4.1.1.3,
 * 4.1.2): "FROM:<alice@crepes.fr> SIZE=1234" and "TO:<bob@hamburger.edu>".
 */
#ifndef SMTPD_ADDRESS_H
#define SMTPD_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

enum path_error {
    PATH_OK,
    PATH_NO_KEYWORD,       /* not "FROM:" / "TO:" */
    PATH_NO_BRACKETS,      /* MAIL FROM: alice@crepes.fr - the brackets are missing */
    PATH_UNCLOSED,         /* "<alice@crepes.fr" */
    PATH_TOO_LONG,         /* over RFC 5321 4.5.3.1.3's 256 octets */
    PATH_BAD_MAILBOX       /* not local-part@domain */
};

/*
 * Parses "KEYWORD:<path> params" (keyword "FROM" or "TO", any case; spaces
 * after the colon are tolerated, as people type them). On PATH_OK, path
 * (size pathlen) holds the mailbox without brackets and without a source
 * route ("" for <>), and *params points to the parameters in arg ("" when
 * none). Does not decide whether <> or <Postmaster> are allowed: the caller
 * does.
 */
enum path_error parse_path_argument(const char *arg, const char *keyword,
                                    char *path, size_t pathlen,
                                    const char **params);

/* True when mailbox is local-part@domain by RFC 5321 4.1.2's grammar. */
bool mailbox_is_valid(const char *mailbox);

/*
 * Splits a valid mailbox at its last '@'. local and domain are copied into
 * the buffers (local-part at most 64 octets, domain at most 255).
 */
void mailbox_split(const char *mailbox, char *local, size_t locallen,
                   char *domain, size_t domainlen);

/*
 * Turns a local part into the name of a Maildir under the mail root, in
 * lower case. Returns false when it cannot safely be one: empty, too long,
 * quoted, with '/', starting with '.', or holding "..". This is what keeps
 * every delivery inside the mail root.
 */
bool mailbox_name_from_local_part(const char *local, char *name, size_t namelen);

#endif
