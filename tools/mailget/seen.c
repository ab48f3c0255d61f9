/*
 * seen.c - what download-and-keep remembers between runs.
 *
 * POP3 keeps no state from one session to the next (the slides' point):
 * the server cannot tell a client "you fetched this already". So the
 * client remembers, by UIDL (RFC 1939 7), the unique-id that stays the same
 * for a message in every session. The record is a text file in the output
 * Maildir, one "account unique-id" per line, as fetchmail's .fetchids:
 *
 *     bob@127.0.0.1:1110 1764201600.M123456P4242Q1.hamburger
 *
 * It is rewritten whole (a temporary file renamed into place), so a crash
 * leaves the old record or the new one, never half of one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailget.h"

#define SEEN_LINE_MAX 1024

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends a copy of text to *list. 0, or -1 when out of memory. */
static int push(char ***list, size_t *n, const char *text)
{
    char **bigger = realloc(*list, (*n + 1) * sizeof **list);
    if (bigger == NULL)
        return -1;
    *list = bigger;
    if ((bigger[*n] = strdup(text)) == NULL)
        return -1;
    (*n)++;
    return 0;
}

int seen_load(struct seen *s, const char *dir, const char *account)
{
    char path[4096], line[SEEN_LINE_MAX];
    size_t alen = strlen(account);

    memset(s, 0, sizeof *s);
    if ((s->account = strdup(account)) == NULL)
        return -1;
    if (snprintf(path, sizeof path, "%s/%s", dir, MAILGET_SEEN_FILE) >= (int)sizeof path)
        return -1;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return errno == ENOENT ? 0 : -1;   /* no earlier run */
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0')
            continue;
        if (strncmp(line, account, alen) == 0 && line[alen] == ' ')
            rc = push(&s->uids, &s->nuids, line + alen + 1);
        else
            rc = push(&s->others, &s->nothers, line);
    }
    fclose(f);
    if (s->nuids > 1)
        qsort(s->uids, s->nuids, sizeof *s->uids, by_string);
    return rc;
}

bool seen_has(const struct seen *s, const char *uid)
{
    return s->nuids > 0 &&
           bsearch(&uid, s->uids, s->nuids, sizeof *s->uids, by_string) != NULL;
}

int seen_save(const struct seen *s, const char *dir, char *const uids[], size_t nuids)
{
    char path[4096], tmp[4096 + 16];

    if (snprintf(path, sizeof path, "%s/%s", dir, MAILGET_SEEN_FILE) >= (int)sizeof path ||
        snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return -1;
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return -1;
    for (size_t i = 0; i < s->nothers; i++)
        fprintf(f, "%s\n", s->others[i]);
    for (size_t i = 0; i < nuids; i++)
        fprintf(f, "%s %s\n", s->account, uids[i]);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        fclose(f);
        unlink(tmp);
        return -1;
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

void seen_free(struct seen *s)
{
    for (size_t i = 0; i < s->nuids; i++)
        free(s->uids[i]);
    for (size_t i = 0; i < s->nothers; i++)
        free(s->others[i]);
    free(s->uids);
    free(s->others);
    free(s->account);
    memset(s, 0, sizeof *s);
}
