/*
 * runner.c - the queue runner: the SMTP client inside the mail server.
 *
 * Steps 3 and 4 of Alice's message: her server "opens a TCP connection to
 * Bob's server and sends the message over it". The runner is a process of
 * its own, started by smtpd beside the sessions. It looks at the queue when
 * a session has queued mail (SIGUSR1), when asked to flush (SIGHUP), and
 * every --queue-interval seconds; for each message that is due it finds the
 * next hop of each recipient (the routes file: the lab's stand-in for DNS
 * MX records) and speaks SMTP to it, one transaction per next hop with all
 * its recipients.
 *
 * Each recipient then is delivered (the next hop said 250: it is no longer
 * ours to keep), failed for good (5xx: a bounce goes back to the sender),
 * or failed for now (4xx, no answer: try again later, waiting twice as
 * long each time, until --queue-lifetime, then bounce).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/select.h>
#include <unistd.h>

#include "queue.h"
#include "smtp_client.h"
#include "smtpd.h"
#include "tls.h"

/* How long the runner waits for a next hop's replies. */
#define RUNNER_TIMEOUT_SECONDS 60

static volatile sig_atomic_t new_mail;

static void on_new_mail(int sig)
{
    (void)sig;
    new_mail = 1;
}

/* The connection to the last next hop, kept for the next message to it:
 * SMTP's persistent connections (RFC 5321 3.3: several transactions on one). */
struct hop_connection {
    char key[300];                 /* "host:port", "" when closed */
    struct smtp_client client;
};

struct runner {
    const struct smtpd_config *cfg;
    sigset_t stop_mask;            /* lets only SIGTERM/SIGINT in while waiting for a hop */
    struct transcript log;         /* the runner's own notes (-v) */
    SSL_CTX *tls;                  /* for opportunistic STARTTLS: no verification */
    struct hop_connection hop;
};

long queue_runner_pid(const char *mail_root)
{
    char path[PATH_MAX];
    long pid = 0;

    /* The lock says whether a runner is alive: the kernel drops it when the
     * runner dies, while runner.pid could name a process that is now
     * something else entirely. */
    snprintf(path, sizeof path, "%s/%s/runner.lock", mail_root, QUEUE_DIR);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    bool held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);
    if (!held)
        return 0;
    snprintf(path, sizeof path, "%s/%s/runner.pid", mail_root, QUEUE_DIR);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld", &pid) != 1 || pid <= 0)
        pid = 0;
    fclose(f);
    return pid;
}

void queue_wake_runner(const char *mail_root)
{
    long pid = queue_runner_pid(mail_root);
    if (pid > 0)
        kill((pid_t)pid, SIGUSR1);
}

static void close_hop(struct runner *r)
{
    if (r->hop.key[0] != '\0')
        smtp_client_close(&r->hop.client);
    r->hop.key[0] = '\0';
}

/*
 * Connects to a next hop, says EHLO, and upgrades to TLS whenever the hop
 * offers STARTTLS (opportunistic TLS, as Postfix's "may": better than
 * clear text, but the certificate is not checked, since nothing says which
 * one to expect). Reuses the open connection when it goes to the same hop.
 */
static enum smtp_result open_hop(struct runner *r, const struct route *route)
{
    char key[300];
    snprintf(key, sizeof key, "%s:%s", route->host, route->port);
    if (r->hop.key[0] != '\0' && strcmp(r->hop.key, key) == 0 && !r->hop.client.broken)
        return SMTP_OK;
    close_hop(r);
    struct smtp_client *c = &r->hop.client;
    const char *me = r->cfg->server.domains[0];
    enum smtp_result res = smtp_client_open(c, route->host, route->port,
                                            RUNNER_TIMEOUT_SECONDS, r->cfg->server.verbose, 0);
    if (res != SMTP_OK)
        return res;
    /* A stop request must not wait for a slow next hop's reply. */
    c->conn.wait_mask = &r->stop_mask;
    res = smtp_client_hello(c, me);
    if (res == SMTP_OK && c->has_starttls && r->tls != NULL)
        res = smtp_client_starttls(c, r->tls, route->host, me);
    if (res != SMTP_OK) {
        smtp_client_close(c);
        return res;
    }
    snprintf(r->hop.key, sizeof r->hop.key, "%s", key);
    return SMTP_OK;
}

