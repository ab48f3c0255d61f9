/*
 * smtp-load - an SMTP load generator, for measuring a mail server.
 *
 *   smtp-load [-h HOST] [-p PORT] [-c SESSIONS] [-r REPEAT] [-n MESSAGES]
 *             [-s BYTES] [-f FROM] [-t TO] [--idle]
 *
 * Load mode (the default) runs SESSIONS sessions at once, one child
 * process each; each child runs REPEAT sessions one after another (so
 * -r shows what a new connection costs). Every session says EHLO, then
 * sends MESSAGES messages of BYTES octets, one at a time (no pipelining),
 * each as
 *
 *   MAIL FROM:<FROM>  250     RCPT TO:<TO>  250     DATA  354
 *   the text, then "."  250   <- the server says the message is safe
 *
 * and ends with QUIT. Every reply is checked: a message counts only when
 * its final 250 came back. The parent prints how many were acknowledged,
 * the wall-clock time from the first connect to the last QUIT, messages
 * per second, and the mean and worst time from MAIL to the final 250.
 *
 * Idle mode (--idle) opens SESSIONS connections one after the other, reads
 * each greeting and says EHLO, then holds them all open, doing nothing,
 * until its standard input ends; then it says QUIT on each. It is for
 * measuring what an idle session costs the server.
 *
 * Exit status: 0 every message acknowledged (or every idle session opened);
 * 1 something failed; 64 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define LOAD_LINE_MAX 1000              /* RFC 5321 4.5.3.1.5: a reply line, CRLF included */
#define LOAD_BODY_LINE_LEN 76           /* body line length, without CRLF: like base64 MIME */
#define LOAD_TIMEOUT_SECONDS 60         /* a reply slower than this is a failure */
#define LOAD_SESSIONS_MAX 10000         /* one child process (load) or descriptor (idle) each */
#define LOAD_SIZE_MAX (64UL << 20)      /* 64 MiB: the message is built in memory */

struct options {
    const char *host;
    const char *port;
    long sessions;       /* -c, at once */
    long repeat;         /* -r, sessions one after another in each child */
    long messages;       /* -n, per session */
    long size;           /* -s, octets of message text as sent, CRLFs included */
    const char *from;    /* -f */
    const char *to;      /* -t */
    bool idle;           /* --idle */
};

/* What one session did; a child sends it to the parent through a pipe. */
struct result {
    long acknowledged;          /* messages whose final 250 came */
    long failed;                /* messages (or sessions) that went wrong */
    double latency_sum;         /* seconds from MAIL to the final 250, summed */
    double latency_max;
};

/* One connection to the server, with its input buffer. */
struct client {
    int fd;
    char in[4096];
    size_t in_start, in_end;    /* unread bytes are in[in_start .. in_end) */
    char last_reply[LOAD_LINE_MAX + 1];   /* the last line of the last reply, for errors */
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: smtp-load [-h HOST] [-p PORT] [-c SESSIONS] [-r REPEAT] [-n MESSAGES]\n"
            "                 [-s BYTES] [-f FROM] [-t TO] [--idle]\n"
            "\n"
            "Sends mail to an SMTP server from SESSIONS connections at once and\n"
            "prints how many messages per second it acknowledged with 250.\n"
            "\n"
            "  -h, --host HOST       the server (default 127.0.0.1)\n"
            "  -p, --port PORT       its port (default 2525)\n"
            "  -c, --concurrency N   sessions at once (default 8)\n"
            "  -r, --repeat N        sessions one after another in each of those\n"
            "                        (default 1)\n"
            "  -n, --messages N      messages per session, one after another (default 50)\n"
            "  -s, --size BYTES      octets per message as sent, headers and CRLFs\n"
            "                        included; at least the header, about 170 (default 4096)\n"
            "  -f, --from ADDR       envelope sender (default bench@client.example)\n"
            "  -t, --to ADDR         envelope recipient (default bench@hamburger.edu)\n"
            "      --idle            open N sessions, say EHLO, and hold them idle until\n"
            "                        standard input ends; then QUIT each\n"
            "      --help            show this help\n"
            "\n"
            "Exit status: 0 all acknowledged; 1 a failure; 64 bad usage.\n");
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parses a whole number in [min, max]; exits with a message when it is not one. */
static long number_option(const char *name, const char *arg, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "smtp-load: %s %s: give a number from %ld to %ld\n", name, arg, min, max);
        exit(EX_USAGE);
    }
    return v;
}

