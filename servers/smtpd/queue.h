/*
 * queue.h - the outgoing queue: mail for other domains waits here until
 * the next hop takes it (the "message queue" of the course's mail server).
 *
 * On disk, under MAILROOT/.queue/:
 *     new/ID      the message, as it will be sent (a Maildir: tmp/ → new/)
 *     env/ID      its envelope: sender, recipients still to deliver,
 *                 attempts, next try, last error (text, one "key value" a line)
 *     runner.pid  the queue runner's process id, runner.lock its lock
 *
 * An entry exists once its envelope file exists: the message file is
 * written and synced first, then the envelope (via tmp/ and rename), then
 * the directory is synced. Only then may the client get its 250.
 */
#ifndef SMTPD_QUEUE_H
#define SMTPD_QUEUE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "maildir.h"
#include "smtpd.h"

#define QUEUE_DIR ".queue"
#define QUEUE_LIFETIME_DEFAULT (5 * 24 * 3600)   /* 5 days, as Postfix's maximal_queue_lifetime */
#define QUEUE_RETRY_DEFAULT 60                   /* first retry after a minute, then doubling */
#define QUEUE_RETRY_MAX 3600                     /* ...up to an hour */
#define QUEUE_INTERVAL_DEFAULT 60                /* the runner looks at the queue this often */
#define QUEUE_ERROR_MAX 512

struct queue_entry {
    char id[MAILDIR_NAME_MAX];
    char sender[SMTP_PATH_MAX + 1];       /* "" for the null sender of bounces */
    char (*recipients)[SMTP_PATH_MAX + 1];
    size_t nrecipients;
    time_t created;
    int attempts;
    time_t next_try;
    char last_error[QUEUE_ERROR_MAX];
};

/* MAILROOT/.queue into buf. */
void queue_dir(const char *mail_root, char *buf, size_t len);

/* MAILROOT/.queue/new/ID into buf: the message file. */
void queue_message_path(const char *mail_root, const char *id, char *buf, size_t len);

/*
 * Starts a message for the queue (a file in .queue/tmp/). Write it through
 * m->file, then queue_commit() or maildir_abort().
 */
int queue_open(const char *mail_root, struct maildir_message *m, char *err, size_t errlen);

/*
 * Makes the message an entry: the file into .queue/new/, then the envelope
 * (sender, recipients) into .queue/env/, both synced. 0, or -1 with err.
 */
int queue_commit(const char *mail_root, struct maildir_message *m, const char *sender,
                 const char *const recipients[], size_t n, char *err, size_t errlen);

/* Reads the envelope of id. 0, or -1 (gone, or damaged). Free with queue_entry_free. */
int queue_read(const char *mail_root, const char *id, struct queue_entry *e);
void queue_entry_free(struct queue_entry *e);

/* Rewrites the envelope (after an attempt), atomically. 0 or -1. */
int queue_write(const char *mail_root, const struct queue_entry *e);

/* Removes an entry: the envelope first (the commit point), then the message. */
void queue_remove(const char *mail_root, const char *id);

/*
 * The ids of all entries, oldest first, in memory the caller frees (each
 * and the array). Returns the count, or -1 when the queue cannot be read.
 */
long queue_list_ids(const char *mail_root, char ***ids);

/* Prints the queue, as mailq does. Returns the number of entries. */
long queue_print(const char *mail_root, FILE *out);

#endif
