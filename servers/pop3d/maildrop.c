/*
 * maildrop.c - a user's maildrop, as one POP3 session sees it.
 *
 * The maildrop is the Maildir MAILROOT/<user>/. At login:
 *   1. lock it: flock(2) on MAILROOT/<user>/.pop3.lock. The kernel drops
 *      the lock when the session's process ends, however it ends (QUIT,
 *      a crash, kill -9), so a lock can never be left behind;
 *   2. move what smtpd delivered into new/ to cur/, adding Maildir's ":2,"
 *      info suffix ("seen by a reader"), as Dovecot and qmail-pop3d do;
 *   3. list cur/: those messages, sorted by name (Maildir names start with
 *      the delivery time), are messages 1..N for the whole session. Mail
 *      that arrives later waits in new/ for the next login.
 *
 * DELE only marks a message; maildrop_remove_deleted() is the UPDATE state
 * of RFC 1939 6, run by QUIT and by nothing else.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildir.h"
#include "pop3d.h"

#define MAILDROP_LOCK_FILE ".pop3.lock"
#define MAILDIR_INFO_SEEN ":2,"           /* Maildir's info suffix: version 2, no flags */

/* Joins a and b with a '/' into buf; -1 when it does not fit. */
static int join(char *buf, size_t len, const char *a, const char *b)
{
    int n = snprintf(buf, len, "%s/%s", a, b);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

enum lock_result maildrop_lock(struct maildrop *d, const char *mail_root, const char *user)
{
    char path[sizeof d->dir + 32];

    memset(d, 0, sizeof *d);
    d->lock_fd = -1;
    if (join(d->dir, sizeof d->dir, mail_root, user) != 0 ||
        join(path, sizeof path, d->dir, MAILDROP_LOCK_FILE) != 0)
        return LOCK_ERROR;
    /* A user who never got mail has no Maildir yet: an empty one is made. */
    if (maildir_create(d->dir) != 0)
        return LOCK_ERROR;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return LOCK_ERROR;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        return e == EWOULDBLOCK ? LOCK_BUSY : LOCK_ERROR;
    }
    d->lock_fd = fd;
    return LOCK_OK;
}

/* fsync(2) a directory, so that renames and removals in it are on disk. */
static void sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/*
 * Step 2: every message in new/ goes to cur/ with ":2," added. A name that
 * already has an info part (a ':') keeps it. Returns 0, or -1 when new/
 * cannot be read.
 */
static int move_new_to_cur(const struct maildrop *d)
{
    char newdir[sizeof d->dir + 8], curdir[sizeof d->dir + 8];
    char from[sizeof newdir + 256 + 2], to[sizeof curdir + 256 + 8];
    int moved = 0;

    if (join(newdir, sizeof newdir, d->dir, "new") != 0 ||
        join(curdir, sizeof curdir, d->dir, "cur") != 0)
        return -1;
    DIR *dir = opendir(newdir);
    if (dir == NULL)
        return -1;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        const char *suffix = strchr(e->d_name, ':') != NULL ? "" : MAILDIR_INFO_SEEN;
        if (join(from, sizeof from, newdir, e->d_name) != 0 ||
            snprintf(to, sizeof to, "%s/%s%s", curdir, e->d_name, suffix) >= (int)sizeof to)
            continue;
        if (rename(from, to) == 0)
            moved++;
    }
    closedir(dir);
    if (moved > 0) {
        sync_dir(curdir);
        sync_dir(newdir);
    }
    return 0;
}

/*
 * The UIDL of a message (RFC 1939 7): its Maildir base name, the part
 * before ':', which never changes when the file moves or gets flags. A
 * base name that is not a valid unique-id (1 to 70 characters from 0x21 to
 * 0x7E) is replaced by its MD5 in hex: still the same in every session.
 */
