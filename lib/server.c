/*
 * server.c - the common options and the accept loop of every server
 * (see server.h).
 */
#include "server.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "maildir.h"
#include "net.h"
#include "tls.h"
#include "tls_server.h"

/* How long a stopping server waits for its sessions before SIGKILL. */
#define SERVER_STOP_GRACE_SECONDS 5

/*
 * The sessions running now, by process id, so that a stop signals only our
 * own children (never the whole process group, which may hold the shell
 * that started us).
 */
struct session_table {
    pid_t *pids;
    int capacity;
    int running;
};

/* Set by the signal handlers; read in the loops. */
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t child_exited;
static volatile sig_atomic_t hangup_received;

/* A worker that dies is started again, but not more often than this. */
#define SERVER_WORKER_RESTART_SECONDS 1

bool server_stopping(void)
{
    return stop_requested != 0;
}

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void on_child_signal(int sig)
{
    (void)sig;
    child_exited = 1;
}

static void on_hangup_signal(int sig)
{
    (void)sig;
    hangup_received = 1;
}

bool server_hangup_received(void)
{
    if (!hangup_received)
        return false;
    hangup_received = 0;
    return true;
}

void server_config_defaults(struct server_config *cfg, const char *program,
                            const char *default_port, int default_timeout)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->program = program;
    cfg->listen_addr = "127.0.0.1";
    cfg->port = default_port;
    cfg->mail_root = "./mail";
    cfg->timeout_seconds = default_timeout;
    cfg->max_sessions = SERVER_MAX_SESSIONS_DEFAULT;
}

/* Parses a whole positive number no bigger than max; -1 if it is not one. */
static long parse_count(const char *arg, long max)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || v < 0 || v > max)
        return -1;
    return v;
}

int server_handle_option(struct server_config *cfg, int opt, const char *arg)
{
    long v;
    switch (opt) {
    case 'l': cfg->listen_addr = arg; return 1;
    case 'm': cfg->mail_root = arg; return 1;
    case 'u': cfg->users_file = arg; return 1;
    case 'v': cfg->verbose = true; return 1;
    case SERVER_OPT_PORT_FILE: cfg->port_file = arg; return 1;
    case SERVER_OPT_TLS_CERT: cfg->tls_cert = arg; return 1;
    case SERVER_OPT_TLS_KEY: cfg->tls_key = arg; return 1;
    case SERVER_OPT_IMPLICIT_TLS: cfg->implicit_tls = true; return 1;
    case 'p':
        if (parse_count(arg, 65535) < 0) {
            fprintf(stderr, "%s: -p %s: a port is a number from 0 to 65535\n", cfg->program, arg);
            return -1;
        }
        cfg->port = arg;
        return 1;
    case 'd':
        if (strlen(arg) > 255) {   /* RFC 5321 4.5.3.1.2: a domain is at most 255 octets */
            fprintf(stderr, "%s: -d %.40s...: a domain is at most 255 characters\n",
                    cfg->program, arg);
            return -1;
        }
        if (cfg->ndomains == SERVER_DOMAINS_MAX) {
            fprintf(stderr, "%s: at most %d domains (-d)\n", cfg->program, SERVER_DOMAINS_MAX);
            return -1;
        }
        cfg->domains[cfg->ndomains++] = arg;
        return 1;
    case SERVER_OPT_TIMEOUT:
        if ((v = parse_count(arg, 86400)) < 1) {
            fprintf(stderr, "%s: --timeout %s: give seconds, from 1 to 86400\n", cfg->program, arg);
            return -1;
        }
        cfg->timeout_seconds = (int)v;
        return 1;
    case SERVER_OPT_MAX_SESSIONS:
        if ((v = parse_count(arg, 100000)) < 1) {
            fprintf(stderr, "%s: --max-sessions %s: give a number from 1 to 100000\n", cfg->program, arg);
            return -1;
        }
        cfg->max_sessions = (int)v;
        return 1;
    default:
        return 0;
    }
}