/* Sends one message to one hop for n of its recipients; fills results. */
static void send_to_hop(struct runner *r, const struct route *route, const struct queue_entry *e,
                        FILE *message, const char *const rcpts[], size_t n,
                        struct smtp_rcpt_result results[])
{
    for (int attempt = 0; attempt < 2; attempt++) {
        bool reused = r->hop.key[0] != '\0';
        enum smtp_result res = open_hop(r, route);
        if (res != SMTP_OK) {
            for (size_t i = 0; i < n; i++) {
                results[i].result = res;
                snprintf(results[i].text, sizeof results[i].text, "%s", r->hop.client.error);
            }
            return;
        }
        transcript_note(&r->log, "queue: sending %s to %s:%s for %zu recipient(s)",
                        e->id, route->host, route->port, n);
        rewind(message);
        smtp_client_send(&r->hop.client, e->sender, rcpts, n, message, results);
        /* A kept connection the hop has since closed: once more on a new one. */
        if (!(reused && r->hop.client.broken))
            return;
        close_hop(r);
    }
}

/* The domain of an address: what follows the last '@'. */
static const char *domain_of(const char *address)
{
    const char *at = strrchr(address, '@');
    return at != NULL ? at + 1 : "";
}

/*
 * One attempt at every recipient of e: recipients with the same next hop
 * go together, in one transaction.
 */
static void attempt_delivery(struct runner *r, const struct queue_entry *e, FILE *message,
                             struct smtp_rcpt_result results[])
{
    const char **rcpts = calloc(e->nrecipients, sizeof *rcpts);
    size_t *index = calloc(e->nrecipients, sizeof *index);
    struct smtp_rcpt_result *hop_results = calloc(e->nrecipients, sizeof *hop_results);
    bool *done = calloc(e->nrecipients, sizeof *done);

    for (size_t i = 0; rcpts && index && hop_results && done && i < e->nrecipients; i++) {
        if (done[i])
            continue;
        const struct route *route = relay_find_route(&r->cfg->relay, domain_of(e->recipients[i]));
        if (route == NULL) {
            /* No MX, in DNS terms: this can never be delivered. */
            results[i].result = SMTP_PERMFAIL;
            snprintf(results[i].text, sizeof results[i].text,
                     "5.4.4 no route to %s: add it to the routes file", domain_of(e->recipients[i]));
            done[i] = true;
            continue;
        }
        size_t n = 0;
        for (size_t j = i; j < e->nrecipients; j++) {
            const struct route *other = relay_find_route(&r->cfg->relay, domain_of(e->recipients[j]));
            if (!done[j] && other == route) {
                rcpts[n] = e->recipients[j];
                index[n++] = j;
                done[j] = true;
            }
        }
        send_to_hop(r, route, e, message, rcpts, n, hop_results);
        for (size_t k = 0; k < n; k++)
            results[index[k]] = hop_results[k];
    }
    free(rcpts);
    free(index);
    free(hop_results);
    free(done);
}

/*
 * Collects the recipients that failed for good (a 5xx, or still not
 * delivered when the message expired) into failed, which points into e.
 * Returns how many.
 */
static size_t collect_failed(const struct smtpd_config *cfg, const struct queue_entry *e,
                             const struct smtp_rcpt_result results[],
                             struct failed_recipient failed[])
{
    bool expired = time(NULL) - e->created >= cfg->queue_lifetime;
    size_t n = 0;
    for (size_t i = 0; i < e->nrecipients; i++) {
        if (results[i].result == SMTP_PERMFAIL ||
            (results[i].result == SMTP_TEMPFAIL && expired)) {
            failed[n].address = e->recipients[i];
            failed[n].diagnostic = results[i].text;
            failed[n++].expired = results[i].result != SMTP_PERMFAIL;
        }
    }
    return n;
}

/*
 * Keeps in e only the recipients still to try: those that failed for now,
 * and, when bounced is false (the bounce could not be written), those that
 * failed for good too, so that the bounce is tried again. Delivered ones
 * always leave. Returns the last temporary error, for the envelope.
 */
