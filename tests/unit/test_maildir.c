/*
 * test_maildir.c - Maildir delivery: tmp/ → new/, links, abort, stale files.
 */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "maildir.h"

static char root[] = "/tmp/cartero-maildir-XXXXXX";

/* Number of entries (not . or ..) in root/sub. */
static int count(const char *sub)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", root, sub);
    DIR *d = opendir(path);
    if (d == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void dir_of(char *buf, size_t len, const char *user)
{
    snprintf(buf, len, "%s/%s", root, user);
}

static void test_create(void)
{
    char bob[PATH_MAX];
    dir_of(bob, sizeof bob, "bob");
    CHECK(maildir_create(bob) == 0);
    CHECK(maildir_create(bob) == 0);    /* again: fine */
    CHECK(count("bob/tmp") == 0 && count("bob/new") == 0 && count("bob/cur") == 0);
}

static void test_deliver_to_two(void)
{
    char bob[PATH_MAX], carol[PATH_MAX], err[256];
    struct maildir_message m;
    dir_of(bob, sizeof bob, "bob");
    dir_of(carol, sizeof carol, "carol");
    CHECK(maildir_open(bob, &m, err, sizeof err) == 0);
    CHECK(count("bob/tmp") == 1);        /* being written: only in tmp/ */
    CHECK(count("bob/new") == 0);
    fputs("Subject: hi\n\nbody\n", m.file);
    const char *dirs[] = {bob, carol};
    CHECK(maildir_commit(&m, dirs, 2, err, sizeof err) == 0);
    CHECK(count("bob/tmp") == 0);
    CHECK(count("bob/new") == 1);
    CHECK(count("carol/new") == 1);
    CHECK(strstr(m.name, ".M") != NULL && strchr(m.name, '/') == NULL);
}

static void test_abort_leaves_nothing(void)
{
    char bob[PATH_MAX], err[256];
    struct maildir_message m;
    dir_of(bob, sizeof bob, "bob");
    CHECK(maildir_open(bob, &m, err, sizeof err) == 0);
    fputs("half", m.file);
    maildir_abort(&m);
    CHECK(count("bob/tmp") == 0);
    CHECK(count("bob/new") == 1);        /* just the earlier one */
}

static void test_names_are_unique(void)
{
    char bob[PATH_MAX], err[256], first[MAILDIR_NAME_MAX];
    struct maildir_message m;
    dir_of(bob, sizeof bob, "bob");
    const char *dirs[] = {bob};
    CHECK(maildir_open(bob, &m, err, sizeof err) == 0);
    strcpy(first, m.name);
    CHECK(maildir_commit(&m, dirs, 1, err, sizeof err) == 0);
    CHECK(maildir_open(bob, &m, err, sizeof err) == 0);
    CHECK(strcmp(first, m.name) != 0);
    CHECK(maildir_commit(&m, dirs, 1, err, sizeof err) == 0);
    CHECK(count("bob/new") == 3);
}

/* A tmp/ file whose writer died is removed; one whose writer lives stays. */
static void test_remove_stale(void)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/bob/tmp/1.M1P999999999Q1.host", root);
    FILE *f = fopen(path, "w");
    fclose(f);
    snprintf(path, sizeof path, "%s/bob/tmp/1.M1P%ldQ1.host", root, (long)getpid());
    f = fopen(path, "w");
    fclose(f);
    snprintf(path, sizeof path, "%s/bob/tmp/not-ours", root);
    f = fopen(path, "w");
    fclose(f);
    CHECK(maildir_remove_stale(root) == 1);
    CHECK(count("bob/tmp") == 2);
}

static void test_open_fails_cleanly(void)
{
    char err[256];
    struct maildir_message m;
    CHECK(maildir_open("/proc/no/such/dir", &m, err, sizeof err) == -1);
    CHECK(strstr(err, "cannot create") != NULL);
}

int main(void)
{
    if (mkdtemp(root) == NULL)
        return 2;
    test_create();
    test_deliver_to_two();
    test_abort_leaves_nothing();
    test_names_are_unique();
    test_remove_stale();
    test_open_fails_cleanly();
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    (void)!system(cmd);
    return check_summary("maildir");
}
