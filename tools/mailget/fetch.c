/*
 * fetch.c - the two modes of the slides, after login:
 *
 *   download and delete (default)   STAT; for each message RETR and DELE;
 *                                   QUIT. The server removes the messages
 *                                   at QUIT (its UPDATE state), so another
 *                                   client will never see them.
 *   download and keep (--keep)      STAT; UIDL; RETR only the messages
 *                                   whose UIDL no earlier run recorded;
 *                                   QUIT. The server keeps everything.
 *
 * Each message is stored in the output Maildir as lib/maildir.h does it
 * (tmp/, fsync, rename into new/), with LF line ends, and only then
 * deleted on the server: a crash can duplicate a message, never lose it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mailget.h"
#include "maildir.h"

/* One message being received into the output Maildir. */
struct incoming {
    struct maildir_message file;
    unsigned long long octets;   /* as they came: each line and its CRLF */
};

/* A line of message text (already unstuffed): stored with a LF line end. */
static void store_line(void *arg, const struct line *line)
{
    struct incoming *in = arg;
    fwrite(line->text, 1, line->len, in->file.file);
    fputc('\n', in->file.file);
    in->octets += line->len + 2;
}

/*
 * RETR n into the output Maildir. Returns 0 (stored; *octets says how big),
 * 1 when the server answered -ERR (nothing stored), or -1 after a failure
 * that ends the session (c->failure says which).
 */
static int retrieve(struct client *c, const struct options *o, size_t n,
                    unsigned long long *octets, char *name, size_t namelen)
{
    struct incoming in = {0};
    char err[4096 + 256];

    if (maildir_open(o->out_dir, &in.file, err, sizeof err) != 0) {
        client_fail(c, EX_CANTCREAT, "%s", err);
        return -1;
    }
    int rc = client_multiline(c, store_line, &in, "RETR %zu", n);
    if (rc != 0) {
        maildir_abort(&in.file);
        return rc;
    }
    const char *const dirs[] = {o->out_dir};
    if (maildir_commit(&in.file, dirs, 1, err, sizeof err) != 0) {
        client_fail(c, EX_IOERR, "%s", err);
        return -1;
    }
    *octets = in.octets;
    snprintf(name, namelen, "%s", in.file.name);
    return 0;
}

/* UIDL lines "n unique-id", kept by message number (RFC 1939 7). */
struct uid_list {
    char **uids;                 /* uids[n - 1]; NULL when the server did not list n */
    size_t count;
};

static void store_uid(void *arg, const struct line *line)
{
    struct uid_list *l = arg;
    char *space = memchr(line->text, ' ', line->len);
    if (space == NULL)
        return;
    unsigned long n = strtoul(line->text, NULL, 10);
    if (n >= 1 && n <= l->count && l->uids[n - 1] == NULL)
        l->uids[n - 1] = strdup(space + 1);
}

/* Reads UIDL into l (count messages). 0, or -1 after a failure. */
static int list_uids(struct client *c, struct uid_list *l)
{
    l->uids = calloc(l->count + 1, sizeof *l->uids);
    if (l->uids == NULL) {
        client_fail(c, EX_OSERR, "out of memory");
        return -1;
    }
    int rc = client_multiline(c, store_uid, l, "UIDL");
    if (rc == 1)
        client_fail(c, EX_UNAVAILABLE, "the server has no UIDL (%.200s): --keep needs it to "
                    "know what an earlier run fetched", c->reply.text);
    return rc == 0 ? 0 : -1;
}

static void free_uids(struct uid_list *l)
{
    for (size_t i = 0; l->uids != NULL && i < l->count; i++)
        free(l->uids[i]);
    free(l->uids);
}

/* Counters for the summary line. */
struct tally {
    size_t fetched, skipped, refused;
};

