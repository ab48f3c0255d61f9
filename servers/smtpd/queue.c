/*
 * queue.c - the outgoing queue on disk (see queue.h).
 */
#include "queue.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The longest envelope line: "rcpt <" + a path + ">" or a last-error. */
#define QUEUE_LINE_MAX (QUEUE_ERROR_MAX + 32)

void queue_dir(const char *mail_root, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", mail_root, QUEUE_DIR);
}

/* MAILROOT/.queue/SUB/NAME ("" for no NAME). */
static void queue_path(const char *mail_root, const char *sub, const char *name,
                       char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s/%s%s%s", mail_root, QUEUE_DIR, sub, name[0] ? "/" : "", name);
}

void queue_message_path(const char *mail_root, const char *id, char *buf, size_t len)
{
    queue_path(mail_root, "new", id, buf, len);
}

int queue_open(const char *mail_root, struct maildir_message *m, char *err, size_t errlen)
{
    char dir[PATH_MAX];
    queue_dir(mail_root, dir, sizeof dir);
    if (maildir_open(dir, m, err, errlen) != 0)
        return -1;
    queue_path(mail_root, "env", "", dir, sizeof dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        maildir_abort(m);
        return -1;
    }
    return 0;
}

/* Writes the envelope text of e into f. */
static void write_envelope(FILE *f, const struct queue_entry *e)
{
    fprintf(f, "sender <%s>\n", e->sender);
    fprintf(f, "created %lld\n", (long long)e->created);
    fprintf(f, "attempts %d\n", e->attempts);
    fprintf(f, "next-try %lld\n", (long long)e->next_try);
    if (e->last_error[0] != '\0')
        fprintf(f, "last-error %s\n", e->last_error);
    for (size_t i = 0; i < e->nrecipients; i++)
        fprintf(f, "rcpt <%s>\n", e->recipients[i]);
}

int queue_write(const char *mail_root, const struct queue_entry *e)
{
    static unsigned long counter;
    char tmp[PATH_MAX], final[PATH_MAX], name[64];

    /* A name of this process's own: the id holds the pid of the session that
     * received the message, and tmp/ files of dead pids are swept away. */
    snprintf(name, sizeof name, "envelope.%ld.%lu", (long)getpid(), ++counter);
    queue_path(mail_root, "tmp", name, tmp, sizeof tmp);
    queue_path(mail_root, "env", e->id, final, sizeof final);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return -1;
    write_envelope(f, e);
    /* The same rule as for messages: on disk before the name appears. */
    if (ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0) {
        fclose(f);
        unlink(tmp);
        return -1;
    }
    if (fclose(f) != 0 || rename(tmp, final) != 0) {
        unlink(tmp);
        return -1;
    }
    queue_path(mail_root, "env", "", tmp, sizeof tmp);
    return maildir_sync_dir(tmp);
}