static const char *keep_pending(struct queue_entry *e, const struct smtp_rcpt_result results[],
                                bool expired, bool bounced)
{
    const char *last_error = "";
    size_t kept = 0;
    for (size_t i = 0; i < e->nrecipients; i++) {
        bool failed_for_good = results[i].result == SMTP_PERMFAIL ||
                               (results[i].result == SMTP_TEMPFAIL && expired);
        if (results[i].result == SMTP_OK || (failed_for_good && bounced))
            continue;
        if (results[i].result == SMTP_TEMPFAIL)
            last_error = results[i].text;
        if (kept != i)
            memcpy(e->recipients[kept], e->recipients[i], sizeof e->recipients[0]);
        kept++;
    }
    e->nrecipients = kept;
    return last_error;
}

/* Waits before the next try: --queue-retry, doubled for each attempt so far, at most an hour. */
static long retry_delay(const struct smtpd_config *cfg, int attempts)
{
    long delay = cfg->queue_retry;
    for (int i = 1; i < attempts && delay < QUEUE_RETRY_MAX; i++)
        delay *= 2;
    return delay < QUEUE_RETRY_MAX || cfg->queue_retry >= QUEUE_RETRY_MAX ? delay : QUEUE_RETRY_MAX;
}

/*
 * Records the outcome of an attempt: bounces for the recipients that
 * failed for good, then the envelope keeps only the recipients still to
 * try; the entry disappears once nobody is left.
 */
static void settle(struct runner *r, struct queue_entry *e, struct smtp_rcpt_result results[])
{
    const struct smtpd_config *cfg = r->cfg;
    bool expired = time(NULL) - e->created >= cfg->queue_lifetime;
    struct failed_recipient *failed = calloc(e->nrecipients, sizeof *failed);
    if (failed == NULL)
        return;   /* out of memory: the envelope stays as it was, for the next run */

    /* 1. Bounce first: failed[] points into e->recipients, which step 2 rewrites. */
    size_t nfailed = collect_failed(cfg, e, results, failed);
    bool bounced = nfailed == 0 || bounce_send(cfg, e, failed, nfailed) == 0;
    if (!bounced)
        fprintf(stderr, "smtpd: queue: cannot write the bounce for %s; it stays queued\n", e->id);
    free(failed);

    /* 2. Only the recipients still to try stay in the envelope. */
    const char *last_error = keep_pending(e, results, expired, bounced);
    if (e->nrecipients == 0) {
        queue_remove(cfg->server.mail_root, e->id);
        transcript_note(&r->log, "queue: %s is done: removed from the queue", e->id);
        return;
    }
    e->attempts++;
    e->next_try = time(NULL) + retry_delay(cfg, e->attempts);
    if (last_error[0] != '\0')
        snprintf(e->last_error, sizeof e->last_error, "%s", last_error);
    if (queue_write(cfg->server.mail_root, e) != 0)
        fprintf(stderr, "smtpd: queue: cannot update %s: %s\n", e->id, strerror(errno));
    transcript_note(&r->log, "queue: %s deferred: %s (attempt %d)", e->id,
                    e->last_error, e->attempts);
}

/* Tries one entry, if it is due (or flushing). Returns its next try time. */
static time_t run_entry(struct runner *r, const char *id, bool flush)
{
    struct queue_entry e;
    char path[PATH_MAX];
    time_t next = 0;

    if (queue_read(r->cfg->server.mail_root, id, &e) != 0) {
        /* Gone (delivered meanwhile), or damaged: then say so, at each pass. */
        char env[PATH_MAX];
        snprintf(env, sizeof env, "%s/%s/env/%s", r->cfg->server.mail_root, QUEUE_DIR, id);
        if (access(env, F_OK) == 0)
            fprintf(stderr, "smtpd: queue: the envelope %s cannot be read; "
                    "look at it, or remove it to drop the message\n", env);
        return 0;
    }
    if (!flush && e.next_try > time(NULL)) {
        next = e.next_try;
        queue_entry_free(&e);
        return next;
    }
    queue_message_path(r->cfg->server.mail_root, id, path, sizeof path);
    FILE *message = fopen(path, "r");
    struct smtp_rcpt_result *results = calloc(e.nrecipients, sizeof *results);
    /* Until an attempt says otherwise, nobody is delivered (0 would be SMTP_OK). */
    for (size_t i = 0; results != NULL && i < e.nrecipients; i++)
        results[i].result = SMTP_TEMPFAIL;
    if (message == NULL || results == NULL) {
        fprintf(stderr, "smtpd: queue: cannot read %s: %s\n", path, strerror(errno));
    } else {
        attempt_delivery(r, &e, message, results);
        settle(r, &e, results);
        next = e.next_try;
    }
    if (message != NULL)
        fclose(message);
    free(results);
    queue_entry_free(&e);
    return next;
}