/* Fetches message n (and marks it deleted, unless --keep). 0, or -1 to stop. */
static int fetch_one(struct client *c, const struct options *o, size_t n, size_t count,
                     const struct uid_list *uids, const struct seen *seen,
                     bool *fetched, struct tally *t)
{
    char name[MAILDIR_NAME_MAX];
    unsigned long long octets;
    const char *uid = o->keep ? uids->uids[n - 1] : NULL;

    if (o->keep && uid != NULL && seen_has(seen, uid)) {
        printf("  %zu/%zu  skipped: fetched by an earlier run (UIDL %s)\n", n, count, uid);
        t->skipped++;
        return 0;
    }
    int rc = retrieve(c, o, n, &octets, name, sizeof name);
    if (rc == 1) {
        printf("  %zu/%zu  not fetched: %s\n", n, count, c->reply.text);
        t->refused++;
        return 0;
    }
    if (rc != 0)
        return -1;
    t->fetched++;
    fetched[n - 1] = true;
    printf("  %zu/%zu  %llu octets -> %s/new/%s%s\n", n, count, octets, o->out_dir, name,
           o->keep ? "" : "  (deleted at QUIT)");
    fflush(stdout);
    if (o->keep)
        return 0;
    rc = client_command(c, "DELE %zu", n);
    if (rc == 1)
        client_fail(c, EX_PROTOCOL, "DELE %zu refused: %.200s", n, c->reply.text);
    return rc == 0 ? 0 : -1;
}

/* --keep: records what is on the server and has been fetched, now or before. */
static void record_seen(struct client *c, const struct options *o, const struct seen *seen,
                        const struct uid_list *uids, const bool *fetched)
{
    char **keep = calloc(uids->count + 1, sizeof *keep);
    size_t n = 0;
    if (keep == NULL)
        return;
    for (size_t i = 0; i < uids->count; i++)
        if (uids->uids[i] != NULL && (fetched[i] || seen_has(seen, uids->uids[i])))
            keep[n++] = uids->uids[i];
    if (seen_save(seen, o->out_dir, keep, n) != 0)
        client_fail(c, EX_IOERR, "cannot write %s/%s: the next --keep run will fetch "
                    "these messages again", o->out_dir, MAILGET_SEEN_FILE);
    free(keep);
}

/* STAT's "+OK count octets" (RFC 1939 5). 0, or -1 after a failure. */
static int stat_maildrop(struct client *c, size_t *count, unsigned long long *octets)
{
    int rc = client_command(c, "STAT");
    if (rc == 1)
        client_fail(c, EX_PROTOCOL, "STAT refused: %.200s", c->reply.text);
    if (rc != 0)
        return -1;
    if (sscanf(c->reply.text, "+OK %zu %llu", count, octets) != 2) {
        client_fail(c, EX_PROTOCOL, "cannot read STAT's reply: \"%.200s\" (RFC 1939 5 says "
                    "+OK count octets)", c->reply.text);
        return -1;
    }
    return 0;
}

int fetch_all(struct client *c, const struct options *o)
{
    size_t count;
    unsigned long long octets;
    struct uid_list uids = {0};
    struct seen seen = {0};
    struct tally t = {0};
    char account[512];

    if (stat_maildrop(c, &count, &octets) != 0)
        return -1;
    printf("mailget: %zu message(s) (%llu octets) for %s at %s:%s, %s\n", count, octets,
           o->user, o->host, o->port, o->keep ? "download and keep" : "download and delete");
    uids.count = count;
    snprintf(account, sizeof account, "%s@%s:%s", o->user, o->host, o->port);
    bool *fetched = calloc(count + 1, sizeof *fetched);
    if (fetched == NULL) {
        client_fail(c, EX_OSERR, "out of memory");
        return -1;
    }
    if (o->keep && (list_uids(c, &uids) != 0 || seen_load(&seen, o->out_dir, account) != 0)) {
        client_fail(c, EX_IOERR, "cannot read %s/%s", o->out_dir, MAILGET_SEEN_FILE);
        goto done;
    }
    for (size_t n = 1; n <= count; n++)
        if (fetch_one(c, o, n, count, &uids, &seen, fetched, &t) != 0)
            break;
    bool quit_ok = false;
    if (c->failure == 0) {
        int rc = client_command(c, "QUIT");
        if (rc == 1)
            client_fail(c, EX_TEMPFAIL, "QUIT: %.200s", c->reply.text);
        quit_ok = rc == 0;
    }
    if (o->keep)
        record_seen(c, o, &seen, &uids, fetched);
    if (t.refused > 0)
        client_fail(c, EX_TEMPFAIL, "%zu message(s) could not be fetched", t.refused);
    printf("mailget: %zu fetched, %zu skipped; %s\n", t.fetched, t.skipped,
           o->keep ? "all kept on the server"
           : quit_ok ? "the fetched ones were deleted on the server at QUIT"
           : "nothing deleted on the server (no successful QUIT)");
done:
    free(fetched);
    free_uids(&uids);
    seen_free(&seen);
    return c->failure == 0 ? 0 : -1;
}