void server_usage_common(FILE *out, const char *default_port, int default_timeout)
{
    fprintf(out,
            "  -l ADDR             listen on ADDR (default 127.0.0.1; :: for every IPv6 address)\n"
            "  -p PORT             listen on PORT (default %s; 0 lets the kernel choose)\n"
            "      --port-file F   write the port number into F once listening\n"
            "  -m DIR              mail root: one Maildir per user (default ./mail)\n"
            "  -d DOMAIN           a local domain; repeatable; the first is our host name\n"
            "                      (default localhost)\n"
            "  -u FILE             users file, lines user:{PLAIN}secret or user:{SHA512-CRYPT}hash\n"
            "  -v                  print a transcript of every session on stderr\n"
            "      --timeout SECS  close a session idle this long (default %d)\n"
            "      --max-sessions N  at most N sessions at once (default %d)\n"
            "      --tls-cert FILE  TLS certificate (PEM; make certs creates one)\n"
            "      --tls-key FILE  its private key (default: the --tls-cert file)\n"
            "      --implicit-tls  TLS from the first byte, as on ports 465, 995 and 993\n"
            "  -h, --help          show this help\n",
            default_port, default_timeout, SERVER_MAX_SESSIONS_DEFAULT);
}

/* Loads the certificate and key when --tls-cert is given. Returns 0 or -1. */
static int load_tls(struct server_config *cfg)
{
    char err[512];
    if (cfg->tls_cert == NULL) {
        if (cfg->implicit_tls || cfg->tls_key != NULL) {
            fprintf(stderr, "%s: --implicit-tls and --tls-key need --tls-cert "
                    "(make certs creates one in certs/)\n", cfg->program);
            return -1;
        }
        return 0;
    }
    cfg->tls = tls_server_context(cfg->tls_cert,
                                  cfg->tls_key != NULL ? cfg->tls_key : cfg->tls_cert,
                                  err, sizeof err);
    if (cfg->tls == NULL) {
        fprintf(stderr, "%s: %s\n", cfg->program, err);
        return -1;
    }
    return 0;
}

int server_prepare(struct server_config *cfg)
{
    char err[512];

    if (cfg->ndomains == 0)
        cfg->domains[cfg->ndomains++] = "localhost";
    if (cfg->users_file != NULL &&
        users_load(cfg->users_file, &cfg->users, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", cfg->program, err);
        return EX_NOINPUT;
    }
    if (load_tls(cfg) != 0)
        return EX_CONFIG;
    if (mkdir(cfg->mail_root, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: cannot create mail root %s: %s\n", cfg->program,
                cfg->mail_root, strerror(errno));
        return EX_CANTCREAT;
    }
    int removed = maildir_remove_stale(cfg->mail_root);
    if (removed > 0 && cfg->verbose)
        fprintf(stderr, "%s: removed %d unfinished message(s) left in tmp/ by sessions "
                "that died\n", cfg->program, removed);
    return EX_OK;
}

bool server_is_local_domain(const struct server_config *cfg, const char *domain)
{
    for (int i = 0; i < cfg->ndomains; i++)
        if (strcasecmp(cfg->domains[i], domain) == 0)
            return true;
    return false;
}

/*
 * Signals: SIGTERM and SIGINT ask for a stop, SIGCHLD says a session ended.
 * All three stay blocked except while we wait in pselect(2), which lets
 * them in atomically: no signal can arrive between "check the flag" and
 * "wait", the race that a plain accept() loop has.
 */
static void setup_signals(sigset_t *wait_mask)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_child_signal;
    sigaction(SIGCHLD, &sa, NULL);
    sa.sa_handler = on_hangup_signal;
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);

    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGINT);
    sigaddset(&blocked, SIGCHLD);
    sigaddset(&blocked, SIGHUP);
    sigprocmask(SIG_BLOCK, &blocked, wait_mask);
    sigdelset(wait_mask, SIGTERM);
    sigdelset(wait_mask, SIGINT);
    sigdelset(wait_mask, SIGCHLD);
    sigdelset(wait_mask, SIGHUP);
}

static void table_add(struct session_table *t, pid_t pid)
{
    for (int i = 0; i < t->capacity; i++) {
        if (t->pids[i] == 0) {
            t->pids[i] = pid;
            t->running++;
            return;
        }
    }
}

static void table_remove(struct session_table *t, pid_t pid)
{
    for (int i = 0; i < t->capacity; i++) {
        if (t->pids[i] == pid) {
            t->pids[i] = 0;
            t->running--;
            return;
        }
    }
}

