/*
 * users.h - the users file: who has a mailbox, and their passwords.
 *
 * One user per line, in Dovecot's passwd-file style:
 *
 *     bob:{PLAIN}hungry
 *     alice:{SHA512-CRYPT}$6$salt$hash...
 *
 * Fields after a second colon are ignored (Dovecot puts uid, gid, home
 * there). Blank lines and lines starting with # are skipped.
 */
#ifndef CARTERO_USERS_H
#define CARTERO_USERS_H

#include <stdbool.h>
#include <stddef.h>

#define USERS_NAME_MAX 64       /* longest user name we accept (RFC 5321 4.5.3.1.1 allows 64 for a local part) */
#define USERS_SECRET_MAX 256

struct user {
    char name[USERS_NAME_MAX + 1];
    char scheme[16];            /* "PLAIN" or "SHA512-CRYPT" */
    char secret[USERS_SECRET_MAX + 1];
};

struct users {
    struct user *list;
    size_t count;
};

/*
 * Reads path into u. Returns 0, or -1 with a message naming the file and
 * line in err. Free with users_free().
 */
int users_load(const char *path, struct users *u, char *err, size_t errlen);
void users_free(struct users *u);

/* The user named name (exact match), or NULL. */
const struct user *users_find(const struct users *u, const char *name);

/*
 * True when password is right for the user. Compares in constant time
 * for {PLAIN}; {SHA512-CRYPT} goes through crypt(3).
 */
bool users_check_password(const struct user *user, const char *password);

/*
 * For an unknown user: spends about the time users_check_password would
 * (one crypt(3) when the file holds {SHA512-CRYPT} users), so that the
 * time of a failed login does not tell whether the user exists.
 */
void users_spend_check_time(const struct users *u, const char *password);

#endif
