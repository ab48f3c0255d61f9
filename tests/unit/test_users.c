/*
 * test_users.c - the users file: parsing, errors with line numbers, passwords.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "users.h"

static char path[] = "/tmp/cartero-users-XXXXXX";

static void write_file(const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void test_plain_and_crypt(void)
{
    struct users u;
    char err[256];
    /* the hash of "hungry" with salt "saltsalt", made with crypt(3) */
    write_file("# comment\n\nbob:{PLAIN}hungry\n"
               "alice:{SHA512-CRYPT}$6$saltsalt$haE2t7guDu7iwP//8KEUjRiu9iI04jlgtbC.D/9Mvau3KFk59R3CyLvBG6eRpAeGAQSeQu21inrD.HNrmgG401::::\n");
    CHECK(users_load(path, &u, err, sizeof err) == 0);
    CHECK(u.count == 2);
    const struct user *bob = users_find(&u, "bob");
    CHECK(bob != NULL && strcmp(bob->scheme, "PLAIN") == 0);
    CHECK(users_check_password(bob, "hungry"));
    CHECK(!users_check_password(bob, "hungr"));
    CHECK(!users_check_password(bob, "hungryy"));
    CHECK(!users_check_password(bob, ""));
    const struct user *alice = users_find(&u, "alice");
    CHECK(alice != NULL);
    CHECK(users_check_password(alice, "hungry"));
    CHECK(!users_check_password(alice, "wrong"));
    CHECK(users_find(&u, "Bob") == NULL);
    CHECK(users_find(&u, "mallory") == NULL);
    users_free(&u);
}

static void test_errors_name_the_line(void)
{
    struct users u;
    char err[256];
    write_file("bob:{PLAIN}x\nno colon here\n");
    CHECK(users_load(path, &u, err, sizeof err) == -1);
    CHECK(strstr(err, ":2:") != NULL);
    write_file("bob:hungry\n");
    CHECK(users_load(path, &u, err, sizeof err) == -1);
    CHECK(strstr(err, "scheme") != NULL);
    write_file("../bob:{PLAIN}x\n");
    CHECK(users_load(path, &u, err, sizeof err) == -1);
    write_file("bob:{MD5}x\n");
    CHECK(users_load(path, &u, err, sizeof err) == -1);
    CHECK(users_load("/no/such/file", &u, err, sizeof err) == -1);
    CHECK(strstr(err, "/no/such/file") != NULL);
}

int main(void)
{
    int fd = mkstemp(path);
    if (fd < 0)
        return 2;
    close(fd);
    test_plain_and_crypt();
    test_errors_name_the_line();
    unlink(path);
    return check_summary("users");
}