static void parse_options(int argc, char **argv, struct options *o)
{
    enum { OPT_IDLE = 256, OPT_HELP };
    static const struct option long_options[] = {
        {"host", required_argument, NULL, 'h'},
        {"port", required_argument, NULL, 'p'},
        {"concurrency", required_argument, NULL, 'c'},
        {"repeat", required_argument, NULL, 'r'},
        {"messages", required_argument, NULL, 'n'},
        {"size", required_argument, NULL, 's'},
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"idle", no_argument, NULL, OPT_IDLE},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    int opt;

    *o = (struct options){.host = "127.0.0.1", .port = "2525", .sessions = 8,
                          .repeat = 1, .messages = 50, .size = 4096,
                          .from = "bench@client.example", .to = "bench@hamburger.edu"};
    while ((opt = getopt_long(argc, argv, "h:p:c:r:n:s:f:t:", long_options, NULL)) != -1) {
        switch (opt) {
        case 'h': o->host = optarg; break;
        case 'p': number_option("-p", optarg, 1, 65535); o->port = optarg; break;
        case 'c': o->sessions = number_option("-c", optarg, 1, LOAD_SESSIONS_MAX); break;
        case 'r': o->repeat = number_option("-r", optarg, 1, 100000000); break;
        case 'n': o->messages = number_option("-n", optarg, 1, 100000000); break;
        case 's': o->size = number_option("-s", optarg, 1, (long)LOAD_SIZE_MAX); break;
        case 'f': o->from = optarg; break;
        case 't': o->to = optarg; break;
        case OPT_IDLE: o->idle = true; break;
        case OPT_HELP: usage(stdout); exit(EX_OK);
        default:
            fprintf(stderr, "Try 'smtp-load --help' for more information.\n");
            exit(EX_USAGE);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "smtp-load: unexpected argument '%s' (see smtp-load --help)\n",
                argv[optind]);
        exit(EX_USAGE);
    }
    if (o->repeat > LONG_MAX / o->messages / o->sessions) {
        fprintf(stderr, "smtp-load: -c x -r x -n is too many messages to count\n");
        exit(EX_USAGE);
    }
}

/*
 * Connects to host:port, trying each address getaddrinfo gives (IPv4 and
 * IPv6). Replies slower than LOAD_TIMEOUT_SECONDS make reads fail.
 * Returns the socket, or -1 after a message.
 */