/* One pass over the queue. Returns the earliest next try (0: none waiting). */
static time_t run_queue(struct runner *r, bool flush)
{
    char **ids;
    time_t earliest = 0;
    long n = queue_list_ids(r->cfg->server.mail_root, &ids);
    for (long i = 0; i < n; i++) {
        if (!server_stopping()) {
            time_t next = run_entry(r, ids[i], flush);
            if (next != 0 && (earliest == 0 || next < earliest))
                earliest = next;
        }
        free(ids[i]);
    }
    free(ids);
    close_hop(r);
    return earliest;
}

/*
 * Only one runner per mail root, or two would send the same message: a
 * lock the kernel drops when the process dies. Returns the lock's fd, or -1.
 */
static int lock_queue(const char *mail_root)
{
    char path[PATH_MAX];
    queue_dir(mail_root, path, sizeof path);
    maildir_create(path);
    snprintf(path, sizeof path, "%s/%s/runner.lock", mail_root, QUEUE_DIR);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void write_pid_file(const char *mail_root)
{
    char path[PATH_MAX], tmp[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/%s/runner.pid", mail_root, QUEUE_DIR);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return;
    fprintf(f, "%ld\n", (long)getpid());
    if (fclose(f) == 0)
        rename(tmp, path);
}

/* Sleeps until the next try is due, the interval passes, or a signal comes. */
static void wait_for_work(const struct smtpd_config *cfg, time_t next_try, const sigset_t *mask)
{
    long wait = cfg->queue_interval;
    if (next_try != 0) {
        long until = (long)(next_try - time(NULL));
        if (until < wait)
            wait = until < 0 ? 0 : until;
    }
    if (new_mail || wait == 0)
        return;
    struct timespec ts = {.tv_sec = wait};
    pselect(0, NULL, NULL, NULL, &ts, mask);
}

void queue_runner(const struct server_config *server, const sigset_t *wait_mask, void *context)
{
    struct runner r = {.cfg = context};
    char err[300];
    sigset_t mask = *wait_mask;

    (void)server;
    /* SIGUSR1, "new mail", joins the signals that only get through while we wait. */
    struct sigaction sa = {.sa_handler = on_new_mail};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    sigdelset(&mask, SIGUSR1);
    sigprocmask(SIG_BLOCK, NULL, &r.stop_mask);
    sigdelset(&r.stop_mask, SIGTERM);
    sigdelset(&r.stop_mask, SIGINT);

    int lock = lock_queue(r.cfg->server.mail_root);
    while (lock < 0 && !server_stopping()) {
        fprintf(stderr, "smtpd: queue: another runner already works on %s/%s; waiting\n",
                r.cfg->server.mail_root, QUEUE_DIR);
        wait_for_work(r.cfg, 0, &mask);
        lock = lock_queue(r.cfg->server.mail_root);
    }
    write_pid_file(r.cfg->server.mail_root);
    r.tls = tls_client_context(NULL, true, err, sizeof err);
    transcript_init(&r.log, stderr, r.cfg->server.verbose, 0, false);

    /* At start, one pass over everything, due or not: what a server that
     * was down (or killed) left in the queue goes out now. */
    bool flush = true;
    while (!server_stopping()) {
        new_mail = 0;
        if (flush)
            transcript_note(&r.log, "queue: trying every message now");
        time_t next = run_queue(&r, flush);
        wait_for_work(r.cfg, next, &mask);
        flush = server_hangup_received();
    }
    SSL_CTX_free(r.tls);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s/runner.pid", r.cfg->server.mail_root, QUEUE_DIR);
    unlink(path);
    close(lock);
}