static void make_unique_id(const char *name, char *uid)
{
    size_t n = strcspn(name, ":");
    bool valid = n > 0 && n <= POP3_UNIQUE_ID_MAX;
    for (size_t i = 0; valid && i < n; i++)
        valid = name[i] >= 0x21 && name[i] <= 0x7e;
    if (valid) {
        memcpy(uid, name, n);
        uid[n] = '\0';
        return;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_Digest(name, n, md, &mdlen, EVP_md5(), NULL);
    for (unsigned int i = 0; i < mdlen; i++)
        snprintf(uid + 2 * i, 3, "%02x", md[i]);
}

/* Adds cur/name to the list, with its size and UIDL. 0, or -1 on a memory or read error. */
static int add_message(struct maildrop *d, size_t *capacity, const char *curdir,
                       const char *name)
{
    char path[PATH_MAX + 512];

    if (join(path, sizeof path, curdir, name) != 0)
        return 0;                        /* cannot be named: not ours to serve */
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    if (d->count == *capacity) {
        size_t bigger = *capacity ? *capacity * 2 : 64;
        struct message *m = realloc(d->messages, bigger * sizeof *m);
        if (m == NULL)
            return -1;
        d->messages = m;
        *capacity = bigger;
    }
    struct message *m = &d->messages[d->count];
    memset(m, 0, sizeof *m);
    if (wire_size(path, &m->size) != 0)
        return errno == ENOENT ? 0 : -1;
    if ((m->name = strdup(name)) == NULL)
        return -1;
    make_unique_id(name, m->uid);
    d->count++;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct message *)a)->name, ((const struct message *)b)->name);
}

int maildrop_open(struct maildrop *d, char *err, size_t errlen)
{
    char curdir[sizeof d->dir + 8];
    size_t capacity = 0;

    if (move_new_to_cur(d) != 0 || join(curdir, sizeof curdir, d->dir, "cur") != 0) {
        snprintf(err, errlen, "cannot read %s/new: %s", d->dir, strerror(errno));
        return -1;
    }
    DIR *dir = opendir(curdir);
    if (dir == NULL) {
        snprintf(err, errlen, "cannot read %s: %s", curdir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (add_message(d, &capacity, curdir, e->d_name) != 0) {
            snprintf(err, errlen, "cannot read %s/%s: %s", curdir, e->d_name, strerror(errno));
            closedir(dir);
            return -1;
        }
    }
    closedir(dir);
    if (d->count > 1)
        qsort(d->messages, d->count, sizeof d->messages[0], by_name);
    return 0;
}

void maildrop_stat(const struct maildrop *d, size_t *count, unsigned long long *octets)
{
    *count = 0;
    *octets = 0;
    for (size_t i = 0; i < d->count; i++) {
        if (!d->messages[i].deleted) {
            (*count)++;
            *octets += d->messages[i].size;
        }
    }
}

/*
 * The UPDATE state (RFC 1939 6): removes every message marked deleted.
 * Returns how many could not be removed (0 when all went well).
 */
size_t maildrop_remove_deleted(struct maildrop *d, const struct transcript *log)
{
    char curdir[sizeof d->dir + 8], path[sizeof curdir + 512];
    size_t removed = 0, failed = 0;

    if (join(curdir, sizeof curdir, d->dir, "cur") != 0)
        return d->count;
    for (size_t i = 0; i < d->count; i++) {
        if (!d->messages[i].deleted)
            continue;
        if (join(path, sizeof path, curdir, d->messages[i].name) == 0 &&
            (unlink(path) == 0 || errno == ENOENT))
            removed++;
        else
            failed++;
    }
    if (removed > 0)
        sync_dir(curdir);
    transcript_note(log, "UPDATE: removed %zu message(s)%s", removed,
                    failed > 0 ? "; some could not be removed" : "");
    return failed;
}

void maildrop_close(struct maildrop *d)
{
    for (size_t i = 0; i < d->count; i++)
        free(d->messages[i].name);
    free(d->messages);
    d->messages = NULL;
    d->count = 0;
    if (d->lock_fd >= 0)
        close(d->lock_fd);           /* closing the file releases the flock */
    d->lock_fd = -1;
}