static int connect_to(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *list, *ai;
    int fd = -1, saved_errno = 0;

    int rc = getaddrinfo(host, port, &hints, &list);
    if (rc != 0) {
        fprintf(stderr, "smtp-load: %s: %s\n", host, gai_strerror(rc));
        return -1;
    }
    for (ai = list; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            saved_errno = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(list);
    if (fd < 0) {
        fprintf(stderr, "smtp-load: cannot connect to %s port %s: %s\n", host, port,
                strerror(saved_errno));
        return -1;
    }
    struct timeval tv = {.tv_sec = LOAD_TIMEOUT_SECONDS};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    /* Send each write at once. With Nagle's algorithm a small write that
     * follows another waits for the server's delayed ACK (40 ms on Linux):
     * we would be measuring that timer, not the server. */
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    return fd;
}

/* Writes all of data; -1 when the server is gone or too slow. */
static int send_all(struct client *c, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * Reads one reply line into buf (CRLF removed). Returns 0, or -1 at EOF,
 * on error or timeout, or when the line is longer than buf.
 */
static int read_line(struct client *c, char *buf, size_t bufsize)
{
    size_t len = 0;
    for (;;) {
        if (c->in_start == c->in_end) {
            ssize_t n = recv(c->fd, c->in, sizeof c->in, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return -1;
            c->in_start = 0;
            c->in_end = (size_t)n;
        }
        char ch = c->in[c->in_start++];
        if (ch == '\n') {
            if (len > 0 && buf[len - 1] == '\r')
                len--;
            buf[len] = '\0';
            return 0;
        }
        if (len + 1 >= bufsize)
            return -1;
        buf[len++] = ch;
    }
}

/*
 * Reads one whole reply: lines "250-..." then a last line "250 ..."
 * (RFC 5321 4.2.1). Returns its code, or -1 when none came. The last
 * line is kept in c->last_reply for messages.
 */
static int read_reply(struct client *c)
{
    for (;;) {
        if (read_line(c, c->last_reply, sizeof c->last_reply) != 0) {
            snprintf(c->last_reply, sizeof c->last_reply, "(no reply: %s)",
                     errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : "connection closed");
            return -1;
        }
        if (strlen(c->last_reply) < 3)
            return -1;
        if (c->last_reply[3] != '-')
            return atoi(c->last_reply);
    }
}

/* Sends a command line (if any) and checks the reply's code; prints why not. */
static int command(struct client *c, const char *line, int expected)
{
    char buf[LOAD_LINE_MAX + 1];
    if (line != NULL) {
        int n = snprintf(buf, sizeof buf, "%s\r\n", line);
        if (n < 0 || (size_t)n >= sizeof buf) {
            fprintf(stderr, "smtp-load: command too long: %.40s...\n", line);
            return -1;
        }
        if (send_all(c, buf, (size_t)n) != 0) {
            fprintf(stderr, "smtp-load: cannot send %s: %s\n", line, strerror(errno));
            return -1;
        }
    }
    int code = read_reply(c);
    if (code != expected) {
        fprintf(stderr, "smtp-load: after %s: expected %d, got: %s\n",
                line != NULL ? line : "connecting", expected, c->last_reply);
        return -1;
    }
    return 0;
}

/* Connects, reads the 220 greeting and says EHLO. Returns 0 or -1. */
static int session_open(struct client *c, const struct options *o)
{
    memset(c, 0, sizeof *c);
    c->fd = connect_to(o->host, o->port);
    if (c->fd < 0)
        return -1;
    if (command(c, NULL, 220) != 0 || command(c, "EHLO client.example", 250) != 0) {
        close(c->fd);
        return -1;
    }
    return 0;
}

static void session_close(struct client *c)
{
    command(c, "QUIT", 221);
    close(c->fd);
}

/*
 * The body every message shares: lines of LOAD_BODY_LINE_LEN letters and
 * CRLF, cut so that header plus body are exactly size octets. No line
 * starts with a dot, so nothing needs dot-stuffing. The caller frees it.
 */
static char *make_body(long size, size_t header_len, size_t *body_len)
{
    size_t len = (size_t)size > header_len + 2 ? (size_t)size - header_len : 2;
    char *body = malloc(len);
    if (body == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        size_t col = i % (LOAD_BODY_LINE_LEN + 2);
        body[i] = col == LOAD_BODY_LINE_LEN ? '\r'
                : col == LOAD_BODY_LINE_LEN + 1 ? '\n'
                : (char)('a' + (i / (LOAD_BODY_LINE_LEN + 2) + col) % 26);
    }
    /* The text must end with CRLF, so that "." follows a line end. */
    body[len - 2] = '\r';
    body[len - 1] = '\n';
    *body_len = len;
    return body;
}

/*
 * The header of message number msg of session number session; the
 * numbers are fixed-width, so every header of a session has one length.
 * The Subject makes every message distinct, so a script can check that
 * each one arrived exactly once. Returns the length, or -1.
 */
static int make_header(char *buf, size_t len, const struct options *o, long session, long msg)
{
    int n = snprintf(buf, len,
                     "From: <%s>\r\nTo: <%s>\r\n"
                     "Subject: smtp-load session %06ld message %09ld\r\n"
                     "Message-ID: <%ld.%06ld.%09ld@client.example>\r\n\r\n",
                     o->from, o->to, session, msg, (long)getpid(), session, msg);
    return n < 0 || (size_t)n >= len ? -1 : n;
}

/* Sends one message and checks every reply. Returns 0 when it was acknowledged. */
static int send_message(struct client *c, const struct options *o, long session, long msg,
                        const char *body, size_t body_len)
{
    char line[LOAD_LINE_MAX + 1], header[LOAD_LINE_MAX];

    int header_len = make_header(header, sizeof header, o, session, msg);
    if (header_len < 0)
        return -1;
    snprintf(line, sizeof line, "MAIL FROM:<%s>", o->from);
    if (command(c, line, 250) != 0)
        return -1;
    snprintf(line, sizeof line, "RCPT TO:<%s>", o->to);
    if (command(c, line, 250) != 0 || command(c, "DATA", 354) != 0)
        return -1;
    if (send_all(c, header, (size_t)header_len) != 0 || send_all(c, body, body_len) != 0) {
        fprintf(stderr, "smtp-load: cannot send the message: %s\n", strerror(errno));
        return -1;
    }
    return command(c, ".", 250);
}

/*
 * One session of the load: EHLO, o->messages messages, QUIT. Stops at the
 * first failure (the rest of its messages count as failed).
 */
static struct result run_session(const struct options *o, long session)
{
    struct result r = {0};
    struct client c;
    char header[LOAD_LINE_MAX];
    size_t body_len;

    /* Every header of the session has the same length: the numbers are fixed-width. */
    int header_len = make_header(header, sizeof header, o, session, 1);
    char *body = header_len < 0 ? NULL : make_body(o->size, (size_t)header_len, &body_len);
    if (body == NULL || session_open(&c, o) != 0) {
        free(body);
        r.failed = o->messages;
        return r;
    }
    for (long m = 1; m <= o->messages; m++) {
        double start = now_seconds();
        if (send_message(&c, o, session, m, body, body_len) != 0) {
            r.failed = o->messages - r.acknowledged;
            break;
        }
        double latency = now_seconds() - start;
        r.acknowledged++;
        r.latency_sum += latency;
        if (latency > r.latency_max)
            r.latency_max = latency;
    }
    if (r.failed == 0)
        session_close(&c);
    else
        close(c.fd);
    free(body);
    return r;
}

/* Adds what one session did to a total. */
static void add_result(struct result *total, struct result r)
{
    total->acknowledged += r.acknowledged;
    total->failed += r.failed;
    total->latency_sum += r.latency_sum;
    if (r.latency_max > total->latency_max)
        total->latency_max = r.latency_max;
}

/*
 * Load mode: o->sessions child processes, started together, each running
 * o->repeat sessions in turn; each sends its total through one pipe (a
 * write under PIPE_BUF is atomic). Prints the totals and the rate.
 * Returns the exit status.
 */
static int run_load(const struct options *o)
{
    int results[2];
    if (pipe(results) != 0) {
        perror("smtp-load: pipe");
        return 1;
    }
    fflush(stdout);
    double start = now_seconds();
    for (long i = 1; i <= o->sessions; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("smtp-load: fork");
            return 1;
        }
        if (pid == 0) {
            close(results[0]);
            struct result r = {0};
            for (long k = 0; k < o->repeat; k++)
                add_result(&r, run_session(o, (i - 1) * o->repeat + k + 1));
            _exit(write(results[1], &r, sizeof r) == (ssize_t)sizeof r ? 0 : 1);
        }
    }
    close(results[1]);

    struct result total = {0}, r;
    long reported = 0;
    while (read(results[0], &r, sizeof r) == (ssize_t)sizeof r) {
        add_result(&total, r);
        reported++;
    }
    while (wait(NULL) > 0)
        ;
    double elapsed = now_seconds() - start;
    close(results[0]);

    long per_child = o->repeat * o->messages;
    long expected = o->sessions * per_child;
    total.failed += (o->sessions - reported) * per_child;   /* children that died */
    printf("smtp-load: %s port %s: %ld sessions at once x %ld after another x %ld messages"
           " x %ld octets\n", o->host, o->port, o->sessions, o->repeat, o->messages, o->size);
    printf("acknowledged %ld of %ld messages, %ld failed, in %.3f s: %.1f msgs/s\n",
           total.acknowledged, expected, total.failed, elapsed,
           (double)total.acknowledged / elapsed);
    if (total.acknowledged > 0)
        printf("latency MAIL to final 250: mean %.1f ms, max %.1f ms\n",
               1000 * total.latency_sum / (double)total.acknowledged, 1000 * total.latency_max);
    return total.acknowledged == expected ? 0 : 1;
}

/*
 * Idle mode: opens the sessions one by one (so the server's listen queue
 * never overflows), holds them until standard input ends, then QUITs.
 */
static int run_idle(const struct options *o)
{
    struct client *clients = calloc((size_t)o->sessions, sizeof *clients);
    long open = 0;
    if (clients == NULL) {
        perror("smtp-load");
        return 1;
    }
    while (open < o->sessions && session_open(&clients[open], o) == 0)
        open++;
    printf("holding %ld idle sessions (of %ld) to %s port %s; end standard input to close them\n",
           open, o->sessions, o->host, o->port);
    fflush(stdout);
    char ignored[256];
    while (fread(ignored, 1, sizeof ignored, stdin) > 0)
        ;
    for (long i = 0; i < open; i++)
        session_close(&clients[i]);
    free(clients);
    return open == o->sessions ? 0 : 1;
}

int main(int argc, char **argv)
{
    struct options o;
    parse_options(argc, argv, &o);
    return o.idle ? run_idle(&o) : run_load(&o);
}