int queue_commit(const char *mail_root, struct maildir_message *m, const char *sender,
                 const char *const recipients[], size_t n, char *err, size_t errlen)
{
    char dir[PATH_MAX];
    struct queue_entry e;

    queue_dir(mail_root, dir, sizeof dir);
    const char *dirs[] = {dir};
    if (maildir_commit(m, dirs, 1, err, errlen) != 0)
        return -1;
    memset(&e, 0, sizeof e);
    snprintf(e.id, sizeof e.id, "%s", m->name);
    snprintf(e.sender, sizeof e.sender, "%s", sender);
    e.recipients = calloc(n, sizeof *e.recipients);
    if (e.recipients == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        snprintf(e.recipients[i], sizeof e.recipients[i], "%s", recipients[i]);
    e.nrecipients = n;
    e.created = time(NULL);
    int rc = queue_write(mail_root, &e);
    if (rc != 0) {
        snprintf(err, errlen, "cannot write the envelope of %s: %s", e.id, strerror(errno));
        queue_message_path(mail_root, e.id, dir, sizeof dir);
        unlink(dir);
    }
    free(e.recipients);
    return rc;
}

/* Takes "<path>" into out; false if it is not in brackets. */
static bool take_path(const char *value, char *out, size_t len)
{
    size_t n = strlen(value);
    if (n < 2 || value[0] != '<' || value[n - 1] != '>' || n - 2 >= len)
        return false;
    memcpy(out, value + 1, n - 2);
    out[n - 2] = '\0';
    return true;
}

/* Applies one "key value" line of an envelope. False when it makes no sense. */
static bool read_envelope_line(struct queue_entry *e, char *line)
{
    char *value = strchr(line, ' ');
    if (value == NULL)
        return false;
    *value++ = '\0';
    if (strcmp(line, "sender") == 0)
        return take_path(value, e->sender, sizeof e->sender);
    if (strcmp(line, "created") == 0)
        e->created = (time_t)strtoll(value, NULL, 10);
    else if (strcmp(line, "attempts") == 0)
        e->attempts = atoi(value);
    else if (strcmp(line, "next-try") == 0)
        e->next_try = (time_t)strtoll(value, NULL, 10);
    else if (strcmp(line, "last-error") == 0)
        snprintf(e->last_error, sizeof e->last_error, "%s", value);
    else if (strcmp(line, "rcpt") == 0) {
        void *bigger = realloc(e->recipients, (e->nrecipients + 1) * sizeof *e->recipients);
        if (bigger == NULL)
            return false;
        e->recipients = bigger;
        return take_path(value, e->recipients[e->nrecipients++], sizeof e->recipients[0]);
    }
    return true;   /* unknown keys are left for newer versions */
}

int queue_read(const char *mail_root, const char *id, struct queue_entry *e)
{
    char path[PATH_MAX], line[QUEUE_LINE_MAX];

    memset(e, 0, sizeof *e);
    snprintf(e->id, sizeof e->id, "%s", id);
    queue_path(mail_root, "env", id, path, sizeof path);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    bool ok = true;
    while (ok && fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        ok = read_envelope_line(e, line);
    }
    fclose(f);
    if (!ok || e->nrecipients == 0) {
        queue_entry_free(e);
        return -1;
    }
    return 0;
}

void queue_entry_free(struct queue_entry *e)
{
    free(e->recipients);
    e->recipients = NULL;
    e->nrecipients = 0;
}

void queue_remove(const char *mail_root, const char *id)
{
    char path[PATH_MAX];
    queue_path(mail_root, "env", id, path, sizeof path);
    unlink(path);
    queue_path(mail_root, "env", "", path, sizeof path);
    maildir_sync_dir(path);
    queue_message_path(mail_root, id, path, sizeof path);
    unlink(path);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

long queue_list_ids(const char *mail_root, char ***ids)
{
    char path[PATH_MAX];
    size_t n = 0, cap = 0;

    *ids = NULL;
    queue_path(mail_root, "env", "", path, sizeof path);
    DIR *d = opendir(path);
    if (d == NULL)
        return errno == ENOENT ? 0 : -1;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **bigger = realloc(*ids, cap * sizeof *bigger);
            if (bigger == NULL)
                break;
            *ids = bigger;
        }
        if (((*ids)[n] = strdup(de->d_name)) != NULL)
            n++;
    }
    closedir(d);
    if (n > 1)
        qsort(*ids, n, sizeof **ids, compare_names);
    return (long)n;
}

/* "Fri Nov 27 00:10" for a time, or "now" for 0. */
static void format_time(time_t t, char *buf, size_t len)
{
    struct tm tm;
    if (t == 0) {
        snprintf(buf, len, "now");
        return;
    }
    localtime_r(&t, &tm);
    strftime(buf, len, "%a %b %d %H:%M:%S", &tm);
}

long queue_print(const char *mail_root, FILE *out)
{
    char **ids;
    long n = queue_list_ids(mail_root, &ids);
    if (n < 0) {
        fprintf(out, "cannot read the queue in %s/%s\n", mail_root, QUEUE_DIR);
        return -1;
    }
    if (n == 0) {
        fprintf(out, "Mail queue is empty\n");
        free(ids);
        return 0;
    }
    fprintf(out, "%-36s %8s  %-19s  %s\n", "-Queue ID-", "-Size-", "-Arrival Time-",
            "-Sender/Recipient-");
    long shown = 0;
    for (long i = 0; i < n; i++) {
        struct queue_entry e;
        char path[PATH_MAX], arrival[40], next[40];
        struct stat st;
        if (queue_read(mail_root, ids[i], &e) != 0)
            continue;   /* delivered while we looked */
        queue_message_path(mail_root, ids[i], path, sizeof path);
        long long size = stat(path, &st) == 0 ? (long long)st.st_size : -1;
        format_time(e.created, arrival, sizeof arrival);
        format_time(e.next_try, next, sizeof next);
        fprintf(out, "%-36.36s %8lld  %-19s  <%s>\n", e.id, size, arrival, e.sender);
        fprintf(out, "%47s attempts: %d, next try: %s\n", "", e.attempts, next);
        if (e.last_error[0] != '\0')
            fprintf(out, "%47s (%s)\n", "", e.last_error);
        for (size_t r = 0; r < e.nrecipients; r++)
            fprintf(out, "%47s <%s>\n", "", e.recipients[r]);
        fputc('\n', out);
        queue_entry_free(&e);
        shown++;
    }
    fprintf(out, "-- %ld message%s in the queue\n", shown, shown == 1 ? "" : "s");
    for (long i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    return shown;
}
