/*
 * maildir.c - delivery into Maildir mailboxes (see maildir.h).
 *
 * The protocol, as qmail-local's maildir_child() does it:
 *   1. create tmp/NAME, with a NAME no other process can pick;
 *   2. write the message and fsync(2) it;
 *   3. rename(2) tmp/NAME to new/NAME, and fsync the new/ directory,
 *      so the rename itself is on disk.
 */
#include "maildir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Maildir's own rule: a tmp/ file untouched for 36 hours is garbage. */
#define MAILDIR_TMP_MAX_AGE_SECONDS (36 * 3600)

/* Joins dir and name into buf; -1 if it does not fit. */
static int join_path(char *buf, size_t len, const char *dir, const char *name)
{
    int n = snprintf(buf, len, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* mkdir that is happy when the directory is already there. */
static int make_dir(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return 0;
    return -1;
}

int maildir_create(const char *dir)
{
    static const char *const subdirs[] = {"tmp", "new", "cur"};
    char path[PATH_MAX];

    if (make_dir(dir) != 0)
        return -1;
    for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
        if (join_path(path, sizeof path, dir, subdirs[i]) != 0 || make_dir(path) != 0)
            return -1;
    }
    return 0;
}

/*
 * A name unique on this host: seconds.M<microseconds>P<pid>Q<counter>.<host>
 * (the modern form of qmail's time.pid.host). The counter makes two
 * messages from one process in the same microsecond differ; a '/' or ':'
 * in the host name would break the file name, so they are replaced.
 */
static void make_unique_name(char *buf, size_t len)
{
    static unsigned long counter;
    struct timeval tv;
    char host[128];

    gettimeofday(&tv, NULL);
    if (gethostname(host, sizeof host) != 0)
        strcpy(host, "localhost");
    host[sizeof host - 1] = '\0';
    for (char *p = host; *p != '\0'; p++)
        if (*p == '/' || *p == ':')
            *p = '_';
    snprintf(buf, len, "%lld.M%06ldP%ldQ%lu.%s", (long long)tv.tv_sec,
             (long)tv.tv_usec, (long)getpid(), ++counter, host);
}

int maildir_open(const char *dir, struct maildir_message *m,
                 char *err, size_t errlen)
{
    char tmpdir[PATH_MAX];

    memset(m, 0, sizeof *m);
    make_unique_name(m->name, sizeof m->name);
    if (join_path(tmpdir, sizeof tmpdir, dir, "tmp") != 0 ||
        join_path(m->tmp_path, sizeof m->tmp_path, tmpdir, m->name) != 0) {
        snprintf(err, errlen, "Maildir path too long: %s", dir);
        return -1;
    }
    /* O_EXCL: if the name exists after all, fail rather than overwrite. */
    int fd = open(m->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == ENOENT) {
        /* The first message for this mailbox: make the Maildir, then try again. */
        if (maildir_create(dir) != 0) {
            snprintf(err, errlen, "cannot create Maildir %s: %s", dir, strerror(errno));
            return -1;
        }
        fd = open(m->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    }
    if (fd < 0 || (m->file = fdopen(fd, "w")) == NULL) {
        snprintf(err, errlen, "cannot create %s: %s", m->tmp_path, strerror(errno));
        if (fd >= 0)
            close(fd);
        unlink(m->tmp_path);
        return -1;
    }
    return 0;
}

int maildir_sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Puts the finished tmp file into dir/new/: by rename (first) or link (others). */
static int place_in_new(struct maildir_message *m, const char *dir, bool first,
                        char *err, size_t errlen)
{
    char newdir[PATH_MAX], newpath[PATH_MAX];

    if (join_path(newdir, sizeof newdir, dir, "new") != 0 ||
        join_path(newpath, sizeof newpath, newdir, m->name) != 0) {
        snprintf(err, errlen, "Maildir path too long: %s", dir);
        return -1;
    }
    /* link(2) is as atomic as rename(2): the file appears whole or not at all. */
    int rc = first ? rename(m->tmp_path, newpath) : link(m->tmp_path, newpath);
    if (rc != 0 && errno == ENOENT && maildir_create(dir) == 0)   /* a new mailbox */
        rc = first ? rename(m->tmp_path, newpath) : link(m->tmp_path, newpath);
    if (rc != 0 || maildir_sync_dir(newdir) != 0) {
        snprintf(err, errlen, "cannot deliver into %s: %s", newdir, strerror(errno));
        return -1;
    }
    return 0;
}

int maildir_commit(struct maildir_message *m, const char *const dirs[],
                   size_t ndirs, char *err, size_t errlen)
{
    FILE *f = m->file;
    m->file = NULL;
    /* 1. The bytes are on disk before the name appears anywhere. ferror:
     * stdio drops a buffer whose write failed (a full disk), and a later
     * fflush succeeds; the message would be short, and we would say 250. */
    if (ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", m->tmp_path, strerror(errno));
        fclose(f);
        unlink(m->tmp_path);
        return -1;
    }
    if (fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", m->tmp_path, strerror(errno));
        unlink(m->tmp_path);
        return -1;
    }
    /* 2. Links into the other mailboxes first, then the rename that empties tmp/. */
    for (size_t i = 1; i < ndirs; i++) {
        if (place_in_new(m, dirs[i], false, err, errlen) != 0) {
            unlink(m->tmp_path);
            return -1;
        }
    }
    if (place_in_new(m, dirs[0], true, err, errlen) != 0) {
        unlink(m->tmp_path);
        return -1;
    }
    return 0;
}

void maildir_abort(struct maildir_message *m)
{
    if (m->file != NULL) {
        fclose(m->file);
        m->file = NULL;
    }
    if (m->tmp_path[0] != '\0')
        unlink(m->tmp_path);
    m->tmp_path[0] = '\0';
}

/*
 * True for a tmp/ file one of our sessions wrote (the name has P<pid>) and
 * whose writer is gone, or that is older than Maildir's 36 hours.
 */
static bool is_stale_tmp_file(const char *name, const struct stat *st)
{
    if (time(NULL) - st->st_mtime > MAILDIR_TMP_MAX_AGE_SECONDS)
        return true;
    const char *micro = strstr(name, ".M");
    const char *p = micro != NULL ? strchr(micro, 'P') : NULL;
    if (p == NULL)
        return false;
    long pid = strtol(p + 1, NULL, 10);
    if (pid <= 0)
        return false;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* Removes stale files from one Maildir's tmp/. Returns how many. */
static int clean_tmp(const char *maildir)
{
    char tmpdir[PATH_MAX], path[PATH_MAX];
    int removed = 0;

    if (join_path(tmpdir, sizeof tmpdir, maildir, "tmp") != 0)
        return 0;
    DIR *d = opendir(tmpdir);
    if (d == NULL)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (e->d_name[0] == '.' || join_path(path, sizeof path, tmpdir, e->d_name) != 0)
            continue;
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
            is_stale_tmp_file(e->d_name, &st) && unlink(path) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}

int maildir_remove_stale(const char *root)
{
    char path[PATH_MAX];
    int removed = 0;

    DIR *d = opendir(root);
    if (d == NULL)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            join_path(path, sizeof path, root, e->d_name) != 0)
            continue;
        removed += clean_tmp(path);
    }
    closedir(d);
    return removed;
}