/* The background worker, if the server has one. */
struct worker {
    server_worker_fn run;
    pid_t pid;              /* 0 when not running */
    time_t started;
};

/* Starts the worker in a child process (see server_worker_fn). */
static void start_worker(const struct server_config *cfg, struct worker *w, int listener,
                         const sigset_t *wait_mask, void *context)
{
    if (w->run == NULL || w->pid != 0 || stop_requested)
        return;
    if (time(NULL) - w->started < SERVER_WORKER_RESTART_SECONDS)
        return;                     /* it just died: the next loop tries again */
    w->started = time(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(listener);
        w->run(cfg, wait_mask, context);
        fflush(NULL);
        _exit(EX_OK);
    }
    if (pid < 0)
        fprintf(stderr, "%s: cannot start the background worker: %s\n", cfg->program,
                strerror(errno));
    else
        w->pid = pid;
}

/* Collects ended sessions. A session that crashed is reported. */
static void reap_sessions(const struct server_config *cfg, struct session_table *t,
                          struct worker *w)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (w != NULL && pid == w->pid) {
            w->pid = 0;
            if (!stop_requested)
                fprintf(stderr, "%s: the background worker (process %ld) ended; "
                        "starting it again\n", cfg->program, (long)pid);
            continue;
        }
        table_remove(t, pid);
        if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM && WTERMSIG(status) != SIGKILL)
            fprintf(stderr, "%s: session process %ld died of signal %d\n",
                    cfg->program, (long)pid, WTERMSIG(status));
    }
}

/* The child side of fork: one session, then exit. Never returns. */
static void run_session(const struct server_config *cfg, int listener, int fd,
                        unsigned long number, const sigset_t *wait_mask,
                        server_session_fn session, void *context)
{
    struct transcript log;
    struct conn conn;
    char peer[NET_ADDR_TEXT_MAX];

    close(listener);
    /* Each reply line goes out at once. Without this, Nagle's algorithm holds
     * the second line of a multi-line reply (EHLO's) until the client's
     * delayed ACK comes back: some 40 ms lost in every session. */
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    transcript_init(&log, stderr, cfg->verbose, number, true);
    conn_init(&conn, fd, cfg->timeout_seconds, &log);
    conn.wait_mask = wait_mask;
    net_peer_address(fd, peer, sizeof peer);
    transcript_note(&log, "session %lu: connection from %s (process %ld)",
                    number, peer, (long)getpid());
    if (cfg->implicit_tls) {
        char err[300];
        if (tls_server_start(&conn, cfg->tls, NULL, err, sizeof err) != 0) {
            /* Always logged: a person must see why a client could not connect. */
            fprintf(stderr, "%s: session %lu from %s: %s\n", cfg->program, number, peer, err);
            close(fd);
            _exit(EX_PROTOCOL);
        }
        tls_describe(&conn, err, sizeof err);
        transcript_note(&log, "TLS from the first byte: %s", err);
    }
    int status = session(cfg, &conn, peer, context);
    tls_close(&conn);   /* a TLS goodbye (close_notify), so the client sees a clean end */
    close(fd);
    transcript_note(&log, "session %lu: closed", number);
    fflush(NULL);
    _exit(status);
}

/* Refuses one connection because too many sessions run; no fork needed. */
static void refuse_busy(const struct server_config *cfg, int fd, server_busy_fn busy)
{
    struct transcript log;
    struct conn conn;
    transcript_init(&log, stderr, cfg->verbose, 0, true);
    conn_init(&conn, fd, 1, &log);
    transcript_note(&log, "refusing a connection: %d sessions already running",
                    cfg->max_sessions);
    if (busy != NULL)
        busy(cfg, &conn);
    close(fd);
}

/* Sends SIGTERM to each session, waits a little, then SIGKILLs stragglers. */
static void stop_sessions(const struct server_config *cfg, struct session_table *t)
{
    int sig = SIGTERM;
    for (int tenths = 0; t->running > 0; tenths++) {
        if (tenths == SERVER_STOP_GRACE_SECONDS * 10)
            sig = SIGKILL;
        if (tenths == 0 || sig == SIGKILL)
            for (int i = 0; i < t->capacity; i++)
                if (t->pids[i] != 0)
                    kill(t->pids[i], sig);
        struct timespec tenth = {.tv_nsec = 100000000L};
        nanosleep(&tenth, NULL);
        reap_sessions(cfg, t, NULL);
    }
}

