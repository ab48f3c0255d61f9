/*
 * users.c - the users file (see users.h).
 */
#include "users.h"

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest line we read from the users file. */
#define USERS_LINE_MAX 1024

/* Parses "name:{SCHEME}secret[:more]" into user; NULL on success, else why not. */
static const char *parse_user_line(char *line, struct user *user)
{
    char *colon = strchr(line, ':');
    if (colon == NULL)
        return "expected user:{SCHEME}secret";
    *colon = '\0';
    char *password = colon + 1;
    char *end = strchr(password, ':');   /* Dovecot's extra fields: ignored */
    if (end != NULL)
        *end = '\0';
    if (line[0] == '\0' || strlen(line) > USERS_NAME_MAX)
        return "the user name is empty or longer than 64 characters";
    if (strchr(line, '/') != NULL || line[0] == '.')
        return "a user name cannot contain '/' or start with '.'";
    if (password[0] != '{')
        return "the password needs a scheme: {PLAIN}secret or {SHA512-CRYPT}$6$...";
    char *close = strchr(password, '}');
    if (close == NULL || close - password - 1 >= (long)sizeof user->scheme)
        return "the password scheme is not closed with '}'";
    *close = '\0';
    const char *scheme = password + 1;
    if (strcmp(scheme, "PLAIN") != 0 && strcmp(scheme, "SHA512-CRYPT") != 0)
        return "unknown password scheme (use PLAIN or SHA512-CRYPT)";
    if (strlen(close + 1) > USERS_SECRET_MAX)
        return "the password is too long";
    memset(user, 0, sizeof *user);
    strcpy(user->name, line);
    strcpy(user->scheme, scheme);
    strcpy(user->secret, close + 1);
    return NULL;
}

int users_load(const char *path, struct users *u, char *err, size_t errlen)
{
    char line[USERS_LINE_MAX];
    size_t capacity = 0;
    int lineno = 0;

    u->list = NULL;
    u->count = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "cannot read users file %s: %s", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] != '\n' && !feof(f)) {
            snprintf(err, errlen, "%s:%d: line too long", path, lineno);
            goto fail;
        }
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        if (u->count == capacity) {
            capacity = capacity ? capacity * 2 : 16;
            struct user *bigger = realloc(u->list, capacity * sizeof *bigger);
            if (bigger == NULL) {
                snprintf(err, errlen, "out of memory reading %s", path);
                goto fail;
            }
            u->list = bigger;
        }
        const char *why = parse_user_line(line, &u->list[u->count]);
        if (why != NULL) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
            goto fail;
        }
        u->count++;
    }
    fclose(f);
    return 0;
fail:
    fclose(f);
    users_free(u);
    return -1;
}

void users_free(struct users *u)
{
    free(u->list);
    u->list = NULL;
    u->count = 0;
}

const struct user *users_find(const struct users *u, const char *name)
{
    for (size_t i = 0; i < u->count; i++)
        if (strcmp(u->list[i].name, name) == 0)
            return &u->list[i];
    return NULL;
}

/* Compares in time that depends only on the lengths, so timing leaks nothing of the secret. */
static bool same_secret(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = la != lb;
    for (size_t i = 0; i < la; i++)
        diff |= (unsigned char)a[i] ^ (unsigned char)b[i < lb ? i : 0];
    return diff == 0;
}

bool users_check_password(const struct user *user, const char *password)
{
    if (strcmp(user->scheme, "PLAIN") == 0)
        return same_secret(user->secret, password);
    /* SHA512-CRYPT: crypt(3) hashes the password with the stored salt. */
    struct crypt_data data;
    memset(&data, 0, sizeof data);
    const char *hash = crypt_r(password, user->secret, &data);
    return hash != NULL && hash[0] != '*' && same_secret(hash, user->secret);
}

void users_spend_check_time(const struct users *u, const char *password)
{
    for (size_t i = 0; i < u->count; i++) {
        if (strcmp(u->list[i].scheme, "SHA512-CRYPT") == 0) {
            /* The same work as a real check; the answer is thrown away. */
            (void)users_check_password(&u->list[i], password);
            return;
        }
    }
}
