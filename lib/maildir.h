/*
 * maildir.h - delivery into Maildir mailboxes.
 *
 * A Maildir (qmail, D. J. Bernstein) is a directory with three
 * subdirectories: tmp/, new/ and cur/. A message is written under a unique
 * name into tmp/, synced to disk, and only then renamed into new/. rename(2)
 * is atomic, so a reader never sees half a message, and no lock is needed.
 * A server may answer "250 accepted" only after the rename and a sync of the
 * directory: then a crash or a power cut cannot lose the message.
 *
 * Use: maildir_open() → write through m.file → maildir_commit() (or
 * maildir_abort() if the message turns out to be bad).
 */
#ifndef CARTERO_MAILDIR_H
#define CARTERO_MAILDIR_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

/* A unique name: time, microseconds, pid, a counter and the host name. */
#define MAILDIR_NAME_MAX 256

struct maildir_message {
    FILE *file;                     /* write the message here */
    char name[MAILDIR_NAME_MAX];    /* its unique file name */
    char tmp_path[PATH_MAX];        /* DIR/tmp/NAME while being written */
};

/* Creates dir and its tmp/, new/ and cur/ if they are missing (mode 0700). 0 or -1. */
int maildir_create(const char *dir);

/*
 * Starts a message in dir/tmp/ (creating the Maildir if needed). Returns 0,
 * or -1 with a message in err.
 */
int maildir_open(const char *dir, struct maildir_message *m,
                 char *err, size_t errlen);

/*
 * Finishes the message: flushes and fsyncs the file, puts it into new/ of
 * each of the ndirs Maildirs (the first is the one it was opened in: a
 * rename; the others get a hard link), and fsyncs each new/ directory.
 * When it returns 0 the message is safe on disk in every mailbox. On -1
 * (err says why) nothing is left in tmp/; copies already linked into other
 * mailboxes stay (a duplicate is better than a loss).
 */
int maildir_commit(struct maildir_message *m, const char *const dirs[],
                   size_t ndirs, char *err, size_t errlen);

/*
 * fsync(2) of a directory: after a rename or link in it, this is what puts
 * the new name itself on disk. 0, or -1 with errno set.
 */
int maildir_sync_dir(const char *path);

/* Drops an unfinished message: closes and removes the tmp/ file. */
void maildir_abort(struct maildir_message *m);

/*
 * Removes files that sessions of ours left in tmp/ of every Maildir under
 * root when they died (kill -9, a crash): files whose writer process no
 * longer exists. Returns how many it removed.
 */
int maildir_remove_stale(const char *root);

#endif