/* Stops the worker: SIGTERM, a grace period, then SIGKILL. */
static void stop_worker(struct worker *w)
{
    if (w->pid == 0)
        return;
    kill(w->pid, SIGTERM);
    for (int tenths = 0; waitpid(w->pid, NULL, WNOHANG) == 0; tenths++) {
        if (tenths == SERVER_STOP_GRACE_SECONDS * 10)
            kill(w->pid, SIGKILL);
        struct timespec tenth = {.tv_nsec = 100000000L};
        nanosleep(&tenth, NULL);
    }
    w->pid = 0;
}

int server_run(struct server_config *cfg, server_session_fn session,
               server_busy_fn busy, server_worker_fn worker_fn, void *context)
{
    struct worker worker = {.run = worker_fn};
    char err[512];
    sigset_t wait_mask;
    struct session_table table = {0};
    unsigned long sessions = 0;

    int listener = net_listen(cfg->listen_addr, cfg->port, err, sizeof err);
    if (listener < 0) {
        fprintf(stderr, "%s: %s\n", cfg->program, err);
        return errno == EADDRINUSE ? EX_UNAVAILABLE : EX_OSERR;
    }
    int port = net_local_port(listener);
    if (cfg->port_file != NULL && net_write_port_file(cfg->port_file, port) != 0) {
        fprintf(stderr, "%s: cannot write port file %s: %s\n", cfg->program,
                cfg->port_file, strerror(errno));
        close(listener);
        return EX_CANTCREAT;
    }
    table.capacity = cfg->max_sessions;
    table.pids = calloc((size_t)table.capacity, sizeof *table.pids);
    if (table.pids == NULL) {
        fprintf(stderr, "%s: out of memory\n", cfg->program);
        return EX_OSERR;
    }
    setup_signals(&wait_mask);
    if (cfg->verbose)
        fprintf(stderr, "%s: listening on %s port %d for %s (mail root %s)\n",
                cfg->program, cfg->listen_addr, port, cfg->domains[0], cfg->mail_root);

    while (!stop_requested) {
        start_worker(cfg, &worker, listener, &wait_mask, context);
        fd_set readable;
        FD_ZERO(&readable);
        FD_SET(listener, &readable);
        /* With a worker to restart, wake up now and then to do it. */
        struct timespec second = {.tv_sec = SERVER_WORKER_RESTART_SECONDS};
        int ready = pselect(listener + 1, &readable, NULL, NULL,
                            worker.run != NULL && worker.pid == 0 ? &second : NULL, &wait_mask);
        if (child_exited) {
            child_exited = 0;
            reap_sessions(cfg, &table, &worker);
        }
        if (server_hangup_received() && worker.pid != 0)
            kill(worker.pid, SIGHUP);  /* "try the queue now" */
        if (ready <= 0)
            continue;                 /* a signal: the loop condition decides */
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) {
            /* Out of file descriptors: the connection stays queued, and
             * pselect would wake us at once again; breathe first. */
            if (errno == EMFILE || errno == ENFILE) {
                struct timespec tenth = {.tv_nsec = 100000000L};
                nanosleep(&tenth, NULL);
            }
            continue;                 /* or the client gave up already */
        }
        if (table.running >= cfg->max_sessions) {
            refuse_busy(cfg, fd, busy);
            continue;
        }
        sessions++;
        pid_t pid = fork();
        if (pid == 0)
            run_session(cfg, listener, fd, sessions, &wait_mask, session, context);
        if (pid < 0)
            fprintf(stderr, "%s: cannot start a session: %s\n", cfg->program, strerror(errno));
        else
            table_add(&table, pid);
        close(fd);
    }
    close(listener);
    if (cfg->verbose)
        fprintf(stderr, "%s: stopping (%d session(s) running)\n", cfg->program, table.running);
    stop_sessions(cfg, &table);
    stop_worker(&worker);
    free(table.pids);
    if (cfg->port_file != NULL)
        unlink(cfg->port_file);
    return EX_OK;
}
